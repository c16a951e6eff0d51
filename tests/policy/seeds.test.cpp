// The seed scenarios through the allocator. Expected numbers come from the
// kernel's rules, worked out by hand in the comments.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <memory>

using namespace retype;
using kernel::arch;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = arch::x86_64};
using model_t = backend::model<64, 256>;

template <class Split, class Align = align_on::pptr>
using alloc_t = allocator<model_t, target<x86>, split<Split>, Align, max_untypeds<128>, max_slots<128>,
                          free_list<array>>;

// Seed 002: a 0x2000 untyped; CNode of 0x400 (radix 5: 2^5 slots of 2^5 B),
// CNode of 0x800 (radix 6), a 4 KiB frame, then another 0x400 CNode.
// Watermark: 0x0, 0x800 (gap 0x400..0x800), 0x1000, then 0 bytes left.
// Buddy: the 0x2000 block halves to 0x1000 | 0x1000, 0x800 | 0x800, 0x400 | 0x400:
// the first CNode at 0x0, the 0x800 CNode at 0x800, the frame at 0x1000, the last
// CNode in the free 0x400 buddy at 0x400.
template <class Split>
void gap_scenario(bool expect_fourth) {
    model_t m(x86);
    alloc_t<Split> a(m);
    ASSERT_TRUE(a.add_slots(16, 100));
    ASSERT_TRUE(a.add_untyped(1, 0x400000, 13, false));
    auto c1 = a.allocate(object_type::cnode, 5);
    auto c2 = a.allocate(object_type::cnode, 6);
    auto f = a.allocate(object_type::frame_4k);
    ASSERT_TRUE(c1 && c2 && f);
    EXPECT_EQ(c1->paddr, 0x400000u);
    EXPECT_EQ(c2->paddr, 0x400800u);
    EXPECT_EQ(f->paddr, 0x401000u);
    const auto before = a.snapshot();
    const model_t mbefore = m;
    auto c3 = a.allocate(object_type::cnode, 5);
    if (expect_fourth) {
        ASSERT_TRUE(c3);
        EXPECT_EQ(c3->paddr, 0x400400u);
        EXPECT_EQ(m.paddr(c3->slot), 0x400400u);
    } else {
        ASSERT_FALSE(c3);
        EXPECT_EQ(c3.error(), not_enough_memory(0));
        EXPECT_EQ(a.snapshot(), before);
        EXPECT_TRUE(m == mbefore);
    }
}
} // namespace

TEST(SeedGap002, WatermarkFailsTheFourthObject) { gap_scenario<watermark>(false); }
TEST(SeedGap002, BuddySucceeds) { gap_scenario<buddy>(true); }
TEST(SeedGap002, BinarySearchSucceeds) { gap_scenario<binary_search>(true); }
