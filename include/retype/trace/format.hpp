// retype: the text of replay's output lines and of its trace errors, exactly
// as the trace format fixes them (docs/replay.md). Lower-case hex, decimal for
// argument numbers and range bounds, every line ended by '\n'.
#pragma once

#include <retype/error.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/trace/runner.hpp>
#include <retype/trace/statement.hpp>
#include <retype/trace/text_buffer.hpp>

#include <cstddef>
#include <string_view>

namespace retype::trace {

/// `<line>: ok offset=0x.. paddr=0x.. watermark=0x..`, `<line>: error=...` or `<line>: ok watermark=0x..`.
template <std::size_t N>
constexpr void format_outcome(const outcome& o, text_buffer<N>& b) noexcept {
    b.append_dec(o.line);
    b.append(": ");
    switch (o.kind) {
    case outcome_kind::retyped:
        b.append("ok offset=");
        b.append_hex(o.offset);
        b.append(" paddr=");
        b.append_hex(o.paddr);
        b.append(" watermark=");
        b.append_hex(o.watermark);
        break;
    case outcome_kind::failed:
        b.append("error=");
        b.append(name(o.error.code));
        // The values the kernel returns with the error (setMRs_syscall_error).
        if (o.error.code == error_code::not_enough_memory) {
            b.append(" memory_left=");
            b.append_hex(o.error.memory_left);
        } else if (o.error.code == error_code::range_error) {
            b.append(" range_min=");
            b.append_dec(o.error.range_min);
            b.append(" range_max=");
            b.append_dec(o.error.range_max);
        } else if (o.error.code == error_code::invalid_argument) {
            b.append(" argument=");
            b.append_dec(o.error.argument);
        }
        break;
    case outcome_kind::watermark:
        b.append("ok watermark=");
        b.append_hex(o.watermark);
        break;
    }
    b.put('\n');
}

namespace detail {
/// Control and non-ASCII bytes as \\xNN, so stderr stays one readable line.
template <std::size_t N>
constexpr void escaped(text_buffer<N>& b, std::string_view s) noexcept {
    constexpr std::string_view hex = "0123456789abcdef";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            b.put(c);
        } else {
            b.append("\\x");
            b.put(hex[u >> 4]);
            b.put(hex[u & 0xf]);
        }
    }
}

template <std::size_t N>
constexpr void quoted(text_buffer<N>& b, std::string_view s) noexcept {
    b.put('\'');
    escaped(b, s);
    b.put('\'');
}

template <std::size_t N>
constexpr void describe_bad_untyped(const trace_error& e, text_buffer<N>& b) noexcept {
    b.append("untyped ");
    quoted(b, e.token);
    b.append(" at paddr ");
    b.append_hex(e.value);
    b.append(" size_bits ");
    b.append_dec(e.limit);
    switch (e.kernel.code) {
    case error_code::range_error:
        b.append(": size_bits outside ");
        b.append_dec(e.kernel.range_min);
        b.append("..");
        b.append_dec(e.kernel.range_max);
        break;
    case error_code::misaligned:
        b.append(": not aligned to its size in the kernel window (the kernel only hands out size-aligned untypeds)");
        break;
    case error_code::out_of_window:
        if (e.field == "kernel window") {
            b.append(": RAM outside the kernel window (paddr_top ");
            b.append_hex(e.kernel.limit);
            b.append("); memory there can only be a device untyped");
        } else {
            b.append(": does not fit in the address space");
        }
        break;
    case error_code::overlap:
        b.append(": overlaps the untyped at paddr ");
        b.append_hex(e.kernel.limit);
        break;
    default:
        b.append(": rejected (");
        b.append(name(e.kernel.code));
        b.put(')');
        break;
    }
}
} // namespace detail

