// retype: the split strategy, i.e. how an untyped is carved into objects.
//
// - watermark: one bump pointer per untyped, the kernel's own free index (gaps
//   included). An untyped is reused only once every object in it is gone.
// - buddy: blocks of 2^k bytes on free lists per size; a block too large is
//   split by retyping it into two half untypeds; a freed block merges with its
//   free buddy by revoking their parent.
// - binary_search: the halving of buddy without the merge (util_libs'
//   utspace_split): cheaper frees, memory returns whole only by reset().
// Both halving strategies reach a fixed physical address by halving towards it,
// which is right whatever the kernel window offset: every block is aligned to its
// size in pptr space because the kernel made it so.
#pragma once

#include <retype/policy/config.hpp>

#include <concepts>

namespace retype {

struct watermark {
    static constexpr split_kind value = split_kind::watermark;
};
struct buddy {
    static constexpr split_kind value = split_kind::buddy;
};
struct binary_search {
    static constexpr split_kind value = split_kind::binary_search;
};

/// A split strategy tag.
template <class S>
concept split_strategy = requires {
    { S::value } -> std::convertible_to<split_kind>;
};

/// `split<buddy>`: the option.
template <split_strategy S>
struct split {
    static constexpr option_axis axis = option_axis::split;
    static constexpr void apply(allocator_config& c) noexcept { c.split = S::value; }
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
    }
    return "?";
}

} // namespace retype
