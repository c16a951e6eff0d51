// retype: the policy-based allocator of seL4 untyped memory.
//
//   using A = retype::allocator<Backend, retype::target<kernel::config{.target = kernel::arch::aarch64}>,
//                               retype::split<retype::buddy>, retype::granule<21>>;
//
// Options come in any order and fold into one allocator_config (policy/options.hpp);
// basic_allocator<Config, Backend> is the one type underneath. All metadata lives
// inside the object, in tables sized by the capacities: no heap, ever.
//
// Every mutating operation is check-then-commit: it plans every kernel call on
// unchanged state (a bad input returns its error here, and nothing changed), then
// runs the calls through the backend, then commits its own bookkeeping, which
// cannot fail. The one thing the plan cannot know is whether the backend agrees:
// - the backend fails a call (a real kernel with state the allocator was not told
//   about): the calls already made are undone (their caps deleted, newest first),
//   the allocator's tables are as before, and the backend's error is returned;
// - the backend reports object 0 at another paddr than predicted (align_on::paddr
//   where PPTR_BASE_OFFSET is not a multiple of the size, seed 003): the same
//   undo, and error_code::mispredicted with value = predicted, limit = actual.
//   The kernel's watermark of that untyped has moved to where the kernel really
//   put the objects; the allocator's copy follows it, so it stays exact.
// In both cases the allocator and the kernel again describe the same objects.
//
// Complexity per operation (U = max_untypeds, A = max_allocations, W = word bits,
// n = objects in the request, F = fan_out_limit):
//   allocate, buddy/binary_search: O(1) to find the block (a mask of non-empty classes),
//     O(W) halvings, each slot take O(1) from the slot caches or a slot run search
//     (O(1) usually, O(U + A) at most; see take_slot_run), + O(n/F) retypes
//   allocate, watermark: O(W) for count 1 (first untyped of a fitting class);
//     count > 1 may visit every untyped of the fitting classes: O(U)
//   allocate_at: O(U) to find the bootinfo untyped + O(W) halvings or paddings
//   free, buddy: O(1) revoke + O(W) merges; binary_search: O(1); watermark: O(n) deletes;
//     each plus O(1) to give its slots to a cache, or O(log(U + A)) to give them
//     back to the runs and O(U + A) moves at worst when they start a new run
//     (see free_slot_run)
//   reset: O(U + A); queries: O(W) or O(U)
// Nothing grows with the bytes managed, and the object's size does not grow with
// max_slots: slots are free runs, at most U + A + 48 of them (see slot_run_capacity).
#pragma once

#include <retype/backend/concept.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/policy/array_free_list.hpp>
// Boost.Intrusive only where its headers are: free_list<array> needs none.
#if __has_include(<boost/intrusive/list.hpp>)
#include <retype/policy/intrusive_free_list.hpp>
#define RETYPE_HAS_INTRUSIVE_FREE_LIST 1
#else
#define RETYPE_HAS_INTRUSIVE_FREE_LIST 0
namespace retype {
template <std::size_t N, std::size_t Classes>
class intrusive_free_list; // declared only: free_list<intrusive> needs Boost.Intrusive
} // namespace retype
#endif
#include <retype/policy/options.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

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
    std::uint64_t slots = 0;       // slots in use (objects, halves, paddings)
    std::uint64_t retypes = 0;     // backend calls so far
    std::uint64_t deletes = 0;
    std::uint64_t revokes = 0;
    friend constexpr bool operator==(const usage&, const usage&) = default;
};

namespace detail {
inline constexpr std::uint8_t no_class = 0xff;
inline constexpr std::uint64_t no_slot = ~std::uint64_t{0};
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
    ustate state = ustate::unused;
    std::uint8_t listed = no_class; // the free-list class it is on
    friend constexpr bool operator==(const untyped_desc&, const untyped_desc&) = default;
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

/// One planned seL4_Untyped_Retype (count may exceed the fan-out limit; the
/// executor batches it into consecutive calls that continue the watermark).
/// No default member initialisers, on purpose: a plan's tables are left
/// uninitialised and only the entries a plan writes are ever read, so planning
/// costs what the request needs, not a fill of every table (C++20 allows this
/// in constant expressions too).
struct step {
    backend::slot_t untyped;
    kernel::object_type type;
    std::uint64_t size_bits;
    std::uint8_t object_bits;
    backend::slot_t dest;
    std::uint64_t count;
    kernel::paddr_t paddr; // predicted paddr of object 0
};

/// One halving: the parent block retyped into two halves of 2^bits. Trivial, as step.
struct halving {
    backend::slot_t dest; // lo in dest, hi in dest + 1
    kernel::paddr_t lo_paddr;
    std::uint8_t bits;
    bool keep_hi;
};

/// A free run of slots [first, first + count), as offsets from the managed
/// range's first slot. Off is 32 bits when max_slots allows it.
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

/// Slots a plan reserved: from a cache (cached) or from the runs.
struct slot_take {
    backend::slot_t first;
    std::uint64_t count;
    bool cached;
};

inline constexpr std::size_t max_steps = 136; // 64 halvings or ~2x47 paddings, plus the object
} // namespace detail

