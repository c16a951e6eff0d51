// TEST DOUBLE of libsel4's <sel4/types.h>: the words, the object types of this
// configuration (common, mode, architecture, in libsel4's order), the errors
// and the sizes, and the capability typedefs the backend uses.
#pragma once

// In libsel4's order, which matters (each enum continues the one before):
// clang-format off
#include <sel4/config.h>
#include <sel4/simple_types.h>
#include <sel4/objecttype.h>
#include <sel4/sel4_arch/objecttype.h>
#include <sel4/arch/objecttype.h>
#include <sel4/errors.h>
#include <sel4/constants.h>
#include <sel4/sel4_arch/constants.h>
#include <sel4/arch/constants.h>
// clang-format on

typedef seL4_CPtr seL4_CNode;
typedef seL4_CPtr seL4_Untyped;
typedef seL4_Word seL4_NodeId;
typedef seL4_Word seL4_Domain;
typedef struct seL4_IPCBuffer_ seL4_IPCBuffer; // opaque in the double: bootinfo holds only a pointer
#if defined(CONFIG_ARCH_X86)
typedef seL4_CPtr seL4_X86_Page;
#elif defined(CONFIG_ARCH_ARM)
typedef seL4_CPtr seL4_ARM_Page;
#elif defined(CONFIG_ARCH_RISCV)
typedef seL4_CPtr seL4_RISCV_Page;
#endif
