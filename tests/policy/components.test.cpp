// The allocator's parts on their own (allocator/*.hpp): the slot manager, the
// descriptor table, the record table, the reservation table, the executor and
// the stranded-slot table,
// each driven directly, in constant expressions (checked again at run time).
#include <retype/allocator/executor.hpp>
#include <retype/allocator/record_table.hpp>
#include <retype/allocator/reservation_table.hpp>
#include <retype/allocator/slot_manager.hpp>
#include <retype/allocator/stranded.hpp>
#include <retype/allocator/untyped_table.hpp>
#include <retype/invariant.hpp>
#include <retype/policy/array_free_list.hpp>

#include <gtest/gtest.h>

#include <array>

using namespace retype;

// The test builds (Debug: no NDEBUG) check retype's internal invariants
// (RETYPE_INVARIANT), so a broken invariant fails a test instead of going
// unnoticed; release builds compile them out (include/retype/invariant.hpp).
#if !defined(NDEBUG)
static_assert(RETYPE_CHECK_INVARIANTS == 1);
#endif

namespace {
// Reservations [0x10000, 0x20000) and [0x30000, 0x33000) of root 0 at base 0
// (1 MiB). blocking: a range that meets one and is not held by it names it;
// limit: where memory above an offset stops (the lowest base of a reservation
// ending above it); a stale id after release is not live.
constexpr bool reservation_table_blocks_and_limits() {
    reservation_table<8> t;
    const reservation_id a = t.take(t.free_entry(), 0x10000, 0x10000, false, 0);
    const std::uint32_t second = t.free_entry();
    const reservation_id b = t.take(second, 0x30000, 0x3000, false, 0);
    if (!t.live(a) || !t.live(b) || second != 1) return false;
    if (t.blocking(0x8000, 0x10000, false, 0, 0) != 0) return false;              // meets [0x10000, ...)
    if (t.blocking(0x8000, 0x8000, false, 0, 0) != no_index) return false;        // ends at 0x10000: no
    if (t.blocking(0x10000, 0x2000, true, 0, 0) != no_index) return false;        // device: another kind
    if (t.blocking(0, 0x12000, false, 0x11000, 0x1000) != no_index) return false; // held by the first
    if (t.blocking(0, 0x32000, false, 0x11000, 0x1000) != 1) return false;        // but the path meets the second
    if (t.limit(0, 0, 0, 0x100000) != 0x10000) return false;                      // from the base: the first
    if (t.limit(0, 0, 0x20000, 0x100000) != 0x30000) return false;                // past the first: the second
    if (t.limit(0, 0, 0x33000, 0x100000) != 0x100000) return false;               // past both: the untyped's end
    if (t.limit(1, 0, 0, 0x100000) != 0x100000) return false;                     // another root: none
    t.release(a.index);
    if (t.live(a) || t.free_entry() != 0) return false;
    t.release_root(0);
    return !t.live(b);
}
static_assert(reservation_table_blocks_and_limits());
TEST(Components, ReservationTable) { EXPECT_TRUE(reservation_table_blocks_and_limits()); }

using slots_t = slot_manager<16, 8, 2, 2>; // 16 slots, 8 runs (+2 ranges), caches of 2, 2 ranges

// Two ranges [10, 14) and [20, 24): offsets 0..3 and 4..7. Takes are first fit
// from the lowest offset; a run never joins across the range boundary; singles
// go to their cache until it is full (2), then to the runs.
constexpr bool slot_manager_takes_and_gives() {
    slots_t s;
    if (!s.add_range(10, 4) || !s.add_range(20, 4)) return false;
    if (s.add_range(12, 1).error() != make_error(error_code::overlap, 12, 10)) return false;
    if (s.add_range(30, 1).error() != make_error(error_code::slot_ranges_exhausted, 1, 2)) return false;
    detail::slot_take t{};
    if (!s.take(3, t) || t.first != 10 || t.cached) return false;  // offsets 0..2
    if (!s.take(2, t) || t.first != 20) return false;              // 13 alone cannot hold a pair
    if (s.take(3, t)) return false;                                // runs left: 13, 22..23
    s.give(10, 1);                                                 // to the singles cache
    if (!s.take(1, t) || t.first != 10 || !t.cached) return false; // back from it
    s.restore(t);                                                  // undone: cached again
    if (s.singles().n != 1 || s.used() != 4) return false;
    s.give(11, 1); // the cache's second entry
    s.give(12, 1); // cache full: to the runs, joins 13
    return s.runs_in_use() == 2 && s.runs()[1] == slots_t::run{2, 2} && s.used() == 2;
}
static_assert(slot_manager_takes_and_gives());

// take_single is take(1): the same slot, the same source and the same state
// (no_slot for none)
// after, from the cache, from a lowest run longer than one slot (its inline
// case), from a lowest run of one slot (the search), and with none left.
// Two managers take side by side, one by each, after the same history:
// ranges [10, 14) and [20, 24), a pair and a single taken, the single given
// back (cached), then a slot from each run.
constexpr bool take_single_is_take_1() {
    slots_t a;
    slots_t b;
    for (slots_t* s : {&a, &b}) {
        if (!s->add_range(10, 4) || !s->add_range(20, 4)) return false;
        detail::slot_take t{};
        if (!s->take(2, t) || !s->take(1, t)) return false; // 10, 11; then 12
        s->give(12, 1);                                     // cached
    }
    // Cache (12), lowest run 13 of one slot (search: it is taken whole), run 20..23 (inline), ... none.
    for (int k = 0; k < 7; ++k) {
        detail::slot_take x{};
        const bool ok_a = a.take(1, x);
        bool cached = false;
        const backend::slot_t y = b.take_single(cached);
        const bool ok_b = y != slots_t::no_slot;
        if (ok_a != ok_b) return false;
        if (ok_a && (x.first != y || x.count != 1 || x.cached != cached)) return false;
        if (a.used() != b.used() || a.runs_in_use() != b.runs_in_use() || !(a.singles() == b.singles())) return false;
        for (std::size_t i = 0; i < a.runs_in_use(); ++i)
            if (!(a.runs()[i] == b.runs()[i])) return false;
        if (k == 0 && (!ok_a || x.first != 12 || !x.cached)) return false;
        if (k == 1 && (!ok_a || x.first != 13 || x.cached)) return false;
        if (k == 2 && (!ok_a || x.first != 20 || x.cached)) return false;
        if (k == 6 && ok_a) return false; // 10 .. 13 and 20 .. 23 all taken
    }
    return true;
}
static_assert(take_single_is_take_1());
TEST(Components, TakeSingleIsTakeOne) { EXPECT_TRUE(take_single_is_take_1()); }

// Descriptors: take/release from the free-index stack; the class mask finds
// the first listed class at or above a size; find_root says which error.
constexpr bool untyped_table_lists_and_finds() {
    untyped_table<4, array_free_list<4, detail::classes>> ut;
    const std::uint32_t a = ut.take();
    const std::uint32_t b = ut.take();
    ut[a] = detail::untyped_desc{.paddr = 0x100000, .slot = 1, .size_bits = 16, .state = detail::ustate::free};
    ut[b] = detail::untyped_desc{.paddr = 0x200000, .slot = 2, .size_bits = 20, .state = detail::ustate::free};
    ut.list(a);
    ut.list(b);
    if (ut.first_class_from(false, 12) != 16 || ut.first_class_from(false, 17) != 20) return false;
    if (ut.first_class_from(false, 21) < 64 || ut.last_class(false) != 20 || ut.last_class(true) != 64) return false;
    ut.unlist(a);
    if (ut.first_class_from(false, 12) != 20) return false;
    if (ut.find_root(0x300000, 12, 1, false).error() != make_error(error_code::not_in_untyped, 0x300000)) return false;
    if (ut.find_root(0x10f000, 13, 1, false).error() != make_error(error_code::spans_untypeds, 0x10f000, 0x110000))
        return false;
    if (ut.find_root(0x200000, 12, 1, true).error() != make_error(error_code::device_mismatch, 0x200000, 0))
        return false;
    if (*ut.find_root(0x201000, 12, 1, false) != b || ut.root_of(2) != b) return false;
    ut.release(a);
    return ut.available() == 3 && ut.free_bytes(false) == std::uint64_t{1} << 20;
}
static_assert(untyped_table_lists_and_finds());

// Records: a released record's generation grows, so its old id is not live.
constexpr bool record_table_generations() {
    record_table<2> rt;
    const std::uint32_t i = rt.take();
    rt[i].count = 3;
    const allocation_id id{i, rt[i].generation};
    if (!rt.live(id) || rt.objects() != 3 || rt.available() != 1) return false;
    rt.release(i);
    return !rt.live(id) && rt[i].generation == 1 && rt.available() == 2;
}
static_assert(record_table_generations());

// The executor: a step of 5 objects with fan-out 2 is three calls (2, 2, 1),
// continuing the watermark; a refused third call undoes the first four caps,
// newest first; a delete refused twice is recorded as stranded.
struct scripted {
    std::array<backend::retype_call, 8> calls{};
    std::size_t n = 0;
    std::size_t fail_call = 99; // this call (0-based) fails
    std::array<backend::slot_t, 8> deleted{};
    std::size_t d = 0;
    backend::slot_t refuse = 0; // deletes of this slot are refused
    constexpr result<void> declare_untyped(backend::slot_t, kernel::paddr_t, std::uint64_t, bool) { return {}; }
    constexpr result<backend::retype_report> untyped_retype(const backend::retype_call& c) {
        if (n == fail_call) return failure(not_enough_memory(0));
        calls[n++] = c;
        return backend::retype_report{};
    }
    constexpr result<void> cnode_delete(backend::slot_t s) {
        if (s == refuse) return failure(error{.code = error_code::delete_first});
        deleted[d++] = s;
        return {};
    }
    constexpr result<void> cnode_revoke(backend::slot_t) { return {}; }
};
// Filled in place: a plan is never copied (its tables are left uninitialised).
constexpr void five_endpoints(call_plan& p) {
    p.steps[0] = detail::step{1, kernel::object_type::endpoint, 0, 4, 100, 5, 0x1000};
    p.n = 1;
}
constexpr bool executor_batches_and_undoes() {
    scripted b;
    usage u{};
    call_plan p;
    five_endpoints(p);
    if (!executor<scripted>::execute(b, p, u, 2) || b.n != 3 || u.retypes != 3) return false;
    if (b.calls[1].dest != 102 || b.calls[1].count != 2 || b.calls[2].dest != 104 || b.calls[2].count != 1)
        return false;
    scripted f{.fail_call = 2, .refuse = 102};
    usage v{};
    call_plan q;
    five_endpoints(q);
    if (executor<scripted>::execute(f, q, v, 2).error() != not_enough_memory(0)) return false;
    // Made 100..103; deleted 103, 101, 100 (102 refused twice: stranded).
    return f.d == 3 && f.deleted[0] == 103 && f.deleted[1] == 101 && f.deleted[2] == 100 && q.stranded_n == 1 &&
           q.stranded[0] == 102 && q.stop_step == 0 && q.stop_done == 4 && v.deletes == 3;
}
static_assert(executor_batches_and_undoes());

// Stranded slots: the plan's take [100, 104) goes back except 102, which is
// kept until its root is released.
constexpr bool stranded_keeps_and_releases() {
    slot_manager<8, 8> s;
    if (!s.add_range(100, 8)) return false;
    call_plan p;
    p.takes_n = 1;
    if (!s.take(4, p.takes[0])) return false;
    p.stranded[0] = 102;
    p.stranded_n = 1;
    p.stranded_overflow = false;
    stranded_slots<slot_manager<8, 8>> kept;
    usage u{};
    kept.keep(p, 7, s, u);
    if (u.stranded != 1 || s.used() != 1 || p.takes_n != 0) return false;
    kept.release(3, s, u); // another root: nothing
    if (s.used() != 1) return false;
    kept.release(7, s, u);
    return u.stranded == 0 && s.used() == 0;
}
static_assert(stranded_keeps_and_releases());

TEST(Components, SlotManager) { EXPECT_TRUE(slot_manager_takes_and_gives()); }
TEST(Components, UntypedTable) { EXPECT_TRUE(untyped_table_lists_and_finds()); }
TEST(Components, RecordTable) { EXPECT_TRUE(record_table_generations()); }
TEST(Components, Executor) { EXPECT_TRUE(executor_batches_and_undoes()); }
TEST(Components, StrandedSlots) { EXPECT_TRUE(stranded_keeps_and_releases()); }

} // namespace