/// The composed allocator. Backend is held by reference: the allocator's size is
/// its metadata alone, and one backend (one CSpace) can be inspected by tests.
template <allocator_config C, backend::backend Backend>
class basic_allocator {
    static_assert(C.has_target, "retype: target<kernel::config{...}> is required (the architecture sizes everything)");
    static_assert(frame_of_bits(C.target, C.granule_bits).has_value(),
                  "retype: granule<bits> is not a page size of the target architecture");
    static_assert(C.max_untypeds >= 1 && C.max_untypeds < no_index, "retype: max_untypeds out of range");
    static_assert(C.max_slots >= 1, "retype: max_slots must be at least 1");
    static_assert(C.max_allocations < no_index, "retype: max_allocations out of range");
    static_assert(RETYPE_HAS_INTRUSIVE_FREE_LIST || C.free_list == free_list_kind::array,
                  "retype: free_list<intrusive> (the default) needs Boost.Intrusive's headers; without Boost use "
                  "free_list<array>");

public:
    static constexpr allocator_config config = C;
    static constexpr std::size_t untyped_capacity = C.max_untypeds;
    static constexpr std::size_t allocation_capacity = C.max_allocations ? C.max_allocations : C.max_untypeds;
    static constexpr std::size_t slot_capacity = C.max_slots;
    /// Free slot runs that can exist at once. Every used slot of the managed
    /// range belongs to one owner whose slots are consecutive: a record (its
    /// objects, after its paddings) or a half's descriptor (one slot). Free runs
    /// are the gaps between owners, so there are at most owners + 1 of them,
    /// i.e. U + A + 1 (a plan takes slots only for descriptors and a record it
    /// has checked are free: a halving's pair is the slots of two future
    /// descriptors). The table never runs out, whatever max_slots is.
    ///
    /// Freed single slots and pairs go first to two small LIFO caches (the
    /// usual frees: one object, or the two halves of a merged block), which
    /// serve the usual takes (one object, one halving's pair) in O(1) without
    /// searching the runs. A cached entry is one more owner as far as the runs
    /// are concerned, hence the 2 x slot_cache_capacity.
    static constexpr std::size_t slot_cache_capacity = 16;
    /// Slot ranges add_slots takes (several CNodes, or parts of one). Inside
    /// the allocator the ranges are laid end to end in one offset space, one
    /// unused offset apart, so that a free run never spans two ranges (a
    /// retype's destination slots are consecutive in one CNode): each range
    /// adds at most one free run.
    static constexpr std::size_t max_slot_ranges = 16;
    static constexpr std::size_t slot_run_capacity =
        untyped_capacity + allocation_capacity + max_slot_ranges + 2 * slot_cache_capacity;
    using slot_offset =
        std::conditional_t<(C.max_slots + max_slot_ranges <= 0xffffffffu), std::uint32_t, std::uint64_t>;
    /// One range given to add_slots: slots [first, first + count), at offsets [offset, offset + count).
    struct slot_range {
        backend::slot_t first = 0;
        std::uint64_t count = 0;
        std::uint64_t offset = 0;
        friend constexpr bool operator==(const slot_range&, const slot_range&) = default;
    };
    using slot_run = detail::slot_run<slot_offset>;
    /// A LIFO of free slot offsets: [0, n) in use, the rest zero.
    struct slot_cache {
        std::array<slot_offset, slot_cache_capacity> entries{};
        std::size_t n = 0;
        friend constexpr bool operator==(const slot_cache&, const slot_cache&) = default;
    };
    static constexpr kernel::object_type granule_type = *frame_of_bits(C.target, C.granule_bits);

    using free_list_type =
        std::conditional_t<C.free_list == free_list_kind::array, array_free_list<untyped_capacity, detail::classes>,
                           intrusive_free_list<untyped_capacity, detail::classes>>;

    /// The full state, comparable: what tests compare before and after a call.
    struct snapshot_type {
        std::array<detail::untyped_desc, untyped_capacity> untypeds{};
        std::array<detail::record, allocation_capacity> records{};
        std::array<std::uint32_t, untyped_capacity> list_next{};
        std::array<std::uint32_t, detail::classes> list_head{};
        std::array<slot_run, slot_run_capacity> slot_runs{}; // [0, slot_runs_n) in use, the rest zero
        std::size_t slot_runs_n = 0;
        slot_cache singles{};          // cached free single slots, oldest first
        slot_cache pairs{};            // cached free pairs (first slot of each), oldest first
        backend::slot_t slot_base = 0; // the first range's first slot
        std::uint64_t slot_count = 0;  // slots in all ranges
        std::array<slot_range, max_slot_ranges> slot_ranges{};
        std::size_t slot_ranges_n = 0;
        usage stats{};
        friend constexpr bool operator==(const snapshot_type&, const snapshot_type&) = default;
    };

    constexpr explicit basic_allocator(Backend& b) noexcept : backend_(&b) {
        for (std::size_t i = 0; i < untyped_capacity; ++i)
            ut_free_[i] = static_cast<std::uint32_t>(untyped_capacity - 1 - i);
        ut_free_n_ = untyped_capacity;
        for (std::size_t i = 0; i < allocation_capacity; ++i)
            rec_free_[i] = static_cast<std::uint32_t>(allocation_capacity - 1 - i);
        rec_free_n_ = allocation_capacity;
    }

    [[nodiscard]] constexpr Backend& backend() noexcept { return *backend_; }
    [[nodiscard]] constexpr const Backend& backend() const noexcept { return *backend_; }
    [[nodiscard]] static constexpr kernel::arch_traits arch() noexcept { return arch_; }

    /// Empty slots the allocator may fill: the empty range of bootinfo
    /// (seL4_BootInfo.empty) or part of it, and, in further calls, the slots of
    /// other CNodes (e.g. ones allocated from this allocator, see
    /// docs/sel4-project.md). The slots of one call must be consecutive in one
    /// CNode (the backend maps them); a multi-object request never spans two calls.
    /// Errors, in this order: range_error(1, room) for a count of 0;
    /// range_error(0, ...) if the range wraps; overlap with an earlier range
    /// (value = first, limit = that range's first) or an untyped's slot (value =
    /// the slot); range_error(1, room) for a count beyond the room left of
    /// max_slots; capacity_exhausted (value = ranges + 1, limit = max_slot_ranges).
    /// Complexity: O(U + R) for R ranges. On failure, no change.
    [[nodiscard]] constexpr result<void> add_slots(backend::slot_t first, std::uint64_t count) noexcept {
        const std::uint64_t room = slot_capacity - slot_count_;
        if (count == 0) return failure(range_error(1, room));
        if (first > ~std::uint64_t{0} - count) return failure(range_error(0, ~std::uint64_t{0} - count));
        for (std::size_t i = 0; i < ranges_n_; ++i) {
            const slot_range& r = ranges_[i];
            if (first < r.first + r.count && r.first < first + count)
                return failure(make_error(error_code::overlap, first, r.first));
        }
        for (const auto& u : ut_)
            if (u.state != detail::ustate::unused && u.slot >= first && u.slot - first < count)
                return failure(make_error(error_code::overlap, u.slot, first));
        if (count > room) return failure(range_error(1, room));
        if (ranges_n_ == max_slot_ranges)
            return failure(make_error(error_code::capacity_exhausted, ranges_n_ + 1, max_slot_ranges));
        // Commit. The new range's offsets lie above every run: it is the first
        // entry of the descending run table.
        const std::uint64_t offset = slot_extent_ == 0 ? 0 : slot_extent_ + 1;
        ranges_[ranges_n_++] = slot_range{first, count, offset};
        if (slot_count_ == 0) slot_base_ = first;
        slot_count_ += count;
        slot_extent_ = offset + count;
        for (std::size_t i = runs_n_; i > 0; --i) runs_[i] = runs_[i - 1];
        runs_[0] = slot_run{static_cast<slot_offset>(offset), static_cast<slot_offset>(count)};
        ++runs_n_;
        return {};
    }

