// retype: the split strategy, i.e. how an untyped is carved into objects. A
// strategy is a class (policy/split/): it plans the kernel calls of a request
// on unchanged state, commits its own bookkeeping once the calls succeeded,
// repairs it after an undo, frees and resets. The allocator composes it with
// the descriptor table, the record table, the slot manager and the executor.
//
// - watermark: one bump pointer per untyped, the kernel's own free index (gaps
//   included). An untyped is reused only once every object in it is gone.
// - buddy: blocks of 2^k bytes on free lists per size; a block too large is
//   split by retyping it into two half untypeds; a freed block merges with its
//   free buddy by revoking their parent.
// - binary_search: the halving of buddy without the merge (util_libs'
//   utspace_split): cheaper frees, memory returns whole only by reset().
// A user's strategy is any class that models split_strategy_for (docs/concepts.md,
// examples/custom_strategy).
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/reservation_table.hpp>
#include <retype/allocator/types.hpp>
#include <retype/policy/config.hpp>
#include <retype/result.hpp>

#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace retype {

/// A split strategy: names its kind (split_kind::custom for a user's) and can
/// be default-constructed (the allocator holds one, with whatever state it keeps).
template <class S>
concept split_strategy = std::is_default_constructible_v<S> && requires {
    { S::value } -> std::convertible_to<split_kind>;
};

/// What the allocator calls, on its state St (see basic_allocator::state_type):
/// - adopt(st, u): bootinfo untyped u was added; put it where plan() finds it. O(W) at most.
/// - plan(st, q, p): the calls of request q, on unchanged state, with the slots
///   it needs taken through st.take_slots(p, n) (given back by the allocator on
///   any error). Returns the kernel's or the allocator's error.
/// - commit(st, p, ri): the calls succeeded; record ri is filled in. Updates
///   the strategy's bookkeeping and returns the descriptor record ri lives in. Cannot fail.
/// - undone(st, p): the executor undid p (p.stop_*, p.mispredicted,
///   p.stranded say how far it got); makes the bookkeeping match the kernel again.
/// - free(st, ri): frees record ri (backend calls and bookkeeping). On error, no change
///   or a documented partial free that leaves both sides consistent.
/// - reset(st, root): the root untyped was revoked and everything under it
///   released; makes it usable again.
template <class S, class St>
concept split_strategy_for = split_strategy<S> &&
    requires(S& s, St& st, const plan_request& q, call_plan& p, std::uint32_t i) {
    { s.adopt(st, i) } -> std::same_as<void>;
    { s.plan(st, q, p) } -> std::same_as<result<void>>;
    { s.commit(st, std::as_const(p), i) } -> std::same_as<std::uint32_t>;
    { s.undone(st, std::as_const(p)) } -> std::same_as<void>;
    { s.free(st, i) } -> std::same_as<result<void>>;
    { s.reset(st, i) } -> std::same_as<void>;
};

/// Optional: a strategy that can reserve a physical range (allocator::reserve).
/// - plan_reserve(st, at, bytes, device, root, p): plans the calls (if any)
///   that keep [at, at + bytes) of bootinfo untyped `root` out of every
///   request not placed inside it, on unchanged state; the allocator has
///   checked the range's alignment to the granule, that `root` holds it whole,
///   and that no other reservation meets it.
/// - commit_reserve(st, p, i): the calls succeeded and st.resv[i] holds the
///   reservation. Cannot fail.
/// - unreserve(st, r): reservation r (already out of st.resv) is gone; its
///   memory is free again. Cannot fail.
/// A strategy without them refuses reserve() with error_code::unsupported.
template <class S, class St>
concept reserving_strategy_for = requires(S& s, St& st, kernel::paddr_t at, std::uint64_t bytes, bool device,
                                          std::uint32_t i, call_plan& p, const detail::reservation& r) {
    { s.plan_reserve(st, at, bytes, device, i, p) } -> std::same_as<result<void>>;
    { s.commit_reserve(st, std::as_const(p), i) } -> std::same_as<void>;
    { s.unreserve(st, r) } -> std::same_as<void>;
};

/// `split<strategy::buddy>`: the option. Unconstrained on purpose, so that a
/// wrong argument is reported by name rather than as a failed constraint.
template <class S>
struct split {
    static_assert(split_strategy<S>, "retype: split<S> (axis: split): S is not a split strategy (it needs a static "
                                     "`value` of type split_kind and a default constructor; see docs/concepts.md)");
    using strategy = S;
    static constexpr option_axis axis = option_axis::split;
    static constexpr void apply(allocator_config& c) noexcept {
        if constexpr (split_strategy<S>) c.split = S::value;
    }
};

/// Can a single object be freed on its own and its memory used again at once?
[[nodiscard]] constexpr bool frees_objects_alone(split_kind k) noexcept { return k != split_kind::watermark; }
/// Do free buddies merge back into their parent?
[[nodiscard]] constexpr bool merges(split_kind k) noexcept { return k == split_kind::buddy; }

[[nodiscard]] constexpr const char* name(split_kind k) noexcept {
    switch (k) {
    case split_kind::watermark: return "watermark";
    case split_kind::buddy: return "buddy";
    case split_kind::binary_search: return "binary_search";
    case split_kind::custom: return "custom";
    }
    return "?";
}

} // namespace retype
