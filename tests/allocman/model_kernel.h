/* tests/allocman: retype's kernel model behind the library's two kernel calls,
 * as a C API for the C tests. One model per process (qemu-arm-virt, kernel as
 * hypervisor: aarch64_hyp), one single-level CSpace whose slot n is model slot n. */
#ifndef RETYPE_ALLOCMAN_TEST_MODEL_KERNEL_H
#define RETYPE_ALLOCMAN_TEST_MODEL_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MODEL_SLOTS (1u << 20)
#define MODEL_ROOT 2u /* the CSpace root CNode's CPtr, as seL4_CapInitThreadCNode */

/* A fresh model. Returns 0. */
int model_reset(void);
/* An untyped as bootinfo hands it over, in `slot`. Returns 0 on success. */
int model_untyped(uintptr_t slot, uintptr_t paddr, unsigned size_bits, int device);
int model_occupied(uintptr_t slot);
/* The model's paddr of the object in `slot` (requires model_occupied). */
uintptr_t model_paddr(uintptr_t slot);
/* seL4_CNode_Delete of the caller's own cap in `slot`. Returns 0 on success. */
int model_delete(uintptr_t slot);
/* Untyped_Retype and CNode_Delete calls the library made; calls refused by the model. */
size_t model_calls(void);
size_t model_refused(void);

#ifdef __cplusplus
}
#endif

#endif
