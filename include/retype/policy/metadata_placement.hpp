// retype: where a contiguous allocator keeps its free-list nodes.
//
// out_of_band<N> (the default): a fixed pool of N nodes inside the allocator
// object. Works for memory the allocator cannot touch (seL4 untyped, a guest's
// RAM), is constexpr, and bounds the number of free blocks by N.
//
// in_band<W>: each free block holds its own node (two links in its first 16
// bytes). Only for memory that is mapped and writable by the allocator (a
// hypervisor's own heap); the allocator's footprint is then constant whatever
// the number of free blocks. Allocated blocks are never read or written.
#pragma once

#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace retype::policy {

/// Requirements on a metadata placement M (m: M, h: M::handle, p: paddr):
/// - M::handle, M::null: a node reference and the end-of-list value.
/// - M::min_granule_bits: the smallest block that can hold a node.
/// - m.available(): nodes that acquire() can still hand out.
/// - m.acquire(p): requires available() > 0 and, for in-band, that the block
///   at p is free; returns an unlinked node for the free block at p.
/// - m.release(h): the node goes back (the block is no longer free).
/// - m.paddr(h), m.prev(h), m.next(h), m.set_prev(h, h2), m.set_next(h, h2).
/// - m.covers(base, size): the metadata can describe free blocks in that range.
template <class M>
concept metadata_placement = requires(M& m, const M& cm, typename M::handle h, std::uint64_t p) {
    typename M::handle;
    { M::null } -> std::convertible_to<typename M::handle>;
    { M::min_granule_bits } -> std::convertible_to<unsigned>;
    { cm.available() } -> std::convertible_to<std::size_t>;
    { m.acquire(p) } -> std::same_as<typename M::handle>;
    {m.release(h)};
    { cm.paddr(h) } -> std::convertible_to<std::uint64_t>;
    { cm.prev(h) } -> std::same_as<typename M::handle>;
    { cm.next(h) } -> std::same_as<typename M::handle>;
    {m.set_prev(h, h)};
    {m.set_next(h, h)};
    { cm.covers(p, p) } -> std::convertible_to<bool>;
};

/// A fixed pool of Capacity nodes inside the allocator object. Unused nodes are
/// chained through `next`, so acquire and release are O(1).
template <std::size_t Capacity>
class out_of_band {
    static_assert(Capacity > 0 && Capacity < 0xffffffffu, "retype: out_of_band capacity must fit a 32-bit index");

public:
    using handle = std::uint32_t;
    static constexpr handle null = ~handle{0};
    static constexpr unsigned min_granule_bits = 0;
    static constexpr std::size_t capacity = Capacity;

    constexpr out_of_band() noexcept {
        for (std::size_t i = 0; i < Capacity; ++i) {
            nodes_[i].next = i + 1 < Capacity ? static_cast<handle>(i + 1) : null;
        }
    }

    [[nodiscard]] constexpr std::size_t available() const noexcept { return available_; }

    constexpr handle acquire(std::uint64_t paddr) noexcept {
        Expects(available_ > 0);
        const handle h = unused_;
        unused_ = nodes_[h].next;
        --available_;
        nodes_[h] = node{.paddr = paddr, .prev = null, .next = null};
        return h;
    }
    constexpr void release(handle h) noexcept {
        Expects(h < Capacity);
        nodes_[h] = node{.paddr = 0, .prev = null, .next = unused_};
        unused_ = h;
        ++available_;
    }

    [[nodiscard]] constexpr std::uint64_t paddr(handle h) const noexcept { return nodes_[h].paddr; }
    [[nodiscard]] constexpr handle prev(handle h) const noexcept { return nodes_[h].prev; }
    [[nodiscard]] constexpr handle next(handle h) const noexcept { return nodes_[h].next; }
    constexpr void set_prev(handle h, handle to) noexcept { nodes_[h].prev = to; }
    constexpr void set_next(handle h, handle to) noexcept { nodes_[h].next = to; }
    [[nodiscard]] constexpr bool covers(std::uint64_t, std::uint64_t) const noexcept { return true; }

private:
    struct node {
        std::uint64_t paddr = 0;
        handle prev = null;
        handle next = null;
    };
    std::array<node, Capacity> nodes_{};
    handle unused_ = 0;
    std::size_t available_ = Capacity;
};

