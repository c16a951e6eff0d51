// retype: a buddy-style contiguous allocator over the RAM banks of a host, for
// direct-mapped (1:1, guest paddr == host paddr) guest memory.
//
// Free memory is kept as naturally aligned power-of-two blocks, one free list
// per (bank, size_bits), each sorted by paddr. Two free buddies are always
// merged, so the free lists are a function of the set of allocated ranges
// alone: freeing what was allocated gives back the very same state, and a
// deterministic placement then gives the very same range again.
//
// Complexity, with orders = max_size_bits - granule_bits + 1 and F_b the number
// of free blocks in bank b:
// - choosing a block (placement policy): O(orders x banks), list ends only;
// - splitting it: O(orders) when the pieces land at a list end (every stock
//   policy), otherwise O(orders x F_b);
// - free, allocate_at: O(orders x F_b) (buddy and overlap look-ups walk lists);
// - F_b <= 2 x orders + bank size / 2^max_size_bits + 2 x orders x (live
//   allocations in b): each allocated range leaves at most one free piece per
//   order on each side. Nothing is proportional to memory size / granule.
#pragma once

#include <retype/banks/layout.hpp>
#include <retype/banks/pieces.hpp>
#include <retype/banks/shortfall.hpp>
#include <retype/policy/metadata_placement.hpp>
#include <retype/policy/placement.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace retype::banks {

/// Compile-time limits of a contiguous allocator (a structural aggregate, so
/// it is a template argument): at most max_banks banks, blocks from
/// 2^granule_bits to 2^max_size_bits bytes.
struct limits {
    std::size_t max_banks = 4;
    unsigned granule_bits = 12;
    unsigned max_size_bits = 30;
};

/// An allocated contiguous range and the bank it lies in.
struct chunk {
    paddr_t paddr = 0;
    std::uint64_t size = 0;
    std::size_t bank = 0;

    [[nodiscard]] constexpr paddr_t end() const noexcept { return paddr + size; }
    friend constexpr bool operator==(const chunk&, const chunk&) = default;
};

/// Nodes an out_of_band pool needs so that capacity_exhausted cannot happen:
/// the bound on free blocks above, summed over banks (bank_blocks: the
/// number of initial blocks of all banks, piece_count of each bank).
[[nodiscard]] constexpr std::size_t node_bound(std::size_t bank_blocks, unsigned granule_bits, unsigned max_size_bits,
                                               std::size_t live_allocations) noexcept {
    return bank_blocks + std::size_t{2} * (max_size_bits - granule_bits + 1) * live_allocations;
}

template <limits L, policy::placement_policy Placement = policy::lowest_first,
          policy::metadata_placement Metadata = policy::out_of_band<256>>
class contiguous_allocator {
    static_assert(L.max_banks > 0, "retype: a contiguous allocator needs at least one bank");
    static_assert(L.granule_bits <= L.max_size_bits && L.max_size_bits < 64,
                  "retype: granule_bits <= max_size_bits < 64");
    static_assert(L.granule_bits >= Metadata::min_granule_bits, "retype: the granule is too small for in-band nodes");

public:
    using placement = Placement;
    using metadata_type = Metadata;
    using handle = typename Metadata::handle;
    static constexpr limits config = L;
    static constexpr unsigned granule_bits = L.granule_bits;
    static constexpr std::uint64_t granule = std::uint64_t{1} << L.granule_bits;
    static constexpr std::size_t orders = L.max_size_bits - L.granule_bits + 1;

    constexpr contiguous_allocator() = default;

    /// The metadata policy object (in_band: map banks here before init).
    [[nodiscard]] constexpr Metadata& metadata() noexcept { return meta_; }
    [[nodiscard]] constexpr const Metadata& metadata() const noexcept { return meta_; }

