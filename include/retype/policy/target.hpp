// retype: the target<> option: the kernel configuration, known at compile time,
// so that object sizes, page sizes and the kernel window are constants.
//
// target<> names a constexpr kernel::config with static storage (a reference
// template argument), not a value: the compiler then prints `target<x86>` in
// every diagnostic about the allocator, where a value argument printed the
// whole configuration. kernel/configs.hpp has one per architecture.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/configs.hpp>
#include <retype/policy/config.hpp>

namespace retype {

/// `target<kernel::configs::aarch64>`, or `target<mine>` for
/// `inline constexpr kernel::config mine{...};`. Mandatory.
template <const kernel::config& Cfg>
struct target {
    static constexpr option_axis axis = option_axis::target;
    static constexpr void apply(allocator_config& c) noexcept {
        // A contradictory configuration: the error names the conflict. Here rather
        // than in the class, so that checking target<cfg> is an option does not fail.
        static_assert(kernel::valid(Cfg));
        c.target = Cfg;
        c.has_target = true;
    }
};

} // namespace retype
