// retype: option-pack canonicalisation. make_allocator_config<Options...>() folds
// options given in any order into one allocator_config (Boost.Intrusive's
// make_list, with a structural aggregate in place of a pack of types), and
// strategy_of / alignment_of pick the strategy and alignment types by axis, so
// allocator<B, split<buddy>, granule<21>> and allocator<B, granule<21>,
// split<buddy>> are the same type.
//
// Every option has one shape: `axis<argument>` (target<cfg>, split<S>,
// align<A>, granule<N>, max_untypeds<N>, max_slots<N>, max_allocations<N>,
// free_list<L>), with the arguments in their own namespaces (strategy::,
// alignment::, free_lists::); align_on::pptr / align_on::paddr, and the
// top-level strategy and free-list names, are the same types by another name.
// Unknown, duplicate and conflicting options are compile errors whose message
// names the option and its axis.
#pragma once

#include <retype/policy/alignment_source.hpp>
#include <retype/policy/capacity.hpp>
#include <retype/policy/config.hpp>
#include <retype/policy/free_list.hpp>
#include <retype/policy/granule.hpp>
#include <retype/policy/split/binary_search.hpp>
#include <retype/policy/split/buddy.hpp>
#include <retype/policy/split/watermark.hpp>
#include <retype/policy/split_strategy.hpp>
#include <retype/policy/target.hpp>

#include <concepts>
#include <cstddef>
#include <type_traits>

namespace retype {

// The strategies by their short names (split<buddy>).
using watermark = strategy::watermark;
using buddy = strategy::buddy;
using binary_search = strategy::binary_search;

/// An allocator option: names its axis and writes its field.
template <class O>
concept allocator_option = requires(allocator_config& c) {
    { O::axis } -> std::convertible_to<option_axis>;
    O::apply(c);
};

namespace detail {
template <class O>
consteval int axis_index() {
    if constexpr (allocator_option<O>)
        return static_cast<int>(O::axis);
    else
        return -1;
}
template <option_axis A, class... O>
inline constexpr std::size_t on_axis = (std::size_t{axis_index<O>() == static_cast<int>(A)} + ... + 0);
template <class X, class... O>
inline constexpr std::size_t count_of = (std::size_t{std::is_same_v<X, O>} + ... + 0);
/// Is an option on axis A given twice (the same type)?
template <option_axis A, class... O>
inline constexpr bool duplicated = ((axis_index<O>() == static_cast<int>(A) && 1 < count_of<O, O...>) || ... || false);
/// Are two different options given for axis A?
template <option_axis A, class... O>
inline constexpr bool conflicting = 1 < on_axis<A, O...> && !duplicated<A, O...>;

template <option_axis A, class Default, class... O>
struct pick {
    using type = Default;
};
template <option_axis A, class Default, class First, class... Rest>
struct pick<A, Default, First, Rest...> {
    using type =
        std::conditional_t<axis_index<First>() == static_cast<int>(A), First, typename pick<A, Default, Rest...>::type>;
};
} // namespace detail

/// The strategy class of a split_kind (the built-in ones).
template <split_kind K>
using default_strategy_t =
    std::conditional_t<K == split_kind::watermark, strategy::watermark,
                       std::conditional_t<K == split_kind::binary_search, strategy::binary_search, strategy::buddy>>;
/// The alignment source of an align_source (the built-in ones).
template <align_source A>
using default_alignment_t = std::conditional_t<A == align_source::paddr, alignment::paddr, alignment::pptr>;

/// The strategy and alignment source an option pack names (defaults: buddy, pptr).
template <class... O>
using strategy_of = typename detail::pick<option_axis::split, split<strategy::buddy>, O...>::type::strategy;
template <class... O>
using alignment_of = typename detail::pick<option_axis::alignment, alignment::pptr, O...>::type::source;

#define RETYPE_ONE_PER_AXIS(axis_, spelling)                                                                           \
    static_assert(!detail::duplicated<option_axis::axis_, Options...>,                                                 \
                  "retype: duplicate allocator option " spelling " (axis: " #axis_ "): given twice");                  \
    static_assert(!detail::conflicting<option_axis::axis_, Options...>,                                                \
                  "retype: conflicting allocator options " spelling " (axis: " #axis_ "): two different values")

template <class... Options>
consteval allocator_config make_allocator_config() {
    static_assert((allocator_option<Options> && ...),
                  "retype: unknown allocator option (expected target<>, align<> / align_on::, split<>, granule<>, "
                  "max_untypeds<>, max_slots<>, max_allocations<> or free_list<>)");
    RETYPE_ONE_PER_AXIS(target, "target<...>");
    RETYPE_ONE_PER_AXIS(alignment, "align_on::... / align<...>");
    RETYPE_ONE_PER_AXIS(split, "split<...>");
    RETYPE_ONE_PER_AXIS(granule, "granule<...>");
    RETYPE_ONE_PER_AXIS(max_untypeds, "max_untypeds<...>");
    RETYPE_ONE_PER_AXIS(max_slots, "max_slots<...>");
    RETYPE_ONE_PER_AXIS(max_allocations, "max_allocations<...>");
    RETYPE_ONE_PER_AXIS(free_list, "free_list<...>");
    if constexpr ((allocator_option<Options> && ...)) {
        allocator_config c{};
        (Options::apply(c), ...);
        return c;
    } else {
        return allocator_config{};
    }
}
#undef RETYPE_ONE_PER_AXIS

} // namespace retype
