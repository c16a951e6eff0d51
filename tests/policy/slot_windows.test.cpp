// add_slots with several ranges (the CSpace beyond one CNode): disjoint ranges
// are taken, an overlapping one, one over an untyped's slot, one beyond
// max_slots or beyond the range table gets its error and changes nothing, and
// a request's consecutive slots never span two ranges. Then issue 11's case on
// the kernel model: a 2 GiB guest at 4 KiB (2^19 frame caps) with a root range
// of 2^16 slots and eight more ranges of 2^16 (CNodes the allocator made).
// Expected slots are worked out by hand from first fit over the ranges in the
// order they were given.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <memory>

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<64, 1024>;
using alloc_t = allocator<model_t, target<x86>, split<watermark>, free_list<array>, max_untypeds<8>, max_slots<16>,
                          max_allocations<8>>;
// Constant-evaluated tests get types of their own (tests/backend/bootinfo.test.cpp
// says why: g++ 12 and a shared initial value).
using cmodel_t = backend::model<64, 1000>;
using calloc_t = allocator<cmodel_t, target<x86>, split<watermark>, free_list<array>, max_untypeds<8>, max_slots<16>,
                           max_allocations<8>>;

// Two ranges of 3 slots: [100, 103) and [200, 203); one 64 KiB untyped in slot 1.
// Watermark: no halvings, every allocation's slots are its objects'.
constexpr bool two_ranges() {
    cmodel_t m(x86);
    calloc_t a(m);
    if (!a.add_slots(100, 3) || !a.add_slots(200, 3) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    const auto s = a.snapshot();
    // Offsets: [0, 3) for the first range, one unused offset, [4, 7) for the second.
    if (s.slot_ranges_n != 2 || s.slot_count != 6) return false;
    if (!(s.slot_ranges[1] == calloc_t::slot_range{200, 3, 4})) return false;
    // Four endpoints in consecutive slots: 4 > 3, no range has them although 6 are free.
    const auto before = a.snapshot();
    auto four = a.allocate(object_type::endpoint, 0, 4);
    if (four || four.error().code != error_code::capacity_exhausted) return false;
    if (!(a.snapshot() == before)) return false;
    // Two in the first range (100, 101), then three: the first range has one
    // left, so the second range (200..202).
    auto two = a.allocate(object_type::endpoint, 0, 2);
    auto three = a.allocate(object_type::endpoint, 0, 3);
    if (!two || !three || two->slot != 100 || three->slot != 200) return false;
    // The last free slot: 102.
    auto one = a.allocate(object_type::endpoint);
    if (!one || one->slot != 102) return false;
    return a.stats().slots == 6;
}
static_assert(two_ranges());

TEST(slot_windows, bad_ranges_change_nothing) {
    model_t m(x86);
    alloc_t a(m);
    ASSERT_TRUE(a.add_slots(100, 4));
    ASSERT_TRUE(a.add_untyped(50, 0x100000, 16, false));
    const auto before = a.snapshot();
    // Overlapping the first range at either end, or inside it.
    EXPECT_EQ(a.add_slots(98, 3).error(), make_error(error_code::overlap, 98, 100));
    EXPECT_EQ(a.add_slots(103, 10).error(), make_error(error_code::overlap, 103, 100));
    EXPECT_EQ(a.add_slots(101, 1).error(), make_error(error_code::overlap, 101, 100));
    // Over the untyped's slot 50.
    EXPECT_EQ(a.add_slots(40, 20).error(), make_error(error_code::overlap, 50, 40));
    // 16 - 4 = 12 slots of room: 13 is too many; 0 is none.
    EXPECT_EQ(a.add_slots(300, 13).error(), range_error(1, 12));
    EXPECT_EQ(a.add_slots(300, 0).error(), range_error(1, 12));
    // Wrapping past 2^64.
    EXPECT_EQ(a.add_slots(~std::uint64_t{0} - 1, 3).error().code, error_code::range_error);
    EXPECT_TRUE(a.snapshot() == before);
    // An untyped in a later range's slot is refused as before.
    ASSERT_TRUE(a.add_slots(300, 12));
    EXPECT_EQ(a.add_untyped(305, 0x200000, 16, false).error(), make_error(error_code::overlap, 305, 300));
}

TEST(slot_windows, the_range_table_has_max_slot_ranges_entries) {
    using many_t = allocator<model_t, target<x86>, split<watermark>, free_list<array>, max_untypeds<8>, max_slots<1000>,
                             max_allocations<8>>;
    model_t m(x86);
    many_t a(m);
    for (std::size_t i = 0; i < many_t::max_slot_ranges; ++i) ASSERT_TRUE(a.add_slots(100 + 10 * i, 2)) << i;
    const auto before = a.snapshot();
    EXPECT_EQ(a.add_slots(900, 2).error(),
              make_error(error_code::capacity_exhausted, many_t::max_slot_ranges + 1, many_t::max_slot_ranges));
    EXPECT_TRUE(a.snapshot() == before);
}

TEST(slot_windows, freed_slots_coalesce_inside_a_range_only) {
    model_t m(x86);
    alloc_t a(m);
    ASSERT_TRUE(a.add_slots(100, 3));
    ASSERT_TRUE(a.add_slots(103, 3)); // adjacent slot numbers, a separate range (another CNode)
    ASSERT_TRUE(a.add_untyped(1, 0x100000, 16, false));
    auto x = a.allocate(object_type::endpoint, 0, 3);
    auto y = a.allocate(object_type::endpoint, 0, 3);
    ASSERT_TRUE(x && y);
    EXPECT_EQ(x->slot, 100u);
    EXPECT_EQ(y->slot, 103u);
    ASSERT_TRUE(a.free(x->id));
    ASSERT_TRUE(a.free(y->id));
    // Two runs of 3 (offsets 0 and 4), not one of 6: six consecutive slots span two CNodes.
    const auto s = a.snapshot();
    EXPECT_EQ(s.slot_runs_n, 2u);
    auto six = a.allocate(object_type::endpoint, 0, 6);
    ASSERT_FALSE(six);
    EXPECT_EQ(six.error().code, error_code::capacity_exhausted);
}

// ---- 2 GiB at 4 KiB on the model --------------------------------------------
// aarch64: the root range is the root CNode's 2^16 slots above its first 256
// (the initial caps); eight CNodes of 2^16 slots (2 MiB each) are allocated
// from the allocator itself, and their slots (numbered 2^16 x (i + 1) in the
// model) added as eight more ranges. The guest is eight allocate_range calls of
// 256 MiB = 2^16 frames each: 2^19 frame caps, each call in one CNode.
constexpr kernel::config arm{.target = kernel::arch::aarch64};
constexpr std::uint64_t cnode_slots = std::uint64_t{1} << 16;
using big_model = backend::model<4096, 9 * (std::size_t{1} << 16)>;
using guest_alloc = allocator<big_model, target<arm>, split<buddy>, granule<12>, free_list<array>, max_untypeds<128>,
                              max_allocations<16>, max_slots<9 * (std::size_t{1} << 16)>>;

TEST(slot_windows, a_2_GiB_guest_at_4_KiB_fits_with_a_2_16_slot_root_cnode) {
    auto m = std::make_unique<big_model>(arm);
    auto a = std::make_unique<guest_alloc>(*m);
    // Bootinfo: 2 GiB at 0x80000000 and 1 GiB at 0x40000000, in slots 0 and 1.
    ASSERT_TRUE(a->add_untyped(0, 0x80000000, 31, false));
    ASSERT_TRUE(a->add_untyped(1, 0x40000000, 30, false));
    ASSERT_TRUE(a->add_slots(256, cnode_slots - 256));
    // Eight CNodes of 2^16 slots, in one retype: 2^(16 + 5) = 2 MiB each.
    auto cnodes = a->allocate(object_type::cnode, 16, 8);
    ASSERT_TRUE(cnodes);
    for (std::uint64_t i = 1; i <= 8; ++i) ASSERT_TRUE(a->add_slots(i * cnode_slots, cnode_slots)) << i;
    // 2^19 frames in all, 2^16 per call.
    std::uint64_t frames = 0;
    for (int i = 0; i < 8; ++i) {
        auto g = a->allocate_range(std::uint64_t{256} << 20);
        ASSERT_TRUE(g) << i << ": " << name(g.error().code) << " value=" << g.error().value
                       << " limit=" << g.error().limit;
        EXPECT_EQ(g->count, cnode_slots);
        // The whole of one CNode: the root range is too short for 2^16 consecutive slots.
        EXPECT_EQ(g->slot % cnode_slots, 0u);
        EXPECT_GE(g->slot, cnode_slots);
        for (std::uint64_t f = 0; f < g->count; f += 4099)
            EXPECT_EQ(m->paddr(g->slot + f), g->paddr + (f << 12)) << "frame " << f << " of call " << i;
        frames += g->count;
    }
    EXPECT_EQ(frames, std::uint64_t{1} << 19);
    EXPECT_EQ(a->stats().objects, (std::uint64_t{1} << 19) + 8);
}

} // namespace
