// add_slots more than once (issue 11): each range disjoint from the earlier
// ones and from every untyped's slot, all of them bounded by max_slots, and
// their slots handed out as usual. Constant expressions, checked again at run
// time for the sanitizers.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

using namespace retype;
using namespace retype::objects;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<32, 256>;
using alloc_t =
    allocator<model_t, target<x86>, split<strategy::watermark>, max_untypeds<8>, max_slots<10>, max_allocations<16>>;

// Two ranges, [100, 104) and [200, 204): watermark endpoints take one slot
// each, lowest first: 100..103 from the first range, then 200..203, then the
// table is empty (8 slots, 0 free).
constexpr bool two_ranges_hand_out_all_slots() {
    model_t m(x86);
    alloc_t a(m);
    if (!a.add_slots(100, 4) || !a.add_slots(200, 4) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    const backend::slot_t expect[] = {100, 101, 102, 103, 200, 201, 202, 203};
    for (backend::slot_t s : expect) {
        auto e = a.allocate(endpoint());
        if (!e || e->slot != s || !m.occupied(s)) return false;
    }
    auto full = a.allocate(endpoint());
    return !full && full.error() == make_error(error_code::slots_exhausted, 1, 0);
}
static_assert(two_ranges_hand_out_all_slots());

// Consecutive slots never straddle two ranges: 3 endpoints need 3 consecutive
// slots; [100, 102) and [102, 104) hold 4, but each range only 2.
constexpr bool a_run_stays_in_its_range() {
    model_t m(x86);
    alloc_t a(m);
    if (!a.add_slots(100, 2) || !a.add_slots(102, 2) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    auto three = a.allocate(endpoint(3));
    return !three && three.error() == make_error(error_code::slots_exhausted, 3, 4) && a.allocate(endpoint(2));
}
static_assert(a_run_stays_in_its_range());

// The rules, each on unchanged state.
constexpr bool bad_ranges_change_nothing() {
    model_t m(x86);
    alloc_t a(m);
    if (!a.add_slots(100, 4) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    const auto before = a.snapshot();
    if (a.add_slots(102, 2).error() != make_error(error_code::overlap, 102, 100)) return false; // inside
    if (a.add_slots(98, 3).error() != make_error(error_code::overlap, 98, 100)) return false;   // across its start
    if (a.add_slots(0, 5).error() != make_error(error_code::overlap, 1, 0)) return false;       // the untyped's slot
    if (a.add_slots(200, 7).error() != range_error(1, 6)) return false;                         // 4 + 7 > max_slots 10
    if (a.add_slots(200, 0).error() != range_error(1, 6)) return false;                         // empty
    if (a.add_slots(252, 6).error() != make_error(error_code::cspace_too_small, 256, 255)) return false;
    if (!(a.snapshot() == before)) return false;
    // An untyped in a slot of a later range is refused too.
    if (!a.add_slots(10, 2)) return false;
    return a.add_untyped(11, 0x200000, 16, false).error() == make_error(error_code::overlap, 11, 11);
}
static_assert(bad_ranges_change_nothing());

// At most 16 ranges by default (max_slot_ranges<16>: a root CNode and 15 made
// later): the 17th is slot_ranges_exhausted (value 1, limit 16). Other
// capacities: capacities.test.cpp.
constexpr bool nine_ranges() {
    model_t m(x86);
    allocator<model_t, target<x86>, split<strategy::watermark>, max_untypeds<8>, max_slots<20>, max_allocations<16>> a(
        m);
    for (backend::slot_t i = 0; i < 16; ++i)
        if (!a.add_slots(100 + 2 * i, 1)) return false;
    return a.add_slots(150, 1).error() == make_error(error_code::slot_ranges_exhausted, 1, 16);
}
static_assert(nine_ranges());

// Freed slots of the second range go back to it (a buddy halving's pairs too).
constexpr bool frees_return_to_their_range() {
    model_t m(x86);
    allocator<model_t, target<x86>, split<strategy::buddy>, max_untypeds<8>, max_slots<10>> a(m);
    // 2^13 -> a 4 KiB frame: one halving (a pair) and the frame. The pair
    // takes the first range [100, 102) whole, so the frame takes 200.
    if (!a.add_slots(100, 2) || !a.add_slots(200, 3) || !a.add_untyped(1, 0x100000, 13, false)) return false;
    auto f = a.allocate(frames(object_type::frame_4k));
    if (!f || f->slot != 200 || !m.occupied(100) || !m.occupied(101)) return false;
    if (!a.free(f->id) || a.stats().slots != 0 || m.occupied(200)) return false;
    auto g = a.allocate(frames(object_type::frame_4k)); // the same slots again, from the caches
    return g && g->slot == 200;
}
static_assert(frees_return_to_their_range());

TEST(SlotRanges, TwoRangesHandOutAllSlots) { EXPECT_TRUE(two_ranges_hand_out_all_slots()); }
TEST(SlotRanges, ARunStaysInItsRange) { EXPECT_TRUE(a_run_stays_in_its_range()); }
TEST(SlotRanges, BadRangesChangeNothing) { EXPECT_TRUE(bad_ranges_change_nothing()); }
TEST(SlotRanges, NineRanges) { EXPECT_TRUE(nine_ranges()); }
TEST(SlotRanges, FreesReturnToTheirRange) { EXPECT_TRUE(frees_return_to_their_range()); }

} // namespace
