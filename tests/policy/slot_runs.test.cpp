// The allocator's slots are free runs, not a bitmap: one run for a whole range,
// coalesced on free, and a table whose size does not depend on max_slots.
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
//   106|107 (keeping lo each time), then the frame in 108: slots 100..108.
// Frame 2 takes the free 2^12 buddy (slot 107, 0x101000) with no halving: slot 109.
// Every slot is now used; an endpoint (2^4) would halve the free 2^13 block at
// 0x102000 nine times: 2 x 9 + 1 = 19 slots, 0 free -> capacity_exhausted(19, 0).
// Free frame 1: slot 108 alone is free, offset 8 -> one run {8, 1}.
// Free frame 2: its buddy (106) is free, so they merge up to the root; every
// half's pair goes back, and the runs coalesce into {0, 10}.
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
    if (ep || ep.error() != make_error(error_code::capacity_exhausted, 19, 0)) return false;
    if (!(a.snapshot() == before) || !(m == mb)) return false;
    if (!a.free(f1->id)) return false;
    auto s1 = a.snapshot();
    if (s1.slot_runs_n != 1 || !(s1.slot_runs[0] == alloc_t::slot_run{8, 1})) return false;
    if (!a.free(f2->id)) return false;
    auto s2 = a.snapshot();
    return s2.slot_runs_n == 1 && s2.slot_runs[0] == alloc_t::slot_run{0, 10} && a.stats().slots == 0 &&
           a.free_bytes() == 0x10000;
}
static_assert(runs_scenario());

// Runs in the middle: three frames from three separate 4 KiB untypeds (no
// halving: one slot each, 100, 101, 102). Freeing the middle one leaves runs
// {1, 1} and {3, 7} (stored highest first); freeing the first joins {0, 2};
// freeing the last joins everything into {0, 10}.
constexpr bool middle_scenario() {
    model_t m(x86);
    alloc_t a(m);
    if (!a.add_slots(100, 10)) return false;
    for (std::uint64_t i = 0; i < 3; ++i)
        if (!a.add_untyped(1 + i, 0x200000 + 0x1000 * i, 12, false)) return false;
    allocation f[3]{};
    for (auto& x : f) {
        auto r = a.allocate(object_type::frame_4k);
        if (!r) return false;
        x = *r;
    }
    if (f[0].slot != 100 || f[1].slot != 101 || f[2].slot != 102) return false;
    if (!a.free(f[1].id)) return false;
    auto s = a.snapshot();
    if (s.slot_runs_n != 2 || !(s.slot_runs[0] == alloc_t::slot_run{3, 7}) ||
        !(s.slot_runs[1] == alloc_t::slot_run{1, 1}))
        return false;
    if (!a.free(f[0].id)) return false;
    s = a.snapshot();
    if (s.slot_runs_n != 2 || !(s.slot_runs[1] == alloc_t::slot_run{0, 2})) return false;
    // First fit, lowest first: a new frame takes slot 100 again.
    auto g = a.allocate(object_type::frame_4k);
    if (!g || g->slot != 100 || !a.free(g->id)) return false;
    if (!a.free(f[2].id)) return false;
    s = a.snapshot();
    return s.slot_runs_n == 1 && s.slot_runs[0] == alloc_t::slot_run{0, 10};
}
static_assert(middle_scenario());

// The metadata does not grow with the slots managed: the same allocator for
// 10 slots and for 2^30 slots.
using wide_t = allocator<model_t, target<x86>, split<buddy>, free_list<array>, max_untypeds<32>,
                         max_slots<std::size_t{1} << 30>, max_allocations<4>>;
static_assert(sizeof(wide_t) == sizeof(alloc_t));
} // namespace

TEST(SlotRuns, BuddyHalvesAndMergesRunAtRunTimeToo) { EXPECT_TRUE(runs_scenario()); }
TEST(SlotRuns, MiddleRunsCoalesceAtRunTimeToo) { EXPECT_TRUE(middle_scenario()); }
