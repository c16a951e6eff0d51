// retype allocator: reserved physical ranges. A reservation keeps
// [paddr, paddr + bytes) of one bootinfo untyped out of every request that is
// not placed inside it (allocate_at / allocate_range_at there), until
// unreserve. The table is bookkeeping only; what a strategy does with it is in
// its reserve members (policy/split/watermark.hpp, halving.hpp). Like a
// record, an entry has a generation, so a stale reservation_id is an error.
//
// Complexity: take, release, live: O(1); free_entry, release_root, blocking,
// limit: O(R) with R = capacity (max_reservations, 8 by default).
#pragma once

#include <retype/allocator/types.hpp>
#include <retype/kernel/arch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

/// Names one live reservation (see allocation_id).
struct reservation_id {
    std::uint32_t index = no_index;
    std::uint32_t generation = 0;
    friend constexpr bool operator==(const reservation_id&, const reservation_id&) = default;
};

namespace detail {
struct reservation {
    kernel::paddr_t paddr = 0;
    std::uint64_t bytes = 0;
    std::uint32_t root = no_index; // the bootinfo untyped that holds it
    std::uint32_t generation = 0;
    bool device = false;
    bool live = false;
    /// Does [at, at + len) meet it? (len > 0; no wrap: both lie in one untyped.)
    [[nodiscard]] constexpr bool meets(kernel::paddr_t at, std::uint64_t len) const noexcept {
        return at <= paddr + (bytes - 1) && paddr <= at + (len - 1);
    }
    [[nodiscard]] constexpr bool holds(kernel::paddr_t at, std::uint64_t len) const noexcept {
        return at >= paddr && len <= bytes && at - paddr <= bytes - len;
    }
    friend constexpr bool operator==(const reservation&, const reservation&) = default;
};
} // namespace detail

/// N entries: the allocator's max_reservations (below no_index: indices are 32-bit).
template <std::size_t N>
class reservation_table {
public:
    static constexpr std::size_t capacity = N;

    [[nodiscard]] constexpr const std::array<detail::reservation, capacity>& all() const noexcept { return r_; }
    [[nodiscard]] constexpr const detail::reservation& operator[](std::uint32_t i) const noexcept { return r_[i]; }
    [[nodiscard]] constexpr bool live(reservation_id id) const noexcept {
        return id.index < capacity && r_[id.index].live && r_[id.index].generation == id.generation;
    }
    /// A free entry's index, or no_index.
    [[nodiscard]] constexpr std::uint32_t free_entry() const noexcept {
        for (std::uint32_t i = 0; i < capacity; ++i)
            if (!r_[i].live) return i;
        return no_index;
    }
    /// Fills entry i (from free_entry()).
    constexpr reservation_id take(std::uint32_t i, kernel::paddr_t paddr, std::uint64_t bytes, bool device,
                                  std::uint32_t root) noexcept {
        r_[i] = detail::reservation{paddr, bytes, root, r_[i].generation, device, true};
        return reservation_id{i, r_[i].generation};
    }
    constexpr void release(std::uint32_t i) noexcept {
        const std::uint32_t gen = r_[i].generation + 1;
        r_[i] = detail::reservation{};
        r_[i].generation = gen;
    }
    /// Releases every reservation in bootinfo untyped `root` (it was reset).
    constexpr void release_root(std::uint32_t root) noexcept {
        for (std::uint32_t i = 0; i < capacity; ++i)
            if (r_[i].live && r_[i].root == root) release(i);
    }
    /// The first live reservation of kind `device` that meets [at, at + len)
    /// and does not hold [hold_at, hold_at + hold_len) whole (hold_len 0: any
    /// that meets it); no_index if none.
    [[nodiscard]] constexpr std::uint32_t blocking(kernel::paddr_t at, std::uint64_t len, bool device,
                                                   kernel::paddr_t hold_at, std::uint64_t hold_len) const noexcept {
        if (len == 0) return no_index;
        for (std::uint32_t i = 0; i < capacity; ++i)
            if (r_[i].live && r_[i].device == device && r_[i].meets(at, len) &&
                (hold_len == 0 || !r_[i].holds(hold_at, hold_len)))
                return i;
        return no_index;
    }
    /// Offsets into bootinfo untyped `root` (at `base`, of `size` bytes): the
    /// lowest offset of a live reservation in it that ends above offset
    /// `from`, which is where memory free for any request stops; `size` if none.
    [[nodiscard]] constexpr std::uint64_t limit(std::uint32_t root, kernel::paddr_t base, std::uint64_t from,
                                                std::uint64_t size) const noexcept {
        std::uint64_t lim = size;
        for (const detail::reservation& r : r_)
            if (r.live && r.root == root && (r.paddr - base) + r.bytes > from && r.paddr - base < lim)
                lim = r.paddr - base;
        return lim;
    }

private:
    std::array<detail::reservation, capacity> r_{};
};

} // namespace retype
