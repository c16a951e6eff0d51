// retype: the one table of architecture spellings, for C++ and for text
// (TOML, traces, CLI). The spelling is the C++ enumerator's name, so
// `arch::aarch64_hyp` is written `aarch64_hyp` everywhere; the older text
// spelling `aarch64-hyp` is still read, and reported as deprecated so that a
// parser can print a note.
#pragma once

#include <retype/kernel/arch.hpp>

#include <optional>
#include <string_view>

namespace retype::kernel {

struct arch_spelling {
    arch value;
    std::string_view name;       // the spelling (the enumerator's name)
    std::string_view deprecated; // an older spelling still read, or empty
};

inline constexpr arch_spelling arch_spellings[] = {
    {arch::x86_64, "x86_64", ""},   {arch::aarch64, "aarch64", ""}, {arch::aarch64_hyp, "aarch64_hyp", "aarch64-hyp"},
    {arch::riscv64, "riscv64", ""}, {arch::aarch32, "aarch32", ""},
};

/// The spelling of a (the C++ enumerator's name).
[[nodiscard]] constexpr std::string_view spelling(arch a) noexcept {
    for (const arch_spelling& s : arch_spellings)
        if (s.value == a) return s.name;
    return "?";
}

/// What a text spelling names, and whether it is a deprecated one.
struct parsed_arch {
    arch value;
    bool deprecated;
};
/// Reads a spelling or a deprecated spelling. O(architectures).
[[nodiscard]] constexpr std::optional<parsed_arch> parse_spelling(std::string_view s) noexcept {
    for (const arch_spelling& a : arch_spellings) {
        if (s == a.name) return parsed_arch{a.value, false};
        if (!a.deprecated.empty() && s == a.deprecated) return parsed_arch{a.value, true};
    }
    return std::nullopt;
}

// Every architecture has one entry, in the enumeration's order.
static_assert(std::size(arch_spellings) == 5 && arch_spellings[2].value == arch::aarch64_hyp);

} // namespace retype::kernel
