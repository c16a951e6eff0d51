// retype: the canonical allocator configuration. Every option of an option pack
// (target, align_on, split, granule, capacities, free_list) writes one field of
// this aggregate (allocator_options<...>::config, policy/options.hpp): what the
// allocator's members read. The allocator's type is named by the options.
#pragma once

#include <retype/kernel/arch.hpp>

#include <cstddef>
#include <cstdint>

namespace retype {

/// Where the allocator aligns when it predicts placement (see alignment_source.hpp).
enum class align_source : std::uint8_t { pptr, paddr, custom };

/// How an untyped is carved up (see split_strategy.hpp).
enum class split_kind : std::uint8_t { watermark, buddy, binary_search, custom };

/// Which free-list model holds the descriptors (see free_list.hpp).
enum class free_list_kind : std::uint8_t { intrusive, array };

/// The option axes; two options of one axis in a pack are an error.
enum class option_axis : std::uint8_t {
    target,
    alignment,
    split,
    granule,
    max_untypeds,
    max_slots,
    max_allocations,
    max_slot_ranges,
    max_reservations,
    free_list
};

struct allocator_config {
    kernel::config target{};
    bool has_target = false;                     // target<...> is mandatory: the arch decides every size
    align_source alignment = align_source::pptr; // what the kernel does
    split_kind split = split_kind::buddy;
    unsigned granule_bits = 12;                       // frames of allocate_range
    std::size_t max_untypeds = 64;                    // untyped descriptors: bootinfo untypeds + split halves
    std::size_t max_slots = 4096;                     // CSpace slots of the empty range the allocator hands out
    std::size_t max_allocations = 0;                  // live allocation records; 0: as many as max_untypeds
    std::size_t max_slot_ranges = 16;                 // add_slots ranges: a root CNode and 15 made later
    std::size_t max_reservations = 8;                 // live reserve() ranges
    free_list_kind free_list = free_list_kind::array; // trivially destructible: a static allocator needs no atexit

    friend constexpr bool operator==(const allocator_config&, const allocator_config&) = default;
};

} // namespace retype
