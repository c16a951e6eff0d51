// retype_allocman: a vka_t over one utspace instance and a window of slots in
// a single-level CSpace, for programs that use vka without allocman. The size
// conventions are vka's: size_bits as passed to Untyped_Retype, converted to
// the size in memory as allocman's own vka adapter does (vka_get_object_size).
#include "core.hpp"

#include <bit>

namespace {

using namespace retype::allocman;

retype_vka_state_t& st(void* data) noexcept { return *static_cast<retype_vka_state_t*>(data); }

path make_path(const retype_vka_state_t& s, word slot) noexcept {
    // Single level: the slot is node_offset `slot` of the root CNode itself.
    return path{slot, s.depth, s.root, 0, 0, slot, 1};
}

int window_alloc(retype_vka_state_t& s, word& out) noexcept {
    const word words = (s.num_slots + word_bits - 1) / word_bits;
    for (word n = 0; n < words; ++n) {
        const word w = (s.hint + n) % words;
        if (s.bitmap[w] == 0) continue;
        const unsigned b = static_cast<unsigned>(std::countr_zero(s.bitmap[w]));
        s.bitmap[w] &= ~(word{1} << b);
        s.hint = w;
        out = s.first_slot + w * word_bits + b;
        return 0;
    }
    return -1;
}

void window_free(retype_vka_state_t& s, word slot) noexcept {
    if (slot < s.first_slot || slot - s.first_slot >= s.num_slots) return;
    const word i = slot - s.first_slot;
    s.bitmap[i / word_bits] |= word{1} << (i % word_bits);
}

int slots_alloc(void* ctx, path* out) {
    word slot = 0;
    if (window_alloc(st(ctx), slot) != 0) return 1;
    *out = make_path(st(ctx), slot);
    return 0;
}
void slots_free(void* ctx, const path* slot) { window_free(st(ctx), slot->capPtr); }
slot_source slots(void* data) noexcept { return slot_source{slots_alloc, slots_free, data}; }

int vka_cspace_alloc(void* data, word* res) { return res == nullptr ? -1 : window_alloc(st(data), *res); }
void vka_cspace_make_path(void* data, word slot, path* res) {
    if (res != nullptr) *res = make_path(st(data), slot);
}
void vka_cspace_free(void* data, word slot) { window_free(st(data), slot); }

int utspace_alloc_common(void* data, const path* dest, word type, word size_bits, std::uintptr_t paddr, bool dev,
                         word* res) {
    if (dest == nullptr || res == nullptr) return -1;
    const std::size_t bits = object_bits(type, size_bits);
    int error = 1;
    *res = retype::allocman::alloc(as_instance(&st(data).utspace), slots(data), bits, type, dest, paddr, dev, &error);
    return error;
}
int vka_utspace_alloc(void* data, const path* dest, word type, word size_bits, word* res) {
    return utspace_alloc_common(data, dest, type, size_bits, no_paddr, false, res);
}
int vka_utspace_alloc_maybe_device(void* data, const path* dest, word type, word size_bits, bool can_use_dev,
                                   word* res) {
    return utspace_alloc_common(data, dest, type, size_bits, no_paddr, can_use_dev, res);
}
int vka_utspace_alloc_at(void* data, const path* dest, word type, word size_bits, std::uintptr_t paddr, word* cookie) {
    // As allocman's adapter: an explicit paddr may come from device untypeds.
    return utspace_alloc_common(data, dest, type, size_bits, paddr, true, cookie);
}
void vka_utspace_free(void* data, word type, word size_bits, word target) {
    retype::allocman::free(as_instance(&st(data).utspace), slots(data), target, object_bits(type, size_bits));
}
std::uintptr_t vka_utspace_paddr(void* data, word target, word type, word size_bits) {
    return paddr_of(as_instance(&st(data).utspace), target, object_bits(type, size_bits));
}

} // namespace

extern "C" int retype_vka_init(retype_vka_t* vka, retype_vka_state_t* state, retype_allocman_word_t root,
                               retype_allocman_word_t depth, retype_allocman_word_t first_slot,
                               retype_allocman_word_t num_slots, retype_allocman_word_t* bitmap) {
    if (vka == nullptr || state == nullptr || bitmap == nullptr || num_slots == 0) return -1;
    create(as_instance(&state->utspace));
    state->root = root;
    state->depth = depth;
    state->first_slot = first_slot;
    state->num_slots = num_slots;
    state->bitmap = bitmap;
    state->hint = 0;
    const word words = (num_slots + word_bits - 1) / word_bits;
    for (word w = 0; w < words; ++w) {
        const word left = num_slots - w * word_bits;
        bitmap[w] = left >= word_bits ? ~word{0} : (word{1} << left) - 1;
    }
    *vka = retype_vka_t{state,
                        vka_cspace_alloc,
                        vka_cspace_make_path,
                        vka_utspace_alloc,
                        vka_utspace_alloc_maybe_device,
                        vka_utspace_alloc_at,
                        vka_cspace_free,
                        vka_utspace_free,
                        vka_utspace_paddr};
    return 0;
}

extern "C" int retype_vka_add_uts(retype_vka_state_t* state, size_t num, const retype_allocman_path_t* uts,
                                  size_t* size_bits, uintptr_t* paddr, int utType) {
    if (state == nullptr) return 1;
    return add_uts(as_instance(&state->utspace), num, uts, size_bits, paddr, utType);
}
