// retype: the free-list policy. Free descriptors are kept on one list per size
// class; the list links are the policy:
// - intrusive: Boost.Intrusive lists whose hooks live in a fixed pool of nodes
//   inside the allocator object. Run time only (Boost.Intrusive is not literal).
// - array: the same lists as indices in fixed std::arrays; usable in constant
//   expressions, so the planner can run an allocator at compile time.
// Both models pass the same conformance suite (tests/policy/free_list.test.cpp).
#pragma once

#include <retype/policy/config.hpp>

#include <concepts>
#include <cstdint>

namespace retype {

namespace free_lists {
/// Boost.Intrusive lists: run time only, not trivially destructible.
struct intrusive {
    static constexpr free_list_kind value = free_list_kind::intrusive;
};
/// Index lists in std::arrays: constexpr, trivially destructible. The default.
struct array {
    static constexpr free_list_kind value = free_list_kind::array;
};
} // namespace free_lists
using intrusive = free_lists::intrusive;
using array = free_lists::array;

/// `free_list<free_lists::array>`: the option.
template <class M>
struct free_list {
    static_assert(std::same_as<M, free_lists::intrusive> || std::same_as<M, free_lists::array>,
                  "retype: free_list<L> (axis: free_list): L is neither free_lists::array nor free_lists::intrusive");
    static constexpr option_axis axis = option_axis::free_list;
    static constexpr void apply(allocator_config& c) noexcept {
        if constexpr (std::same_as<M, free_lists::intrusive> || std::same_as<M, free_lists::array>)
            c.free_list = M::value;
    }
};

inline constexpr std::uint32_t no_index = ~std::uint32_t{0};

/// A set of doubly linked lists of descriptor indices in [0, capacity()), one per
/// class in [0, classes()). An index is on at most one list.
/// - push_front(c, i): Requires i on no list. O(1).
/// - erase(c, i): Requires i on list c. O(1).
/// - front(c): the first index, or no_index. O(1).
/// - next(c, i): the index after i on list c, or no_index. Requires i on list c. O(1).
template <class L>
concept free_list_model = requires(L& l, const L& cl, std::uint32_t c, std::uint32_t i) {
    l.push_front(c, i);
    l.erase(c, i);
    { cl.front(c) } -> std::same_as<std::uint32_t>;
    { cl.next(c, i) } -> std::same_as<std::uint32_t>;
    { cl.empty(c) } -> std::same_as<bool>;
};

} // namespace retype
