// retype: a fixed-capacity character buffer with decimal and hexadecimal
// formatting, usable in constant expressions (no snprintf, no heap). Replay's
// output lines and error messages are written into it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype::trace {

/// Up to N characters. Writing past the end drops the excess and sets
/// `overflow`, so a too-small buffer is visible rather than silently short.
template <std::size_t N>
struct text_buffer {
    std::array<char, N> data{};
    std::size_t size = 0;
    bool overflow = false;

    constexpr void put(char c) noexcept {
        if (size < N)
            data[size++] = c;
        else
            overflow = true;
    }
    constexpr void append(std::string_view s) noexcept {
        for (char c : s) put(c);
    }
    /// Decimal, no leading zeros ("0" for zero).
    constexpr void append_dec(std::uint64_t v) noexcept {
        char digits[20]{};
        std::size_t n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n != 0) put(digits[--n]);
    }
    /// "0x" and lower-case hexadecimal digits, no leading zeros ("0x0" for zero).
    constexpr void append_hex(std::uint64_t v) noexcept {
        constexpr std::string_view hex = "0123456789abcdef";
        char digits[16]{};
        std::size_t n = 0;
        do {
            digits[n++] = hex[v & 0xf];
            v >>= 4;
        } while (v != 0);
        put('0');
        put('x');
        while (n != 0) put(digits[--n]);
    }
    constexpr void clear() noexcept {
        size = 0;
        overflow = false;
    }
    [[nodiscard]] constexpr std::string_view view() const noexcept { return std::string_view(data.data(), size); }
};

} // namespace retype::trace