    /// Effects: takes the banks of `layout` as free memory.
    /// Error: illegal_operation if already initialised; check_layout's errors;
    /// out_of_window (value: bank base, limit: bank size) for a bank the
    /// metadata cannot describe (in_band: not mapped); capacity_exhausted
    /// (value: nodes needed, limit: nodes available). Upon failure, no change.
    /// Complexity: O(banks x orders + bank size / 2^max_size_bits).
    constexpr result<void> init(std::span<const bank> layout) {
        if (bank_count_ != 0) return failure(make_error(error_code::illegal_operation));
        if (auto r = check_layout(layout, L.max_banks, L.granule_bits); !r) return failure(r.error());
        std::size_t need = 0;
        for (const bank& b : layout) {
            if (!meta_.covers(b.base, b.size)) return failure(make_error(error_code::out_of_window, b.base, b.size));
            need += piece_count(b.base, b.end(), L.max_size_bits);
        }
        if (need > meta_.available()) {
            return failure(make_error(error_code::capacity_exhausted, need, meta_.available()));
        }
        // Commit: the greedy pieces come lowest first, so appending keeps each list sorted.
        bank_count_ = layout.size();
        for (std::size_t i = 0; i < layout.size(); ++i) {
            banks_[i] = layout[i];
            free_bytes_[i] = layout[i].size;
            for_each_piece(layout[i].base, layout[i].end(), L.max_size_bits, [&](paddr_t p, unsigned sb) {
                link_back(i, sb, meta_.acquire(p));
                max_block_bits_[i] = std::max(max_block_bits_[i], sb);
            });
        }
        return {};
    }

    // ---- queries -------------------------------------------------------------------------------------------------