/// `line <n>: <what is wrong>` and '\n'.
template <std::size_t N>
constexpr void describe(const trace_error& e, text_buffer<N>& b) noexcept {
    using detail::quoted;
    b.append("line ");
    b.append_dec(e.line);
    b.append(": ");
    switch (e.what) {
    case problem::none: b.append("no error"); break;
    case problem::no_arch:
        b.append("no arch statement: a trace starts with arch <x86_64|aarch64|aarch64_hyp|riscv64|aarch32>");
        break;
    case problem::arch_not_first:
        quoted(b, e.token);
        b.append(" before arch: arch must be the first statement");
        break;
    case problem::arch_twice: b.append("arch given twice"); break;
    case problem::unknown_arch:
        b.append("unknown arch ");
        quoted(b, e.token);
        b.append(" (x86_64, aarch64, aarch64_hyp, riscv64 or aarch32)");
        break;
    case problem::config_too_late: b.append("config after the first untyped, retype, delete or revoke"); break;
    case problem::unknown_config_key:
        b.append("unknown config key ");
        quoted(b, e.token);
        break;
    case problem::config_key_not_applicable:
        b.append("config key ");
        quoted(b, e.token);
        b.append(" does not apply to arch ");
        b.append(kernel::name(e.target));
        break;
    case problem::config_key_twice:
        b.append("config key ");
        quoted(b, e.token);
        b.append(" set twice");
        break;
    case problem::bad_switch:
        b.append("bad value ");
        quoted(b, e.token);
        b.append(" for ");
        b.append(e.field);
        b.append(" (on or off)");
        break;
    case problem::out_of_range:
        b.append(e.field);
        b.put('=');
        detail::escaped(b, e.token);
        b.append(" out of range ");
        if (e.indexed) {
            b.append_hex(e.value);
            b.append("..");
            b.append_hex(e.limit);
        } else {
            b.append_dec(e.value);
            b.append("..");
            b.append_dec(e.limit);
        }
        break;
    case problem::bad_number:
        b.append("bad number ");
        quoted(b, e.token);
        b.append(" for ");
        b.append(e.field);
        b.append(" (decimal or 0x hexadecimal)");
        break;
    case problem::missing_field:
        b.append(e.token);
        b.append(": missing ");
        b.append(e.field);
        break;
    case problem::unexpected_token:
        b.append("unexpected ");
        quoted(b, e.token);
        if (!e.field.empty()) {
            b.append(" (expected ");
            b.append(e.field);
            b.put(')');
        }
        break;
    case problem::duplicate_option:
        b.append(e.field);
        b.append(" given twice");
        break;
    case problem::bad_name:
        b.append("bad name ");
        quoted(b, e.token);
        b.append(" (a name cannot contain '=')");
        break;
    case problem::unknown_statement:
        b.append("unknown statement ");
        quoted(b, e.token);
        break;
    case problem::unknown_type:
        b.append("unknown object type ");
        quoted(b, e.token);
        break;
    case problem::type_not_configured:
        b.append("object type ");
        quoted(b, e.token);
        b.append(" does not exist on ");
        b.append(kernel::name(e.target));
        b.append(" with this config");
        break;
    case problem::line_too_long:
        b.append("line longer than ");
        b.append_dec(e.limit);
        b.append(" characters");
        break;
    case problem::bad_separator:
        b.append("character ");
        quoted(b, e.token);
        b.append(" at column ");
        b.append_dec(e.value);
        b.append(": only spaces and tabs separate tokens (a '\\r' is allowed only just before the newline)");
        break;
    case problem::too_many_statements:
        b.append("more than ");
        b.append_dec(e.limit);
        b.append(" statements");
        break;
    case problem::unknown_name:
        b.append("unknown name ");
        quoted(b, e.token);
        break;
    case problem::duplicate_name:
        b.append("name '");
        detail::escaped(b, e.token);
        if (e.indexed) {
            b.put('.');
            b.append_dec(e.value);
        }
        b.append("' is already in use");
        break;
    case problem::not_an_untyped:
        quoted(b, e.token);
        b.append(" is not an untyped");
        break;
    case problem::has_children:
        b.append("cannot delete ");
        quoted(b, e.token);
        b.append(": it has ");
        b.append_dec(e.value);
        b.append(" children (revoke it first)");
        break;
    case problem::boot_untyped_delete:
        b.append("cannot delete ");
        quoted(b, e.token);
        b.append(": it is a boot untyped (declared by untyped)");
        break;
    case problem::bad_untyped: detail::describe_bad_untyped(e, b); break;
    case problem::out_of_nodes:
        b.append("model capacity exhausted: needs ");
        b.append_dec(e.value);
        b.append(" more nodes, ");
        b.append_dec(e.limit);
        b.append(" free");
        break;
    case problem::out_of_names:
        if (e.field == "text") {
            b.append("name table full: no room left for the text of a name of ");
            b.append_dec(e.value);
            b.append(" characters");
            break;
        }
        b.append("name table full: needs room for ");
        b.append_dec(e.value);
        b.append(" names, ");
        b.append_dec(e.limit);
        b.append(" left");
        break;
    }
    b.put('\n');
}

} // namespace retype::trace
