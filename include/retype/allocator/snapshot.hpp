// retype allocator: the snapshot, the allocator's whole state as one
// comparable value. Tests compare one taken before a call with one taken
// after it: a refused call must leave them equal (check-then-commit). The
// free lists are written as their order (heads and next links), so two states
// that would hand out blocks in a different order differ.
//
// Complexity: of: O(U + A + R + runs + classes).
#pragma once

#include <retype/allocator/reservation_table.hpp>
#include <retype/allocator/types.hpp>
#include <retype/backend/concept.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

/// U descriptors, A records, the slot manager type Slots (its runs, caches
/// and ranges) and the reservation table type Resv.
template <std::size_t U, std::size_t A, class Slots, class Resv>
struct allocator_snapshot {
    std::array<detail::untyped_desc, U> untypeds{};
    std::array<detail::record, A> records{};
    std::array<std::uint32_t, U> list_next{};
    std::array<std::uint32_t, detail::classes> list_head{};
    std::array<typename Slots::run, Slots::run_capacity> slot_runs{}; // [0, slot_runs_n) in use, the rest zero
    std::size_t slot_runs_n = 0;
    typename Slots::cache singles{}; // cached free single slots (numbers), oldest first
    typename Slots::cache pairs{};   // cached free pairs (first slot number of each), oldest first
    backend::slot_t slot_base = 0;   // the first range's
    std::uint64_t slot_count = 0;    // of all ranges
    std::array<typename Slots::range, Slots::range_capacity> slot_ranges{}; // [0, n)
    std::size_t slot_ranges_n = 0;
    std::array<detail::reservation, Resv::capacity> reservations{};
    usage stats{};
    friend constexpr bool operator==(const allocator_snapshot&, const allocator_snapshot&) = default;

    /// The snapshot of an allocator's state st (basic_allocator::state_type)
    /// with its usage `stats`.
    template <class St>
    [[nodiscard]] static constexpr allocator_snapshot of(const St& st, const usage& stats) noexcept {
        allocator_snapshot s{};
        s.untypeds = st.ut.all();
        s.records = st.rec.normalized(); // a released record keeps stale fields (the fast path skips the clear)
        s.list_next.fill(no_index);
        const auto& l = st.ut.lists();
        for (std::uint32_t c = 0; c < detail::classes; ++c) {
            s.list_head[c] = l.front(c);
            for (std::uint32_t i = l.front(c); i != no_index; i = l.next(c, i)) s.list_next[i] = l.next(c, i);
        }
        s.slot_runs = st.slots.runs();
        s.slot_runs_n = st.slots.runs_in_use();
        s.singles = st.slots.singles();
        s.pairs = st.slots.pairs();
        s.slot_base = st.slots.ranges_in_use() ? st.slots.ranges()[0].first : 0;
        s.slot_count = st.slots.total();
        s.slot_ranges = st.slots.ranges();
        s.slot_ranges_n = st.slots.ranges_in_use();
        s.reservations = st.resv.all();
        s.stats = stats;
        return s;
    }
};

} // namespace retype
