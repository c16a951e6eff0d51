// retype: the page granule, i.e. the frame size allocate_range hands out. It
// must be a frame size of the target (x86_64, aarch64, riscv64: 12, 21, 30;
// aarch32: 12, 16, 20, 24, or 12, 16, 21, 25 with hyp). Checked at compile
// time by basic_allocator.
#pragma once

#include <retype/kernel/object_type.hpp>
#include <retype/policy/config.hpp>

#include <optional>

namespace retype {

/// `granule<21>`: allocate_range hands out 2 MiB frames.
template <unsigned Bits>
struct granule {
    static constexpr option_axis axis = option_axis::granule;
    static constexpr unsigned bits = Bits;
    static constexpr void apply(allocator_config& c) noexcept { c.granule_bits = Bits; }
};

/// The frame object of 2^bits bytes on `cfg`, if the target has one.
[[nodiscard]] constexpr std::optional<kernel::object_type> frame_of_bits(const kernel::config& cfg,
                                                                         unsigned bits) noexcept {
    for (kernel::object_type t : kernel::all_object_types)
        if (kernel::is_frame(t) && kernel::exists(cfg, t) && kernel::fixed_object_bits(cfg, t) == bits) return t;
    return std::nullopt;
}

} // namespace retype
