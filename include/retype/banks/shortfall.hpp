// retype: why a contiguous request did not fit, in numbers a user can act on.
#pragma once

#include <retype/error.hpp>
#include <retype/kernel/arch.hpp>

#include <cstddef>
#include <cstdint>

namespace retype::banks {

/// The bank that came closest to holding a contiguous request, and by how much
/// it missed. `largest_block` is the largest naturally aligned free block (what
/// a buddy allocation can use); `largest_run` is the largest contiguous free
/// range (adjacent free blocks together), which may be larger.
struct shortfall {
    std::size_t bank = 0;
    kernel::paddr_t bank_base = 0;
    kernel::paddr_t bank_end = 0;
    std::uint64_t requested = 0;     // bytes asked for
    std::uint64_t largest_block = 0; // bytes
    std::uint64_t largest_run = 0;   // bytes
    std::uint64_t free_bytes = 0;    // free bytes in the bank, contiguous or not
    std::uint64_t missing = 0;       // requested - largest_block, 0 if it would fit

    friend constexpr bool operator==(const shortfall&, const shortfall&) = default;

    /// The error value: no_fit with value = missing contiguous bytes, limit = the
    /// largest free block, memory_left = the bank's free bytes, and the bank as
    /// range_min (base) .. range_max (end, exclusive).
    [[nodiscard]] constexpr error to_error() const noexcept {
        return error{.code = error_code::no_fit,
                     .range_min = bank_base,
                     .range_max = bank_end,
                     .memory_left = free_bytes,
                     .value = missing,
                     .limit = largest_block};
    }
};

} // namespace retype::banks
