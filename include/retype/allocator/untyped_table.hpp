// retype allocator: the untyped descriptor table. Every untyped cap the
// allocator tracks (bootinfo untypeds, and the halves a halving strategy
// makes) is one descriptor of a fixed array, taken from a free-index stack.
// Descriptors sit on one free list per class (device, size_bits); what a class
// means is the strategy's (halving: the block's size; watermark: the largest
// object that still fits). A mask of non-empty classes finds the first class
// at or above a size with one count of trailing zeros.
//
// Complexity: take, release, list, unlist, first_class_from: O(1);
// find_root, largest_free, root_of: O(U); descends: O(depth) <= O(W).
#pragma once

#include <retype/allocator/types.hpp>
#include <retype/invariant.hpp>
#include <retype/result.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace retype {

template <std::size_t U, class FreeList>
class untyped_table {
public:
    static constexpr std::size_t capacity = U;
    using free_list_type = FreeList;

    constexpr untyped_table() noexcept {
        for (std::size_t i = 0; i < U; ++i) free_[i] = static_cast<std::uint32_t>(U - 1 - i);
        free_n_ = U;
    }

    [[nodiscard]] constexpr detail::untyped_desc& operator[](std::uint32_t i) noexcept { return ut_[i]; }
    [[nodiscard]] constexpr const detail::untyped_desc& operator[](std::uint32_t i) const noexcept { return ut_[i]; }
    [[nodiscard]] constexpr const std::array<detail::untyped_desc, U>& all() const noexcept { return ut_; }
    [[nodiscard]] constexpr std::size_t available() const noexcept { return free_n_; }
    [[nodiscard]] constexpr std::size_t in_use() const noexcept { return U - free_n_; }

    /// A free descriptor. Requires available() > 0.
    [[nodiscard]] constexpr std::uint32_t take() noexcept {
        RETYPE_INVARIANT(free_n_ > 0);
        return free_[--free_n_];
    }
    /// Requires: i is on no list.
    constexpr void release(std::uint32_t i) noexcept {
        RETYPE_INVARIANT(ut_[i].listed == detail::no_class);
        ut_[i] = detail::untyped_desc{};
        free_[free_n_++] = i;
    }

    /// Lists i in the class of its size.
    // Inlined by force: on every free's path, and the compiler keeps them out of line otherwise.
    [[gnu::always_inline]] constexpr void list(std::uint32_t i) noexcept {
        list_as(i, detail::class_of(ut_[i].device, ut_[i].size_bits));
    }
    [[gnu::always_inline]] constexpr void list_as(std::uint32_t i, std::uint32_t cls) noexcept {
        RETYPE_INVARIANT(ut_[i].listed == detail::no_class && cls < detail::classes);
        ut_[i].listed = static_cast<std::uint8_t>(cls);
        lists_.push_front(cls, i);
        nonempty_[cls / 64] |= std::uint64_t{1} << (cls % 64);
    }
    /// Takes i off its list, if it is on one.
    constexpr void unlist(std::uint32_t i) noexcept {
        const std::uint32_t cls = ut_[i].listed;
        if (cls == detail::no_class) return;
        lists_.erase(cls, i);
        ut_[i].listed = detail::no_class;
        if (lists_.empty(cls)) nonempty_[cls / 64] &= ~(std::uint64_t{1} << (cls % 64));
    }
    /// unlist(i) for a descriptor at the front of its list (the fast path's
    /// block): O(1) without the free list's general erase, where it has a pop_front.
    [[gnu::always_inline]] constexpr void unlist_front(std::uint32_t i) noexcept {
        const std::uint32_t cls = ut_[i].listed;
        RETYPE_INVARIANT(cls < detail::classes && lists_.front(cls) == i);
        if constexpr (requires(FreeList & l) { l.pop_front(cls); })
            lists_.pop_front(cls);
        else
            lists_.erase(cls, i);
        ut_[i].listed = detail::no_class;
        if (lists_.empty(cls)) nonempty_[cls / 64] &= ~(std::uint64_t{1} << (cls % 64));
    }
    /// The first class >= bits of kind `device` with a descriptor on its list, or a value >= 64 if none.
    [[nodiscard]] constexpr unsigned first_class_from(bool device, unsigned bits) const noexcept {
        if (bits >= 64) return 64;
        return static_cast<unsigned>(std::countr_zero(nonempty_[device ? 1 : 0] >> bits)) + bits;
    }
    /// Is the list of class (device, bits) not empty? bits < 64.
    [[nodiscard, gnu::always_inline]] constexpr bool has_class(bool device, unsigned bits) const noexcept {
        return ((nonempty_[device ? 1 : 0] >> bits) & 1u) != 0;
    }
    /// The largest class of kind `device` with a descriptor on its list, or 64 if none.
    [[nodiscard]] constexpr unsigned last_class(bool device) const noexcept {
        const std::uint64_t m = nonempty_[device ? 1 : 0];
        return m ? static_cast<unsigned>(63 - std::countl_zero(m)) : 64;
    }
    [[nodiscard]] constexpr std::uint32_t front(bool device, unsigned cls) const noexcept {
        return lists_.front(detail::class_of(device, cls));
    }
    [[nodiscard]] constexpr std::uint32_t next(bool device, unsigned cls, std::uint32_t i) const noexcept {
        return lists_.next(detail::class_of(device, cls), i);
    }
    [[nodiscard]] constexpr const FreeList& lists() const noexcept { return lists_; }

