// retype allocator: the allocation record table. One record per live
// allocation, O(1) metadata whatever its count, taken from a free-index stack.
// A record's generation grows each time it is released, so a stale
// allocation_id is told apart from the allocation that reuses its record.
//
// Complexity: take, release, live: O(1); objects: O(A).
#pragma once

#include <retype/allocator/types.hpp>
#include <retype/invariant.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

template <std::size_t A>
class record_table {
public:
    static constexpr std::size_t capacity = A;

    constexpr record_table() noexcept {
        for (std::size_t i = 0; i < A; ++i) free_[i] = static_cast<std::uint32_t>(A - 1 - i);
        free_n_ = A;
    }

    [[nodiscard]] constexpr detail::record& operator[](std::uint32_t i) noexcept { return rec_[i]; }
    [[nodiscard]] constexpr const detail::record& operator[](std::uint32_t i) const noexcept { return rec_[i]; }
    [[nodiscard]] constexpr const std::array<detail::record, A>& all() const noexcept { return rec_; }
    [[nodiscard]] constexpr std::size_t available() const noexcept { return free_n_; }
    [[nodiscard]] constexpr std::size_t in_use() const noexcept { return A - free_n_; }

    /// A free record, marked live. Requires available() > 0.
    [[nodiscard]] constexpr std::uint32_t take() noexcept {
        RETYPE_INVARIANT(free_n_ > 0);
        const std::uint32_t i = free_[--free_n_];
        rec_[i].live = true;
        return i;
    }
    /// Marks record i free and bumps its generation. Its other fields are left
    /// as they were (on every free's path; a commit writes them all again):
    /// only a live record's fields mean anything, and normalized() shows a
    /// free one as cleared.
    constexpr void release(std::uint32_t i) noexcept {
        rec_[i].live = false;
        ++rec_[i].generation;
        free_[free_n_++] = i;
    }
    /// All records, a free one cleared but for its generation (for snapshots). O(A).
    [[nodiscard]] constexpr std::array<detail::record, A> normalized() const noexcept {
        std::array<detail::record, A> out{};
        for (std::size_t i = 0; i < A; ++i) {
            if (rec_[i].live)
                out[i] = rec_[i];
            else
                out[i].generation = rec_[i].generation;
        }
        return out;
    }
    [[nodiscard]] constexpr bool live(allocation_id id) const noexcept {
        return id.index < A && rec_[id.index].live && rec_[id.index].generation == id.generation;
    }
    [[nodiscard]] constexpr std::uint64_t objects() const noexcept {
        std::uint64_t n = 0;
        for (const auto& r : rec_)
            if (r.live) n += r.count;
        return n;
    }

private:
    std::array<detail::record, A> rec_{};
    std::array<std::uint32_t, A> free_{};
    std::size_t free_n_ = 0;
};

} // namespace retype