    [[nodiscard]] constexpr std::size_t bank_count() const noexcept { return bank_count_; }
    /// Requires: i < bank_count().
    [[nodiscard]] constexpr const bank& bank_at(std::size_t i) const noexcept {
        Expects(i < bank_count_);
        return banks_[i];
    }
    /// Index of the bank holding p, or bank_count() if none. O(banks).
    [[nodiscard]] constexpr std::size_t find_bank(paddr_t p) const noexcept {
        for (std::size_t i = 0; i < bank_count_; ++i) {
            if (banks_[i].contains(p)) return i;
        }
        return bank_count_;
    }
    [[nodiscard]] constexpr std::uint64_t free_bytes(std::size_t b) const noexcept {
        Expects(b < bank_count_);
        return free_bytes_[b];
    }
    [[nodiscard]] constexpr std::uint64_t free_bytes() const noexcept {
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < bank_count_; ++i) sum += free_bytes_[i];
        return sum;
    }
    [[nodiscard]] constexpr std::size_t free_block_count() const noexcept {
        std::size_t n = 0;
        for (std::size_t b = 0; b < bank_count_; ++b) {
            for (const list& l : lists_[b]) n += l.count;
        }
        return n;
    }
    /// The largest naturally aligned free block of bank b, in bytes (0: none). O(orders).
    [[nodiscard]] constexpr std::uint64_t largest_free_block(std::size_t b) const noexcept {
        Expects(b < bank_count_);
        for (std::size_t i = orders; i-- > 0;) {
            if (lists_[b][i].count != 0) return std::uint64_t{1} << (i + L.granule_bits);
        }
        return 0;
    }
    /// The largest contiguous free range of bank b, in bytes: adjacent free
    /// blocks count together. O(orders x F_b).
    [[nodiscard]] constexpr std::uint64_t largest_free_run(std::size_t b) const noexcept {
        Expects(b < bank_count_);
        std::array<handle, orders> cursor{};
        for (std::size_t i = 0; i < orders; ++i) cursor[i] = lists_[b][i].head;
        std::uint64_t best = 0;
        paddr_t run_start = 0;
        paddr_t run_end = 0;
        bool open = false;
        for (;;) { // merge the sorted lists, lowest paddr first
            std::size_t low = orders;
            for (std::size_t i = 0; i < orders; ++i) {
                if (cursor[i] != Metadata::null &&
                    (low == orders || meta_.paddr(cursor[i]) < meta_.paddr(cursor[low]))) {
                    low = i;
                }
            }
            if (low == orders) break;
            const paddr_t p = meta_.paddr(cursor[low]);
            const paddr_t e = p + (std::uint64_t{1} << (low + L.granule_bits));
            if (open && p == run_end) {
                run_end = e;
            } else {
                run_start = p;
                run_end = e;
                open = true;
            }
            best = std::max(best, run_end - run_start);
            cursor[low] = meta_.next(cursor[low]);
        }
        return best;
    }
    /// True if every byte of [p, p+size) is free. O(orders x F_b).
    [[nodiscard]] constexpr bool is_free(paddr_t p, std::uint64_t size) const noexcept {
        const std::size_t b = find_bank(p);
        if (b == bank_count_ || size > banks_[b].end() - p) return false;
        return free_overlap(b, p, p + size) == size;
    }
    /// Calls f(bank, paddr, size_bits) for every free block, by bank, then
    /// size_bits, then paddr.
    template <class F>
    constexpr void for_each_free(F&& f) const {
        for (std::size_t b = 0; b < bank_count_; ++b) {
            for (std::size_t i = 0; i < orders; ++i) {
                for (handle h = lists_[b][i].head; h != Metadata::null; h = meta_.next(h)) {
                    f(b, meta_.paddr(h), static_cast<unsigned>(i + L.granule_bits));
                }
            }
        }
    }

    /// Which bank among first..last came closest to a contiguous request of
    /// `size` bytes, and by how much it missed (see shortfall). The bank with
    /// the largest free block wins; ties go to the lower bank. O(orders x banks
    /// + orders x F_b) for the winning bank's largest_free_run.
    /// Requires: first <= last < bank_count().
    [[nodiscard]] constexpr shortfall explain(std::uint64_t size, std::size_t first, std::size_t last) const noexcept {
        Expects(first <= last && last < bank_count_);
        std::size_t best = first;
        for (std::size_t b = first + 1; b <= last; ++b) {
            if (largest_free_block(b) > largest_free_block(best)) best = b;
        }
        const std::uint64_t block = largest_free_block(best);
        return shortfall{.bank = best,
                         .bank_base = banks_[best].base,
                         .bank_end = banks_[best].end(),
                         .requested = size,
                         .largest_block = block,
                         .largest_run = largest_free_run(best),
                         .free_bytes = free_bytes_[best],
                         .missing = size > block ? size - block : 0};
    }
    [[nodiscard]] constexpr shortfall explain(std::uint64_t size) const noexcept {
        return explain(size, 0, bank_count_ - 1);
    }

    // ---- the view a placement policy sees ------------------------------------------------------------------------

    [[nodiscard]] static constexpr unsigned max_size_bits() noexcept { return L.max_size_bits; }
    [[nodiscard]] constexpr bool has_free(std::size_t b, unsigned sb) const noexcept { return lst(b, sb).count != 0; }
    [[nodiscard]] constexpr paddr_t lowest_free(std::size_t b, unsigned sb) const noexcept {
        Expects(has_free(b, sb));
        return meta_.paddr(lst(b, sb).head);
    }
    [[nodiscard]] constexpr paddr_t highest_free(std::size_t b, unsigned sb) const noexcept {
        Expects(has_free(b, sb));
        return meta_.paddr(lst(b, sb).tail);
    }

    // ---- allocation ---------------------------------------------------------------------------------------------

    /// Effects: allocates a naturally aligned block of 2^size_bits bytes in
    /// any bank (or in bank `in_bank`), where the placement policy says.
    /// Error: illegal_operation before init; invalid_argument(1) for in_bank
    /// >= bank_count(); range_error(granule_bits, B) when size_bits is below
    /// the granule or above B, the largest block any (the) bank could ever
    /// hold; no_fit (see shortfall::to_error) when no free block is large
    /// enough now; capacity_exhausted (value: nodes needed, limit: available).
    /// Upon failure, no change. Complexity: see the top of this file.
    constexpr result<chunk> allocate(unsigned size_bits) { return allocate_bits(size_bits, 0, bank_count_ - 1); }
    constexpr result<chunk> allocate(unsigned size_bits, std::size_t in_bank) {
        if (bank_count_ != 0 && in_bank >= bank_count_) return failure(invalid_argument(1));
        return allocate_bits(size_bits, in_bank, in_bank);
    }

    /// Effects: allocates `size` contiguous bytes in any bank (or in bank
    /// `in_bank`): a free block of the next power of two is chosen by the
    /// placement policy, the range is carved from its low or high end, and the
    /// rest stays free. The paddr is aligned to the granule, and to `size`
    /// when size is a power of two.
    /// Error: as allocate(size_bits), plus invalid_argument(0) for size 0 and
    /// misaligned (value: size, limit: granule); the range_error is in bytes:
    /// range_error(granule, largest block any (the) bank could ever hold).
    constexpr result<chunk> allocate_bytes(std::uint64_t size) { return allocate_size(size, 0, bank_count_ - 1); }
    constexpr result<chunk> allocate_bytes(std::uint64_t size, std::size_t in_bank) {
        if (bank_count_ != 0 && in_bank >= bank_count_) return failure(invalid_argument(1));
        return allocate_size(size, in_bank, in_bank);
    }

    /// Effects: allocates exactly [paddr, paddr+size) (a 1:1 domain recreated
    /// at the range it had). The range may span several free blocks.
    /// Error: illegal_operation before init; invalid_argument(1) for size 0;
    /// misaligned (value: paddr or size, limit: granule); out_of_window
    /// (value: paddr) when no bank holds paddr, (value: size, limit: bytes
    /// from paddr to the bank's end) when the range runs past its bank;
    /// overlap (value: first used paddr in the range, limit: end of that used
    /// run) when part of it is allocated; capacity_exhausted.
    /// Upon failure, no change. Complexity: O(orders x F_b).
    constexpr result<chunk> allocate_at(paddr_t paddr, std::uint64_t size) {
        auto where = check_range(paddr, size);
        if (!where) return failure(where.error());
        const std::size_t b = *where;
        const paddr_t end = paddr + size;
        if (free_overlap(b, paddr, end) != size) {
            const paddr_t used = first_used(b, paddr, end);
            return failure(make_error(error_code::overlap, used, next_free_start(b, used, end)));
        }
        std::size_t need = 0;
        std::size_t released = 0;
        for_each_overlapping(b, paddr, end, [&](handle, paddr_t x, paddr_t xe, unsigned) {
            need += piece_count(x, std::max(x, paddr), L.max_size_bits) +
                    piece_count(std::min(xe, end), xe, L.max_size_bits);
            ++released;
        });
        if (auto r = check_nodes(need, released); !r) return failure(r.error());
        // Commit. Largest lists first: a carve only adds pieces outside the range, to smaller lists.
        for (std::size_t i = orders; i-- > 0;) {
            const auto sb = static_cast<unsigned>(i + L.granule_bits);
            for (handle h = lists_[b][i].head; h != Metadata::null;) {
                const handle next = meta_.next(h);
                const paddr_t x = meta_.paddr(h);
                const paddr_t xe = x + (std::uint64_t{1} << sb);
                if (x < end && paddr < xe) carve(b, sb, h, std::max(x, paddr), std::min(xe, end));
                h = next;
            }
        }
        free_bytes_[b] -= size;
        return chunk{.paddr = paddr, .size = size, .bank = b};
    }

    /// Checks what free(paddr, size) would check, without changing anything.
    /// Error: as allocate_at for the range; not_allocated (value: the lowest
    /// free paddr inside the range) when part of it is already free;
    /// capacity_exhausted (value: nodes needed, limit: available) when the
    /// pool might run out (a range of one block is checked exactly, a longer
    /// one assumes no piece merges).
    [[nodiscard]] constexpr result<void> check_free(paddr_t paddr, std::uint64_t size) const {
        auto where = check_range(paddr, size);
        if (!where) return failure(where.error());
        const std::size_t b = *where;
        const paddr_t end = paddr + size;
        if (free_overlap(b, paddr, end) != 0) {
            paddr_t lowest = end;
            for_each_overlapping(b, paddr, end, [&](handle, paddr_t x, paddr_t, unsigned) {
                lowest = std::min(lowest, std::max(x, paddr));
            });
            return failure(make_error(error_code::not_allocated, lowest));
        }
        const std::size_t pieces = piece_count(paddr, end, L.max_size_bits);
        // One piece: exact, since its merges release nodes before its one node is taken.
        const std::size_t released =
            pieces == 1 ? merge_count(b, paddr, largest_piece(paddr, end, L.max_size_bits)) : 0;
        return check_nodes(pieces, released);
    }

    /// Effects: [paddr, paddr+size) becomes free and merges with free buddies.
    /// Any allocated range may be freed, whole or in parts.
    /// Error: see check_free. Upon failure, no change. Complexity: O(orders x F_b)
    /// per piece of the range.
    constexpr result<void> free(paddr_t paddr, std::uint64_t size) {
        if (auto r = check_free(paddr, size); !r) return r;
        const std::size_t b = find_bank(paddr);
        for_each_piece(paddr, paddr + size, L.max_size_bits, [&](paddr_t p, unsigned sb) { insert_merge(b, p, sb); });
        free_bytes_[b] += size;
        return {};
    }
    constexpr result<void> free(const chunk& c) { return free(c.paddr, c.size); }

    /// Same banks, same free blocks (by paddr and size), whatever node or pool
    /// order the metadata happens to use.
    friend constexpr bool operator==(const contiguous_allocator& a, const contiguous_allocator& b) noexcept {
        if (a.bank_count_ != b.bank_count_) return false;
        for (std::size_t i = 0; i < a.bank_count_; ++i) {
            if (a.banks_[i] != b.banks_[i] || a.free_bytes_[i] != b.free_bytes_[i]) return false;
            for (std::size_t o = 0; o < orders; ++o) {
                if (a.lists_[i][o].count != b.lists_[i][o].count) return false;
                handle x = a.lists_[i][o].head;
                handle y = b.lists_[i][o].head;
                for (; x != Metadata::null && y != Metadata::null; x = a.meta_.next(x), y = b.meta_.next(y)) {
                    if (a.meta_.paddr(x) != b.meta_.paddr(y)) return false;
                }
                if (x != Metadata::null || y != Metadata::null) return false;
            }
        }
        return true;
    }

