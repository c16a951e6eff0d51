// retype: the statements of a replay trace (docs/replay.md)
// and the errors that make a trace malformed.
//
// A parsed trace keeps views into the trace text: the text must outlive it.
// Every field defaults to zero, so a large trace<N> in static storage costs no
// initialised data.
#pragma once

#include <retype/error.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype::trace {

/// The statements that act on the model. `arch` and `config` are folded into
/// trace::cfg while parsing, since both must precede every other statement.
enum class verb : std::uint8_t {
    untyped, // declare a boot untyped
    retype,  // one seL4_Untyped_Retype
    remove,  // `delete`: one object's last capability
    revoke,  // every descendant of an untyped
};

[[nodiscard]] constexpr std::string_view name(verb v) noexcept {
    switch (v) {
    case verb::untyped: return "untyped";
    case verb::retype: return "retype";
    case verb::remove: return "delete";
    case verb::revoke: return "revoke";
    }
    return "?";
}

struct statement {
    verb kind{};
    std::uint64_t line = 0;      // 1-based line of the statement in the trace text
    std::string_view name{};     // untyped: the declared name; retype: the parent untyped; delete/revoke: the object
    std::string_view as{};       // retype: the new objects' name; empty when unnamed
    kernel::object_type type{};  // retype
    std::uint64_t size_bits = 0; // untyped, retype
    std::uint64_t count = 0;     // retype; the parser stores 1 when the trace omits it
    std::uint64_t paddr = 0;     // untyped
    bool device = false;         // untyped
};

/// Why a trace is malformed. Syntax problems come from the parser, the others
/// (names, the tree of objects, capacities) from the runner.
enum class problem : std::uint8_t {
    none,
    // parser
    no_arch,
    arch_not_first,
    arch_twice,
    unknown_arch,
    config_too_late,
    unknown_config_key,
    config_key_not_applicable,
    config_key_twice,
    bad_switch,   // a config value that must be on or off
    out_of_range, // a number outside what the field accepts
    bad_number,
    missing_field,
    unexpected_token,
    duplicate_option,
    bad_name,
    unknown_statement,
    unknown_type,
    type_not_configured,
    line_too_long,
    bad_separator, // \r (not just before the newline), \v or \f in a line; `value` is its column
    too_many_statements,
    // runner
    unknown_name,
    duplicate_name,
    not_an_untyped,
    has_children,
    boot_untyped_delete,
    bad_untyped,  // machine::add_untyped refused it; `kernel` says why
    out_of_nodes, // the model's node capacity
    out_of_names, // the name table's capacity
};

/// A malformed trace: what is wrong, on which line, and the values that explain it.
struct trace_error {
    problem what = problem::none;
    std::uint64_t line = 0;
    std::string_view token{}; // the offending token (a view into the trace text)
    std::string_view field{}; // the field or key concerned, or what is missing
    std::uint64_t value = 0;  // e.g. the lower bound, a duplicate name's index, nodes needed
    std::uint64_t limit = 0;  // e.g. the upper bound, nodes free
    bool indexed = false;     // duplicate_name: the clash is `<token>.<value>`
    kernel::arch target{};    // config_key_not_applicable, type_not_configured
    retype::error kernel{};   // bad_untyped: machine::add_untyped's error

    [[nodiscard]] constexpr bool failed() const noexcept { return what != problem::none; }
};

/// A parsed trace: the kernel configuration and the statements, in input order.
/// When parsing stopped at an error, `statements` holds those before it.
template <std::size_t MaxStatements>
struct trace {
    kernel::config cfg{};
    std::array<statement, MaxStatements> statements{};
    std::size_t size = 0;
};

} // namespace retype::trace
