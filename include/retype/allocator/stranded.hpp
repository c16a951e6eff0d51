// retype allocator: slots kept out of use. When the backend refuses a delete
// during an undo (twice: see executor.hpp), the cap is still in its slot, so
// the slot must never be handed out again until the kernel itself clears it:
// a reset (revoke) of the bootinfo untyped the cap came from. This table
// remembers each such slot with that root.
//
// Complexity: keep O(slots of the plan x stranded in it); release O(capacity).
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/types.hpp>
#include <retype/backend/concept.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

namespace detail {
inline constexpr std::size_t stranded_capacity = 16;
/// A slot kept out of use, with the root whose reset frees it.
struct stranded_slot {
    backend::slot_t slot = 0;
    std::uint32_t root = no_index;
    friend constexpr bool operator==(const stranded_slot&, const stranded_slot&) = default;
};
} // namespace detail

template <class Slots>
class stranded_slots {
public:
    static constexpr std::size_t capacity = detail::stranded_capacity;

    /// More stranded slots than the table holds: they are kept for good, and
    /// the allocator refuses further requests (undo_incomplete).
    [[nodiscard]] constexpr bool overflowed() const noexcept { return overflow_; }

    /// After an undo that left caps behind: gives every slot of p's takes back
    /// except those, which are recorded with `root` (or, past the capacity, or
    /// when p itself lost count, kept for good).
    constexpr void keep(call_plan& p, std::uint32_t root, Slots& slots, usage& stats) noexcept {
        if (p.stranded_overflow) { // more than one undo can record: keep every slot of the plan
            for (std::size_t i = 0; i < p.takes_n; ++i) stats.stranded += p.takes[i].count;
            overflow_ = true;
            p.takes_n = 0;
            return;
        }
        for (std::size_t t = p.takes_n; t-- > 0;) {
            const detail::slot_take& k = p.takes[t];
            backend::slot_t from = k.first;
            for (backend::slot_t s = k.first; s < k.first + k.count; ++s) {
                if (!kept_by(p, s)) continue;
                if (s > from) slots.give(from, s - from);
                from = s + 1;
                ++stats.stranded;
                if (n_ < capacity)
                    table_[n_++] = detail::stranded_slot{s, root};
                else
                    overflow_ = true;
            }
            if (k.first + k.count > from) slots.give(from, k.first + k.count - from);
        }
        p.takes_n = 0;
    }

    /// The root was revoked: its stranded slots are empty again.
    constexpr void release(std::uint32_t root, Slots& slots, usage& stats) noexcept {
        for (std::size_t i = n_; i-- > 0;)
            if (table_[i].root == root) {
                slots.give(table_[i].slot, 1);
                --stats.stranded;
                table_[i] = table_[--n_];
                table_[n_] = detail::stranded_slot{};
            }
    }

private:
    [[nodiscard]] static constexpr bool kept_by(const call_plan& p, backend::slot_t s) noexcept {
        for (std::size_t i = 0; i < p.stranded_n; ++i)
            if (p.stranded[i] == s) return true;
        return false;
    }

    std::array<detail::stranded_slot, capacity> table_{};
    std::size_t n_ = 0;
    bool overflow_ = false;
};

} // namespace retype
