// retype allocator: what the root task hands over and takes back whole: slot
// ranges (add_slots), bootinfo untypeds (add_untyped) and the revoke of a
// bootinfo untyped (reset). basic_allocator's members of those names forward
// here; their contracts and errors are documented there.
//
// Complexity: add_slots: O(U + G) (G = max_slot_ranges); add_untyped: O(U);
// reset: O((U + A) x depth).
#pragma once

#include <retype/allocator/types.hpp>
#include <retype/error.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/policy/alignment_source.hpp>
#include <retype/result.hpp>

#include <array>
#include <cstdint>

namespace retype::detail {

struct bootinfo_ops {
    template <class A>
    [[nodiscard]] static constexpr result<void> add_slots(A& a, backend::slot_t first, std::uint64_t count) noexcept {
        for (const auto& u : a.st_.ut.all())
            if (u.state != detail::ustate::unused && u.slot >= first && u.slot - first < count)
                return failure(make_error(error_code::overlap, u.slot, first));
        if (auto e = a.st_.slots.check_range(first, count); !e) return e;
        if constexpr (requires(const typename A::backend_type& b) { b.holds_slots(first, count); })
            if (auto e = a.st_.backend->holds_slots(first, count); !e) return failure(e.error());
        return a.st_.slots.add_range(first, count);
    }

    template <class A>
    [[nodiscard]] static constexpr result<void> add_untyped(A& a, backend::slot_t slot, kernel::paddr_t paddr,
                                                            std::uint64_t size_bits, bool device) noexcept {
        constexpr kernel::arch_traits t = A::state_type::arch;
        if (size_bits < t.min_untyped_bits || size_bits > t.max_untyped_bits)
            return failure(range_error(t.min_untyped_bits, t.max_untyped_bits));
        const std::uint64_t size = std::uint64_t{1} << size_bits;
        if (!alignment::pptr::aligned(t, paddr, static_cast<unsigned>(size_bits)))
            return failure(make_error(error_code::misaligned, paddr, size_bits));
        if (paddr > t.word_mask() || size - 1 > t.word_mask() - paddr)
            return failure(make_error(error_code::outside_address_space, paddr, t.word_mask()));
        if (!device && !t.in_window(paddr, static_cast<unsigned>(size_bits)))
            return failure(make_error(error_code::outside_kernel_window, paddr, t.paddr_top));
        if (a.st_.slots.contains(slot)) return failure(make_error(error_code::overlap, slot, slot));
        for (const auto& u : a.st_.ut.all()) {
            if (u.state == detail::ustate::unused) continue;
            if (u.slot == slot) return failure(make_error(error_code::overlap, slot, u.slot));
            if (u.parent == no_index && paddr <= u.paddr + ((std::uint64_t{1} << u.size_bits) - 1) &&
                u.paddr <= paddr + (size - 1))
                return failure(make_error(error_code::overlap, paddr, u.paddr));
        }
        if (a.st_.ut.available() == 0) return failure(make_error(error_code::untypeds_exhausted, 1, 0));
        if (auto r = a.st_.backend->declare_untyped(slot, paddr, size_bits, device); !r) return failure(r.error());
        // Commit. A bootinfo untyped is full (freeIndex = size) with no children:
        // the first retype resets it.
        const std::uint32_t u = a.st_.ut.take();
        a.st_.ut[u] = detail::untyped_desc{.paddr = paddr,
                                           .slot = slot,
                                           .used = size,
                                           .size_bits = static_cast<std::uint8_t>(size_bits),
                                           .device = device};
        a.strategy_.adopt(a.st_, u);
        return {};
    }

    template <class A>
    [[nodiscard]] static constexpr result<void> reset(A& a, backend::slot_t slot) noexcept {
        const std::uint32_t root = a.st_.ut.root_of(slot);
        if (root == no_index) return failure(make_error(error_code::unknown_object, slot));
        if (auto e = a.st_.backend->cnode_revoke(slot); !e) return failure(e.error());
        ++a.st_.stats.revokes;
        for (std::uint32_t i = 0; i < A::allocation_capacity; ++i)
            if (a.st_.rec[i].live && a.st_.ut.descends(a.st_.rec[i].untyped, root)) a.st_.release_record(i);
        // Halves under the root: first unlink them all (descends() walks parents),
        // then give their descriptors back.
        std::array<bool, A::untyped_capacity> gone{};
        for (std::uint32_t i = 0; i < A::untyped_capacity; ++i) {
            if (i == root || a.st_.ut[i].state == detail::ustate::unused || !a.st_.ut.descends(i, root)) continue;
            gone[i] = true;
            a.st_.ut.unlist(i);
            a.st_.slots.give(a.st_.ut[i].slot, 1);
        }
        for (std::uint32_t i = 0; i < A::untyped_capacity; ++i)
            if (gone[i]) a.st_.ut.release(i);
        a.stranded_.release(root, a.st_.slots, a.st_.stats);
        a.st_.resv.release_root(root); // its reservations end with everything in it
        detail::untyped_desc& r = a.st_.ut[root];
        r.in_reservation = false;
        r.children = 0;
        r.lo = r.hi = r.holder = no_index;
        a.strategy_.reset(a.st_, root);
        return {};
    }
};

} // namespace retype::detail