private:
    struct list {
        handle head = Metadata::null;
        handle tail = Metadata::null;
        std::size_t count = 0;
    };

    [[nodiscard]] constexpr const list& lst(std::size_t b, unsigned sb) const noexcept {
        Expects(b < bank_count_ && sb >= L.granule_bits && sb <= L.max_size_bits);
        return lists_[b][sb - L.granule_bits];
    }
    [[nodiscard]] constexpr list& lst(std::size_t b, unsigned sb) noexcept {
        Expects(b < bank_count_ && sb >= L.granule_bits && sb <= L.max_size_bits);
        return lists_[b][sb - L.granule_bits];
    }

    // The largest block bank range first..last could ever hold.
    [[nodiscard]] constexpr unsigned feasible_bits(std::size_t first, std::size_t last) const noexcept {
        unsigned bits = 0;
        for (std::size_t b = first; b <= last; ++b) bits = std::max(bits, max_block_bits_[b]);
        return bits;
    }

    constexpr result<chunk> allocate_bits(unsigned size_bits, std::size_t first, std::size_t last) {
        if (bank_count_ == 0) return failure(make_error(error_code::illegal_operation));
        const unsigned feasible = feasible_bits(first, last);
        if (size_bits < L.granule_bits || size_bits > feasible) return failure(range_error(L.granule_bits, feasible));
        return place(std::uint64_t{1} << size_bits, size_bits, first, last);
    }

    constexpr result<chunk> allocate_size(std::uint64_t size, std::size_t first, std::size_t last) {
        if (bank_count_ == 0) return failure(make_error(error_code::illegal_operation));
        if (size == 0) return failure(invalid_argument(0));
        if (size % granule != 0) return failure(make_error(error_code::misaligned, size, granule));
        const std::uint64_t feasible = std::uint64_t{1} << feasible_bits(first, last);
        if (size > feasible) return failure(range_error(granule, feasible));
        return place(size, ceil_log2(size), first, last);
    }

    // Check (policy choice, nodes) then commit (carve), for a request of
    // `size` bytes out of a block of at least 2^size_bits.
    constexpr result<chunk> place(std::uint64_t size, unsigned size_bits, std::size_t first, std::size_t last) {
        const policy::pick pk = Placement::choose(*this, policy::placement_request{size_bits, first, last});
        if (!pk.found) return failure(explain(size, first, last).to_error());
        Expects(pk.bank >= first && pk.bank <= last && pk.size_bits >= size_bits && has_free(pk.bank, pk.size_bits));
        const list& l = lst(pk.bank, pk.size_bits);
        const handle h = pk.highest_block ? l.tail : l.head;
        const paddr_t x = meta_.paddr(h);
        const paddr_t xe = x + (std::uint64_t{1} << pk.size_bits);
        const paddr_t lo = pk.high_end ? xe - size : x;
        const std::size_t need = piece_count(x, lo, L.max_size_bits) + piece_count(lo + size, xe, L.max_size_bits);
        if (auto r = check_nodes(need, 1); !r) return failure(r.error());
        carve(pk.bank, pk.size_bits, h, lo, lo + size);
        free_bytes_[pk.bank] -= size;
        return chunk{.paddr = lo, .size = size, .bank = pk.bank};
    }

    // `need` nodes are taken after `released` are given back.
    [[nodiscard]] constexpr result<void> check_nodes(std::size_t need, std::size_t released) const noexcept {
        const std::size_t avail = meta_.available();
        if (need > released && need - released > avail) {
            return failure(make_error(error_code::capacity_exhausted, need - released, avail));
        }
        return {};
    }

    // Input checks shared by allocate_at and free; the bank index on success.
    [[nodiscard]] constexpr result<std::size_t> check_range(paddr_t paddr, std::uint64_t size) const noexcept {
        if (bank_count_ == 0) return failure(make_error(error_code::illegal_operation));
        if (size == 0) return failure(invalid_argument(1));
        if (paddr % granule != 0) return failure(make_error(error_code::misaligned, paddr, granule));
        if (size % granule != 0) return failure(make_error(error_code::misaligned, size, granule));
        const std::size_t b = find_bank(paddr);
        if (b == bank_count_) return failure(make_error(error_code::out_of_window, paddr));
        if (size > banks_[b].end() - paddr) {
            return failure(make_error(error_code::out_of_window, size, banks_[b].end() - paddr));
        }
        return b;
    }

    // f(handle, block start, block end, size_bits) for each free block of bank b meeting [lo, hi).
    template <class F>
    constexpr void for_each_overlapping(std::size_t b, paddr_t lo, paddr_t hi, F&& f) const {
        for (std::size_t i = 0; i < orders; ++i) {
            const auto sb = static_cast<unsigned>(i + L.granule_bits);
            for (handle h = lists_[b][i].head; h != Metadata::null; h = meta_.next(h)) {
                const paddr_t x = meta_.paddr(h);
                if (x >= hi) break; // sorted
                const paddr_t xe = x + (std::uint64_t{1} << sb);
                if (lo < xe) f(h, x, xe, sb);
            }
        }
    }
    // Free bytes of bank b inside [lo, hi).
    [[nodiscard]] constexpr std::uint64_t free_overlap(std::size_t b, paddr_t lo, paddr_t hi) const {
        std::uint64_t sum = 0;
        for_each_overlapping(
            b, lo, hi, [&](handle, paddr_t x, paddr_t xe, unsigned) { sum += std::min(xe, hi) - std::max(x, lo); });
        return sum;
    }
    // The lowest used paddr in [lo, hi). Requires: one exists.
    [[nodiscard]] constexpr paddr_t first_used(std::size_t b, paddr_t lo, paddr_t hi) const {
        paddr_t p = lo;
        for (bool moved = true; moved && p < hi;) {
            moved = false;
            for_each_overlapping(b, p, p + 1, [&](handle, paddr_t, paddr_t xe, unsigned) {
                p = xe;
                moved = true;
            });
        }
        Expects(p < hi);
        return p;
    }
    // The lowest free paddr in [p, hi), or hi.
    [[nodiscard]] constexpr paddr_t next_free_start(std::size_t b, paddr_t p, paddr_t hi) const {
        paddr_t q = hi;
        for_each_overlapping(b, p, hi, [&](handle, paddr_t x, paddr_t, unsigned) { q = std::min(q, std::max(x, p)); });
        return q;
    }

    [[nodiscard]] constexpr handle find(std::size_t b, unsigned sb, paddr_t p) const {
        for (handle h = lst(b, sb).head; h != Metadata::null; h = meta_.next(h)) {
            const paddr_t x = meta_.paddr(h);
            if (x == p) return h;
            if (x > p) break;
        }
        return Metadata::null;
    }
    // Whether the buddy of block (p, sb) lies wholly in bank b; sets `buddy`.
    [[nodiscard]] constexpr bool buddy_in_bank(std::size_t b, paddr_t p, unsigned sb, paddr_t& buddy) const noexcept {
        const std::uint64_t size = std::uint64_t{1} << sb;
        buddy = p ^ size;
        return buddy >= banks_[b].base && size <= banks_[b].end() - buddy;
    }
    // How many buddies a free block (p, sb) would absorb, without changing anything.
    [[nodiscard]] constexpr std::size_t merge_count(std::size_t b, paddr_t p, unsigned sb) const {
        std::size_t n = 0;
        paddr_t buddy = 0;
        for (; sb < L.max_size_bits && buddy_in_bank(b, p, sb, buddy) && find(b, sb, buddy) != Metadata::null; ++sb) {
            p = std::min(p, buddy);
            ++n;
        }
        return n;
    }

    constexpr void link_back(std::size_t b, unsigned sb, handle h) {
        list& l = lst(b, sb);
        meta_.set_prev(h, l.tail);
        meta_.set_next(h, Metadata::null);
        if (l.tail != Metadata::null) {
            meta_.set_next(l.tail, h);
        } else {
            l.head = h;
        }
        l.tail = h;
        ++l.count;
    }
    // Keeps the list sorted; O(1) at either end, where every stock policy's pieces land.
    constexpr void insert_sorted(std::size_t b, unsigned sb, paddr_t p) {
        list& l = lst(b, sb);
        if (l.count == 0 || p > meta_.paddr(l.tail)) {
            link_back(b, sb, meta_.acquire(p));
            return;
        }
        handle after = l.head; // the first node above p
        while (meta_.paddr(after) < p) after = meta_.next(after);
        const handle h = meta_.acquire(p);
        const handle before = meta_.prev(after);
        meta_.set_prev(h, before);
        meta_.set_next(h, after);
        meta_.set_prev(after, h);
        if (before != Metadata::null) {
            meta_.set_next(before, h);
        } else {
            l.head = h;
        }
        ++l.count;
    }
    constexpr void unlink(std::size_t b, unsigned sb, handle h) {
        list& l = lst(b, sb);
        const handle prev = meta_.prev(h);
        const handle next = meta_.next(h);
        if (prev != Metadata::null) {
            meta_.set_next(prev, next);
        } else {
            l.head = next;
        }
        if (next != Metadata::null) {
            meta_.set_prev(next, prev);
        } else {
            l.tail = prev;
        }
        --l.count;
        meta_.release(h);
    }
    // Free block h = (x, sb) gives up [lo, hi) and keeps the rest as pieces.
    // Unlinked before the pieces are written: in-band pieces may reuse its bytes.
    constexpr void carve(std::size_t b, unsigned sb, handle h, paddr_t lo, paddr_t hi) {
        const paddr_t x = meta_.paddr(h);
        const paddr_t xe = x + (std::uint64_t{1} << sb);
        Expects(x <= lo && lo < hi && hi <= xe);
        unlink(b, sb, h);
        for_each_piece(x, lo, L.max_size_bits, [&](paddr_t p, unsigned s) { insert_sorted(b, s, p); });
        for_each_piece(hi, xe, L.max_size_bits, [&](paddr_t p, unsigned s) { insert_sorted(b, s, p); });
    }
    // Block (p, sb) becomes free: absorb free buddies upward, then link once.
    constexpr void insert_merge(std::size_t b, paddr_t p, unsigned sb) {
        paddr_t buddy = 0;
        while (sb < L.max_size_bits && buddy_in_bank(b, p, sb, buddy)) {
            const handle h = find(b, sb, buddy);
            if (h == Metadata::null) break;
            unlink(b, sb, h);
            p = std::min(p, buddy);
            ++sb;
        }
        insert_sorted(b, sb, p);
    }

    std::array<bank, L.max_banks> banks_{};
    std::array<std::uint64_t, L.max_banks> free_bytes_{};
    std::array<unsigned, L.max_banks> max_block_bits_{};
    std::array<std::array<list, orders>, L.max_banks> lists_{};
    std::size_t bank_count_ = 0;
    Metadata meta_{};
};

} // namespace retype::banks
