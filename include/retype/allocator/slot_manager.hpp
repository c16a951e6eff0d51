// retype allocator: the slot manager. Hands out consecutive CSpace slots from
// the ranges given to add_slots (bootinfo's empty range, and CNodes a root task
// adds later), as free runs with two small LIFO caches of freed single slots
// and pairs in front of them.
//
// The runs keep slots as offsets into the ranges laid end to end (range 0
// first), so a run is two offsets whatever the slot numbers; a run never
// crosses from one range into the next, since the two need not be adjacent
// slots. The caches keep slot numbers, so that the fast path's take and give
// translate nothing.
//
// Complexity (R = runs in use <= RunCap, G = ranges <= Ranges):
//   take(n, out): O(1) from a cache (n = 1 or 2) or when the lowest run is long
//     enough; O(R) at most, plus O(R) moves when a run is used up; + O(G).
//   give(first, n): O(1) to a cache; otherwise O(log R) to find the
//     neighbours and O(1) to extend one, or O(R) moves to insert a run; + O(G).
//   add_range: O(G).
#pragma once

#include <retype/allocator/types.hpp>
#include <retype/invariant.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace retype {

namespace detail {
/// Slots a plan reserved: from a cache (cached) or from the runs.
struct slot_take {
    backend::slot_t first;
    std::uint64_t count;
    bool cached;
};
} // namespace detail

/// MaxSlots: the most slots of all ranges together. RunCap: free runs that can
/// exist at once (the owners of slots + 1; see basic_allocator). CacheCap:
/// entries per cache. Ranges: add_slots calls that can be held.
template <std::size_t MaxSlots, std::size_t RunCap, std::size_t CacheCap = 16, std::size_t Ranges = 16>
class slot_manager {
public:
    using offset = std::conditional_t<(MaxSlots <= 0xffffffffu), std::uint32_t, std::uint64_t>;
    using run = detail::slot_run<offset>;
    static constexpr std::size_t run_capacity = RunCap + Ranges;
    static constexpr std::size_t cache_capacity = CacheCap;
    static constexpr std::size_t range_capacity = Ranges;

    /// A LIFO of free slots (numbers, not offsets): [0, n) in use; the rest
    /// is stale and not part of the state (not compared, not written on a take).
    struct cache {
        std::array<backend::slot_t, CacheCap> entries{};
        std::size_t n = 0;
        friend constexpr bool operator==(const cache& a, const cache& b) noexcept {
            if (a.n != b.n) return false;
            for (std::size_t i = 0; i < a.n; ++i)
                if (a.entries[i] != b.entries[i]) return false;
            return true;
        }
    };
    /// One add_slots range: slots [first, first + count) at offsets [base, base + count).
    struct range {
        backend::slot_t first = 0;
        std::uint64_t count = 0;
        std::uint64_t base = 0;
        friend constexpr bool operator==(const range&, const range&) = default;
    };

    /// Adds [first, first + count). Error, in this order: range_error(0, top)
    /// when it wraps the slot numbers; overlap (value = first, limit = the
    /// range it meets); range_error(1, slots left of MaxSlots) for a count of
    /// 0 or too many; slot_ranges_exhausted. On failure, no change.
    [[nodiscard]] constexpr result<void> add_range(backend::slot_t first, std::uint64_t count) noexcept {
        if (auto e = check_range(first, count); !e) return e;
        ranges_[ranges_n_++] = range{first, count, total_};
        total_ += count;
        free_run(total_ - count, count, false);
        return {};
    }
    /// add_range's checks alone.
    [[nodiscard]] constexpr result<void> check_range(backend::slot_t first, std::uint64_t count) const noexcept {
        const std::uint64_t left = MaxSlots - total_;
        if (count != 0 && first > ~std::uint64_t{0} - count) return failure(range_error(0, ~std::uint64_t{0} - count));
        for (std::size_t i = 0; i < ranges_n_; ++i)
            if (first < ranges_[i].first + ranges_[i].count && ranges_[i].first < first + (count ? count : 1))
                return failure(make_error(error_code::overlap, first, ranges_[i].first));
        if (count == 0 || count > left) return failure(range_error(1, left));
        if (ranges_n_ == Ranges) return failure(make_error(error_code::slot_ranges_exhausted, 1, Ranges));
        return {};
    }

