// retype: placement policies for contiguous (buddy-style) allocation: which free
// block a request is carved from, and from which end of it. Selected at compile
// time; the allocator hands the policy a read-only view of its free lists.
//
// Every stock policy looks only at the two ends of each (bank, size_bits) free
// list, so a decision costs O(orders x banks) and never depends on memory size.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace retype::policy {

/// A request as a placement policy sees it: a block of 2^size_bits bytes inside
/// banks first_bank .. last_bank (inclusive, indices into the sorted layout).
struct placement_request {
    unsigned size_bits = 0;
    std::size_t first_bank = 0;
    std::size_t last_bank = 0;
};

/// A placement decision: split the lowest (or highest) free block of list
/// (bank, size_bits) and carve the request from its low (or high) end.
struct pick {
    bool found = false;
    std::size_t bank = 0;
    unsigned size_bits = 0;     // the free block to split, >= the request's size_bits
    bool highest_block = false; // the list's highest-paddr block, not its lowest
    bool high_end = false;      // the request goes at the block's top

    friend constexpr bool operator==(const pick&, const pick&) = default;
};

/// What an allocator shows a placement policy. Free lists are kept sorted by
/// paddr, so lowest_free and highest_free are the list's two ends.
/// Requires has_free(bank, size_bits) before lowest_free / highest_free.
template <class V>
concept free_list_view = requires(const V& v, std::size_t bank, unsigned size_bits) {
    { v.max_size_bits() } -> std::convertible_to<unsigned>;
    { v.has_free(bank, size_bits) } -> std::convertible_to<bool>;
    { v.lowest_free(bank, size_bits) } -> std::convertible_to<std::uint64_t>;
    { v.highest_free(bank, size_bits) } -> std::convertible_to<std::uint64_t>;
};

/// The smallest type that models free_list_view: the placement concept is
/// checked against it, so a policy cannot depend on more than the view offers.
struct free_list_view_archetype {
    constexpr unsigned max_size_bits() const noexcept { return 0; }
    constexpr bool has_free(std::size_t, unsigned) const noexcept { return false; }
    constexpr std::uint64_t lowest_free(std::size_t, unsigned) const noexcept { return 0; }
    constexpr std::uint64_t highest_free(std::size_t, unsigned) const noexcept { return 0; }
};
static_assert(free_list_view<free_list_view_archetype>);

/// A placement policy: a stateless type with
/// `static constexpr pick choose(const View&, placement_request)`.
/// Postcondition: if found, has_free(bank, size_bits), size_bits >= the
/// request's, and first_bank <= bank <= last_bank.
template <class P>
concept placement_policy = requires(const free_list_view_archetype& v, placement_request r) {
    { P::choose(v, r) } -> std::same_as<pick>;
};

/// Address-ordered first fit: the lowest-paddr free block that can hold the
/// request, carved from its low end. The plain buddy baseline: it packs
/// everything low, but will break a large block at a low address while a
/// fitting fragment sits unused higher up.
struct lowest_first {
    template <free_list_view V>
    [[nodiscard]] static constexpr pick choose(const V& v, placement_request r) noexcept {
        pick best{};
        std::uint64_t best_paddr = 0;
        // Banks are sorted and disjoint, so the first bank with a candidate wins.
        for (std::size_t b = r.first_bank; b <= r.last_bank && !best.found; ++b) {
            for (unsigned sb = r.size_bits; sb <= v.max_size_bits(); ++sb) {
                if (!v.has_free(b, sb)) continue;
                const std::uint64_t p = v.lowest_free(b, sb);
                if (!best.found || p < best_paddr) {
                    best = pick{.found = true, .bank = b, .size_bits = sb};
                    best_paddr = p;
                }
            }
        }
        return best;
    }
};

/// Mirror of lowest_first: the highest-paddr free block, carved from its top.
struct highest_first {
    template <free_list_view V>
    [[nodiscard]] static constexpr pick choose(const V& v, placement_request r) noexcept {
        pick best{};
        std::uint64_t best_paddr = 0;
        for (std::size_t b = r.last_bank + 1; b-- > r.first_bank && !best.found;) {
            for (unsigned sb = r.size_bits; sb <= v.max_size_bits(); ++sb) {
                if (!v.has_free(b, sb)) continue;
                const std::uint64_t p = v.highest_free(b, sb);
                if (!best.found || p > best_paddr) {
                    best = pick{.found = true, .bank = b, .size_bits = sb, .highest_block = true, .high_end = true};
                    best_paddr = p;
                }
            }
        }
        return best;
    }
};

/// Small requests (size_bits < LargeBits) take the smallest free block that
/// fits, i.e. an already broken one if any (lowest paddr among those), and are
/// carved from its low end; large requests take the highest-paddr block that
/// fits and are carved from its top. Small churn then stays in the fragments
/// at the bottom, and large contiguous ranges stay whole at the top.
template <unsigned LargeBits>
struct split_ends {
    static constexpr unsigned large_bits = LargeBits;

    template <free_list_view V>
    [[nodiscard]] static constexpr pick choose(const V& v, placement_request r) noexcept {
        if (r.size_bits >= LargeBits) return highest_first::choose(v, r);
        for (unsigned sb = r.size_bits; sb <= v.max_size_bits(); ++sb) {
            // Lowest bank first: banks are sorted, so this is the lowest paddr of this size.
            for (std::size_t b = r.first_bank; b <= r.last_bank; ++b) {
                if (v.has_free(b, sb)) return pick{.found = true, .bank = b, .size_bits = sb};
            }
        }
        return pick{};
    }
};

/// Classic buddy best fit (Xen's get_free_buddy, Linux's __rmqueue_smallest):
/// the smallest order that has a free block, lowest paddr within it. The same
/// as split_ends with no request counted as large.
using best_fit = split_ends<~0u>;

/// Option-pack wrapper: `placement<split_ends<25>>` names the policy among
/// other options; `type` is the policy itself.
template <placement_policy P>
struct placement {
    using type = P;
};

static_assert(placement_policy<lowest_first>);
static_assert(placement_policy<highest_first>);
static_assert(placement_policy<split_ends<21>>);
static_assert(placement_policy<best_fit>);

} // namespace retype::policy
