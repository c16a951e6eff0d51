// retype: a root task's bootinfo in one call, and the capacities it needs.
//
//   add_bootinfo(allocator, *bootinfo, backend.window().cptr_base)
//
// hands an allocator every untyped of seL4_BootInfo (untypedList, in the slots
// of bootinfo->untyped, with their device flags) and the empty slots
// (bootinfo->empty), all or nothing: every check runs before the first change.
// Written against the allocator's public API (add_slots, add_untyped), for any
// allocator and backend; the seL4_BootInfo overload exists where libsel4 does.
//
// capacities_for() is the sizing rule for max_untypeds, max_allocations and
// max_slots (derived from the allocator's code; see docs/sel4-project.md).
#pragma once

#include <retype/backend/concept.hpp>
#include <retype/error.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/policy/alignment_source.hpp>
#include <retype/policy/config.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#if __has_include(<sel4/sel4.h>)
#include <sel4/sel4.h>
#endif

namespace retype {

/// One seL4_UntypedDesc.
struct boot_untyped {
    kernel::paddr_t paddr = 0;
    std::uint8_t size_bits = 0;
    bool device = false;
};

/// What add_bootinfo needs of seL4_BootInfo, in the allocator's slot numbers
/// (a slot number is a CPtr minus the backend's first CPtr, see add_bootinfo).
struct bootinfo_view {
    backend::slot_t untyped_first = 0;      // slot of untypeds[0]: bootinfo->untyped.start
    std::span<const boot_untyped> untypeds; // untypedList[0 .. untyped.end - untyped.start)
    backend::slot_t empty_first = 0;        // bootinfo->empty.start
    std::uint64_t empty_count = 0;          // bootinfo->empty.end - empty.start
};

/// What add_bootinfo added.
struct bootinfo_added {
    std::uint64_t untypeds = 0;
    std::uint64_t slots = 0; // of the empty range: at most the allocator's max_slots
};

/// Every check add_untyped makes on one untyped, made without changing anything.
template <class Allocator>
[[nodiscard]] constexpr result<void> check_boot_untyped(const boot_untyped& u) noexcept {
    const kernel::arch_traits t = Allocator::arch();
    if (u.size_bits < t.min_untyped_bits || u.size_bits > t.max_untyped_bits)
        return failure(range_error(t.min_untyped_bits, t.max_untyped_bits));
    const std::uint64_t size = std::uint64_t{1} << u.size_bits;
    if (!is_aligned(align_source::pptr, t, u.paddr, u.size_bits))
        return failure(make_error(error_code::misaligned, u.paddr, u.size_bits));
    if (u.paddr > t.word_mask() || size - 1 > t.word_mask() - u.paddr)
        return failure(make_error(error_code::outside_address_space, u.paddr, t.word_mask()));
    if (!u.device && !t.in_window(u.paddr, u.size_bits))
        return failure(make_error(error_code::outside_kernel_window, u.paddr, t.paddr_top));
    return {};
}

/// Gives a fresh allocator (no untypeds yet) a bootinfo: the empty slots
/// (as many as max_slots allows, from empty_first; the rest stay the caller's)
/// and every untyped, untypeds[i] in slot untyped_first + i.
///
/// All or nothing. Checked first, on unchanged state: the untyped count
/// against the free descriptors (untypeds_exhausted, value = the count, limit =
/// the free descriptors), each untyped as add_untyped checks it (range_error,
/// misaligned, outside_address_space, outside_kernel_window), the untypeds' memory against each other
/// (overlap, value = the later paddr, limit = the earlier), their slots
/// against the empty range (overlap), and, where the backend tells its slot
/// count (slots()), every slot against it (cspace_too_small, value = the slot
/// or the empty range's end, limit = the backend's slot count). Only then add_slots,
/// which checks the range against earlier ranges (its error, nothing changed
/// yet), then add_untyped for each, which can no longer fail on these inputs.
/// Requires: the allocator has no untypeds (stats().untypeds == 0).
/// Complexity: O(n^2) for n bootinfo untypeds (n <= CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS),
/// plus n x O(add_untyped).
template <class Allocator>
[[nodiscard]] constexpr result<bootinfo_added> add_bootinfo(Allocator& a, const bootinfo_view& bi) noexcept {
    Expects(a.stats().untypeds == 0);
    const std::uint64_t n = bi.untypeds.size();
    const std::uint64_t free_descriptors = Allocator::untyped_capacity;
    if (n > free_descriptors) return failure(make_error(error_code::untypeds_exhausted, n, free_descriptors));
    const std::uint64_t slots = bi.empty_count < Allocator::slot_capacity ? bi.empty_count : Allocator::slot_capacity;
    if (!bi.untypeds.empty() && bi.untyped_first > ~std::uint64_t{0} - (n - 1))
        return failure(range_error(0, ~std::uint64_t{0} - (n - 1)));
    backend::slot_t s = bi.untyped_first;
    for (auto it = bi.untypeds.begin(); it != bi.untypeds.end(); ++it, ++s) {
        const boot_untyped& u = *it;
        if (auto r = check_boot_untyped<Allocator>(u); !r) return failure(r.error());
        if (slots != 0 && s >= bi.empty_first && s - bi.empty_first < slots)
            return failure(make_error(error_code::overlap, s, bi.empty_first));
        const std::uint64_t last = u.paddr + ((std::uint64_t{1} << u.size_bits) - 1);
        for (auto earlier = bi.untypeds.begin(); earlier != it; ++earlier) {
            if (u.paddr <= earlier->paddr + ((std::uint64_t{1} << earlier->size_bits) - 1) && earlier->paddr <= last)
                return failure(make_error(error_code::overlap, u.paddr, earlier->paddr));
        }
    }
    if constexpr (requires { a.backend().slots(); }) {
        const std::uint64_t have = a.backend().slots();
        if (!bi.untypeds.empty() && bi.untyped_first + (n - 1) >= have)
            return failure(make_error(error_code::cspace_too_small, bi.untyped_first + (n - 1), have));
        if (slots != 0 && (bi.empty_first >= have || slots > have - bi.empty_first))
            return failure(make_error(error_code::cspace_too_small, bi.empty_first + slots, have));
    }
    if (slots != 0) {
        if (auto r = a.add_slots(bi.empty_first, slots); !r) return failure(r.error());
    }
    s = bi.untyped_first;
    for (const boot_untyped& u : bi.untypeds) {
        const auto r = a.add_untyped(s++, u.paddr, u.size_bits, u.device);
        // Every cause add_untyped has was checked above; a backend that refuses
        // a slot inside the range it reported is a broken backend.
        Ensures(r.has_value());
    }
    return bootinfo_added{n, slots};
}

#if __has_include(<sel4/sel4.h>)
/// seL4_BootInfo: untyped i of untypedList is in CPtr untyped.start + i, the
/// empty slots are [empty.start, empty.end). `first_cptr` is the CPtr of the
/// allocator's slot 0 (the sel4_backend's window(0).cptr_base), so CPtr c is slot
/// c - first_cptr. Requires: first_cptr <= untyped.start and <= empty.start.
/// Errors and guarantees: as above.
template <class Allocator>
[[nodiscard]] constexpr result<bootinfo_added> add_bootinfo(Allocator& a, const seL4_BootInfo& info,
                                                            std::uint64_t first_cptr) noexcept {
    Expects(first_cptr <= info.untyped.start && first_cptr <= info.empty.start);
    const std::uint64_t n = info.untyped.end - info.untyped.start;
    if (n > CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS)
        return failure(make_error(error_code::capacity_exhausted, n, CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS));
    std::array<boot_untyped, CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS> uts{};
    for (std::uint64_t i = 0; i < n; ++i)
        uts[i] = boot_untyped{static_cast<kernel::paddr_t>(info.untypedList[i].paddr), info.untypedList[i].sizeBits,
                              info.untypedList[i].isDevice != 0};
    return add_bootinfo(a, bootinfo_view{info.untyped.start - first_cptr, std::span<const boot_untyped>(uts.data(), n),
                                         info.empty.start - first_cptr, info.empty.end - info.empty.start});
}
#endif

// ---- sizing ---------------------------------------------------------------------------------------

/// The three capacities of an allocator (the max_untypeds, max_allocations and
/// max_slots options).
struct capacities {
    std::size_t max_untypeds = 0;
    std::size_t max_allocations = 0;
    std::size_t max_slots = 0;
    friend constexpr bool operator==(const capacities&, const capacities&) = default;
};

/// A workload: at most `allocations` live at once, holding at most `objects`
/// objects in all (an allocate of count k holds k; allocate_range one per frame),
/// each allocation at least 2^smallest_bits bytes in all.
struct workload {
    std::uint64_t allocations = 0;
    std::uint64_t objects = 0;
    unsigned smallest_bits = 12;
};

/// Capacities that never run out for `w` on a bootinfo of `boot_untypeds`
/// untypeds of at most 2^largest_bits, with split strategy `s` (allocate,
/// allocate_range and free; watermark's allocate_at adds paddings, see the doc).
/// From the allocator's code:
/// - descriptors: one per bootinfo untyped; buddy and binary_search add two per
///   halving (the halves), a request of 2^b from a free block of 2^B halving
///   B - b times, and a live allocation keeps at most its path's halves, so at
///   most 2 x (largest_bits - smallest_bits) per live allocation; watermark none;
///   binary_search never merges, so for it `allocations` counts every
///   allocation made, live or freed;
/// - records: one per live allocation;
/// - slots: one per live object, plus one per live half (buddy, binary_search).
/// An upper bound: buddy allocations share halvings, so real use is often less.
[[nodiscard]] constexpr capacities capacities_for(split_kind s, std::uint64_t boot_untypeds, unsigned largest_bits,
                                                  const workload& w) noexcept {
    const std::uint64_t depth = largest_bits > w.smallest_bits ? largest_bits - w.smallest_bits : 0;
    const std::uint64_t halves = s == split_kind::watermark ? 0 : 2 * depth * w.allocations;
    return capacities{static_cast<std::size_t>(boot_untypeds + halves), static_cast<std::size_t>(w.allocations),
                      static_cast<std::size_t>(w.objects + halves)};
}

} // namespace retype
