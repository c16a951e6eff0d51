// retype: the policy-based allocator of seL4 untyped memory.
//
//   using A = retype::allocator<Backend, retype::target<retype::kernel::configs::aarch64>,
//                               retype::split<retype::strategy::buddy>, retype::granule<21>>;
//
// Options come in any order (policy/options.hpp). basic_allocator composes:
//   - a split strategy (policy/split/: watermark, buddy, binary_search, or a
//     user's class modelling split_strategy_for) that plans and keeps its books;
//   - an alignment source (policy/alignment_source.hpp);
//   - the untyped descriptor table (allocator/untyped_table.hpp), the record
//     table (allocator/record_table.hpp) and the slot manager
//     (allocator/slot_manager.hpp), sized by the capacities: no heap, ever;
//   - the reserved ranges (allocator/reservation_table.hpp, reserve()), sized
//     by max_reservations;
//   - the executor (allocator/executor.hpp) that runs a plan and undoes it.
// Its operations on ranges (allocator/range_ops.hpp) and on what bootinfo
// hands over (allocator/bootinfo_ops.hpp) are components of their own; the
// members of those names forward to them. The snapshot is allocator/snapshot.hpp.
//
// Every mutating operation is check-then-commit: it plans every kernel call on
// unchanged state (a bad input returns its error here, and nothing changed), then
// runs the calls through the backend, then commits its own bookkeeping, which
// cannot fail. The one thing the plan cannot know is whether the backend agrees:
// - the backend fails a call (a real kernel with state the allocator was not told
//   about): the calls already made are undone (their caps deleted, newest first),
//   the allocator's tables are as before, and the backend's error is returned;
// - the backend reports object 0 at another paddr than predicted: the same
//   undo, and error_code::mispredicted with value = predicted, limit = actual.
//   (With an alignment source that is not the kernel's rule, the allocator
//   checks its plan against the kernel's rule first, so this is reported
//   before any call.) The watermark copy follows the kernel's.
// - the backend refuses a delete of that undo (twice): the cap stays, so its
//   slot stays out of use (usage::stranded) until its root untyped is reset,
//   and the error is undo_incomplete (argument = the code of the first error).
// In every case the allocator and the kernel again describe the same objects.
//
// Complexity per operation (U = max_untypeds, A = max_allocations, W = word bits,
// n = objects in the request, F = fan_out_limit, R = max_reservations,
// G = max_slot_ranges): the strategy's plan (see its header) + O(n/F) retypes +
// slot takes (O(1) usually, see slot_manager.hpp);
// free: the strategy's + O(1) slot gives; reset: O((U + A) x depth);
// queries: O(W) or O(U). Nothing grows with the bytes managed, and the
// object's size does not grow with max_slots.
#pragma once

