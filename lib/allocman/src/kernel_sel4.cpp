// retype_allocman, seL4 flavour: the two kernel calls, through libsel4. Built
// only where <sel4/sel4.h> exists (a seL4 build; on a development host, the
// project's libsel4 test double). libsel4's headers have no extern "C" of their
// own; their invocation stubs are static inline, so nothing is linked from C++.
#include <retype_allocman/allocman.h>

#include <sel4/sel4.h>

extern "C" int retype_allocman_kernel_retype(retype_allocman_word_t ut, retype_allocman_word_t type,
                                             retype_allocman_word_t size_bits, retype_allocman_word_t root,
                                             retype_allocman_word_t node_index, retype_allocman_word_t node_depth,
                                             retype_allocman_word_t node_offset) {
    return static_cast<int>(seL4_Untyped_Retype(static_cast<seL4_Untyped>(ut), static_cast<seL4_Word>(type),
                                                static_cast<seL4_Word>(size_bits), static_cast<seL4_CNode>(root),
                                                static_cast<seL4_Word>(node_index), static_cast<seL4_Word>(node_depth),
                                                static_cast<seL4_Word>(node_offset), 1));
}

extern "C" int retype_allocman_kernel_delete(retype_allocman_word_t root, retype_allocman_word_t cptr,
                                             retype_allocman_word_t depth) {
    return static_cast<int>(
        seL4_CNode_Delete(static_cast<seL4_CNode>(root), static_cast<seL4_Word>(cptr), static_cast<seL4_Uint8>(depth)));
}