    [[nodiscard]] constexpr bool contains(backend::slot_t s) const noexcept {
        for (std::size_t i = 0; i < ranges_n_; ++i)
            if (s >= ranges_[i].first && s - ranges_[i].first < ranges_[i].count) return true;
        return false;
    }
    [[nodiscard]] constexpr std::uint64_t total() const noexcept { return total_; }
    [[nodiscard]] constexpr std::uint64_t used() const noexcept { return used_; }
    [[nodiscard]] constexpr std::uint64_t available() const noexcept { return total_ - used_; }

    /// n consecutive slots into `out`: a cached single or pair when n is 1 or 2
    /// and one is cached, otherwise first fit from the runs. False (and no
    /// change) when no run is long enough. No result<> here: this is on every
    /// request's path, and the caller builds the error (slots_exhausted) itself.
    [[nodiscard]] constexpr bool take(std::uint64_t n, detail::slot_take& out) noexcept {
        if (cache* c = cache_for(n); c != nullptr && c->n > 0) { // the usual case, kept small enough to inline
            used_ += n;
            out = detail::slot_take{c->entries[--c->n], n, true};
            return true;
        }
        return take_from_runs(n, out);
    }
    /// No slot: what take_single answers when none is free (never a managed
    /// slot: a range ends below it, add_range refuses a wrap).
    static constexpr backend::slot_t no_slot = ~backend::slot_t{0};
    /// take(1, out) in scalars, so that the caller's slot stays in registers:
    /// the slot (cached: whether from the singles cache), or no_slot and no
    /// change. A cached single inline; else, in one call, the first slot of the
    /// lowest run when that run is longer than one slot (take's first fit
    /// looks there first; a boot's many requests take from it), else take's
    /// search of the runs. The allocator's fast path.
    [[nodiscard, gnu::always_inline]] constexpr backend::slot_t take_single(bool& cached) noexcept {
        if (singles_.n != 0) {
            ++used_;
            cached = true;
            return singles_.entries[--singles_.n];
        }
        cached = false;
        return take_single_from_runs();
    }
    /// give(s, 1), with the cache case inline: the fast free path.
    constexpr void give_single(backend::slot_t s) noexcept {
        if (singles_.n < CacheCap) {
            RETYPE_INVARIANT(contains(s));
            singles_.entries[singles_.n++] = s;
            --used_;
        } else {
            free_run(offset_of(s), 1, true);
        }
    }
    /// Frees n consecutive slots: to a cache when n is 1 or 2 and it has room,
    /// otherwise to the runs.
    constexpr void give(backend::slot_t first, std::uint64_t n) noexcept {
        if (cache* c = cache_for(n); c != nullptr && c->n < CacheCap)
            push(*c, first, n);
        else
            free_run(offset_of(first), n, true);
    }
    /// Undoes a take: back to where it came from (so that the caches and the
    /// runs are exactly as before, when takes are restored newest first).
    constexpr void restore(const detail::slot_take& t) noexcept {
        if (t.cached)
            push(*cache_for(t.count), t.first, t.count); // it came from there: room
        else
            free_run(offset_of(t.first), t.count, true);
    }

