// tests/allocman: the library's kernel calls on retype's kernel model
// (backend/model.hpp), so that every object's paddr, every watermark and every
// delete is the model's, not the library's own idea of it.
#include "model_kernel.h"

#include <retype/backend/model.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype_allocman/allocman.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace {

namespace kernel = retype::kernel;

constexpr kernel::config cfg{.target = kernel::arch::aarch64_hyp};
// One node per retype of count 1: 2^19 guest pages, their halvings and the VMM's objects.
constexpr std::size_t nodes = (std::size_t{1} << 19) + (std::size_t{1} << 14);
using model_t = retype::backend::model<nodes, MODEL_SLOTS>;

std::unique_ptr<model_t> g_model;
std::size_t g_calls = 0;
std::size_t g_refused = 0;

model_t& m() { return *g_model; }

bool type_of(std::uintptr_t number, kernel::object_type& out) {
    for (kernel::object_type t : kernel::all_object_types) {
        const auto n = kernel::sel4_type_number(cfg, t);
        if (n && *n == number) {
            out = t;
            return true;
        }
    }
    return false;
}

} // namespace

extern "C" int model_reset(void) {
    g_model = std::make_unique<model_t>(cfg); // about 60 MiB: on the heap
    g_calls = g_refused = 0;
    return 0;
}

extern "C" int model_untyped(uintptr_t slot, uintptr_t paddr, unsigned size_bits, int device) {
    return m().declare_untyped(slot, paddr, size_bits, device != 0) ? 0 : -1;
}

extern "C" int model_occupied(uintptr_t slot) { return m().occupied(slot) ? 1 : 0; }
extern "C" uintptr_t model_paddr(uintptr_t slot) { return static_cast<uintptr_t>(m().paddr(slot)); }
extern "C" int model_delete(uintptr_t slot) { return m().cnode_delete(slot) ? 0 : -1; }
extern "C" size_t model_calls(void) { return g_calls; }
extern "C" size_t model_refused(void) { return g_refused; }

// seL4_Untyped_Retype(ut, type, size_bits, root, node_index, node_depth, node_offset, 1) in a
// single-level CSpace: the destination is node_offset of the root CNode (node_depth 0).
extern "C" int retype_allocman_kernel_retype(retype_allocman_word_t ut, retype_allocman_word_t type,
                                             retype_allocman_word_t size_bits, retype_allocman_word_t root,
                                             retype_allocman_word_t node_index, retype_allocman_word_t node_depth,
                                             retype_allocman_word_t node_offset) {
    ++g_calls;
    kernel::object_type t{};
    if (root != MODEL_ROOT || node_index != 0 || node_depth != 0 || !type_of(type, t)) {
        ++g_refused;
        return 1; // seL4_InvalidArgument
    }
    auto r = m().untyped_retype(retype::backend::retype_call{
        .untyped = ut, .type = t, .size_bits = size_bits, .dest = node_offset, .count = 1});
    if (!r) {
        ++g_refused;
        return 10; // seL4_NotEnoughMemory or another refusal: the library only needs "not 0"
    }
    return 0;
}

extern "C" int retype_allocman_kernel_delete(retype_allocman_word_t root, retype_allocman_word_t cptr,
                                             retype_allocman_word_t depth) {
    ++g_calls;
    if (root != MODEL_ROOT || depth != sizeof(retype_allocman_word_t) * 8 || !m().occupied(cptr)) {
        ++g_refused;
        return 6; // seL4_FailedLookup
    }
    // The model refuses to delete an untyped with children: the library must only
    // merge halves whose objects the caller has deleted.
    if (!m().cnode_delete(cptr)) {
        ++g_refused;
        return 9; // seL4_RevokeFirst
    }
    return 0;
}