#include <retype/allocator/bootinfo_ops.hpp>
#include <retype/allocator/checks.hpp>
#include <retype/allocator/executor.hpp>
#include <retype/allocator/fast_path.hpp>
#include <retype/allocator/planned_path.hpp>
#include <retype/allocator/range_ops.hpp>
#include <retype/allocator/record_table.hpp>
#include <retype/allocator/request.hpp>
#include <retype/allocator/reservation_table.hpp>
#include <retype/allocator/slot_manager.hpp>
#include <retype/allocator/snapshot.hpp>
#include <retype/allocator/stranded.hpp>
#include <retype/allocator/types.hpp>
#include <retype/allocator/untyped_table.hpp>
#include <retype/backend/concept.hpp>
#include <retype/invariant.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/policy/array_free_list.hpp>
// Boost.Intrusive only where its headers are: free_list<array> (the default) needs none.
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
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace retype {

/// The composed allocator. Backend is held by reference: the allocator's size is
/// its metadata alone, and one backend (one CSpace) can be inspected by tests.
/// Options is the canonical option pack (allocator_options, in policy/options.hpp):
/// template arguments that are types, so a diagnostic names them.
template <backend::backend Backend, class Options>
class basic_allocator {
    static_assert(is_allocator_options<Options>,
                  "retype: basic_allocator<Backend, Options>: Options is not allocator_options<...> (use "
                  "allocator<Backend, options...>)");
    /// The configuration the options write, under the short name the members use.
    static constexpr allocator_config C = Options::config;
    using Strategy = typename Options::strategy_type;
    using Align = typename Options::alignment_type;

    static_assert(C.has_target, "retype: target<cfg> is required (cfg: a constexpr kernel::config, e.g. "
                                "kernel::configs::x86_64; the architecture sizes everything)");
    static_assert(frame_of_bits(C.target, C.granule_bits).has_value(),
                  "retype: granule<bits> is not a page size of the target architecture");
    static_assert(C.max_untypeds >= 1 && C.max_untypeds < no_index, "retype: max_untypeds out of range");
    static_assert(C.max_slots >= 1, "retype: max_slots must be at least 1");
    static_assert(C.max_allocations < no_index, "retype: max_allocations out of range");
    static_assert(C.max_slot_ranges >= 1, "retype: max_slot_ranges must be at least 1");
    static_assert(C.max_reservations >= 1, "retype: max_reservations must be at least 1");
    static_assert(C.max_reservations < no_index, "retype: max_reservations out of range (reservation_id's index)");
    static_assert(alignment_source<Align>, "retype: align<A>: A does not model alignment_source");
    static_assert(RETYPE_HAS_INTRUSIVE_FREE_LIST || C.free_list == free_list_kind::array,
                  "retype: free_list<intrusive> needs Boost.Intrusive's headers; without Boost use free_list<array> "
                  "(the default)");

public:
    using options_type = Options;
    static constexpr allocator_config config = C;
    using strategy_type = Strategy;
    using backend_type = Backend;
    using alignment_type = Align;
    static constexpr std::size_t untyped_capacity = C.max_untypeds;
    static constexpr std::size_t allocation_capacity = C.max_allocations ? C.max_allocations : C.max_untypeds;
    static constexpr std::size_t slot_capacity = C.max_slots;
    static constexpr std::size_t slot_range_capacity = C.max_slot_ranges;
    static constexpr std::size_t reservation_capacity = C.max_reservations;
    /// Freed single slots and pairs go first to two small LIFO caches.
    static constexpr std::size_t slot_cache_capacity = 32;
    /// Free slot runs that can exist at once. Every used slot belongs to one
    /// owner whose slots are consecutive: a record (its objects, after its
    /// paddings), a half's descriptor (one slot), a cached entry, or a stranded
    /// slot. Free runs are the gaps between owners (and range ends), so there
    /// are at most owners + 1 of them (+ one per range: the slot manager adds
    /// those): the table never runs out, whatever max_slots is.
    static constexpr std::size_t slot_run_capacity =
        untyped_capacity + allocation_capacity + 1 + 2 * slot_cache_capacity + detail::stranded_capacity;
    static constexpr kernel::object_type granule_type = *frame_of_bits(C.target, C.granule_bits);

    using free_list_type =
        std::conditional_t<C.free_list == free_list_kind::array, array_free_list<untyped_capacity, detail::classes>,
                           intrusive_free_list<untyped_capacity, detail::classes>>;
    using slot_manager_type = slot_manager<slot_capacity, slot_run_capacity, slot_cache_capacity, slot_range_capacity>;
    using reservation_table_type = reservation_table<reservation_capacity>;
    using slot_offset = typename slot_manager_type::offset;
    using slot_run = typename slot_manager_type::run;
    using slot_cache = typename slot_manager_type::cache;
    using checks = request_checks<Options, slot_capacity>;

    /// Everything a strategy works on (see split_strategy_for).
    struct state_type {
        static constexpr kernel::arch_traits arch = kernel::traits(C.target);
        using align = Align;
        Backend* backend;
        untyped_table<untyped_capacity, free_list_type> ut{};
        record_table<allocation_capacity> rec{};
        slot_manager_type slots{};
        reservation_table_type resv{};
        usage stats{};

        /// n consecutive slots for plan p, recorded in it. Error: slots_exhausted
        /// (value = n, limit = free slots as the caller saw them, before this plan).
        [[nodiscard]] constexpr result<backend::slot_t> take_slots(call_plan& p, std::uint64_t n) noexcept {
            RETYPE_INVARIANT(p.takes_n < p.takes.size());
            detail::slot_take& t = p.takes[p.takes_n];
            if (!slots.take(n, t)) {
                std::uint64_t reserved = 0;
                for (std::size_t i = 0; i < p.takes_n; ++i) reserved += p.takes[i].count;
                return failure(make_error(error_code::slots_exhausted, n, slots.available() + reserved));
            }
            ++p.takes_n;
            return t.first;
        }
        /// Gives record ri's slots back and frees the record.
        constexpr void release_record(std::uint32_t ri) noexcept {
            const detail::record& r = rec[ri];
            if (r.count == 1)
                slots.give_single(r.slot); // the usual case, inline
            else if (r.count)
                slots.give(r.slot, r.count);
            // A strategy that declares it never pads (pads = false) has pad_count 0 in every record.
            if constexpr (!requires { requires !Strategy::pads; })
                if (r.pad_count) slots.give(r.pad_slot, r.pad_count);
            rec.release(ri);
        }
    };
    static_assert(split_strategy_for<Strategy, state_type>,
                  "retype: split<S>: S does not model split_strategy_for (see docs/concepts.md)");

    /// The full state, comparable: what tests compare before and after a call.
    using snapshot_type =
        allocator_snapshot<untyped_capacity, allocation_capacity, slot_manager_type, reservation_table_type>;

    constexpr explicit basic_allocator(Backend& b) noexcept : st_{&b} {}

    [[nodiscard]] constexpr Backend& backend() noexcept { return *st_.backend; }
    [[nodiscard]] constexpr const Backend& backend() const noexcept { return *st_.backend; }
    [[nodiscard]] static constexpr kernel::arch_traits arch() noexcept { return state_type::arch; }

    /// A range of empty slots (seL4_BootInfo.empty, or a CNode the root task
    /// made later): may be called up to max_slot_ranges times (16 by default)
    /// with disjoint ranges, of at most max_slots in all. Error: range_error(1,
    /// slots left) for a count of 0 or above what is left; overlap (value =
    /// first, limit = the other range's first, or the untyped's slot) with an
    /// earlier range or an untyped's slot; slot_ranges_exhausted (value 1, limit
    /// = max_slot_ranges); cspace_too_small (value = the first slot, limit = the
    /// backend's last) when the backend says it cannot hold the range.
    /// Complexity: O(U + G). On failure, no change.
    [[nodiscard]] constexpr result<void> add_slots(backend::slot_t first, std::uint64_t count) noexcept {
        return detail::bootinfo_ops::add_slots(*this, first, count);
    }

    /// One untyped of bootinfo (seL4_BootInfo.untypedList[i] in slot
    /// untyped.start + i). Error: range_error(min, max) for size_bits,
    /// misaligned if its pptr is not aligned to its size,
    /// outside_address_space (limit = the word's top) or outside_kernel_window
    /// (RAM; limit = paddr_top), overlap with another untyped or a slot range,
    /// untypeds_exhausted (value 1, limit 0), or the backend's. Complexity: O(U).
    /// On failure, no change.
    [[nodiscard]] constexpr result<void> add_untyped(backend::slot_t slot, kernel::paddr_t paddr,
                                                     std::uint64_t size_bits, bool device) noexcept {
        return detail::bootinfo_ops::add_untyped(*this, slot, paddr, size_bits, device);
    }

    /// The request (request.hpp): count objects of its type, in consecutive
    /// slots and consecutive memory, anywhere or at req.paddr. Error: the
    /// kernel's for the type and size (invalid_argument(0) for a type the
    /// target lacks, range_error(0, max_untyped_bits), invalid_argument(1) for
    /// a too small variable size or a size_bits on a fixed-size type),
    /// range_error(1, fan_out_limit) for count 0 (the kernel's range: larger
    /// counts are batched), slots_exhausted for a count above max_slots,
    /// invalid_argument(2) for a count above 1 at a paddr, device_mismatch for
    /// a non-frame in device memory, records_exhausted, then the strategy's
    /// (not_enough_memory with memory_left = the largest free block of that
    /// kind; not_in_untyped, spans_untypeds, misaligned, overlap at a paddr;
    /// untypeds_exhausted, slots_exhausted), mispredicted; then the backend's.
    /// On an error before the backend is called, no change.
    [[nodiscard]] constexpr result<allocation> allocate(const request& r) noexcept {
        if (checks::fixed_size(r.type) && r.size_bits != 0) return failure(invalid_argument(1));
        if (r.paddr && r.count != 1) return failure(invalid_argument(2));
        return detail::fast_path::request(*this, r.type, r.size_bits, r.count, r.mem, r.paddr.has_value(),
                                          r.paddr.value_or(0));
    }

    /// `count` objects of `type` (size_bits for untyped, CNode, SchedContext)
    /// anywhere in memory of kind `mem`. As allocate(request), except that a
    /// size_bits on a fixed-size type is ignored (as the kernel ignores it).
    [[nodiscard]] constexpr result<allocation> allocate(kernel::object_type type, std::uint64_t size_bits = 0,
                                                        std::uint64_t count = 1, memory mem = memory::ram) noexcept {
        return detail::fast_path::request(*this, type, size_bits, count, mem, false, 0);
    }

    /// One object of `type` at physical address `at` (RAM or device, as `mem`
    /// says). Error: not_in_untyped if no untyped holds `at`, spans_untypeds if
    /// the object runs past its untyped, device_mismatch if `mem` is not the
    /// untyped's kind, misaligned if `at` is not aligned to the object's size
    /// (in pptr space for the halving strategies; in the alignment source's
    /// space for watermark), overlap if any of it is in use (or, for watermark,
    /// behind the untyped's watermark).
    [[nodiscard]] constexpr result<allocation> allocate_at(kernel::object_type type, std::uint64_t size_bits,
                                                           kernel::paddr_t at, memory mem = memory::ram) noexcept {
        return detail::fast_path::request(*this, type, size_bits, 1, mem, true, at);
    }

    /// Physically contiguous frames of the granule covering `bytes` (a multiple
    /// of the granule): one record, one block, and ceil(n / fan_out_limit) retypes.
    /// Error: invalid_argument(0) for 0 bytes, misaligned(bytes, granule_bits)
    /// for a size that is not a multiple of the granule; then as allocate().
    [[nodiscard]] constexpr result<allocation> allocate_range(std::uint64_t bytes, memory mem = memory::ram) noexcept {
        auto n = checks::frames_for(bytes);
        if (!n) return failure(n.error());
        return detail::planned_path::allocate(*this, granule_type, 0, *n, mem, true, false, 0);
    }

    /// As allocate_range, starting at physical address `at`.
    [[nodiscard]] constexpr result<allocation> allocate_range_at(std::uint64_t bytes, kernel::paddr_t at,
                                                                 memory mem = memory::ram) noexcept {
        auto n = checks::frames_for(bytes);
        if (!n) return failure(n.error());
        return detail::planned_path::allocate(*this, granule_type, 0, *n, mem, true, true, at);
    }

    /// The most untypeds one allocate_range_across spans (each part plans on
    /// the stack: about 10 KiB per part).
    static constexpr std::size_t max_range_parts = 4;

    /// Physically contiguous frames of the granule covering `bytes` from `at`,
    /// across adjacent untypeds (guest RAM over two bootinfo untypeds): one
    /// allocation per untyped, written to out[0, n), lowest first; returns n.
    /// Every part is planned before any call, and a failure undoes every part:
    /// check-then-commit for the request as a whole. Error: as
    /// allocate_range_at for each part; not_in_untyped (value = the first
    /// paddr no untyped holds) for a gap; spans_untypeds (value = at, limit =
    /// where the parts ran out) for more than max_range_parts untypeds;
    /// invalid_argument(2) when out has fewer entries than parts;
    /// records_exhausted, untypeds_exhausted for all parts together.
    [[nodiscard]] constexpr result<std::size_t> allocate_range_across(std::uint64_t bytes, kernel::paddr_t at,
                                                                      std::span<allocation> out,
                                                                      memory mem = memory::ram) noexcept {
        return detail::range_ops::allocate_range_across(*this, bytes, at, out, mem);
    }

    /// Does the strategy reserve (reserving_strategy_for)? A user's strategy may not.
    static constexpr bool can_reserve = reserving_strategy_for<Strategy, state_type>;

    /// Keeps [at, at + bytes) out of every request that is not placed inside
    /// it, until unreserve; allocate_at, allocate_range_at and
    /// allocate_range_across inside it take its memory. Reserved memory is not
    /// in free_bytes() for the halving strategies (their blocks are off the
    /// free lists), and is for watermark (the kernel's count). Error:
    /// invalid_argument(0) for 0 bytes; misaligned(bytes, granule_bits) or
    /// misaligned(at, granule_bits) off the granule; not_in_untyped,
    /// spans_untypeds, device_mismatch as allocate_at; reserved (value = at,
    /// limit = the other's base) if it meets another reservation;
    /// reservations_exhausted (value 1, limit = max_reservations); unsupported
    /// for a strategy that does not reserve; then the strategy's: watermark
    /// overlap (limit = the watermark's paddr) below the watermark; halving misaligned(bytes,
    /// ceil log2) for a range that is not one block, misaligned(at, bits) for
    /// one not aligned to its size in pptr space, overlap with any block in
    /// use, untypeds_exhausted, slots_exhausted for the halvings; then the
    /// backend's. Complexity: O(U + R) + the halvings (halving strategies: one
    /// retype per halving, no objects; watermark: no call). On failure, no change.
    [[nodiscard]] constexpr result<reservation_id> reserve(std::uint64_t bytes, kernel::paddr_t at,
                                                           memory mem = memory::ram) noexcept {
        return detail::range_ops::reserve(*this, bytes, at, mem);
    }

    /// Ends a reservation: its memory not in an allocation is free again
    /// (buddy: merged), and what is allocated inside it is freed as any other
    /// allocation. Error: not_allocated (value = index, limit = generation) for
    /// an id never reserved or unreserved already. Complexity: O(U x W).
    [[nodiscard]] constexpr result<void> unreserve(reservation_id id) noexcept {
        return detail::range_ops::unreserve(*this, id);
    }

    /// Is `id` a live reservation?
    [[nodiscard]] constexpr bool live(reservation_id id) const noexcept { return st_.resv.live(id); }

    /// Frees one allocation (all its objects), as the strategy frees
    /// (buddy: one revoke, then merges; binary_search: one revoke; watermark:
    /// one revoke or one delete per cap). Error: not_allocated (value = index,
    /// limit = generation) for an id never allocated or freed already; then
    /// the backend's (no change; watermark: the caps still there stay in the
    /// allocation, so a later free finishes it).
    [[nodiscard]] constexpr result<void> free(allocation_id id) noexcept {
        if (!st_.rec.live(id)) return failure(make_error(error_code::not_allocated, id.index, id.generation));
        return strategy_.free(st_, id.index);
    }

    /// Revokes a bootinfo untyped: every allocation and reservation in it is
    /// gone, all of it is free again, and slots stranded under it are usable again. Error:
    /// unknown_object if `slot` is not a bootinfo untyped given to
    /// add_untyped; then the backend's. Complexity: O((U + A) x depth).
    [[nodiscard]] constexpr result<void> reset(backend::slot_t slot) noexcept {
        return detail::bootinfo_ops::reset(*this, slot);
    }

    /// Bytes of kind `mem` not in any object: free blocks (halving), or
    /// 2^size_bits - watermark per untyped (watermark; gaps behind the watermark
    /// count as used, as the kernel counts them). Complexity: O(U).
    [[nodiscard]] constexpr std::uint64_t free_bytes(memory mem = memory::ram) const noexcept {
        return st_.ut.free_bytes(mem == memory::device);
    }

    /// The largest single object (in bytes) one allocate() of kind `mem` can get
    /// now; 0 if none. Complexity: O(1).
    [[nodiscard]] constexpr std::uint64_t largest_block(memory mem = memory::ram) const noexcept {
        const unsigned c = st_.ut.last_class(mem == memory::device);
        return c < 64 ? std::uint64_t{1} << c : 0;
    }

    [[nodiscard]] constexpr usage stats() const noexcept {
        usage s = st_.stats;
        s.untypeds = st_.ut.in_use();
        s.allocations = st_.rec.in_use();
        s.objects = st_.rec.objects();
        s.slots = st_.slots.used();
        return s;
    }

    /// Is `id` a live allocation?
    [[nodiscard]] constexpr bool live(allocation_id id) const noexcept { return st_.rec.live(id); }

    [[nodiscard]] constexpr snapshot_type snapshot() const noexcept { return snapshot_type::of(st_, stats()); }

private:
    friend struct detail::range_ops;    // allocate_range_across, reserve, unreserve (allocator/range_ops.hpp)
    friend struct detail::bootinfo_ops; // add_slots, add_untyped, reset (allocator/bootinfo_ops.hpp)
    friend struct detail::fast_path;    // one object from an exact-size block (allocator/fast_path.hpp)
    friend struct detail::planned_path; // every other request (allocator/planned_path.hpp)

    state_type st_;
    [[no_unique_address]] Strategy strategy_{};
    stranded_slots<slot_manager_type> stranded_{};
};

/// The option-pack surface: allocator<Backend, target<...>, split<buddy>, ...>.
template <backend::backend Backend, class... Options>
using allocator = basic_allocator<Backend, canonical_options<Options...>>;

/// The default composition holds nothing that needs destroying, so a `static`
/// allocator in a freestanding root task needs no __cxa_atexit or __dso_handle.
static_assert(std::is_trivially_destructible_v<allocator<backend::null_backend, target<kernel::configs::x86_64>>>);

} // namespace retype
