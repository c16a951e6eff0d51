// retype: option-pack canonicalisation. make_allocator_config<Options...>() folds
// options given in any order into one allocator_config (Boost.Intrusive's
// make_list, with a structural aggregate in place of a pack of types), so
// allocator<B, split<buddy>, granule<21>> and allocator<B, granule<21>,
// split<buddy>> are the same type. Unknown, duplicate and conflicting options
// are compile errors with a message naming the rule.
#pragma once

#include <retype/policy/alignment_source.hpp>
#include <retype/policy/capacity.hpp>
#include <retype/policy/config.hpp>
#include <retype/policy/free_list.hpp>
#include <retype/policy/granule.hpp>
#include <retype/policy/split_strategy.hpp>
#include <retype/policy/target.hpp>

#include <concepts>
#include <cstddef>
#include <type_traits>

namespace retype {

/// An allocator option: names its axis and writes its field.
template <class O>
concept allocator_option = requires(allocator_config& c) {
    { O::axis } -> std::convertible_to<option_axis>;
    O::apply(c);
};

namespace detail {
template <class A, class... O>
inline constexpr std::size_t same_type_count = (std::size_t{std::is_same_v<A, O>} + ... + 0);
template <class A, class... O>
inline constexpr std::size_t same_axis_count = (std::size_t{A::axis == O::axis} + ... + 0);
} // namespace detail

template <class... Options>
consteval allocator_config make_allocator_config() {
    static_assert((allocator_option<Options> && ...),
                  "retype: unknown allocator option (expected target, align_on, split, granule, max_untypeds, "
                  "max_slots, max_allocations or free_list)");
    if constexpr ((allocator_option<Options> && ...)) {
        static_assert(!((detail::same_type_count<Options, Options...> > 1) || ...),
                      "retype: duplicate allocator option");
        static_assert(
            !((detail::same_axis_count<Options, Options...> > detail::same_type_count<Options, Options...>) || ...),
            "retype: conflicting allocator options (two values for one axis)");
        allocator_config c{};
        (Options::apply(c), ...);
        return c;
    } else {
        return allocator_config{};
    }
}

} // namespace retype