    /// One untyped of bootinfo (seL4_BootInfo.untypedList[i] in slot
    /// untyped.start + i). Error: range_error(min, max) for size_bits,
    /// misaligned if its pptr is not aligned to its size, out_of_window for RAM
    /// outside the kernel window, overlap with another untyped or the slot range,
    /// capacity_exhausted, or the backend's error. Complexity: O(U). On failure, no change.
    [[nodiscard]] constexpr result<void> add_untyped(backend::slot_t slot, kernel::paddr_t paddr,
                                                     std::uint64_t size_bits, bool device) noexcept {
        const kernel::arch_traits t = arch();
        if (size_bits < t.min_untyped_bits || size_bits > t.max_untyped_bits)
            return failure(range_error(t.min_untyped_bits, t.max_untyped_bits));
        const std::uint64_t size = std::uint64_t{1} << size_bits;
        if (!is_aligned(align_source::pptr, t, paddr, static_cast<unsigned>(size_bits)))
            return failure(make_error(error_code::misaligned, paddr, size_bits));
        if (paddr > t.word_mask() || size - 1 > t.word_mask() - paddr)
            return failure(make_error(error_code::out_of_window, paddr, t.word_mask()));
        if (!device && !t.in_window(paddr, static_cast<unsigned>(size_bits)))
            return failure(make_error(error_code::out_of_window, paddr, t.paddr_top));
        for (std::size_t i = 0; i < ranges_n_; ++i)
            if (slot >= ranges_[i].first && slot - ranges_[i].first < ranges_[i].count)
                return failure(make_error(error_code::overlap, slot, ranges_[i].first));
        for (const auto& u : ut_) {
            if (u.state == detail::ustate::unused) continue;
            if (u.slot == slot) return failure(make_error(error_code::overlap, slot, u.slot));
            if (u.parent == no_index && paddr <= u.paddr + ((std::uint64_t{1} << u.size_bits) - 1) &&
                u.paddr <= paddr + (size - 1))
                return failure(make_error(error_code::overlap, paddr, u.paddr));
        }
        if (ut_free_n_ == 0) return failure(make_error(error_code::capacity_exhausted, 1, untyped_capacity));
        if (auto r = backend_->declare_untyped(slot, paddr, size_bits, device); !r) return failure(r.error());
        // Commit. A bootinfo untyped is full (freeIndex = size) with no children:
        // the first retype resets it.
        const std::uint32_t u = take_untyped();
        ut_[u] = detail::untyped_desc{.paddr = paddr,
                                      .slot = slot,
                                      .used = size,
                                      .size_bits = static_cast<std::uint8_t>(size_bits),
                                      .device = device};
        if constexpr (C.split == split_kind::watermark) {
            ut_[u].state = detail::ustate::watermark;
            reclassify(u);
        } else {
            ut_[u].state = detail::ustate::free;
            list(u);
        }
        return {};
    }

    /// `count` objects of `type` (size_bits for untyped, CNode, SchedContext)
    /// anywhere in memory of kind `mem`, in consecutive slots and consecutive
    /// memory. Error: the kernel's for the type and size (invalid_argument(0)
    /// for a type the target lacks, range_error(0, max_untyped_bits),
    /// invalid_argument(1) for a too small variable size), range_error(1, ...) for
    /// count 0, device_mismatch for a non-frame in device memory, not_enough_memory
    /// (memory_left = the largest free block of that kind) when nothing fits,
    /// capacity_exhausted for descriptors, records or slots; then the backend's,
    /// or mispredicted. On an error before the backend is called, no change.
    [[nodiscard]] constexpr result<allocation> allocate(kernel::object_type type, std::uint64_t size_bits = 0,
                                                        std::uint64_t count = 1, memory mem = memory::ram) noexcept {
        return allocate_impl(type, size_bits, count, mem, false, false, 0);
    }

    /// One object of `type` at physical address `at` (RAM or device, as `mem`
    /// says). Error: out_of_window if no untyped holds [at, at + size),
    /// device_mismatch if `mem` is not the untyped's kind, misaligned if `at` is
    /// not aligned to the object's size (in pptr space for the halving
    /// strategies; in the alignment source's space for watermark), overlap if any
    /// of it is in use (or, for watermark, behind the untyped's watermark).
    [[nodiscard]] constexpr result<allocation> allocate_at(kernel::object_type type, std::uint64_t size_bits,
                                                           kernel::paddr_t at, memory mem = memory::ram) noexcept {
        return allocate_impl(type, size_bits, 1, mem, false, true, at);
    }

    /// Physically contiguous frames of the granule covering `bytes` (a multiple
    /// of the granule): one record, one block, and ceil(n / fan_out_limit) retypes.
    /// Error: invalid_argument(0) for 0 bytes, misaligned(bytes, granule_bits)
    /// for a size that is not a multiple of the granule; then as allocate().
    [[nodiscard]] constexpr result<allocation> allocate_range(std::uint64_t bytes, memory mem = memory::ram) noexcept {
        auto n = frames_for(bytes);
        if (!n) return failure(n.error());
        return allocate_impl(granule_type, 0, *n, mem, true, false, 0);
    }

    /// As allocate_range, starting at physical address `at`.
    [[nodiscard]] constexpr result<allocation> allocate_range_at(std::uint64_t bytes, kernel::paddr_t at,
                                                                 memory mem = memory::ram) noexcept {
        auto n = frames_for(bytes);
        if (!n) return failure(n.error());
        return allocate_impl(granule_type, 0, *n, mem, true, true, at);
    }

    /// Frees one allocation (all its objects). buddy: one revoke of the block,
    /// then merges with free buddies; binary_search: one revoke; watermark: one
    /// revoke if the allocation holds every child of its untyped, otherwise one
    /// delete per cap, and the untyped is reusable once all its children are gone.
    /// Error: not_allocated (value = index, limit = generation) for an id never
    /// allocated or freed already; then the backend's. On error, no change.
    [[nodiscard]] constexpr result<void> free(allocation_id id) noexcept {
        if (id.index >= allocation_capacity || !rec_[id.index].live || rec_[id.index].generation != id.generation)
            return failure(make_error(error_code::not_allocated, id.index, id.generation));
        const detail::record& r = rec_[id.index];
        detail::untyped_desc& u = ut_[r.untyped];
        if constexpr (C.split == split_kind::watermark) {
            const std::uint64_t caps = r.count + r.pad_count;
            if (caps == u.children) {
                if (auto e = backend_->cnode_revoke(u.slot); !e) return failure(e.error());
                ++stats_.revokes;
            } else {
                // Newest first, so that a failure leaves a valid prefix; the first
                // delete is the only one that can fail on a consistent backend.
                for (std::uint64_t i = r.count; i-- > 0;) {
                    if (auto e = backend_->cnode_delete(r.slot + i); !e) return failure(e.error());
                    ++stats_.deletes;
                }
                for (std::uint64_t i = r.pad_count; i-- > 0;) {
                    if (auto e = backend_->cnode_delete(r.pad_slot + i); !e) return failure(e.error());
                    ++stats_.deletes;
                }
            }
            const std::uint32_t ui = r.untyped;
            u.children -= caps;
            release_record(id.index);
            reclassify(ui);
        } else {
            if (auto e = backend_->cnode_revoke(u.slot); !e) return failure(e.error());
            ++stats_.revokes;
            const std::uint32_t b = r.untyped;
            release_record(id.index);
            ut_[b].state = detail::ustate::free;
            ut_[b].children = 0;
            ut_[b].holder = no_index;
            if constexpr (C.split == split_kind::buddy)
                merge(b);
            else
                list(b);
        }
        return {};
    }