    /// The bootinfo untyped that holds [at, at + count * 2^bits), of kind `mem`.
    /// Error: not_in_untyped (value = at); spans_untypeds (value = at, limit =
    /// the untyped's end); device_mismatch (value = at, limit = its kind).
    [[nodiscard]] constexpr result<std::uint32_t> find_root(kernel::paddr_t at, unsigned bits, std::uint64_t count,
                                                            bool device) const noexcept {
        const std::uint64_t len = count << bits;
        for (std::uint32_t i = 0; i < U; ++i) {
            const detail::untyped_desc& u = ut_[i];
            if (u.state == detail::ustate::unused || u.parent != no_index) continue;
            const std::uint64_t size = std::uint64_t{1} << u.size_bits;
            if (at < u.paddr || at - u.paddr >= size) continue;
            if (len > size - (at - u.paddr)) return failure(make_error(error_code::spans_untypeds, at, u.paddr + size));
            if (u.device != device) return failure(make_error(error_code::device_mismatch, at, u.device));
            return i;
        }
        return failure(make_error(error_code::not_in_untyped, at));
    }
    /// The bootinfo untyped in `slot`, or no_index.
    [[nodiscard]] constexpr std::uint32_t root_of(backend::slot_t slot) const noexcept {
        for (std::uint32_t i = 0; i < U; ++i)
            if (ut_[i].state != detail::ustate::unused && ut_[i].parent == no_index && ut_[i].slot == slot) return i;
        return no_index;
    }
    /// The bootinfo untyped i descends from.
    [[nodiscard]] constexpr std::uint32_t root_above(std::uint32_t i) const noexcept {
        while (ut_[i].parent != no_index) i = ut_[i].parent;
        return i;
    }
    [[nodiscard]] constexpr bool descends(std::uint32_t i, std::uint32_t root) const noexcept {
        for (std::uint32_t p = i; p != no_index; p = ut_[p].parent)
            if (p == root) return true;
        return false;
    }

    /// Bytes free in descriptor u: all of a free block, what is above a
    /// watermark untyped's watermark (all of it once it has no children).
    [[nodiscard]] static constexpr std::uint64_t free_in(const detail::untyped_desc& u) noexcept {
        const std::uint64_t size = std::uint64_t{1} << u.size_bits;
        return u.state == detail::ustate::free        ? size
               : u.state == detail::ustate::watermark ? size - (u.children ? u.used : 0)
                                                      : 0;
    }
    [[nodiscard]] constexpr std::uint64_t largest_free(bool device) const noexcept {
        std::uint64_t best = 0;
        for (const auto& u : ut_)
            if (u.device == device && free_in(u) > best) best = free_in(u);
        return best;
    }
    [[nodiscard]] constexpr std::uint64_t free_bytes(bool device) const noexcept {
        std::uint64_t sum = 0;
        for (const auto& u : ut_)
            if (u.device == device) sum += free_in(u);
        return sum;
    }

private:
    std::array<detail::untyped_desc, U> ut_{};
    std::array<std::uint32_t, U> free_{};
    std::size_t free_n_ = 0;
    FreeList lists_{};
    // Bit b of nonempty_[device]: the list of class (device, b) is not empty.
    // Derived from lists_ (not part of the snapshot).
    std::array<std::uint64_t, 2> nonempty_{};
};

} // namespace retype
