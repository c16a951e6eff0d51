// retype allocator: the value types of its interface (memory, allocation,
// allocation_id, usage) and the small records its components share
// (descriptors, records, plan steps). One vocabulary, so that a strategy, the
// slot manager and the executor can be read one at a time.
#pragma once

#include <retype/backend/concept.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/policy/free_list.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

/// RAM or device memory: what a request asks for, and what an untyped is.
enum class memory : std::uint8_t { ram, device };

/// Names one live allocation. The generation makes a stale id (freed, its record
/// reused) an error instead of freeing someone else's objects.
struct allocation_id {
    std::uint32_t index = no_index;
    std::uint32_t generation = 0;
    friend constexpr bool operator==(const allocation_id&, const allocation_id&) = default;
};

/// What the kernel created for one request.
struct allocation {
    allocation_id id{};
    backend::slot_t untyped = 0; // slot of the untyped the objects were retyped from
    backend::slot_t slot = 0;    // first destination slot: object i is in slot + i
    std::uint64_t count = 0;
    kernel::object_type type = kernel::object_type::untyped;
    std::uint64_t size_bits = 0;  // the API size_bits (CNode radix, untyped size)
    std::uint8_t object_bits = 0; // log2 of one object's size in memory
    kernel::paddr_t paddr = 0;    // of object 0: predicted, and confirmed when the backend reports it
    bool device = false;
    std::uint32_t retypes = 0; // seL4_Untyped_Retype calls this request took (halvings, paddings, batches)
    friend constexpr bool operator==(const allocation&, const allocation&) = default;
};

/// Running counters and current usage.
struct usage {
    std::uint64_t untypeds = 0;    // descriptors in use (bootinfo untypeds and halves)
    std::uint64_t allocations = 0; // live allocations
    std::uint64_t objects = 0;     // live objects in them
    std::uint64_t slots = 0;       // slots in use (objects, halves, paddings, stranded)
    std::uint64_t retypes = 0;     // backend calls so far
    std::uint64_t deletes = 0;
    std::uint64_t revokes = 0;
    std::uint64_t stranded = 0; // slots kept out of use: the backend refused their delete during an undo
    friend constexpr bool operator==(const usage&, const usage&) = default;
};

namespace detail {
inline constexpr std::uint8_t no_class = 0xff;
inline constexpr std::size_t classes = 128; // [device][size_bits < 64]

[[nodiscard]] constexpr std::uint32_t class_of(bool device, unsigned bits) noexcept {
    return (device ? 64u : 0u) + bits;
}
[[nodiscard]] constexpr unsigned ceil_log2(std::uint64_t n) noexcept {
    unsigned b = 0;
    while (b < 64 && (std::uint64_t{1} << b) < n) ++b;
    return b;
}

enum class ustate : std::uint8_t {
    unused,
    free,      // halving strategies: no children, on the free list of its size
    split,     // halving strategies: retyped into two halves
    holding,   // halving strategies: holds one allocation
    watermark, // watermark strategy: a bootinfo untyped with a bump pointer
    withheld,  // halving strategies: a cap the kernel would not delete is under it; used again after reset
    reserved,  // halving strategies: free, but in a reservation (reservation_table.hpp): off the free lists
};

/// One untyped cap the allocator tracks.
struct untyped_desc {
    kernel::paddr_t paddr = 0;
    backend::slot_t slot = 0;
    std::uint64_t used = 0;     // the kernel's watermark (bytes), as last set by a retype
    std::uint64_t children = 0; // live caps retyped directly from it
    std::uint32_t parent = no_index;
    std::uint32_t lo = no_index; // halves, when split
    std::uint32_t hi = no_index;
    std::uint32_t holder = no_index; // the allocation record, when holding
    std::uint8_t size_bits = 0;
    bool device = false;
    bool in_reservation = false; // halving strategies: its memory goes back to the reservation when freed
    ustate state = ustate::unused;
    std::uint8_t listed = no_class; // the free-list class it is on
    friend constexpr bool operator==(const untyped_desc&, const untyped_desc&) = default;
};

/// A halving strategy's choice for one object when no block of exactly its
/// size is free (the fast path's split_block): the block and how many halvings
/// bring it down to the object; block = no_index for none.
struct split_choice {
    std::uint32_t block = no_index;
    unsigned halvings = 0;
};
/// One live allocation: O(1) metadata whatever its count.
struct record {
    bool live = false;
    bool range = false;
    std::uint32_t generation = 0;
    std::uint32_t untyped = no_index; // descriptor it was retyped from
    kernel::object_type type = kernel::object_type::untyped;
    std::uint64_t size_bits = 0;
    std::uint8_t object_bits = 0;
    std::uint64_t count = 0;
    backend::slot_t slot = 0;
    kernel::paddr_t paddr = 0;
    backend::slot_t pad_slot = 0; // watermark allocate_at: the padding untypeds before the object
    std::uint64_t pad_count = 0;
    friend constexpr bool operator==(const record&, const record&) = default;
};

/// A free run of slots [first, first + count), as offsets into the managed
/// ranges laid end to end. Off is 32 bits when max_slots allows it.
template <class Off>
struct slot_run {
    Off first = 0;
    Off count = 0;
    friend constexpr bool operator==(const slot_run&, const slot_run&) = default;
};

/// What the kernel's type and size checks need of one object type, worked out
/// once per target so that a request costs one lookup, not a walk of the
/// architecture switch (kernel::exists, kernel::object_bits).
struct type_info {
    bool exists = false;
    bool variable = false;  // size from size_bits (untyped, CNode, SchedContext)
    std::uint8_t bits = 0;  // fixed types: log2 of the object's size
    std::uint8_t add = 0;   // variable types: object bits = size_bits + add (CNode: slot bits)
    std::uint8_t min = 0;   // variable types: the smallest size_bits the kernel takes
    bool device_ok = false; // frames and untypeds may come from device memory
};
inline constexpr std::size_t object_types = std::size(kernel::all_object_types);

[[nodiscard]] constexpr std::array<type_info, object_types> type_table(const kernel::config& cfg) noexcept {
    std::array<type_info, object_types> tab{};
    const kernel::arch_traits t = kernel::traits(cfg);
    for (kernel::object_type ty : kernel::all_object_types) {
        type_info& i = tab[static_cast<std::size_t>(ty)];
        i.exists = kernel::exists(cfg, ty);
        i.variable = kernel::is_variable_size(ty);
        i.bits = i.exists && !i.variable ? static_cast<std::uint8_t>(kernel::fixed_object_bits(cfg, ty)) : 0;
        i.add = ty == kernel::object_type::cnode ? static_cast<std::uint8_t>(t.slot_bits) : 0;
        i.min = ty == kernel::object_type::cnode           ? 1
                : ty == kernel::object_type::untyped       ? static_cast<std::uint8_t>(t.min_untyped_bits)
                : ty == kernel::object_type::sched_context ? 7
                                                           : 0;
        i.device_ok = kernel::is_frame(ty) || ty == kernel::object_type::untyped;
    }
    return tab;
}

} // namespace detail

/// A checked request, as a strategy plans it.
struct plan_request {
    kernel::object_type type;
    std::uint64_t size_bits;
    unsigned bits; // log2 of one object's size
    std::uint64_t count;
    bool device;
    bool fixed;         // at a physical address
    kernel::paddr_t at; // when fixed
};

} // namespace retype