    /// Revokes a bootinfo untyped: every allocation in it is gone and all of it
    /// is free again. Error: unknown_object if `slot` is not a bootinfo untyped
    /// given to add_untyped; then the backend's. Complexity: O((U + A) x depth).
    [[nodiscard]] constexpr result<void> reset(backend::slot_t slot) noexcept {
        std::uint32_t root = no_index;
        for (std::uint32_t i = 0; i < untyped_capacity; ++i)
            if (ut_[i].state != detail::ustate::unused && ut_[i].parent == no_index && ut_[i].slot == slot) root = i;
        if (root == no_index) return failure(make_error(error_code::unknown_object, slot));
        if (auto e = backend_->cnode_revoke(slot); !e) return failure(e.error());
        ++stats_.revokes;
        for (std::uint32_t i = 0; i < allocation_capacity; ++i)
            if (rec_[i].live && descends(rec_[i].untyped, root)) release_record(i);
        // Halves under the root: first unlink them all (descends() walks parents),
        // then give their descriptors back.
        std::array<bool, untyped_capacity> gone{};
        for (std::uint32_t i = 0; i < untyped_capacity; ++i) {
            if (i == root || ut_[i].state == detail::ustate::unused || !descends(i, root)) continue;
            gone[i] = true;
            unlist(i);
            give_slots(ut_[i].slot, 1);
        }
        for (std::uint32_t i = 0; i < untyped_capacity; ++i)
            if (gone[i]) release_untyped(i);
        detail::untyped_desc& r = ut_[root];
        r.children = 0;
        r.lo = r.hi = r.holder = no_index;
        if constexpr (C.split == split_kind::watermark)
            reclassify(root);
        else {
            unlist(root);
            r.state = detail::ustate::free;
            list(root);
        }
        return {};
    }

    /// Bytes of kind `mem` not in any object: free blocks (halving), or
    /// 2^size_bits - watermark per untyped (watermark; gaps behind the watermark
    /// count as used, as the kernel counts them). Complexity: O(U).
    [[nodiscard]] constexpr std::uint64_t free_bytes(memory mem = memory::ram) const noexcept {
        std::uint64_t sum = 0;
        for (const auto& u : ut_) {
            if (u.device != (mem == memory::device)) continue;
            const std::uint64_t size = std::uint64_t{1} << u.size_bits;
            if (u.state == detail::ustate::free) sum += size;
            if (u.state == detail::ustate::watermark) sum += size - (u.children ? u.used : 0);
        }
        return sum;
    }

    /// The largest single object (in bytes) one allocate() of kind `mem` can get
    /// now; 0 if none. Complexity: O(W).
    [[nodiscard]] constexpr std::uint64_t largest_block(memory mem = memory::ram) const noexcept {
        const std::uint64_t m = nonempty_[mem == memory::device ? 1 : 0];
        return m ? std::uint64_t{1} << (63 - std::countl_zero(m)) : 0;
    }

    [[nodiscard]] constexpr usage stats() const noexcept {
        usage s = stats_;
        s.untypeds = untyped_capacity - ut_free_n_;
        s.allocations = allocation_capacity - rec_free_n_;
        s.objects = 0;
        for (const auto& r : rec_)
            if (r.live) s.objects += r.count;
        s.slots = slots_used_;
        return s;
    }

    /// Is `id` a live allocation?
    [[nodiscard]] constexpr bool live(allocation_id id) const noexcept {
        return id.index < allocation_capacity && rec_[id.index].live && rec_[id.index].generation == id.generation;
    }

    [[nodiscard]] constexpr snapshot_type snapshot() const noexcept {
        snapshot_type s{};
        s.untypeds = ut_;
        s.records = rec_;
        s.list_next.fill(no_index);
        for (std::uint32_t c = 0; c < detail::classes; ++c) {
            s.list_head[c] = lists_.front(c);
            for (std::uint32_t i = lists_.front(c); i != no_index; i = lists_.next(c, i))
                s.list_next[i] = lists_.next(c, i);
        }
        for (std::size_t i = 0; i < runs_n_; ++i) s.slot_runs[i] = runs_[i];
        s.slot_runs_n = runs_n_;
        s.singles = singles_;
        s.pairs = pairs_;
        s.slot_base = slot_base_;
        s.slot_count = slot_count_;
        s.slot_ranges = ranges_;
        s.slot_ranges_n = ranges_n_;
        s.stats = stats();
        return s;
    }

private:
    using untyped_desc = detail::untyped_desc;
    using ustate = detail::ustate;

