// retype: a host memory layout: the RAM banks a contiguous allocator manages.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace retype::banks {

using kernel::paddr_t;

/// One RAM bank: [base, base + size) in physical addresses.
struct bank {
    paddr_t base = 0;
    std::uint64_t size = 0;

    [[nodiscard]] constexpr paddr_t end() const noexcept { return base + size; }
    [[nodiscard]] constexpr bool contains(paddr_t p) const noexcept { return p >= base && p - base < size; }
    friend constexpr bool operator==(const bank&, const bank&) = default;
};

/// Checks a layout before an allocator takes it.
/// Requires: nothing (any input is checked).
/// Error: invalid_argument(0) for no banks or a bank of size 0;
/// capacity_exhausted (value: number of banks, limit: max_banks);
/// misaligned (value: the base or size, limit: the granule) for a bank not
/// granule-aligned; out_of_window (value: base, limit: size) for a bank that
/// wraps past 2^64; overlap (value: the bank's base, limit: the previous
/// bank's end) for banks not sorted by paddr or overlapping.
/// Complexity: O(banks).
[[nodiscard]] constexpr result<void> check_layout(std::span<const bank> banks, std::size_t max_banks,
                                                  unsigned granule_bits) noexcept {
    if (banks.empty()) return failure(invalid_argument(0));
    if (banks.size() > max_banks) return failure(make_error(error_code::capacity_exhausted, banks.size(), max_banks));
    const std::uint64_t granule = std::uint64_t{1} << granule_bits;
    for (std::size_t i = 0; i < banks.size(); ++i) {
        const bank& b = banks[i];
        if (b.size == 0) return failure(invalid_argument(0));
        if (b.base % granule != 0) return failure(make_error(error_code::misaligned, b.base, granule));
        if (b.size % granule != 0) return failure(make_error(error_code::misaligned, b.size, granule));
        if (b.base + b.size < b.base) return failure(make_error(error_code::out_of_window, b.base, b.size));
        // Sorted and disjoint in one test: an unsorted pair also starts below the previous end.
        if (i > 0 && b.base < banks[i - 1].end()) {
            return failure(make_error(error_code::overlap, b.base, banks[i - 1].end()));
        }
    }
    return {};
}

} // namespace retype::banks
