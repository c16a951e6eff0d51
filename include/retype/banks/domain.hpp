// retype: a direct-mapped (1:1) domain's memory from a contiguous allocator:
// either one chunk (a guest that accepts a single RAM bank), or Xen's
// hardware-domain way (allocate_memory_11): the largest block that succeeds,
// again and again, down to a minimum size, merged into at most N guest banks.
#pragma once

#include <retype/banks/contiguous_allocator.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace retype::banks {

/// A guest's RAM banks, sorted by paddr; each lies in one host bank.
template <std::size_t MaxBanks>
struct guest_memory {
    std::array<chunk, MaxBanks> banks{};
    std::size_t count = 0;

    [[nodiscard]] constexpr std::uint64_t size() const noexcept {
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < count; ++i) sum += banks[i].size;
        return sum;
    }
    friend constexpr bool operator==(const guest_memory&, const guest_memory&) = default;
};

/// A Xen-style multi-bank request: `size` bytes in at most `max_banks` guest
/// banks, from blocks no smaller than 2^min_size_bits (except a last
/// remainder smaller than that).
struct domain_request {
    std::uint64_t size = 0;
    std::size_t max_banks = 1;
    unsigned min_size_bits = 0;
};

namespace detail {
// Adds c to g, merged with a guest bank it touches in the same host bank,
// else as a new bank in paddr order. False if that needs more than max banks.
template <std::size_t N>
constexpr bool add_guest_bank(guest_memory<N>& g, const chunk& c, std::size_t max_banks) noexcept {
    for (std::size_t i = 0; i < g.count; ++i) {
        chunk& s = g.banks[i];
        if (s.bank != c.bank) continue;
        if (s.end() == c.paddr) {
            s.size += c.size;
            // c may also close the gap to the next guest bank
            if (i + 1 < g.count && g.banks[i + 1].bank == s.bank && g.banks[i + 1].paddr == s.end()) {
                s.size += g.banks[i + 1].size;
                for (std::size_t j = i + 1; j + 1 < g.count; ++j) g.banks[j] = g.banks[j + 1];
                --g.count;
            }
            return true;
        }
        if (c.end() == s.paddr) {
            s.paddr = c.paddr;
            s.size += c.size;
            return true;
        }
    }
    if (g.count == max_banks) return false;
    std::size_t at = g.count;
    while (at > 0 && g.banks[at - 1].paddr > c.paddr) {
        g.banks[at] = g.banks[at - 1];
        --at;
    }
    g.banks[at] = c;
    ++g.count;
    return true;
}
} // namespace detail

/// Effects: one contiguous chunk of `size` bytes (allocate_bytes), as a
/// one-bank guest_memory. Error, no change on failure: as allocate_bytes.
template <std::size_t MaxBanks = 1, class Allocator>
constexpr result<guest_memory<MaxBanks>> allocate_one_chunk(Allocator& a, std::uint64_t size) {
    static_assert(MaxBanks >= 1);
    auto c = a.allocate_bytes(size);
    if (!c) return failure(c.error());
    guest_memory<MaxBanks> g{};
    g.banks[0] = *c;
    g.count = 1;
    return g;
}

