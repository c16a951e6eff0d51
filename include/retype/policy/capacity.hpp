// retype: the capacities, fixed at compile time: they size every table inside
// the allocator object, which never allocates.
#pragma once

#include <retype/policy/config.hpp>

#include <cstddef>

namespace retype {

/// Untyped descriptors: the bootinfo untypeds plus every half a split creates
/// (a split of 2^c down to 2^b takes 2(c-b) descriptors until it merges).
template <std::size_t N>
struct max_untypeds {
    static constexpr option_axis axis = option_axis::max_untypeds;
    static constexpr void apply(allocator_config& c) noexcept { c.max_untypeds = N; }
};
/// CSpace slots of the empty range handed to add_slots.
template <std::size_t N>
struct max_slots {
    static constexpr option_axis axis = option_axis::max_slots;
    static constexpr void apply(allocator_config& c) noexcept { c.max_slots = N; }
};
/// Live allocations (objects, object arrays and frame ranges) at one time.
template <std::size_t N>
struct max_allocations {
    static constexpr option_axis axis = option_axis::max_allocations;
    static constexpr void apply(allocator_config& c) noexcept { c.max_allocations = N; }
};
/// Slot ranges given to add_slots (each a range entry and one more free run).
template <std::size_t N>
struct max_slot_ranges {
    static constexpr option_axis axis = option_axis::max_slot_ranges;
    static constexpr void apply(allocator_config& c) noexcept { c.max_slot_ranges = N; }
};
/// Reservations (reserve()) live at one time.
template <std::size_t N>
struct max_reservations {
    static constexpr option_axis axis = option_axis::max_reservations;
    static constexpr void apply(allocator_config& c) noexcept { c.max_reservations = N; }
};

} // namespace retype
