// retype allocator: the fast path, one component. A request for one object,
// not at an address, whose checks pass and for which the strategy has a free
// block of exactly the object's size (a halving strategy's exact_block), is
// served without a plan: one table lookup for the checks, one bit test and one
// list front for the block, one slot from the cache, one retype, then the
// record and the block's descriptor. basic_allocator's allocate() members try
// it first and fall back to the planned path, which serves every other request
// (and would choose the same block and slot for this one).
//
// What it keeps: the checks are the planned path's for this request (an input
// the checks refuse, a full record table or an undo that could not finish
// takes the planned path, which reports it); nothing changes before the one
// kernel call; a refused retype puts the slot back where it came from; an
// object the backend reports elsewhere is undone as the planned path undoes it
// (tests/policy/fast_path.test.cpp compares the two paths' snapshots).
//
// Complexity: find, allocate: O(1) (a slot from the runs when the cache is
// empty: slot_manager.hpp's take).
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/planned_path.hpp>
#include <retype/allocator/types.hpp>
#include <retype/error.hpp>
#include <retype/result.hpp>

#include <cstdint>
#include <utility>

namespace retype::detail {

/// What find() found: the block, the object's size and the slot (taken).
struct fast_hit {
    std::uint32_t block = no_index; // no_index: take the planned path
    unsigned bits = 0;
    slot_take slot{};
};

struct fast_path {
    /// The block and the slot for one object of `type`, or a hit whose block
    /// is no_index (and no change) when the request is not the fast path's.
    template <class A>
    [[nodiscard, gnu::always_inline]] static constexpr fast_hit find(A& a, kernel::object_type type,
                                                                     std::uint64_t size_bits, memory mem) noexcept {
        const unsigned bits = A::checks::exact_bits(type, size_bits, mem);
        if (bits == A::checks::no_bits || a.st_.rec.available() == 0 || a.stranded_.overflowed()) return {};
        const std::uint32_t bi = a.strategy_.exact_block(a.st_, mem == memory::device, bits);
        slot_take t; // NOLINT(cppcoreguidelines-pro-type-member-init): written by the take that succeeds
        if (bi == no_index || !(a.st_.slots.take_cached_single(t) || a.st_.slots.take(1, t))) return {};
        return fast_hit{bi, bits, t};
    }

    /// One object from h (find()'s): one retype; then the record and the
    /// block's descriptor. On a refused retype the slot goes back where it
    /// came from and nothing else has changed.
    template <class A>
    [[nodiscard]] static constexpr result<allocation> allocate(A& a, kernel::object_type type, std::uint64_t size_bits,
                                                               const fast_hit& h, bool range) noexcept {
        auto& st = a.st_;
        const untyped_desc& u = st.ut[h.block];
        auto r = st.backend->untyped_retype(backend::retype_call{u.slot, type, size_bits, h.slot.first, 1});
        if (!r) {
            st.slots.restore(h.slot);
            return failure(r.error());
        }
        ++st.stats.retypes;
        if (r->paddr_known && r->paddr != u.paddr) return mispredicted(a, type, size_bits, h, r->paddr);
        const std::uint32_t ri = st.rec.take();
        record& rec = st.rec[ri];
        rec.range = range;
        rec.untyped = h.block;
        rec.type = type;
        rec.size_bits = size_bits;
        rec.object_bits = static_cast<std::uint8_t>(h.bits);
        rec.count = 1;
        rec.slot = h.slot.first;
        rec.paddr = u.paddr;
        rec.pad_slot = 0;
        rec.pad_count = 0;
        a.strategy_.commit_exact(st, h.block, ri, h.bits);
        // Built in place: no copy of the allocation on the way out.
        return result<allocation>(std::in_place, allocation_id{ri, rec.generation}, u.slot, h.slot.first,
                                  std::uint64_t{1}, type, size_bits, static_cast<std::uint8_t>(h.bits), u.paddr,
                                  u.device, std::uint32_t{1});
    }

private:
    /// The one retype made its object elsewhere: the planned path's undo
    /// (delete the cap, tried twice; a refusal strands the slot), through a
    /// plan of that one step. Rare, so its cost does not matter.
    template <class A>
    [[nodiscard]] static constexpr result<allocation> mispredicted(A& a, kernel::object_type type,
                                                                   std::uint64_t size_bits, const fast_hit& h,
                                                                   kernel::paddr_t actual) noexcept {
        auto& st = a.st_;
        call_plan p;
        const untyped_desc& u = st.ut[h.block];
        p.block = h.block;
        p.object_slot = h.slot.first;
        p.takes[p.takes_n++] = h.slot;
        p.steps[p.n++] = step{u.slot, type, size_bits, static_cast<std::uint8_t>(h.bits), h.slot.first, 1, u.paddr};
        executor<typename A::backend_type>::undo_all(*st.backend, p, st.stats);
        p.mispredicted = true;
        p.actual = actual;
        p.batch = 1;
        p.stop_step = 0; // as the planned path stops: step 0, its one object made
        p.stop_done = 1;
        a.strategy_.undone(st, p);
        return failure(detail::planned_path::after_undo(a, p, make_error(error_code::mispredicted, u.paddr, actual)));
    }
};

} // namespace retype::detail