    // For snapshots.
    [[nodiscard]] constexpr const std::array<run, run_capacity>& runs() const noexcept { return runs_; }
    [[nodiscard]] constexpr std::size_t runs_in_use() const noexcept { return runs_n_; }
    [[nodiscard]] constexpr const cache& singles() const noexcept { return singles_; }
    [[nodiscard]] constexpr const cache& pairs() const noexcept { return pairs_; }
    [[nodiscard]] constexpr const std::array<range, Ranges>& ranges() const noexcept { return ranges_; }
    [[nodiscard]] constexpr std::size_t ranges_in_use() const noexcept { return ranges_n_; }

private:
    [[nodiscard]] constexpr backend::slot_t take_single_from_runs() noexcept {
        if (runs_n_ != 0 && runs_[runs_n_ - 1].count > 1) {
            run& r = runs_[runs_n_ - 1];
            const std::uint64_t first = r.first;
            ++r.first;
            --r.count;
            ++used_;
            return slot_of(first);
        }
        detail::slot_take t{};
        return take_from_runs(1, t) ? t.first : no_slot;
    }
    [[nodiscard]] constexpr bool take_from_runs(std::uint64_t n, detail::slot_take& out) noexcept {
        for (std::size_t i = runs_n_; i-- > 0;) {
            run& r = runs_[i];
            if (r.count < n) continue;
            const std::uint64_t first = r.first;
            if (r.count == n)
                erase_run(i);
            else {
                r.first = static_cast<offset>(r.first + n);
                r.count = static_cast<offset>(r.count - n);
            }
            used_ += n;
            out = detail::slot_take{slot_of(first), n, false};
            return true;
        }
        return false;
    }
    [[nodiscard]] constexpr cache* cache_for(std::uint64_t n) noexcept {
        return n == 1 ? &singles_ : n == 2 ? &pairs_ : nullptr;
    }
    constexpr void push(cache& c, backend::slot_t first, std::uint64_t n) noexcept {
        RETYPE_INVARIANT(c.n < CacheCap && contains(first) && contains(first + n - 1));
        c.entries[c.n++] = first;
        used_ -= n;
    }
    // Range 0 first, without a loop: the usual CSpace has one range.
    [[nodiscard]] constexpr backend::slot_t slot_of(std::uint64_t off) const noexcept {
        if (off < ranges_[0].count) return ranges_[0].first + off;
        for (std::size_t i = 1; i < ranges_n_; ++i)
            if (off - ranges_[i].base < ranges_[i].count) return ranges_[i].first + (off - ranges_[i].base);
        Expects(false);
        return 0;
    }
    [[nodiscard]] constexpr std::uint64_t offset_of(backend::slot_t s) const noexcept {
        if (s - ranges_[0].first < ranges_[0].count) return s - ranges_[0].first;
        for (std::size_t i = 1; i < ranges_n_; ++i)
            if (s - ranges_[i].first < ranges_[i].count) return ranges_[i].base + (s - ranges_[i].first);
        Expects(false); // not a managed slot
        return 0;
    }
    /// Does a range start at offset off (so runs must not join across it)?
    [[nodiscard]] constexpr bool range_starts(std::uint64_t off) const noexcept {
        if (off == 0 || ranges_n_ == 1) return off == 0;
        for (std::size_t i = 1; i < ranges_n_; ++i)
            if (ranges_[i].base == off) return true;
        return false;
    }

    // The runs, sorted by descending offset and always coalesced (no two runs
    // of one range touch). Descending, so that the lowest run, where first fit
    // takes from, is the last entry: taking it whole or freeing near it moves
    // few entries.
    constexpr void free_run(std::uint64_t off, std::uint64_t n, bool was_used) noexcept {
        Expects(n > 0 && off <= total_ && n <= total_ - off);
        std::size_t lo = 0;
        std::size_t hi = runs_n_;
        while (lo < hi) { // j: the first run below off (runs [0, j) lie above it)
            const std::size_t mid = lo + (hi - lo) / 2;
            if (runs_[mid].first > off)
                lo = mid + 1;
            else
                hi = mid;
        }
        const std::size_t j = lo;
        // Freed twice or never taken: the slots overlap a free run.
        Expects(j == runs_n_ || end(runs_[j]) <= off);
        Expects(j == 0 || off + n <= runs_[j - 1].first);
        const bool join_below = j < runs_n_ && end(runs_[j]) == off && !range_starts(off);
        const bool join_above = j > 0 && off + n == runs_[j - 1].first && !range_starts(off + n);
        if (join_below && join_above) {
            runs_[j].count = static_cast<offset>(runs_[j].count + n + runs_[j - 1].count);
            erase_run(j - 1);
        } else if (join_below) {
            runs_[j].count = static_cast<offset>(runs_[j].count + n);
        } else if (join_above) {
            runs_[j - 1].first = static_cast<offset>(off);
            runs_[j - 1].count = static_cast<offset>(runs_[j - 1].count + n);
        } else {
            Expects(runs_n_ < run_capacity); // cannot fail: see basic_allocator::slot_run_capacity
            for (std::size_t i = runs_n_; i > j; --i) runs_[i] = runs_[i - 1];
            runs_[j] = run{static_cast<offset>(off), static_cast<offset>(n)};
            ++runs_n_;
        }
        if (was_used) used_ -= n;
    }
    [[nodiscard]] static constexpr std::uint64_t end(const run& r) noexcept { return std::uint64_t{r.first} + r.count; }
    constexpr void erase_run(std::size_t i) noexcept {
        for (std::size_t k = i + 1; k < runs_n_; ++k) runs_[k - 1] = runs_[k];
        runs_[--runs_n_] = run{};
    }

    std::array<run, run_capacity> runs_{};
    std::size_t runs_n_ = 0;
    cache singles_{};
    cache pairs_{};
    std::array<range, Ranges> ranges_{};
    std::size_t ranges_n_ = 0;
    std::uint64_t total_ = 0;
    std::uint64_t used_ = 0;
};

} // namespace retype
