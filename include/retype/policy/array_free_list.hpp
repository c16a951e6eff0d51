// retype: the constexpr free-list model: per-class doubly linked lists of
// indices over fixed std::arrays (4 B per class, 8 B per descriptor).
#pragma once

#include <retype/invariant.hpp>
#include <retype/policy/free_list.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

template <std::size_t N, std::size_t Classes>
class array_free_list {
public:
    constexpr array_free_list() noexcept {
        heads_.fill(no_index);
        links_.fill(link{});
    }

    [[gnu::always_inline]] constexpr void push_front(std::uint32_t c, std::uint32_t i) noexcept {
        RETYPE_INVARIANT(c < Classes && i < N);
        links_[i] = link{no_index, heads_[c]};
        if (heads_[c] != no_index) links_[heads_[c]].prev = i;
        heads_[c] = i;
    }
    constexpr void erase(std::uint32_t c, std::uint32_t i) noexcept {
        RETYPE_INVARIANT(c < Classes && i < N);
        const link l = links_[i];
        if (l.prev != no_index)
            links_[l.prev].next = l.next;
        else {
            RETYPE_INVARIANT(heads_[c] == i);
            heads_[c] = l.next;
        }
        if (l.next != no_index) links_[l.next].prev = l.prev;
        links_[i] = link{};
    }
    /// erase(c, front(c)), without the search for a predecessor. Requires: c not empty.
    [[gnu::always_inline]] constexpr void pop_front(std::uint32_t c) noexcept {
        RETYPE_INVARIANT(c < Classes && heads_[c] < N);
        const std::uint32_t i = heads_[c];
        const std::uint32_t nx = links_[i].next;
        heads_[c] = nx;
        if (nx != no_index) links_[nx].prev = no_index;
        links_[i] = link{};
    }
    [[nodiscard]] constexpr std::uint32_t front(std::uint32_t c) const noexcept {
        RETYPE_INVARIANT(c < Classes);
        return heads_[c];
    }
    [[nodiscard]] constexpr std::uint32_t next(std::uint32_t, std::uint32_t i) const noexcept {
        RETYPE_INVARIANT(i < N);
        return links_[i].next;
    }
    [[nodiscard]] constexpr bool empty(std::uint32_t c) const noexcept { return front(c) == no_index; }

    friend constexpr bool operator==(const array_free_list&, const array_free_list&) = default;

private:
    struct link {
        std::uint32_t prev = no_index;
        std::uint32_t next = no_index;
        friend constexpr bool operator==(const link&, const link&) = default;
    };
    std::array<std::uint32_t, Classes> heads_{};
    std::array<link, N> links_{};
};

static_assert(free_list_model<array_free_list<4, 2>>);

} // namespace retype