/// Effects: req.size bytes as at most req.max_banks guest banks. Starting
/// from the largest power of two <= what is left, allocate(size_bits) is
/// tried; on no_fit the size is halved down to 2^min_size_bits (or what is
/// left, if less); each block merges into a guest bank it touches or opens a
/// new one, and a block that would need one bank too many is given back and
/// the size halved. Placement is the allocator's policy (Xen puts bank 0 as
/// low as possible: use lowest_first for that).
/// All or nothing: on failure every block taken is freed in reverse order,
/// which restores a state equal (operator==) to the one before, because the
/// free lists depend only on the allocated set; each such free is of the
/// block just allocated, so it cannot run out of nodes. (With in_band
/// metadata, free memory's bytes may then hold stale links: free bytes are
/// the metadata's scratch, never state anyone reads.)
/// Error: illegal_operation before init; invalid_argument(1) for size 0;
/// misaligned (value: size, limit: granule); range_error(1, MaxBanks) for
/// max_banks; range_error(granule_bits, max_size_bits) for min_size_bits;
/// not_enough_memory (memory_left: free bytes) when less is free than asked;
/// no_fit (value: bytes left unallocated, limit: req.size, memory_left: free
/// bytes) when the blocks run out or the guest banks do;
/// capacity_exhausted when more than MaxBlocks blocks are needed, or the node
/// pool runs out (value, limit as the pool reports).
/// Complexity: O((orders + blocks) x allocate).
template <std::size_t MaxBanks, std::size_t MaxBlocks = 64, class Allocator>
constexpr result<guest_memory<MaxBanks>> allocate_domain(Allocator& a, const domain_request& req) {
    static_assert(MaxBanks >= 1 && MaxBlocks >= 1);
    constexpr unsigned gbits = Allocator::granule_bits;
    constexpr unsigned max_bits = Allocator::max_size_bits();
    if (a.bank_count() == 0) return failure(make_error(error_code::illegal_operation));
    if (req.size == 0) return failure(invalid_argument(1));
    if (req.size % Allocator::granule != 0)
        return failure(make_error(error_code::misaligned, req.size, Allocator::granule));
    if (req.max_banks == 0 || req.max_banks > MaxBanks) return failure(range_error(1, MaxBanks));
    if (req.min_size_bits < gbits || req.min_size_bits > max_bits) return failure(range_error(gbits, max_bits));
    if (a.free_bytes() < req.size) return failure(not_enough_memory(a.free_bytes()));

    guest_memory<MaxBanks> g{};
    std::array<chunk, MaxBlocks> taken{};
    std::size_t n = 0;
    std::uint64_t left = req.size;
    unsigned sb = std::min(floor_log2(left), max_bits);
    error why{};
    bool ok = true;
    while (left != 0) {
        sb = std::min(sb, floor_log2(left));
        const unsigned floor = std::min(req.min_size_bits, floor_log2(left));
        if (n == MaxBlocks) {
            why = make_error(error_code::capacity_exhausted, MaxBlocks + 1, MaxBlocks);
            ok = false;
            break;
        }
        auto c = a.allocate(sb);
        if (c && detail::add_guest_bank(g, *c, req.max_banks)) {
            taken[n++] = *c;
            left -= c->size;
            continue;
        }
        if (c) {
            auto undo = a.free(*c); // the block just taken: cannot fail
            Expects(undo.has_value());
        } else if (c.error().code != error_code::no_fit && c.error().code != error_code::range_error) {
            why = c.error();
            ok = false;
            break;
        }
        if (sb > floor) {
            --sb;
            continue;
        }
        why = make_error(error_code::no_fit, left, req.size);
        ok = false;
        break;
    }
    if (!ok) {
        while (n > 0) {
            auto undo = a.free(taken[--n]);
            Expects(undo.has_value());
        }
        if (why.code == error_code::no_fit) why.memory_left = a.free_bytes();
        return failure(why);
    }
    return g;
}

/// Effects: frees every bank of g. All or nothing: every bank is checked
/// (check_free) before any is freed.
/// Error: check_free's, for the first bank that fails; overlap (value, limit:
/// the two bases) for two guest banks that overlap; capacity_exhausted if
/// the pool might not hold the pieces of all banks. Upon failure, no change.
template <std::size_t MaxBanks, class Allocator>
constexpr result<void> free_domain(Allocator& a, const guest_memory<MaxBanks>& g) {
    std::size_t pieces = 0;
    for (std::size_t i = 0; i < g.count; ++i) {
        if (auto r = a.check_free(g.banks[i].paddr, g.banks[i].size); !r) return r;
        for (std::size_t j = 0; j < i; ++j) { // the same range twice would be a double free
            if (g.banks[j].paddr < g.banks[i].end() && g.banks[i].paddr < g.banks[j].end()) {
                return failure(make_error(error_code::overlap, g.banks[i].paddr, g.banks[j].paddr));
            }
        }
        // Guest banks are disjoint allocated ranges, so check_free on each is enough,
        // but nodes are shared: count every piece as one node.
        pieces += piece_count(g.banks[i].paddr, g.banks[i].end(), Allocator::max_size_bits());
    }
    if (g.count > 1 && pieces > a.metadata().available()) {
        return failure(make_error(error_code::capacity_exhausted, pieces, a.metadata().available()));
    }
    for (std::size_t i = 0; i < g.count; ++i) {
        auto r = a.free(g.banks[i].paddr, g.banks[i].size);
        Expects(r.has_value());
    }
    return {};
}

} // namespace retype::banks
