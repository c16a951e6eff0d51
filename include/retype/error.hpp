// retype: error values. The first ten codes are seL4_Error, number for number
// (libsel4/include/sel4/errors.h), so a kernel answer and a model answer compare
// directly; codes from 32 on are retype's own.
#pragma once

#include <cstdint>
#include <string_view>

namespace retype {

enum class error_code : std::uint8_t {
    // seL4_Error
    invalid_argument = 1,
    invalid_capability = 2,
    illegal_operation = 3,
    range_error = 4,
    alignment_error = 5,
    failed_lookup = 6,
    truncated_message = 7,
    delete_first = 8,
    revoke_first = 9,
    not_enough_memory = 10,
    // retype's own: input the kernel never sees, or limits of a fixed capacity
    unknown_object = 32,     // no such untyped or object (never created, or already gone)
    has_children = 33,       // delete of an object that still has descendants
    not_an_untyped = 34,     // an untyped-only operation on another object
    capacity_exhausted = 35, // a compile-time capacity (nodes, slots, descriptors) is full
    misaligned = 36,         // an address or size the kernel could never have produced
    overlap = 37,            // two untypeds, or a request and a used range, overlap
    out_of_window = 38,      // RAM outside the kernel window, or an address outside every region
    device_mismatch = 39,    // RAM asked of a device untyped, or the other way round
    not_allocated = 40,      // free of something not allocated, or freed twice
    unsupported = 41,        // the architecture or configuration lacks the object or granule
    no_fit = 42,             // no free block satisfies the request (contiguity, bank, placement)
    mispredicted = 43,       // the backend placed an object elsewhere than the allocator predicted
    // The allocator's own, one per cause (payloads: docs/allocators.md, "Errors").
    untypeds_exhausted = 44,    // the untyped descriptor table is full: value = needed, limit = free
    records_exhausted = 45,     // the allocation record table is full: value = 1, limit = max_allocations
    slots_exhausted = 46,       // not enough free managed slots: value = needed, limit = free
    slot_ranges_exhausted = 47, // add_slots: every slot range entry is used: value = 1, limit = max ranges
    outside_kernel_window = 48, // RAM the kernel cannot map: value = paddr, limit = paddr_top
    outside_address_space = 49, // an untyped past the top of the address space: value = paddr, limit = top
    not_in_untyped = 50,        // a paddr in no untyped the allocator was given: value = paddr
    spans_untypeds = 51,        // a request past the end of its untyped: value = paddr, limit = untyped's end
    cspace_too_small = 52,      // the backend cannot hold a slot: value = the slot, limit = its last slot
    undo_incomplete = 53,       // a delete was refused while undoing: value = slot kept out of use,
                                // limit = slots kept, argument = the code of the error that caused the undo
    reserved = 54,              // the range is reserved: value = paddr, limit = the reservation's base

    reservations_exhausted = 55, // reserve: every reservation entry is used: value = 1, limit = the capacity
};

/// The seL4 name of a kernel error (`seL4_NotEnoughMemory`), or retype's own name.
[[nodiscard]] constexpr std::string_view name(error_code c) noexcept {
    switch (c) {
    case error_code::invalid_argument: return "seL4_InvalidArgument";
    case error_code::invalid_capability: return "seL4_InvalidCapability";
    case error_code::illegal_operation: return "seL4_IllegalOperation";
    case error_code::range_error: return "seL4_RangeError";
    case error_code::alignment_error: return "seL4_AlignmentError";
    case error_code::failed_lookup: return "seL4_FailedLookup";
    case error_code::truncated_message: return "seL4_TruncatedMessage";
    case error_code::delete_first: return "seL4_DeleteFirst";
    case error_code::revoke_first: return "seL4_RevokeFirst";
    case error_code::not_enough_memory: return "seL4_NotEnoughMemory";
    case error_code::unknown_object: return "unknown_object";
    case error_code::has_children: return "has_children";
    case error_code::not_an_untyped: return "not_an_untyped";
    case error_code::capacity_exhausted: return "capacity_exhausted";
    case error_code::misaligned: return "misaligned";
    case error_code::overlap: return "overlap";
    case error_code::out_of_window: return "out_of_window";
    case error_code::device_mismatch: return "device_mismatch";
    case error_code::not_allocated: return "not_allocated";
    case error_code::unsupported: return "unsupported";
    case error_code::no_fit: return "no_fit";
    case error_code::mispredicted: return "mispredicted";
    case error_code::untypeds_exhausted: return "untypeds_exhausted";
    case error_code::records_exhausted: return "records_exhausted";
    case error_code::slots_exhausted: return "slots_exhausted";
    case error_code::slot_ranges_exhausted: return "slot_ranges_exhausted";
    case error_code::outside_kernel_window: return "outside_kernel_window";
    case error_code::outside_address_space: return "outside_address_space";
    case error_code::not_in_untyped: return "not_in_untyped";
    case error_code::spans_untypeds: return "spans_untypeds";
    case error_code::cspace_too_small: return "cspace_too_small";
    case error_code::undo_incomplete: return "undo_incomplete";
    case error_code::reserved: return "reserved";
    case error_code::reservations_exhausted: return "reservations_exhausted";
    }
    return "unknown_error";
}

/// True for the codes that mirror seL4_Error.
[[nodiscard]] constexpr bool is_kernel_error(error_code c) noexcept {
    return static_cast<std::uint8_t>(c) >= 1 && static_cast<std::uint8_t>(c) <= 10;
}

/// An error with the payload the kernel returns in its message registers
/// (setMRs_syscall_error): the argument number with InvalidArgument, min and max
/// with RangeError, memoryLeft with NotEnoughMemory. retype's own codes reuse
/// the fields where they fit (`value` for a count or address, `limit` for a bound).
struct error {
    error_code code{};
    std::uint64_t argument = 0;    // seL4_InvalidArgument
    std::uint64_t range_min = 0;   // seL4_RangeError
    std::uint64_t range_max = 0;   // seL4_RangeError
    std::uint64_t memory_left = 0; // seL4_NotEnoughMemory
    std::uint64_t value = 0;       // retype's own: the offending address, size or count
    std::uint64_t limit = 0;       // retype's own: the bound it broke

    friend constexpr bool operator==(const error&, const error&) = default;
};

[[nodiscard]] constexpr error invalid_argument(std::uint64_t argument) noexcept {
    return error{.code = error_code::invalid_argument, .argument = argument};
}
[[nodiscard]] constexpr error range_error(std::uint64_t min, std::uint64_t max) noexcept {
    return error{.code = error_code::range_error, .range_min = min, .range_max = max};
}
[[nodiscard]] constexpr error not_enough_memory(std::uint64_t memory_left) noexcept {
    return error{.code = error_code::not_enough_memory, .memory_left = memory_left};
}
[[nodiscard]] constexpr error make_error(error_code code, std::uint64_t value = 0, std::uint64_t limit = 0) noexcept {
    return error{.code = code, .value = value, .limit = limit};
}

} // namespace retype
