// retype: option-pack canonicalisation. canonical_options<Options...> puts
// options given in any order into one allocator_options type, one option per
// axis in a fixed order, each the one given or the axis's default (Boost.
// Intrusive's make_list), so allocator<B, split<buddy>, granule<21>> and
// allocator<B, granule<21>, split<buddy>> are the same type. Its `config` is
// the allocator_config the options write; the allocator's template arguments
// are types only, so a diagnostic names the options (`target<x86>`) rather
// than printing a configuration value.
//
// Every option has one shape: `axis<argument>` (target<cfg>, split<S>,
// align<A>, granule<N>, max_untypeds<N>, max_slots<N>, max_allocations<N>,
// max_slot_ranges<N>, max_reservations<N>, free_list<L>), with the arguments
// in their own namespaces (strategy::, alignment::, free_lists::,
// kernel::configs::); align_on::pptr / align_on::paddr, and the top-level
// strategy and free-list names, are the same types by another name. Unknown,
// duplicate and conflicting options are compile errors whose message names the
// option and its axis.
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

/// The canonical option pack: one option per axis, in option_axis's order.
/// `config` is what they write into a default allocator_config; strategy_type
/// and alignment_type are the classes the allocator composes.
template <class Target, class Split, class Align, class Granule, class MaxUntypeds, class MaxSlots,
          class MaxAllocations, class MaxSlotRanges, class MaxReservations, class FreeList>
struct allocator_options {
    using target_option = Target;
    using split_option = Split;
    using align_option = Align;
    using granule_option = Granule;
    using max_untypeds_option = MaxUntypeds;
    using max_slots_option = MaxSlots;
    using max_allocations_option = MaxAllocations;
    using max_slot_ranges_option = MaxSlotRanges;
    using max_reservations_option = MaxReservations;
    using free_list_option = FreeList;
    using strategy_type = typename Split::strategy;
    using alignment_type = typename Align::source;

    static constexpr allocator_config config = [] {
        allocator_config c{};
        Target::apply(c);
        Split::apply(c);
        Align::apply(c);
        Granule::apply(c);
        MaxUntypeds::apply(c);
        MaxSlots::apply(c);
        MaxAllocations::apply(c);
        MaxSlotRanges::apply(c);
        MaxReservations::apply(c);
        FreeList::apply(c);
        return c;
    }();
};

namespace detail {
/// The target axis when no target<> is given: basic_allocator then says it is required.
struct no_target {
    static constexpr option_axis axis = option_axis::target;
    static constexpr void apply(allocator_config&) noexcept {}
};

template <option_axis A, class Default, class... O>
using pick_t = typename pick<A, Default, O...>::type;

#define RETYPE_ONE_PER_AXIS(axis_, spelling)                                                                           \
    static_assert(!duplicated<option_axis::axis_, Options...>,                                                         \
                  "retype: duplicate allocator option " spelling " (axis: " #axis_ "): given twice");                  \
    static_assert(!conflicting<option_axis::axis_, Options...>,                                                        \
                  "retype: conflicting allocator options " spelling " (axis: " #axis_ "): two different values")

/// Checks an option pack and names its canonical form.
template <class... Options>
struct canonicalise {
    static_assert(
        (allocator_option<Options> && ...),
        "retype: unknown allocator option (expected target<>, align<> / align_on::, split<>, granule<>, "
        "max_untypeds<>, max_slots<>, max_allocations<>, max_slot_ranges<>, max_reservations<> or free_list<>)");
    RETYPE_ONE_PER_AXIS(target, "target<...>");
    RETYPE_ONE_PER_AXIS(alignment, "align_on::... / align<...>");
    RETYPE_ONE_PER_AXIS(split, "split<...>");
    RETYPE_ONE_PER_AXIS(granule, "granule<...>");
    RETYPE_ONE_PER_AXIS(max_untypeds, "max_untypeds<...>");
    RETYPE_ONE_PER_AXIS(max_slots, "max_slots<...>");
    RETYPE_ONE_PER_AXIS(max_allocations, "max_allocations<...>");
    RETYPE_ONE_PER_AXIS(max_slot_ranges, "max_slot_ranges<...>");
    RETYPE_ONE_PER_AXIS(max_reservations, "max_reservations<...>");
    RETYPE_ONE_PER_AXIS(free_list, "free_list<...>");

    // The defaults are allocator_config's (checked below).
    using type = allocator_options<pick_t<option_axis::target, no_target, Options...>,
                                   pick_t<option_axis::split, split<strategy::buddy>, Options...>,
                                   align<typename pick_t<option_axis::alignment, alignment::pptr, Options...>::source>,
                                   pick_t<option_axis::granule, granule<12>, Options...>,
                                   pick_t<option_axis::max_untypeds, max_untypeds<64>, Options...>,
                                   pick_t<option_axis::max_slots, max_slots<4096>, Options...>,
                                   pick_t<option_axis::max_allocations, max_allocations<0>, Options...>,
                                   pick_t<option_axis::max_slot_ranges, max_slot_ranges<16>, Options...>,
                                   pick_t<option_axis::max_reservations, max_reservations<8>, Options...>,
                                   pick_t<option_axis::free_list, free_list<free_lists::array>, Options...>>;
};
#undef RETYPE_ONE_PER_AXIS
} // namespace detail

/// The canonical form of an option pack (any order, defaults filled in).
template <class... Options>
using canonical_options = typename detail::canonicalise<Options...>::type;

static_assert(canonical_options<>::config == allocator_config{}, "the default options are allocator_config's defaults");

/// Is O an allocator_options<...>?
template <class O>
inline constexpr bool is_allocator_options = false;
template <class... O>
inline constexpr bool is_allocator_options<allocator_options<O...>> = true;

/// The strategy and alignment source an option pack names (defaults: buddy, pptr).
template <class... O>
using strategy_of = typename canonical_options<O...>::strategy_type;
template <class... O>
using alignment_of = typename canonical_options<O...>::alignment_type;

/// The allocator_config an option pack writes.
template <class... Options>
consteval allocator_config make_allocator_config() {
    return canonical_options<Options...>::config;
}

} // namespace retype
