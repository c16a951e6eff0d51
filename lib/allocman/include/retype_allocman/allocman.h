/* retype_allocman: a drop-in for libsel4allocman's utspace_split, and a vka_t
 * adapter, in C ABI. See docs/c-allocman.md.
 *
 * These are retype's own declarations of the interface types, written from
 * the published shapes (libsel4allocman allocman/utspace/utspace.h, split.h;
 * libsel4vka vka/vka.h, vka/cspacepath_t.h): same members, same order, same
 * sizes, so that code compiled against seL4_libs' headers and this library
 * agree at link time. The layout checks at the end of this file pin them. */
#ifndef RETYPE_ALLOCMAN_ALLOCMAN_H
#define RETYPE_ALLOCMAN_ALLOCMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* seL4_Word / seL4_CPtr: one machine word (LP64 and ILP32 seL4 ABIs). */
typedef uintptr_t retype_allocman_word_t;
#define RETYPE_ALLOCMAN_WORD_BITS (__SIZEOF_POINTER__ * 8)

/* allocman's untyped kinds (ALLOCMAN_UT_*) and its "no physical address". */
#define RETYPE_ALLOCMAN_UT_KERNEL 0
#define RETYPE_ALLOCMAN_UT_DEV 1
#define RETYPE_ALLOCMAN_UT_DEV_MEM 2
#define RETYPE_ALLOCMAN_NO_PADDR 1

/* cspacepath_t: seven words. Objects are retyped into (root, dest, destDepth, offset). */
typedef struct retype_allocman_path {
    retype_allocman_word_t capPtr;
    retype_allocman_word_t capDepth;
    retype_allocman_word_t root;
    retype_allocman_word_t dest;
    retype_allocman_word_t destDepth;
    retype_allocman_word_t offset;
    retype_allocman_word_t window;
} retype_allocman_path_t;

/* utspace_split_t: the bytes bootstrap allocates for the root state (three
 * arrays of CONFIG_WORD_SIZE pointers). This library keeps its per-instance
 * state inside them; blocks live in a static area shared by all instances. */
typedef struct retype_allocman_utspace {
    void* words[3 * RETYPE_ALLOCMAN_WORD_BITS];
} retype_allocman_utspace_t;

struct allocman; /* opaque: only passed back to allocman_cspace_alloc / _free */

/* struct allocman_properties */
typedef struct retype_allocman_properties {
    int alloc_can_free;
    int free_can_alloc;
    int alloc_can_alloc;
    int free_can_free;
} retype_allocman_properties_t;

/* struct utspace_interface (what utspace_split_make_interface fills in). */
typedef struct retype_allocman_utspace_interface {
    retype_allocman_word_t (*alloc)(struct allocman* alloc, void* utspace, size_t size_bits,
                                    retype_allocman_word_t object_type, const retype_allocman_path_t* slot,
                                    uintptr_t paddr, bool canBeDevice, int* error);
    void (*free)(struct allocman* alloc, void* utspace, retype_allocman_word_t cookie, size_t size_bits);
    int (*add_uts)(struct allocman* alloc, void* utspace, size_t num, const retype_allocman_path_t* uts,
                   size_t* size_bits, uintptr_t* paddr, int utType);
    uintptr_t (*paddr)(void* utspace, retype_allocman_word_t cookie, size_t size_bits);
    retype_allocman_properties_t properties;
    void* utspace;
} retype_allocman_utspace_interface_t;

/* ---- The five symbols of libsel4allocman's src/utspace/split.c ----------
 * Linked ahead of libsel4allocman.a, they replace utspace_split everywhere
 * (bootstrap's root utspace and its private device-carving instance).
 * size_bits is the object's size in memory (a CNode: slot bits + seL4_SlotBits).
 * alloc returns a cookie, never 0 and never all ones; on failure 0 and *error = 1. */
void utspace_split_create(retype_allocman_utspace_t* split);
int _utspace_split_add_uts(struct allocman* alloc, void* split, size_t num, const retype_allocman_path_t* uts,
                           size_t* size_bits, uintptr_t* paddr, int utType);
retype_allocman_word_t _utspace_split_alloc(struct allocman* alloc, void* split, size_t size_bits,
                                            retype_allocman_word_t type, const retype_allocman_path_t* slot,
                                            uintptr_t paddr, bool canBeDev, int* error);
void _utspace_split_free(struct allocman* alloc, void* split, retype_allocman_word_t cookie, size_t size_bits);
uintptr_t _utspace_split_paddr(void* split, retype_allocman_word_t cookie, size_t size_bits);

/* allocman's slot allocator (libsel4allocman allocman.h), which the utspace_split
 * symbols above call for the slots of halved untypeds. Provided by
 * libsel4allocman.a in a real build, by a stand-in in host tests. */
