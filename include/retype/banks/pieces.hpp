// retype: naturally aligned power-of-two pieces of a paddr range. A buddy
// allocator's free memory is always the greedy decomposition of its free runs
// into such pieces; these helpers compute it without touching any list.
#pragma once

#include <gsl/assert>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace retype::banks {

/// floor(log2(x)). Requires: x > 0.
[[nodiscard]] constexpr unsigned floor_log2(std::uint64_t x) noexcept {
    Expects(x > 0);
    return static_cast<unsigned>(std::bit_width(x)) - 1;
}

/// ceil(log2(x)). Requires: x > 0.
[[nodiscard]] constexpr unsigned ceil_log2(std::uint64_t x) noexcept {
    Expects(x > 0);
    return x == 1 ? 0 : static_cast<unsigned>(std::bit_width(x - 1));
}

/// size_bits of the largest block that starts at p, is aligned to its own size,
/// ends at or before end, and is at most 2^max_size_bits.
/// Requires: p < end.
[[nodiscard]] constexpr unsigned largest_piece(std::uint64_t p, std::uint64_t end, unsigned max_size_bits) noexcept {
    Expects(p < end);
    const unsigned align = p == 0 ? 64u : static_cast<unsigned>(std::countr_zero(p));
    return std::min({align, floor_log2(end - p), max_size_bits});
}

/// Number of pieces in the greedy decomposition of [lo, hi): at most two per
/// order plus (hi - lo) / 2^max_size_bits.
[[nodiscard]] constexpr std::size_t piece_count(std::uint64_t lo, std::uint64_t hi, unsigned max_size_bits) noexcept {
    std::size_t n = 0;
    while (lo < hi) {
        lo += std::uint64_t{1} << largest_piece(lo, hi, max_size_bits);
        ++n;
    }
    return n;
}

/// Calls f(paddr, size_bits) for each piece of [lo, hi), lowest first.
template <class F>
constexpr void for_each_piece(std::uint64_t lo, std::uint64_t hi, unsigned max_size_bits, F&& f) {
    while (lo < hi) {
        const unsigned sb = largest_piece(lo, hi, max_size_bits);
        f(lo, sb);
        lo += std::uint64_t{1} << sb;
    }
}

} // namespace retype::banks
