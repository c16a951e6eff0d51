// retype allocator: the operations on physical ranges, as one component:
// a range across adjacent untypeds (allocate_range_across) and reserved
// ranges (reserve, unreserve). basic_allocator's members of those names
// forward here (their contracts and errors are documented there); these run
// on its state through the same plan / execute / commit steps as every
// request, so they keep check-then-commit and the exact restore.
//
// Complexity: allocate_range_across: the strategy's plan per part (at most
// max_range_parts) + O(n/F) retypes; reserve: O(U + R) + the strategy's
// plan_reserve; unreserve: the strategy's unreserve (O(U x W) at most).
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/planned_path.hpp>
#include <retype/allocator/reservation_table.hpp>
#include <retype/allocator/types.hpp>
#include <retype/error.hpp>
#include <retype/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace retype::detail {

struct range_ops {
    template <class A>
    [[nodiscard]] static constexpr result<std::size_t>
    allocate_range_across(A& a, std::uint64_t bytes, kernel::paddr_t at, std::span<allocation> out,
                          memory mem) noexcept {
        auto n = A::checks::frames_for(bytes);
        if (!n) return failure(n.error());
        const bool device = mem == memory::device;
        const unsigned g = A::config.granule_bits;
        std::array<plan_request, A::max_range_parts> parts{};
        std::size_t k = 0;
        kernel::paddr_t cur = at;
        for (std::uint64_t left = *n; left > 0;) {
            auto root = a.st_.ut.find_root(cur, g, 1, device);
            if (!root) return failure(root.error());
            const detail::untyped_desc& u = a.st_.ut[*root];
            const std::uint64_t room = ((u.paddr + ((std::uint64_t{1} << u.size_bits) - 1)) - cur + 1) >> g;
            if (room == 0) return failure(make_error(error_code::misaligned, cur, g));
            if (k == A::max_range_parts) return failure(make_error(error_code::spans_untypeds, at, cur));
            const std::uint64_t here = left < room ? left : room;
            auto bits = A::checks::check(A::granule_type, 0, here, mem);
            if (!bits) return failure(bits.error());
            parts[k++] = plan_request{A::granule_type, 0, *bits, here, device, true, cur};
            cur += here << g;
            left -= here;
        }
        if (out.size() < k) return failure(invalid_argument(2));
        if (a.st_.rec.available() < k)
            return failure(make_error(error_code::records_exhausted, k, A::allocation_capacity));
        if (a.stranded_.overflowed()) return failure(make_error(error_code::undo_incomplete, 0, a.st_.stats.stranded));
        std::array<call_plan, A::max_range_parts> plans;
        std::uint64_t halves = 0;
        for (std::size_t i = 0; i < k; ++i) {
            auto planned = a.strategy_.plan(a.st_, parts[i], plans[i]);
            halves += 2 * plans[i].halvings_n;
            if (planned && halves > a.st_.ut.available())
                planned = failure(make_error(error_code::untypeds_exhausted, halves, a.st_.ut.available()));
            if (!planned) {
                for (std::size_t j = i + 1; j-- > 0;) detail::planned_path::release_plan_slots(a, plans[j]);
                return failure(planned.error());
            }
        }
        std::array<std::uint64_t, A::max_range_parts> retypes{};
        for (std::size_t i = 0; i < k; ++i) {
            const std::uint64_t before = a.st_.stats.retypes;
            auto e = executor<typename A::backend_type>::execute(*a.st_.backend, plans[i], a.st_.stats,
                                                                 A::config.target.fan_out_limit);
            retypes[i] = a.st_.stats.retypes - before;
            if (e) continue;
            a.strategy_.undone(a.st_, plans[i]);
            error why = detail::planned_path::after_undo(a, plans[i], e.error());
            for (std::size_t j = i; j-- > 0;) {
                executor<typename A::backend_type>::undo_all(*a.st_.backend, plans[j], a.st_.stats);
                a.strategy_.undone(a.st_, plans[j]);
                if (const error w = detail::planned_path::after_undo(a, plans[j], e.error());
                    w.code == error_code::undo_incomplete)
                    why = w;
            }
            return failure(why);
        }
        for (std::size_t i = 0; i < k; ++i)
            out[i] = detail::planned_path::commit(a, plans[i], parts[i], true, retypes[i]);
        return k;
    }

    template <class A>
    [[nodiscard]] static constexpr result<reservation_id> reserve(A& a, std::uint64_t bytes, kernel::paddr_t at,
                                                                  memory mem) noexcept {
        if constexpr (!A::can_reserve) {
            return failure(make_error(error_code::unsupported, at, bytes));
        } else {
            auto n = A::checks::frames_for(bytes);
            if (!n) return failure(n.error());
            if ((at & ((std::uint64_t{1} << A::config.granule_bits) - 1)) != 0)
                return failure(make_error(error_code::misaligned, at, A::config.granule_bits));
            const bool device = mem == memory::device;
            auto root = a.st_.ut.find_root(at, A::config.granule_bits, *n, device);
            if (!root) return failure(root.error());
            if (const std::uint32_t b = a.st_.resv.blocking(at, bytes, device, 0, 0); b != no_index)
                return failure(make_error(error_code::reserved, at, a.st_.resv[b].paddr));
            const std::uint32_t entry = a.st_.resv.free_entry();
            if (entry == no_index)
                return failure(make_error(error_code::reservations_exhausted, 1, A::reservation_capacity));
            if (a.stranded_.overflowed())
                return failure(make_error(error_code::undo_incomplete, 0, a.st_.stats.stranded));
            call_plan p;
            if (auto planned = a.strategy_.plan_reserve(a.st_, at, bytes, device, *root, p); !planned) {
                detail::planned_path::release_plan_slots(a, p);
                return failure(planned.error());
            }
            if (auto e = executor<typename A::backend_type>::execute(*a.st_.backend, p, a.st_.stats,
                                                                     A::config.target.fan_out_limit);
                !e) {
                a.strategy_.undone(a.st_, p);
                return failure(detail::planned_path::after_undo(a, p, e.error()));
            }
            const reservation_id id = a.st_.resv.take(entry, at, bytes, device, *root);
            a.strategy_.commit_reserve(a.st_, p, entry);
            return id;
        }
    }

    template <class A>
    [[nodiscard]] static constexpr result<void> unreserve(A& a, reservation_id id) noexcept {
        if (!a.st_.resv.live(id)) return failure(make_error(error_code::not_allocated, id.index, id.generation));
        if constexpr (A::can_reserve) {
            const detail::reservation r = a.st_.resv[id.index];
            a.st_.resv.release(id.index);
            a.strategy_.unreserve(a.st_, r);
        }
        return {};
    }
};

} // namespace retype::detail
