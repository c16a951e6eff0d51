// retype: one line of English for an error, with its payload, written into a
// buffer the caller owns. Freestanding: no heap, no <cstdio>, usable in
// constant expressions (a root task prints it with its own debug output).
//
//   char line[160];
//   const std::size_t n = retype::format(e, line, sizeof line);
//   // line: "seL4_RangeError: value outside [1, 256]" (NUL-terminated, n characters)
#pragma once

#include <retype/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype {

namespace detail {
/// Appends to [buf, buf + cap - 1), keeping room for the NUL; stops quietly when full.
class line_writer {
public:
    constexpr line_writer(char* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {}
    constexpr void text(std::string_view s) noexcept {
        for (char ch : s) put(ch);
    }
    constexpr void dec(std::uint64_t v) noexcept {
        char d[20]{};
        std::size_t n = 0;
        do {
            d[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n > 0) put(d[--n]);
    }
    constexpr void hex(std::uint64_t v) noexcept {
        text("0x");
        unsigned shift = 60;
        while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
        for (;; shift -= 4) {
            put("0123456789abcdef"[(v >> shift) & 0xf]);
            if (shift == 0) break;
        }
    }
    /// NUL-terminates; returns the characters written (without the NUL).
    constexpr std::size_t finish() noexcept {
        if (cap_ > 0) buf_[n_ < cap_ ? n_ : cap_ - 1] = '\0';
        return n_ < cap_ ? n_ : (cap_ > 0 ? cap_ - 1 : 0);
    }

private:
    constexpr void put(char ch) noexcept {
        if (cap_ > 0 && n_ + 1 < cap_) buf_[n_] = ch;
        ++n_;
    }
    char* buf_;
    std::size_t cap_;
    std::size_t n_ = 0;
};
} // namespace detail

/// Writes "name: what happened, with the payload" into buf (at most cap - 1
/// characters and a NUL; a longer message is cut). Returns the characters
/// written. O(length of the message).
constexpr std::size_t format(const error& e, char* buf, std::size_t cap) noexcept {
    detail::line_writer w(buf, cap);
    w.text(name(e.code));
    w.text(": ");
    switch (e.code) {
    case error_code::invalid_argument:
        w.text("argument ");
        w.dec(e.argument);
        w.text(" is invalid");
        break;
    case error_code::range_error:
        w.text("value outside [");
        w.dec(e.range_min);
        w.text(", ");
        w.dec(e.range_max);
        w.text("]");
        break;
    case error_code::not_enough_memory:
        w.text("no free block is large enough (largest free: ");
        w.dec(e.memory_left);
        w.text(" bytes)");
        break;
    case error_code::misaligned:
        w.text("address or size ");
        w.hex(e.value);
        w.text(" is not aligned to 2^");
        w.dec(e.limit);
        break;
    case error_code::overlap:
        w.text(e.value == e.limit ? "the object " : "the range at ");
        w.hex(e.value);
        w.text(" overlaps what is in use at ");
        w.hex(e.limit);
        break;
    case error_code::device_mismatch:
        w.text("the memory kind of ");
        w.hex(e.value);
        w.text(" is not the kind asked for");
        break;
    case error_code::not_allocated:
        w.text("allocation ");
        w.dec(e.value);
        w.text(" (generation ");
        w.dec(e.limit);
        w.text(") is not live");
        break;
    case error_code::unknown_object:
        w.text("slot ");
        w.dec(e.value);
        w.text(" holds no untyped given to the allocator");
        break;
    case error_code::mispredicted:
        w.text("predicted ");
        w.hex(e.value);
        w.text(", the kernel places it at ");
        w.hex(e.limit);
        break;
    case error_code::untypeds_exhausted:
        w.text("untyped descriptor table full: ");
        w.dec(e.value);
        w.text(" needed, ");
        w.dec(e.limit);
        w.text(" free (raise max_untypeds)");
        break;
    case error_code::records_exhausted:
        w.text("allocation record table full: all ");
        w.dec(e.limit);
        w.text(" in use (raise max_allocations)");
        break;
    case error_code::slots_exhausted:
        w.text("not enough free slots: ");
        w.dec(e.value);
        w.text(" needed, ");
        w.dec(e.limit);
        w.text(" free");
        break;
    case error_code::slot_ranges_exhausted:
        w.text("all ");
        w.dec(e.limit);
        w.text(" slot ranges are in use");
        break;
    case error_code::outside_kernel_window:
        w.text("RAM at ");
        w.hex(e.value);
        w.text(" is outside the kernel window (paddr_top ");
        w.hex(e.limit);
        w.text(")");
        break;
    case error_code::outside_address_space:
        w.text("the untyped at ");
        w.hex(e.value);
        w.text(" passes the top of the address space (");
        w.hex(e.limit);
        w.text(")");
        break;
    case error_code::not_in_untyped:
        w.text("no untyped holds ");
        w.hex(e.value);
        break;
    case error_code::spans_untypeds:
        w.text("the request at ");
        w.hex(e.value);
        w.text(" runs past its untyped's end at ");
        w.hex(e.limit);
        break;
    case error_code::cspace_too_small:
        w.text("the backend cannot hold slot ");
        w.dec(e.value);
        w.text(" (its last slot is ");
        w.dec(e.limit);
        w.text(")");
        break;
    case error_code::undo_incomplete:
        w.text("a delete was refused while undoing: ");
        w.dec(e.limit);
        w.text(" slot(s) kept out of use from slot ");
        w.dec(e.value);
        w.text(" (cause: ");
        w.text(name(static_cast<error_code>(e.argument)));
        w.text(")");
        break;
    case error_code::reserved:
        w.text("the range at ");
        w.hex(e.value);
        w.text(" is reserved (reservation at ");
        w.hex(e.limit);
        w.text(")");
        break;
    case error_code::reservations_exhausted:
        w.text("every reservation entry is in use (");
        w.dec(e.limit);
        w.text(" entries)");
        break;
    default:
        w.text("value ");
        w.dec(e.value);
        w.text(", limit ");
        w.dec(e.limit);
        break;
    }
    return w.finish();
}

} // namespace retype
