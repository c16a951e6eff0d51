// add_slots with several ranges (the CSpace beyond one CNode; the range rules
// themselves are in slot_ranges.test.cpp): freed slots of two ranges whose slot
// numbers touch never coalesce into one run, since a retype's destinations are
// consecutive slots of one CNode. Then issue 11's case on the kernel model: a
// 2 GiB guest at 4 KiB (2^19 frame caps) with a root range of 2^16 slots and
// four more ranges of 2^17 (CNodes the allocator made from its own untypeds).
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
    EXPECT_EQ(six.error().code, error_code::slots_exhausted);
}

// ---- 2 GiB at 4 KiB on the model --------------------------------------------
// aarch64: the root range is the root CNode's 2^16 slots above its first 256
// (the initial caps); four CNodes of 2^17 slots (4 MiB each) are allocated
// from the allocator itself, and their slots (numbered 2^17 x (i + 1) in the
// model) added as four more ranges. The guest is four allocate_range calls of
// 512 MiB = 2^17 frames each: 2^19 frame caps, each call in one CNode.
constexpr kernel::config arm{.target = kernel::arch::aarch64};
constexpr std::uint64_t root_slots = std::uint64_t{1} << 16;
constexpr std::uint64_t cnode_slots = std::uint64_t{1} << 17;
using big_model = backend::model<4096, 5 * (std::size_t{1} << 17)>;
using guest_alloc = allocator<big_model, target<arm>, split<buddy>, granule<12>, free_list<array>, max_untypeds<128>,
                              max_allocations<16>, max_slots<5 * (std::size_t{1} << 17)>>;

TEST(slot_windows, a_2_GiB_guest_at_4_KiB_fits_with_a_2_16_slot_root_cnode) {
    auto m = std::make_unique<big_model>(arm);
    auto a = std::make_unique<guest_alloc>(*m);
    // Bootinfo: 2 GiB at 0x80000000 and 1 GiB at 0x40000000, in slots 0 and 1.
    ASSERT_TRUE(a->add_untyped(0, 0x80000000, 31, false));
    ASSERT_TRUE(a->add_untyped(1, 0x40000000, 30, false));
    ASSERT_TRUE(a->add_slots(256, root_slots - 256));
    // Four CNodes of 2^17 slots, in one retype: 2^(17 + 5) = 4 MiB each.
    auto cnodes = a->allocate(object_type::cnode, 17, 4);
    ASSERT_TRUE(cnodes);
    for (std::uint64_t i = 1; i <= 4; ++i) ASSERT_TRUE(a->add_slots(i * cnode_slots, cnode_slots)) << i;
    // 2^19 frames in all, 2^17 per call.
    std::uint64_t frames = 0;
    for (int i = 0; i < 4; ++i) {
        auto g = a->allocate_range(std::uint64_t{512} << 20);
        ASSERT_TRUE(g) << i << ": " << name(g.error().code) << " value=" << g.error().value
                       << " limit=" << g.error().limit;
        EXPECT_EQ(g->count, cnode_slots);
        // The whole of one CNode: the root range is too short for 2^17 consecutive slots.
        EXPECT_EQ(g->slot % cnode_slots, 0u);
        EXPECT_GE(g->slot, cnode_slots);
        for (std::uint64_t f = 0; f < g->count; f += 4099)
            EXPECT_EQ(m->paddr(g->slot + f), g->paddr + (f << 12)) << "frame " << f << " of call " << i;
        frames += g->count;
    }
    EXPECT_EQ(frames, std::uint64_t{1} << 19);
    EXPECT_EQ(a->stats().objects, (std::uint64_t{1} << 19) + 4);
}

} // namespace
