// retype_allocman: the five external symbols of libsel4allocman's
// src/utspace/split.c. Linked ahead of libsel4allocman.a they replace
// utspace_split for bootstrap's root utspace and for its private
// device-carving instance; slots for halvings come from allocman's cspace.
#include "core.hpp"

namespace {

using namespace retype::allocman;

int cspace_alloc(void* ctx, path* out) { return allocman_cspace_alloc(static_cast<struct allocman*>(ctx), out); }
void cspace_free(void* ctx, const path* slot) { allocman_cspace_free(static_cast<struct allocman*>(ctx), slot); }

slot_source allocman_slots(struct allocman* alloc) noexcept { return slot_source{cspace_alloc, cspace_free, alloc}; }

} // namespace

extern "C" {

void utspace_split_create(retype_allocman_utspace_t* split) {
    if (split != nullptr) create(as_instance(split));
}

int _utspace_split_add_uts(struct allocman*, void* split, size_t num, const retype_allocman_path_t* uts,
                           size_t* size_bits, uintptr_t* paddr, int utType) {
    if (split == nullptr) return 1;
    return add_uts(as_instance(split), num, uts, size_bits, paddr, utType);
}

retype_allocman_word_t _utspace_split_alloc(struct allocman* alloc, void* split, size_t size_bits,
                                            retype_allocman_word_t type, const retype_allocman_path_t* slot,
                                            uintptr_t paddr, bool canBeDev, int* error) {
    if (split == nullptr) {
        if (error) *error = 1;
        return 0;
    }
    return retype::allocman::alloc(as_instance(split), allocman_slots(alloc), size_bits, type, slot, paddr, canBeDev,
                                   error);
}

void _utspace_split_free(struct allocman* alloc, void* split, retype_allocman_word_t cookie, size_t size_bits) {
    if (split != nullptr) retype::allocman::free(as_instance(split), allocman_slots(alloc), cookie, size_bits);
}

uintptr_t _utspace_split_paddr(void* split, retype_allocman_word_t cookie, size_t size_bits) {
    if (split == nullptr) return RETYPE_ALLOCMAN_NO_PADDR;
    return paddr_of(as_instance(split), cookie, size_bits);
}

} // extern "C"