int allocman_cspace_alloc(struct allocman* alloc, retype_allocman_path_t* slot);
void allocman_cspace_free(struct allocman* alloc, const retype_allocman_path_t* slot);

/* ---- vka_t adapter, for programs that use vka without allocman ----------- */

/* vka_t (vka/vka.h): the data pointer, then eight functions in this order. */
typedef struct retype_vka {
    void* data;
    int (*cspace_alloc)(void* data, retype_allocman_word_t* res);
    void (*cspace_make_path)(void* data, retype_allocman_word_t slot, retype_allocman_path_t* res);
    int (*utspace_alloc)(void* data, const retype_allocman_path_t* dest, retype_allocman_word_t type,
                         retype_allocman_word_t size_bits, retype_allocman_word_t* res);
    int (*utspace_alloc_maybe_device)(void* data, const retype_allocman_path_t* dest, retype_allocman_word_t type,
                                      retype_allocman_word_t size_bits, bool can_use_dev, retype_allocman_word_t* res);
    int (*utspace_alloc_at)(void* data, const retype_allocman_path_t* dest, retype_allocman_word_t type,
                            retype_allocman_word_t size_bits, uintptr_t paddr, retype_allocman_word_t* cookie);
    void (*cspace_free)(void* data, retype_allocman_word_t slot);
    void (*utspace_free)(void* data, retype_allocman_word_t type, retype_allocman_word_t size_bits,
                         retype_allocman_word_t target);
    uintptr_t (*utspace_paddr)(void* data, retype_allocman_word_t target, retype_allocman_word_t type,
                               retype_allocman_word_t size_bits);
} retype_vka_t;

/* The adapter's state: one utspace instance and a window of free slots
 * [first_slot, first_slot + num_slots) in a single-level CSpace whose root
 * CNode is `root` (capDepth `depth`, usually seL4_WordBits); slot s is
 * node_offset s of `root` as a retype destination. `bitmap` holds
 * ceil(num_slots / RETYPE_ALLOCMAN_WORD_BITS) words owned by the caller. */
typedef struct retype_vka_state {
    retype_allocman_utspace_t utspace;
    retype_allocman_word_t root;
    retype_allocman_word_t depth;
    retype_allocman_word_t first_slot;
    retype_allocman_word_t num_slots;
    retype_allocman_word_t* bitmap; /* bit set = slot free */
    retype_allocman_word_t hint;    /* word index to search first */
} retype_vka_state_t;

/* Fills *vka and *state; every slot of the window starts free. Returns 0, or
 * -1 for a NULL argument or an empty window. */
int retype_vka_init(retype_vka_t* vka, retype_vka_state_t* state, retype_allocman_word_t root,
                    retype_allocman_word_t depth, retype_allocman_word_t first_slot, retype_allocman_word_t num_slots,
                    retype_allocman_word_t* bitmap);
/* allocman_utspace_add_uts for the adapter: same arguments and rules. */
int retype_vka_add_uts(retype_vka_state_t* state, size_t num, const retype_allocman_path_t* uts, size_t* size_bits,
                       uintptr_t* paddr, int utType);

/* ---- Introspection (tests, benchmarks) ---------------------------------- */

/* The size in memory (log2 bytes) of an object of seL4 type `type` created with
 * Untyped_Retype's size_bits `sel4_size_bits` (vka's convention), 0 if the type
 * is unknown to the configured kernel. */
size_t retype_allocman_object_bits(retype_allocman_word_t type, retype_allocman_word_t sel4_size_bits);

typedef struct retype_allocman_stats {
    size_t blocks_capacity; /* descriptors in the static area (RETYPE_ALLOCMAN_BLOCKS) */
    size_t blocks_in_use;   /* held now, by every instance */
    size_t blocks_peak;     /* most ever held at once */
    size_t block_bytes;     /* size of one descriptor */
    size_t static_bytes;    /* the whole static area */
    size_t stream_after;    /* RETYPE_ALLOCMAN_STREAM_AFTER */
    size_t instance_bytes;  /* state kept inside one retype_allocman_utspace_t */
    size_t kernel_calls;    /* Untyped_Retype + CNode_Delete made so far, all instances */
} retype_allocman_stats_t;
void retype_allocman_get_stats(retype_allocman_stats_t* out);

/* ---- The kernel calls, one definition per flavour ------------------------
 * seL4 flavour: seL4_Untyped_Retype(ut, type, size_bits, root, node_index,
 * node_depth, node_offset, 1) and seL4_CNode_Delete(root, cptr, depth).
 * Host flavour: defined by the program (tests: retype's kernel model). Each
 * returns an seL4_Error number (0 = seL4_NoError). */