/// Free-list nodes inside the free blocks. The allocator maps each bank's
/// paddr range to the host address where it is mapped (`map`) before init;
/// a handle is the block's paddr. Not constexpr: it writes real memory.
template <std::size_t MaxWindows = 8>
class in_band {
public:
    using handle = std::uint64_t;
    static constexpr handle null = ~handle{0};
    static constexpr unsigned min_granule_bits = 4; // two 8-byte links
    static constexpr std::size_t node_bytes = 16;

    /// Effects: paddr range [base, base+size) is mapped writable at `host`.
    /// Error: invalid_argument(2) for a null host pointer; invalid_argument(1)
    /// for size 0; capacity_exhausted (value: MaxWindows+1, limit: MaxWindows)
    /// when all windows are used; overlap (value: base, limit: the other
    /// window's base) for a paddr range already mapped. Upon failure, no change.
    result<void> map(std::uint64_t base, std::uint64_t size, std::byte* host) noexcept {
        if (host == nullptr) return failure(invalid_argument(2));
        if (size == 0 || base + size < base) return failure(invalid_argument(1));
        if (count_ == MaxWindows)
            return failure(make_error(error_code::capacity_exhausted, MaxWindows + 1, MaxWindows));
        for (std::size_t i = 0; i < count_; ++i) {
            const window& w = windows_[i];
            if (base < w.base + w.size && w.base < base + size) {
                return failure(make_error(error_code::overlap, base, w.base));
            }
        }
        windows_[count_++] = window{.base = base, .size = size, .host = host};
        return {};
    }

    [[nodiscard]] std::size_t available() const noexcept { return std::numeric_limits<std::size_t>::max(); }

    handle acquire(std::uint64_t paddr) noexcept {
        store(paddr, 0, null);
        store(paddr, 8, null);
        return paddr;
    }
    // The block leaves the free lists; its bytes now belong to the caller.
    void release(handle) noexcept {}

    [[nodiscard]] std::uint64_t paddr(handle h) const noexcept { return h; }
    [[nodiscard]] handle prev(handle h) const noexcept { return load(h, 0); }
    [[nodiscard]] handle next(handle h) const noexcept { return load(h, 8); }
    void set_prev(handle h, handle to) noexcept { store(h, 0, to); }
    void set_next(handle h, handle to) noexcept { store(h, 8, to); }

    [[nodiscard]] bool covers(std::uint64_t base, std::uint64_t size) const noexcept {
        for (std::size_t i = 0; i < count_; ++i) {
            const window& w = windows_[i];
            if (base >= w.base && size <= w.size && base - w.base <= w.size - size) return true;
        }
        return false;
    }

private:
    struct window {
        std::uint64_t base = 0;
        std::uint64_t size = 0;
        std::byte* host = nullptr;
    };

    [[nodiscard]] std::byte* host(std::uint64_t paddr) const noexcept {
        for (std::size_t i = 0; i < count_; ++i) {
            const window& w = windows_[i];
            if (paddr >= w.base && paddr - w.base < w.size) return w.host + (paddr - w.base);
        }
        Expects(false); // the allocator only hands out paddrs of mapped banks
        return nullptr;
    }
    // memcpy: the block holds no C++ object and may be any alignment.
    [[nodiscard]] handle load(std::uint64_t paddr, std::size_t offset) const noexcept {
        handle v{};
        std::memcpy(&v, host(paddr) + offset, sizeof v);
        return v;
    }
    void store(std::uint64_t paddr, std::size_t offset, handle v) noexcept {
        std::memcpy(host(paddr) + offset, &v, sizeof v);
    }

    std::array<window, MaxWindows> windows_{};
    std::size_t count_ = 0;
};

static_assert(metadata_placement<out_of_band<4>>);
static_assert(metadata_placement<in_band<>>);

} // namespace retype::policy
