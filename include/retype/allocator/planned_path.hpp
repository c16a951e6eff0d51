// retype allocator: the planned path, one component. Every request the fast
// path (fast_path.hpp) does not serve runs here: the checks, then the
// strategy's plan on unchanged state, then the executor's calls, then the
// commit, which cannot fail; a failed call is undone (executor.hpp) and the
// plan's slots go back where they came from. basic_allocator's allocate
// members, range_ops and fast_path's rare undo use its parts.
//
// Complexity: allocate: the strategy's plan + O(n/F) retypes + the
// strategy's commit; commit, release_plan_slots, after_undo: O(1) + the
// plan's slot takes.
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/types.hpp>
#include <retype/error.hpp>
#include <retype/result.hpp>

#include <cstdint>

namespace retype::detail {

struct planned_path {
    /// count objects of type: anywhere, or at `at` (fixed); a range's frames
    /// (range). basic_allocator::allocate documents the errors.
    template <class A>
    [[nodiscard]] static constexpr result<allocation> allocate(A& a, kernel::object_type type, std::uint64_t size_bits,
                                                               std::uint64_t count, memory mem, bool range, bool fixed,
                                                               kernel::paddr_t at) noexcept {
        auto& st = a.st_;
        auto bits = A::checks::check(type, size_bits, count, mem);
        if (!bits) return failure(bits.error());
        if (st.rec.available() == 0)
            return failure(make_error(error_code::records_exhausted, 1, A::allocation_capacity));
        if (a.stranded_.overflowed()) return failure(make_error(error_code::undo_incomplete, 0, st.stats.stranded));
        const plan_request q{type, size_bits, *bits, count, mem == memory::device, fixed, at};
        call_plan p;
        // Plan on unchanged state. Slots are the one table touched while planning
        // (a run is reserved so the next take does not get it); every failure
        // below gives them back, so the state is as before.
        if (auto planned = a.strategy_.plan(st, q, p); !planned) {
            release_plan_slots(a, p);
            return failure(planned.error());
        }
        const std::uint64_t retypes_before = st.stats.retypes;
        if (auto e =
                executor<typename A::backend_type>::execute(*st.backend, p, st.stats, A::config.target.fan_out_limit);
            !e) {
            a.strategy_.undone(st, p);
            return failure(after_undo(a, p, e.error()));
        }
        return commit(a, p, q, range, st.stats.retypes - retypes_before);
    }

    /// Records a plan that ran whole. Cannot fail.
    template <class A>
    [[nodiscard]] static constexpr allocation commit(A& a, const call_plan& p, const plan_request& q, bool range,
                                                     std::uint64_t retypes) noexcept {
        auto& st = a.st_;
        const std::uint32_t ri = st.rec.take();
        record& r = st.rec[ri];
        r.range = range;
        r.type = q.type;
        r.size_bits = q.size_bits;
        r.object_bits = static_cast<std::uint8_t>(q.bits);
        r.count = q.count;
        r.slot = p.object_slot;
        r.pad_slot = p.pad_slot;
        r.pad_count = p.pad_count;
        r.paddr = p.steps[p.n - 1].paddr;
        r.untyped = a.strategy_.commit(st, p, ri);
        const untyped_desc& from = st.ut[r.untyped];
        return allocation{allocation_id{ri, r.generation},
                          from.slot,
                          r.slot,
                          q.count,
                          q.type,
                          q.size_bits,
                          static_cast<std::uint8_t>(q.bits),
                          r.paddr,
                          from.device,
                          static_cast<std::uint32_t>(retypes)};
    }

    /// Gives back what the plan reserved, newest first and each to where it came
    /// from, which restores the caches and the runs exactly.
    template <class A>
    static constexpr void release_plan_slots(A& a, call_plan& p) noexcept {
        while (p.takes_n > 0) a.st_.slots.restore(p.takes[--p.takes_n]);
    }

    /// After an undo: the plan's slots back, except those whose caps the kernel
    /// kept; the error to return.
    template <class A>
    [[nodiscard]] static constexpr error after_undo(A& a, call_plan& p, const error& cause) noexcept {
        if (p.stranded_n == 0 && !p.stranded_overflow) {
            release_plan_slots(a, p);
            return cause;
        }
        a.stranded_.keep(p, a.st_.ut.root_above(p.block), a.st_.slots, a.st_.stats);
        error e = make_error(error_code::undo_incomplete, p.stranded_n ? p.stranded[0] : 0, p.stranded_n);
        e.argument = static_cast<std::uint64_t>(cause.code);
        return e;
    }
};

} // namespace retype::detail