    // Left uninitialised on purpose (see detail::step): only [0, n) and
    // [0, halvings_n) are written and read.
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): a fill would cost every request ~9 KiB of stores
    struct plan {
        std::array<detail::step, detail::max_steps> steps;
        std::size_t n = 0;
        std::array<detail::halving, 64> halvings;
        std::size_t halvings_n = 0;
        std::uint32_t block = no_index;          // descriptor the objects come from (before halving)
        std::array<detail::slot_take, 65> takes; // the slots the plan reserved, in order: [0, takes_n)
        std::size_t takes_n = 0;
        backend::slot_t object_slot = 0;
        backend::slot_t pad_slot = 0;
        std::uint64_t pad_count = 0;
        std::uint64_t offset = 0; // watermark: of object 0 inside the untyped
    };

    // ---- checks shared by every request ---------------------------------------------------------------

    [[nodiscard]] constexpr result<std::uint64_t> frames_for(std::uint64_t bytes) const noexcept {
        if (bytes == 0) return failure(invalid_argument(0));
        const std::uint64_t g = std::uint64_t{1} << C.granule_bits;
        if ((bytes & (g - 1)) != 0) return failure(make_error(error_code::misaligned, bytes, C.granule_bits));
        return bytes >> C.granule_bits;
    }

    /// The kernel's checks on type and size (decodeUntypedInvocation 3 to 7),
    /// then the request's own. Returns object_bits.
    [[nodiscard]] static constexpr result<unsigned> check_request(kernel::object_type type, std::uint64_t size_bits,
                                                                  std::uint64_t count, memory mem) noexcept {
        constexpr kernel::arch_traits t = arch_;
        const auto ti = static_cast<std::size_t>(type);
        if (ti >= types_.size() || !types_[ti].exists) return failure(invalid_argument(0));
        const detail::type_info& info = types_[ti];
        // The kernel's order: the range check on the object's size first (it
        // cannot overflow: size_bits < word_bits), then the variable size's minimum.
        if (size_bits >= t.word_bits) return failure(range_error(0, t.max_untyped_bits));
        const std::uint64_t bits = info.variable ? size_bits + info.add : info.bits;
        if (bits > t.max_untyped_bits) return failure(range_error(0, t.max_untyped_bits));
        if (info.variable && size_bits < info.min) return failure(invalid_argument(1));
        if (count == 0 || count > slot_capacity) return failure(range_error(1, slot_capacity));
        if (mem == memory::device && !info.device_ok)
            return failure(make_error(error_code::device_mismatch, static_cast<std::uint64_t>(type)));
        return static_cast<unsigned>(bits);
    }

    [[nodiscard]] constexpr result<allocation> allocate_impl(kernel::object_type type, std::uint64_t size_bits,
                                                             std::uint64_t count, memory mem, bool range, bool fixed,
                                                             kernel::paddr_t at) noexcept {
        auto bits = check_request(type, size_bits, count, mem);
        if (!bits) return failure(bits.error());
        if (rec_free_n_ == 0) return failure(make_error(error_code::capacity_exhausted, 1, allocation_capacity));
        plan p;
        // Plan on unchanged state. Slots are the one table touched while planning
        // (a run is reserved so the next run does not take it); every failure
        // below releases them, so the state is as before.
        const std::uint64_t slots_before = slots_used_;
        auto planned = C.split == split_kind::watermark
                           ? plan_watermark(p, type, size_bits, *bits, count, mem, fixed, at)
                           : plan_halving(p, type, size_bits, *bits, count, mem, fixed, at);
        if (!planned) {
            release_plan_slots(p);
            Ensures(slots_used_ == slots_before);
            return failure(planned.error());
        }
        const std::uint64_t retypes_before = stats_.retypes;
        if (auto e = execute(p); !e) {
            release_plan_slots(p);
            return failure(e.error());
        }
        // Commit: cannot fail.
        const std::uint32_t ri = take_record();
        detail::record& r = rec_[ri];
        r.live = true;
        r.range = range;
        r.type = type;
        r.size_bits = size_bits;
        r.object_bits = static_cast<std::uint8_t>(*bits);
        r.count = count;
        r.slot = p.object_slot;
        r.pad_slot = p.pad_slot;
        r.pad_count = p.pad_count;
        const detail::step& obj = p.steps[p.n - 1];
        r.paddr = obj.paddr;
        if constexpr (C.split == split_kind::watermark) {
            untyped_desc& u = ut_[p.block];
            u.used = p.offset + (count << *bits);
            u.children += count + p.pad_count;
            r.untyped = p.block;
            reclassify(p.block);
        } else {
            r.untyped = commit_halving(p, ri, count);
        }
        const untyped_desc& from = ut_[r.untyped];
        return allocation{allocation_id{ri, r.generation},
                          from.slot,
                          r.slot,
                          count,
                          type,
                          size_bits,
                          static_cast<std::uint8_t>(*bits),
                          r.paddr,
                          from.device,
                          static_cast<std::uint32_t>(stats_.retypes - retypes_before)};
    }

    // ---- watermark ------------------------------------------------------------------------------------

    /// Does `count` objects of 2^bits fit in u at its (predicted) watermark?
    [[nodiscard]] constexpr bool fits(std::uint32_t ui, unsigned bits, std::uint64_t count,
                                      std::uint64_t& offset) const noexcept {
        const untyped_desc& u = ut_[ui];
        if (bits > u.size_bits) return false;
        const std::uint64_t size = std::uint64_t{1} << u.size_bits;
        offset = predicted_offset(C.alignment, arch(), u.paddr, u.children ? u.used : 0, bits);
        return offset <= size && count <= ((size - offset) >> bits);
    }

    /// The largest object (bits) that fits u now; lists of watermark untyped are
    /// by this class, so a request of b bits takes the first untyped of a class >= b.
    constexpr void reclassify(std::uint32_t ui) noexcept {
        unlist(ui);
        for (unsigned b = ut_[ui].size_bits + 1; b-- > arch().min_untyped_bits;) {
            std::uint64_t off = 0;
            if (fits(ui, b, 1, off)) {
                list_as(ui, detail::class_of(ut_[ui].device, b));
                return;
            }
        }
    }

    [[nodiscard]] constexpr result<void> plan_watermark(plan& p, kernel::object_type type, std::uint64_t size_bits,
                                                        unsigned bits, std::uint64_t count, memory mem, bool fixed,
                                                        kernel::paddr_t at) noexcept {
        const kernel::arch_traits t = arch();
        const bool device = mem == memory::device;
        std::uint32_t ui = no_index;
        std::uint64_t offset = 0;
        if (!fixed) {
            for (unsigned c = first_class_from(device, bits); c < 64 && ui == no_index;
                 c = first_class_from(device, c + 1))
                for (std::uint32_t i = lists_.front(detail::class_of(device, c)); i != no_index;
                     i = lists_.next(detail::class_of(device, c), i))
                    if (fits(i, bits, count, offset)) {
                        ui = i;
                        break;
                    }
            if (ui == no_index) return failure(not_enough_memory(largest_free(device)));
        } else {
            auto root = find_root(at, bits, count, mem);
            if (!root) return failure(root.error());
            ui = *root;
            if (!is_aligned(C.alignment, t, at, bits)) return failure(make_error(error_code::misaligned, at, bits));
            const untyped_desc& u = ut_[ui];
            kernel::paddr_t cursor = u.paddr + (u.children ? u.used : 0);
            if (at < cursor) return failure(make_error(error_code::overlap, at, cursor));
            // Padding untypeds up to `at`: each the largest that the alignment
            // source says starts at the cursor and ends at or before `at`.
            std::uint64_t pads = 0;
            kernel::paddr_t c = cursor;
            while (c < at) {
                unsigned k = static_cast<unsigned>(std::bit_width(at - c) - 1);
                if (k > t.max_untyped_bits) k = t.max_untyped_bits;
                while (k > t.min_untyped_bits && !is_aligned(C.alignment, t, c, k)) --k;
                if (k < t.min_untyped_bits || !is_aligned(C.alignment, t, c, k) || pads + 1 >= detail::max_steps)
                    return failure(make_error(error_code::misaligned, c, t.min_untyped_bits));
                p.steps[p.n++] =
                    detail::step{u.slot, kernel::object_type::untyped, k, static_cast<std::uint8_t>(k), 0, 1, c};
                c += std::uint64_t{1} << k;
                ++pads;
            }
            offset = at - u.paddr;
            p.pad_count = pads;
        }
        const untyped_desc& u = ut_[ui];
        auto run = take_slots(p, p.pad_count + count);
        if (!run) return failure(run.error());
        p.pad_slot = *run;
        for (std::size_t i = 0; i < p.n; ++i) p.steps[i].dest = *run + i;
        p.object_slot = *run + p.pad_count;
        p.block = ui;
        p.offset = offset;
        p.steps[p.n++] = detail::step{u.slot,        type,  size_bits,       static_cast<std::uint8_t>(bits),
                                      p.object_slot, count, u.paddr + offset};
        return {};
    }

    // ---- buddy and binary_search ----------------------------------------------------------------------

    [[nodiscard]] constexpr result<void> plan_halving(plan& p, kernel::object_type type, std::uint64_t size_bits,
                                                      unsigned bits, std::uint64_t count, memory mem, bool fixed,
                                                      kernel::paddr_t at) noexcept {
        const kernel::arch_traits t = arch();
        const bool device = mem == memory::device;
        unsigned need = bits + detail::ceil_log2(count);
        if (need < t.min_untyped_bits) need = t.min_untyped_bits;
        if (need > t.max_untyped_bits) return failure(not_enough_memory(largest_free(device)));
        std::uint32_t bi = no_index;
        if (!fixed) {
            const unsigned c = first_class_from(device, need);
            if (c >= 64) return failure(not_enough_memory(largest_free(device)));
            bi = lists_.front(detail::class_of(device, c));
        } else {
            auto root = find_root(at, need, 1, mem);
            if (!root) return failure(root.error());
            // Every block is aligned to its size in pptr space, whatever the
            // alignment source: the kernel made it.
            if (!is_aligned(align_source::pptr, t, at, need))
                return failure(make_error(error_code::misaligned, at, need));
            bi = *root;
            while (ut_[bi].state == ustate::split) {
                const unsigned half = ut_[bi].size_bits - 1u;
                if (half < need) return failure(make_error(error_code::overlap, at, ut_[bi].paddr));
                bi = at < ut_[bi].paddr + (std::uint64_t{1} << half) ? ut_[bi].lo : ut_[bi].hi;
            }
            if (ut_[bi].state != ustate::free) return failure(make_error(error_code::overlap, at, ut_[bi].paddr));
        }
        const unsigned from = ut_[bi].size_bits;
        const std::uint64_t splits = from - need;
        if (ut_free_n_ < 2 * splits) return failure(make_error(error_code::capacity_exhausted, 2 * splits, ut_free_n_));
        // Every slot is checked for first, so that a shortage is reported whole.
        if (2 * splits + count > slot_count_ - slots_used_)
            return failure(make_error(error_code::capacity_exhausted, 2 * splits + count, slot_count_ - slots_used_));
        p.block = bi;
        backend::slot_t parent_slot = ut_[bi].slot;
        kernel::paddr_t base = ut_[bi].paddr;
        for (unsigned level = from; level > need; --level) {
            const std::uint64_t half = std::uint64_t{1} << (level - 1);
            const bool keep_hi = fixed && at >= base + half;
            auto pair = take_slots(p, 2); // lo in dest, hi in dest + 1: one retype of count 2
            if (!pair) return failure(pair.error());
            const backend::slot_t dest = *pair;
            p.halvings[p.halvings_n++] = detail::halving{dest, base, static_cast<std::uint8_t>(level - 1), keep_hi};
            p.steps[p.n++] = detail::step{
                parent_slot, kernel::object_type::untyped, level - 1, static_cast<std::uint8_t>(level - 1), dest, 2,
                base};
            parent_slot = dest + (keep_hi ? 1 : 0);
            base += keep_hi ? half : 0;
        }
        auto objects = take_slots(p, count);
        if (!objects) return failure(objects.error());
        p.object_slot = *objects;
        // The block has no children, so the kernel resets it: object 0 at offset 0.
        p.steps[p.n++] =
            detail::step{parent_slot, type, size_bits, static_cast<std::uint8_t>(bits), p.object_slot, count, base};
        return {};
    }

    /// Creates the halves' descriptors and marks the final block as holding record ri.
    [[nodiscard]] constexpr std::uint32_t commit_halving(const plan& p, std::uint32_t ri,
                                                         std::uint64_t count) noexcept {
        std::uint32_t cur = p.block;
        unlist(cur);
        for (std::size_t i = 0; i < p.halvings_n; ++i) {
            const detail::halving& h = p.halvings[i];
            const std::uint32_t lo = take_untyped();
            const std::uint32_t hi = take_untyped();
            const bool dev = ut_[cur].device;
            ut_[lo] = untyped_desc{.paddr = h.lo_paddr,
                                   .slot = h.dest,
                                   .parent = cur,
                                   .size_bits = h.bits,
                                   .device = dev,
                                   .state = ustate::free};
            ut_[hi] = untyped_desc{.paddr = h.lo_paddr + (std::uint64_t{1} << h.bits),
                                   .slot = h.dest + 1,
                                   .parent = cur,
                                   .size_bits = h.bits,
                                   .device = dev,
                                   .state = ustate::free};
            ut_[lo].used = ut_[hi].used = std::uint64_t{0};
            ut_[cur].state = ustate::split;
            ut_[cur].lo = lo;
            ut_[cur].hi = hi;
            ut_[cur].children = 2;
            ut_[cur].used = std::uint64_t{2} << h.bits;
            const std::uint32_t keep = h.keep_hi ? hi : lo;
            list(h.keep_hi ? lo : hi);
            cur = keep;
        }
        untyped_desc& b = ut_[cur];
        b.state = ustate::holding;
        b.holder = ri;
        b.children = count;
        b.used = count << rec_[ri].object_bits;
        return cur;
    }

    /// Buddy: while the block's buddy is free too, revoke their parent (deleting
    /// both halves) and continue from the parent. O(W).
    constexpr void merge(std::uint32_t b) noexcept {
        while (ut_[b].parent != no_index) {
            const std::uint32_t p = ut_[b].parent;
            const std::uint32_t sib = ut_[p].lo == b ? ut_[p].hi : ut_[p].lo;
            if (ut_[sib].state != ustate::free) break;
            if (!backend_->cnode_revoke(ut_[p].slot)) break; // the kernel refused: both halves stay free, unmerged
            ++stats_.revokes;
            unlist(sib);
            // The halves were made by one retype into dest and dest + 1.
            give_slots(ut_[ut_[p].lo].slot, 2);
            release_untyped(b);
            release_untyped(sib);
            ut_[p].state = ustate::free;
            ut_[p].children = 0;
            ut_[p].lo = ut_[p].hi = no_index;
            b = p;
        }
        list(b);
    }

    // ---- shared ---------------------------------------------------------------------------------------

    /// The bootinfo untyped that holds [at, at + count * 2^bits), of kind `mem`.
    [[nodiscard]] constexpr result<std::uint32_t> find_root(kernel::paddr_t at, unsigned bits, std::uint64_t count,
                                                            memory mem) const noexcept {
        const std::uint64_t len = count << bits;
        for (std::uint32_t i = 0; i < untyped_capacity; ++i) {
            const untyped_desc& u = ut_[i];
            if (u.state == ustate::unused || u.parent != no_index) continue;
            const std::uint64_t size = std::uint64_t{1} << u.size_bits;
            if (at < u.paddr || at - u.paddr >= size) continue;
            if (len > size - (at - u.paddr)) return failure(make_error(error_code::out_of_window, at, u.paddr + size));
            if (u.device != (mem == memory::device))
                return failure(make_error(error_code::device_mismatch, at, u.device));
            return i;
        }
        return failure(make_error(error_code::out_of_window, at));
    }

    /// Runs the plan through the backend. On a failure or a contradicted
    /// prediction, deletes what it created (newest first) and says why.
    [[nodiscard]] constexpr result<void> execute(const plan& p) noexcept {
        const std::uint64_t fan = C.target.fan_out_limit ? C.target.fan_out_limit : 1;
        for (std::size_t i = 0; i < p.n; ++i) {
            const detail::step& s = p.steps[i];
            for (std::uint64_t done = 0; done < s.count;) {
                const std::uint64_t k = s.count - done < fan ? s.count - done : fan;
                auto r =
                    backend_->untyped_retype(backend::retype_call{s.untyped, s.type, s.size_bits, s.dest + done, k});
                if (!r) {
                    undo(p, i, done);
                    return failure(r.error());
                }
                ++stats_.retypes;
                const kernel::paddr_t expected = s.paddr + (done << s.object_bits);
                if (r->paddr_known && r->paddr != expected) {
                    undo(p, i, done + k);
                    // The kernel's watermark now ends after the objects it really placed.
                    if constexpr (C.split == split_kind::watermark) {
                        ut_[p.block].used = (r->paddr - ut_[p.block].paddr) + (k << s.object_bits);
                        reclassify(p.block);
                    }
                    return failure(make_error(error_code::mispredicted, expected, r->paddr));
                }
                done += k;
            }
        }
        return {};
    }

    /// Deletes the caps of steps [0, i) and of the first `done` objects of step i.
    constexpr void undo(const plan& p, std::size_t i, std::uint64_t done) noexcept {
        for (std::uint64_t j = done; j-- > 0;) {
            (void)backend_->cnode_delete(p.steps[i].dest + j);
            ++stats_.deletes;
        }
        for (std::size_t s = i; s-- > 0;)
            for (std::uint64_t j = p.steps[s].count; j-- > 0;) {
                (void)backend_->cnode_delete(p.steps[s].dest + j);
                ++stats_.deletes;
            }
        if constexpr (C.split == split_kind::watermark) {
            // The watermark stays where the last successful retype left it.
            if (i > 0 || done > 0) {
                const detail::step& last = done > 0 ? p.steps[i] : p.steps[i - 1];
                const std::uint64_t n = done > 0 ? done : last.count;
                ut_[p.block].used = (last.paddr - ut_[p.block].paddr) + (n << last.object_bits);
                reclassify(p.block);
            }
        }
    }

    /// Gives back what the plan reserved, newest first and each to where it came
    /// from, which restores the caches and the runs exactly.
    constexpr void release_plan_slots(plan& p) noexcept {
        while (p.takes_n > 0) {
            const detail::slot_take& t = p.takes[--p.takes_n];
            if (t.cached)
                push_cached(*cache_for(t.count), t.first, t.count); // it came from there: room
            else
                free_slot_run(t.first, t.count);
        }
    }

    [[nodiscard]] constexpr std::uint64_t largest_free(bool device) const noexcept {
        std::uint64_t best = 0;
        for (const auto& u : ut_) {
            if (u.device != device) continue;
            const std::uint64_t size = std::uint64_t{1} << u.size_bits;
            const std::uint64_t f = u.state == ustate::free        ? size
                                    : u.state == ustate::watermark ? size - (u.children ? u.used : 0)
                                                                   : 0;
            if (f > best) best = f;
        }
        return best;
    }

    [[nodiscard]] constexpr bool descends(std::uint32_t i, std::uint32_t root) const noexcept {
        for (std::uint32_t p = i; p != no_index; p = ut_[p].parent)
            if (p == root) return true;
        return false;
    }

    constexpr void list(std::uint32_t ui) noexcept { list_as(ui, detail::class_of(ut_[ui].device, ut_[ui].size_bits)); }
    constexpr void list_as(std::uint32_t ui, std::uint32_t cls) noexcept {
        Expects(ut_[ui].listed == detail::no_class && cls < detail::classes);
        ut_[ui].listed = static_cast<std::uint8_t>(cls);
        lists_.push_front(cls, ui);
        nonempty_[cls / 64] |= std::uint64_t{1} << (cls % 64);
    }
    constexpr void unlist(std::uint32_t ui) noexcept {
        const std::uint32_t cls = ut_[ui].listed;
        if (cls == detail::no_class) return;
        lists_.erase(cls, ui);
        ut_[ui].listed = detail::no_class;
        if (lists_.empty(cls)) nonempty_[cls / 64] &= ~(std::uint64_t{1} << (cls % 64));
    }
    /// The first class >= bits of kind `device` with a block on its list, or 64.
    [[nodiscard]] constexpr unsigned first_class_from(bool device, unsigned bits) const noexcept {
        if (bits >= 64) return 64;
        return static_cast<unsigned>(std::countr_zero(nonempty_[device ? 1 : 0] >> bits)) + bits;
    }

    [[nodiscard]] constexpr std::uint32_t take_untyped() noexcept {
        Expects(ut_free_n_ > 0);
        return ut_free_[--ut_free_n_];
    }
    constexpr void release_untyped(std::uint32_t ui) noexcept {
        Expects(ut_[ui].listed == detail::no_class);
        ut_[ui] = untyped_desc{};
        ut_free_[ut_free_n_++] = ui;
    }
    [[nodiscard]] constexpr std::uint32_t take_record() noexcept {
        Expects(rec_free_n_ > 0);
        return rec_free_[--rec_free_n_];
    }
    constexpr void release_record(std::uint32_t ri) noexcept {
        detail::record& r = rec_[ri];
        give_slots(r.slot, r.count);
        if (r.pad_count) give_slots(r.pad_slot, r.pad_count);
        const std::uint32_t gen = r.generation + 1;
        r = detail::record{};
        r.generation = gen;
        rec_free_[rec_free_n_++] = ri;
    }

    /// The cache that holds free runs of n slots: singles (1), pairs (2), or none.
    [[nodiscard]] constexpr slot_cache* cache_for(std::uint64_t n) noexcept {
        return n == 1 ? &singles_ : n == 2 ? &pairs_ : nullptr;
    }
    constexpr void push_cached(slot_cache& c, backend::slot_t first, std::uint64_t n) noexcept {
        Expects(c.n < slot_cache_capacity);
        c.entries[c.n++] = static_cast<slot_offset>(offset_of(first));
        slots_used_ -= n;
    }

    /// n consecutive slots for plan p: a cached single or pair when n is 1 or 2
    /// and one is cached, otherwise first fit from the runs. Recorded in p.
    [[nodiscard]] constexpr result<backend::slot_t> take_slots(plan& p, std::uint64_t n) noexcept {
        Expects(p.takes_n < p.takes.size());
        slot_cache* c = cache_for(n);
        backend::slot_t first = 0;
        const bool cached = c != nullptr && c->n > 0;
        if (cached) {
            first = slot_at(c->entries[--c->n]);
            c->entries[c->n] = 0;
            slots_used_ += n;
        } else {
            auto r = take_slot_run(n);
            if (!r) {
                // Report the free slots as the caller saw them, before this plan.
                std::uint64_t reserved = 0;
                for (std::size_t i = 0; i < p.takes_n; ++i) reserved += p.takes[i].count;
                return failure(make_error(error_code::capacity_exhausted, n, slot_count_ - slots_used_ + reserved));
            }
            first = *r;
        }
        p.takes[p.takes_n++] = detail::slot_take{first, n, cached};
        return first;
    }
    /// Frees n consecutive slots: to a cache when n is 1 or 2 and it has room,
    /// otherwise to the runs.
    constexpr void give_slots(backend::slot_t first, std::uint64_t n) noexcept {
        if (slot_cache* c = cache_for(n); c != nullptr && c->n < slot_cache_capacity)
            push_cached(*c, first, n);
        else
            free_slot_run(first, n);
    }

    // Slots: the free runs of the managed range, sorted by descending first
    // slot and always coalesced (no two runs touch). Descending, so that the
    // lowest run, where first fit takes from, is the last entry: taking it whole
    // or freeing near it moves few entries.
    //
    // take: first fit from the lowest slot up, carved from the run's low end.
    //   O(1) when the lowest run is long enough (the usual case), O(R) at most
    //   (R = runs in use <= slot_run_capacity), plus O(R) moves when a run is used up.
    // free: O(log R) to find the neighbours, O(1) to extend one, or O(R) moves
    //   to insert a new run (only the runs below the freed slots move).
    [[nodiscard]] constexpr result<backend::slot_t> take_slot_run(std::uint64_t n) noexcept {
        for (std::size_t i = runs_n_; i-- > 0;) {
            slot_run& r = runs_[i];
            if (r.count < n) continue;
            const std::uint64_t first = r.first;
            if (r.count == n)
                erase_run(i);
            else {
                r.first = static_cast<slot_offset>(r.first + n);
                r.count = static_cast<slot_offset>(r.count - n);
            }
            slots_used_ += n;
            return slot_at(first);
        }
        return failure(make_error(error_code::capacity_exhausted, n, slot_count_ - slots_used_));
    }
    constexpr void free_slot_run(backend::slot_t first, std::uint64_t n) noexcept {
        const std::uint64_t off = offset_of(first);
        Expects(n > 0 && n <= slot_extent_ - off);
        // j: the first run below off (runs [0, j) lie above it).
        std::size_t lo = 0;
        std::size_t hi = runs_n_;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (runs_[mid].first > off)
                lo = mid + 1;
            else
                hi = mid;
        }
        const std::size_t j = lo;
        // Freed twice or never taken: the slots overlap a free run.
        Expects(j == runs_n_ || run_end(runs_[j]) <= off);
        Expects(j == 0 || off + n <= runs_[j - 1].first);
        const bool join_below = j < runs_n_ && run_end(runs_[j]) == off;
        const bool join_above = j > 0 && off + n == runs_[j - 1].first;
        if (join_below && join_above) {
            runs_[j].count = static_cast<slot_offset>(runs_[j].count + n + runs_[j - 1].count);
            erase_run(j - 1);
        } else if (join_below) {
            runs_[j].count = static_cast<slot_offset>(runs_[j].count + n);
        } else if (join_above) {
            runs_[j - 1].first = static_cast<slot_offset>(off);
            runs_[j - 1].count = static_cast<slot_offset>(runs_[j - 1].count + n);
        } else {
            Expects(runs_n_ < slot_run_capacity); // cannot fail: see slot_run_capacity
            for (std::size_t i = runs_n_; i > j; --i) runs_[i] = runs_[i - 1];
            runs_[j] = slot_run{static_cast<slot_offset>(off), static_cast<slot_offset>(n)};
            ++runs_n_;
        }
        slots_used_ -= n;
    }
    /// The slot at offset `off` of the ranges. Requires: off inside a range.
    /// O(1) in the first range, O(R) otherwise.
    [[nodiscard]] constexpr backend::slot_t slot_at(std::uint64_t off) const noexcept {
        for (std::size_t i = 0; i < ranges_n_; ++i) {
            const slot_range& r = ranges_[i];
            if (off >= r.offset && off - r.offset < r.count) return r.first + (off - r.offset);
        }
        Expects(false);
        return 0;
    }
    /// The offset of slot s. Requires: s inside a range. O(1) in the first range, O(R) otherwise.
    [[nodiscard]] constexpr std::uint64_t offset_of(backend::slot_t s) const noexcept {
        for (std::size_t i = 0; i < ranges_n_; ++i) {
            const slot_range& r = ranges_[i];
            if (s >= r.first && s - r.first < r.count) return r.offset + (s - r.first);
        }
        Expects(false);
        return 0;
    }
    /// One past the run's last slot offset, widened to compare with 64-bit offsets.
    [[nodiscard]] static constexpr std::uint64_t run_end(const slot_run& r) noexcept {
        return std::uint64_t{r.first} + r.count;
    }
    constexpr void erase_run(std::size_t i) noexcept {
        for (std::size_t k = i + 1; k < runs_n_; ++k) runs_[k - 1] = runs_[k];
        runs_[--runs_n_] = slot_run{};
    }

    static constexpr kernel::arch_traits arch_ = kernel::traits(C.target);
    static constexpr std::array<detail::type_info, detail::object_types> types_ = detail::type_table(C.target);

    Backend* backend_;
    std::array<untyped_desc, untyped_capacity> ut_{};
    std::array<detail::record, allocation_capacity> rec_{};
    std::array<std::uint32_t, untyped_capacity> ut_free_{};
    std::array<std::uint32_t, allocation_capacity> rec_free_{};
    std::size_t ut_free_n_ = 0;
    std::size_t rec_free_n_ = 0;
    free_list_type lists_{};
    // Bit b of nonempty_[device]: the list of class (device, b) is not empty, so
    // that the first class >= b with a block is one count of trailing zeros.
    // Derived from lists_ (not part of the snapshot).
    std::array<std::uint64_t, 2> nonempty_{};
    std::array<slot_run, slot_run_capacity> runs_{};
    std::size_t runs_n_ = 0;
    slot_cache singles_{};
    slot_cache pairs_{};
    std::array<slot_range, max_slot_ranges> ranges_{};
    std::size_t ranges_n_ = 0;
    backend::slot_t slot_base_ = 0; // ranges_[0].first
    std::uint64_t slot_count_ = 0;  // slots in all ranges
    std::uint64_t slot_extent_ = 0; // offsets in use: the ranges and the one-offset gaps between them
    std::uint64_t slots_used_ = 0;
    usage stats_{};
};

/// The option-pack surface: allocator<Backend, target<...>, split<buddy>, ...>.
template <backend::backend Backend, class... Options>
using allocator = basic_allocator<make_allocator_config<Options...>(), Backend>;

} // namespace retype
