// The allocator's slots are free runs, not a bitmap: one run for a whole range,
// coalesced on free, and a table whose size does not depend on max_slots; in
// front of them, two 16-entry LIFO caches of freed single slots and pairs.
// Expected slots are worked out by hand from the buddy's halving order.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<32, 128>;
using alloc_t = allocator<model_t, target<x86>, split<buddy>, free_list<array>, max_untypeds<32>, max_slots<10>,
                          max_allocations<4>>;

// Slots 100..109 (10), one 64 KiB untyped at 0x100000 in slot 1.
// Frame 1 (2^12) halves 16 -> 12: four retypes into 100|101, 102|103, 104|105,
//   106|107 (keeping lo each time), then the frame in 108: slots 100..108
//   (the caches are empty, so every take comes from the runs).
// Frame 2 takes the free 2^12 buddy (slot 107, 0x101000) with no halving: slot 109.
// Every slot is now used; an endpoint (2^4) would halve the free 2^13 block at
// 0x102000 nine times: 2 x 9 + 1 = 19 slots, 0 free -> slots_exhausted(19, 0).
// Free frame 1: slot 108 goes to the singles cache (offset 8); no run.
// Free frame 2: slot 109 to the singles cache too; its buddy (106) is free, so
// they merge up to the root, and each merged pair goes to the pairs cache:
// 106|107, 104|105, 102|103, 100|101 -> offsets 6, 4, 2, 0. Still no run.
// Frame 3 halves 16 -> 12 again: its pairs come off the pairs cache, newest
// first (100, 102, 104, 106), and the frame takes slot 109, the newest single.
constexpr bool runs_scenario() {
    model_t m(x86);
    alloc_t a(m);
    if (!a.add_slots(100, 10) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    auto s0 = a.snapshot();
    if (s0.slot_runs_n != 1 || !(s0.slot_runs[0] == alloc_t::slot_run{0, 10})) return false;
    auto f1 = a.allocate(object_type::frame_4k);
    auto f2 = a.allocate(object_type::frame_4k);
    if (!f1 || !f2 || f1->slot != 108 || f2->slot != 109 || f2->untyped != 107) return false;
    if (f1->paddr != 0x100000 || f2->paddr != 0x101000 || a.stats().slots != 10) return false;
    if (a.snapshot().slot_runs_n != 0) return false;
    const auto before = a.snapshot();
    const model_t mb = m;
    auto ep = a.allocate(object_type::endpoint);
    if (ep || ep.error() != make_error(error_code::slots_exhausted, 19, 0)) return false;
    if (!(a.snapshot() == before) || !(m == mb)) return false;
    if (!a.free(f1->id)) return false;
    auto s1 = a.snapshot();
    if (s1.slot_runs_n != 0 || s1.singles.n != 1 || s1.singles.entries[0] != 108 || s1.pairs.n != 0) return false;
    if (!a.free(f2->id)) return false;
    auto s2 = a.snapshot();
    if (s2.slot_runs_n != 0 || s2.singles.n != 2 || s2.singles.entries[1] != 109 || s2.pairs.n != 4) return false;
    if (s2.pairs.entries[0] != 106 || s2.pairs.entries[1] != 104 || s2.pairs.entries[2] != 102 ||
        s2.pairs.entries[3] != 100)
        return false;
    if (a.stats().slots != 0 || a.free_bytes() != 0x10000) return false;
    auto f3 = a.allocate(object_type::frame_4k);
    if (!f3 || f3->slot != 109 || f3->paddr != 0x100000 || f3->untyped != 106) return false;
    auto s3 = a.snapshot();
    return s3.pairs.n == 0 && s3.singles.n == 1 && s3.singles.entries[0] == 108 && a.stats().slots == 9;
}
static_assert(runs_scenario());

// Runs in the middle, with allocations of 3 frames (3 slots: never cached).
// Three 16 KiB untypeds, three frames each (no halving: 14 bits hold 3 x 2^12):
// slots 100..102, 103..105, 106..108. Freeing the middle one leaves runs
// {3, 3} and {9, 1} (stored highest first); freeing the first joins {0, 6};
// first fit, lowest first, gives 100 again; freeing all joins {0, 10}.
constexpr bool middle_scenario() {
    model_t m(x86);
    alloc_t a(m);
    if (!a.add_slots(100, 10)) return false;
    for (std::uint64_t i = 0; i < 3; ++i)
        if (!a.add_untyped(1 + i, 0x200000 + 0x4000 * i, 14, false)) return false;
    allocation f[3]{};
    for (auto& x : f) {
        auto r = a.allocate(object_type::frame_4k, 0, 3);
        if (!r) return false;
        x = *r;
    }
    if (f[0].slot != 100 || f[1].slot != 103 || f[2].slot != 106) return false;
    if (!a.free(f[1].id)) return false;
    auto s = a.snapshot();
    if (s.slot_runs_n != 2 || !(s.slot_runs[0] == alloc_t::slot_run{9, 1}) ||
        !(s.slot_runs[1] == alloc_t::slot_run{3, 3}))
        return false;
    if (!a.free(f[0].id)) return false;
    s = a.snapshot();
    if (s.slot_runs_n != 2 || !(s.slot_runs[1] == alloc_t::slot_run{0, 6})) return false;
    auto g = a.allocate(object_type::frame_4k, 0, 3);
    if (!g || g->slot != 100 || !a.free(g->id)) return false;
    if (!a.free(f[2].id)) return false;
    s = a.snapshot();
    return s.slot_runs_n == 1 && s.slot_runs[0] == alloc_t::slot_run{0, 10} && s.singles.n == 0 && s.pairs.n == 0;
}
static_assert(middle_scenario());

// The caches are bounded (K = slot_cache_capacity entries each): K + 4 frames
// from K + 4 separate 4 KiB untypeds take slots 100 .. 100 + K + 3; freed in
// that order, the first K fill the singles cache and the last 4 (offsets K ..
// K + 3) go to the runs, coalesced into {K, 4}. A new frame takes the newest
// cached single (offset K - 1, slot 100 + K - 1).
using many_model_t = backend::model<128, 256>;
constexpr std::uint64_t cache_k = 32;
constexpr std::uint64_t many_n = cache_k + 4;
using many_t = allocator<many_model_t, target<x86>, split<buddy>, free_list<array>, max_untypeds<64>, max_slots<many_n>,
                         max_allocations<many_n + 4>>;
static_assert(many_t::slot_cache_capacity == cache_k);
constexpr bool overflow_scenario() {
    many_model_t m(x86);
    many_t a(m);
    if (!a.add_slots(100, many_n)) return false;
    for (std::uint64_t i = 0; i < many_n; ++i)
        if (!a.add_untyped(1 + i, 0x300000 + 0x1000 * i, 12, false)) return false;
    allocation f[many_n]{};
    for (std::uint64_t i = 0; i < many_n; ++i) {
        auto r = a.allocate(object_type::frame_4k);
        if (!r || r->slot != 100 + i) return false;
        f[i] = *r;
    }
    for (auto& x : f)
        if (!a.free(x.id)) return false;
    auto s = a.snapshot();
    if (s.singles.n != cache_k || s.slot_runs_n != 1) return false;
    if (!(s.slot_runs[0] == many_t::slot_run{cache_k, 4}) || a.stats().slots != 0) return false;
    auto g = a.allocate(object_type::frame_4k);
    return g && g->slot == 100 + cache_k - 1;
}
static_assert(overflow_scenario());

// A plan that fails after taking some slots gives them back where they came
// from. One 64 KiB untyped, 10 slots: frame 1 (as in runs_scenario) takes
// 100..108; freeing it caches single 8 and pairs 6, 4, 2, 0 (all merge: its
// buddies are free). Then 3 frames in one allocation (need 2^14: two halvings)
// pass the total check (10 free) and take two pairs from the cache, but no run
// holds 3 consecutive slots (only slot 109 is in a run): slots_exhausted(3
// slots in one run, 10 free before the call), and the snapshot is as before,
// cache order included.
constexpr bool restore_scenario() {
    model_t m(x86);
    alloc_t a(m);
    if (!a.add_slots(100, 10) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    auto f1 = a.allocate(object_type::frame_4k);
    if (!f1 || !a.free(f1->id)) return false;
    const auto before = a.snapshot();
    if (before.pairs.n != 4 || before.singles.n != 1 || before.slot_runs_n != 1) return false;
    const model_t mb = m;
    auto r = a.allocate(object_type::frame_4k, 0, 3);
    if (r || r.error() != make_error(error_code::slots_exhausted, 3, 10)) return false;
    return a.snapshot() == before && m == mb;
}
static_assert(restore_scenario());

// The metadata does not grow with the slots managed: the same allocator for
// 10 slots and for 2^30 slots.
using wide_t = allocator<model_t, target<x86>, split<buddy>, free_list<array>, max_untypeds<32>,
                         max_slots<std::size_t{1} << 30>, max_allocations<4>>;
static_assert(sizeof(wide_t) == sizeof(alloc_t));
} // namespace

TEST(SlotRuns, BuddyHalvesAndMergesRunAtRunTimeToo) { EXPECT_TRUE(runs_scenario()); }
TEST(SlotRuns, MiddleRunsCoalesceAtRunTimeToo) { EXPECT_TRUE(middle_scenario()); }
TEST(SlotRuns, CachesOverflowToRunsAtRunTimeToo) { EXPECT_TRUE(overflow_scenario()); }
TEST(SlotRuns, FailedPlanRestoresCachesAtRunTimeToo) { EXPECT_TRUE(restore_scenario()); }