int retype_allocman_kernel_retype(retype_allocman_word_t ut, retype_allocman_word_t type,
                                  retype_allocman_word_t size_bits, retype_allocman_word_t root,
                                  retype_allocman_word_t node_index, retype_allocman_word_t node_depth,
                                  retype_allocman_word_t node_offset);
int retype_allocman_kernel_delete(retype_allocman_word_t root, retype_allocman_word_t cptr,
                                  retype_allocman_word_t depth);

/* ---- Layout checks (the shapes seL4_libs' headers give these types) ------ */
#ifdef __cplusplus
#define RETYPE_ALLOCMAN_ASSERT(c, m) static_assert(c, m)
#else
#define RETYPE_ALLOCMAN_ASSERT(c, m) _Static_assert(c, m)
#endif
#define RETYPE_ALLOCMAN_W sizeof(retype_allocman_word_t)
RETYPE_ALLOCMAN_ASSERT(sizeof(retype_allocman_word_t) == sizeof(void*), "seL4_Word is one pointer wide");
RETYPE_ALLOCMAN_ASSERT(sizeof(retype_allocman_path_t) == 7 * RETYPE_ALLOCMAN_W, "cspacepath_t is seven words");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_path_t, capDepth) == 1 * RETYPE_ALLOCMAN_W, "cspacepath_t.capDepth");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_path_t, root) == 2 * RETYPE_ALLOCMAN_W, "cspacepath_t.root");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_path_t, dest) == 3 * RETYPE_ALLOCMAN_W, "cspacepath_t.dest");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_path_t, destDepth) == 4 * RETYPE_ALLOCMAN_W, "cspacepath_t.destDepth");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_path_t, offset) == 5 * RETYPE_ALLOCMAN_W, "cspacepath_t.offset");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_path_t, window) == 6 * RETYPE_ALLOCMAN_W, "cspacepath_t.window");
/* 3 x CONFIG_WORD_SIZE pointers: 3 * 64 * 8 = 1536 B on 64-bit, 3 * 32 * 4 = 384 B on 32-bit. */
RETYPE_ALLOCMAN_ASSERT(sizeof(retype_allocman_utspace_t) == 3 * RETYPE_ALLOCMAN_WORD_BITS * sizeof(void*),
                       "utspace_split_t is three arrays of CONFIG_WORD_SIZE pointers");
RETYPE_ALLOCMAN_ASSERT(sizeof(void*) != 8 || sizeof(retype_allocman_utspace_t) == 1536, "1536 B on 64-bit");
RETYPE_ALLOCMAN_ASSERT(sizeof(retype_allocman_properties_t) == 4 * sizeof(int), "allocman_properties: four ints");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_utspace_interface_t, free) == 1 * sizeof(void*), "utspace.free");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_utspace_interface_t, add_uts) == 2 * sizeof(void*), "utspace.add_uts");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_utspace_interface_t, paddr) == 3 * sizeof(void*), "utspace.paddr");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_utspace_interface_t, properties) == 4 * sizeof(void*),
                       "utspace.properties");
/* properties is 16 B, so utspace sits at 48 on LP64 and 32 on ILP32: both word aligned. */
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_allocman_utspace_interface_t, utspace) == 4 * sizeof(void*) + 4 * sizeof(int),
                       "utspace.utspace");
RETYPE_ALLOCMAN_ASSERT(sizeof(retype_allocman_utspace_interface_t) == 5 * sizeof(void*) + 4 * sizeof(int),
                       "utspace_interface_t size");
RETYPE_ALLOCMAN_ASSERT(sizeof(retype_vka_t) == 9 * sizeof(void*), "vka_t: data and eight functions");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, cspace_alloc) == 1 * sizeof(void*), "vka.cspace_alloc");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, cspace_make_path) == 2 * sizeof(void*), "vka.cspace_make_path");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, utspace_alloc) == 3 * sizeof(void*), "vka.utspace_alloc");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, utspace_alloc_maybe_device) == 4 * sizeof(void*),
                       "vka.utspace_alloc_maybe_device");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, utspace_alloc_at) == 5 * sizeof(void*), "vka.utspace_alloc_at");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, cspace_free) == 6 * sizeof(void*), "vka.cspace_free");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, utspace_free) == 7 * sizeof(void*), "vka.utspace_free");
RETYPE_ALLOCMAN_ASSERT(offsetof(retype_vka_t, utspace_paddr) == 8 * sizeof(void*), "vka.utspace_paddr");
#undef RETYPE_ALLOCMAN_W

#ifdef __cplusplus
}
#endif

#endif /* RETYPE_ALLOCMAN_ALLOCMAN_H */
