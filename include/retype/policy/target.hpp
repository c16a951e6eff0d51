// retype: the target<> option: the kernel configuration, known at compile time,
// so that object sizes, page sizes and the kernel window are constants.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/policy/config.hpp>

namespace retype {

/// `target<kernel::config{.target = kernel::arch::aarch64}>`. Mandatory.
template <kernel::config Cfg>
struct target {
    static_assert(kernel::valid(Cfg)); // a contradictory configuration: the error names the conflict
    static constexpr option_axis axis = option_axis::target;
    static constexpr void apply(allocator_config& c) noexcept {
        c.target = Cfg;
        c.has_target = true;
    }
};

} // namespace retype
