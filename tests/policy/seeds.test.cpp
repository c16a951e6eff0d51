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
using alloc_t =
    allocator<model_t, target<x86>, split<Split>, Align, max_untypeds<128>, max_slots<128>, free_list<array>>;

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

// Seed 003 on x86_64: the bootinfo device untyped 0x8000000000/46 has pptr 0
// (PPTR_BASE_OFFSET = 2^64 - 2^39 wraps it). A 4 KiB device frame is asked for
// at 0xe0000000000.
namespace {
using model3_t = backend::model<160, 256>;
template <class Split, class Align>
using alloc3_t =
    allocator<model3_t, target<x86>, split<Split>, Align, max_untypeds<128>, max_slots<200>, free_list<intrusive>>;
constexpr kernel::paddr_t dev_base = 0x8000000000ULL;
constexpr kernel::paddr_t dev_target = 0xe0000000000ULL;

template <class Split, class Align>
result<allocation> high_device_frame(model3_t& m, std::unique_ptr<alloc3_t<Split, Align>>& a) {
    a = std::make_unique<alloc3_t<Split, Align>>(m);
    EXPECT_TRUE(a->add_slots(16, 200));
    EXPECT_TRUE(a->add_untyped(1, dev_base, 46, true));
    return a->allocate_at(object_type::frame_4k, 0, dev_target, memory::device);
}
} // namespace

TEST(SeedHighDevice003, PhysicalAlignmentMispredictsAndSaysSo) {
    // The initialiser's padding by physical alignment, from the cursor
    // 0x8000000000 (2^39) to 0xe0000000000: each pad the largest that is
    // paddr-aligned and ends at or before the target: 2^39 (to 2^40), 2^40 (to
    // 2^41), 2^41 (to 2^42), 2^42 (to 2^43), 2^42 (to 0xc0000000000), 2^41 (to
    // 0xe0000000000): 0xd8000000000 of padding.
    // The kernel (pptr 0 at the base, so it aligns the offset) places them at
    // offsets 0, 2^40, 2^41, 2^42, 2^43, 2^43 + 2^42, ending at offset
    // 0xe0000000000; the frame then lands at offset 0xe0000000000, paddr
    // 0x8000000000 + 0xe0000000000 = 0xe8000000000, as on the real kernel.
    // The allocator checks its plan against the kernel's rule before any call,
    // and names the frame: value = predicted 0xe0000000000, limit = 0xe8000000000.
    auto m = std::make_unique<model3_t>(x86);
    std::unique_ptr<alloc3_t<watermark, align_on::paddr>> a;
    auto r = high_device_frame<watermark, align_on::paddr>(*m, a);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::mispredicted);
    EXPECT_EQ(r.error().value, 0xe0000000000ULL);
    EXPECT_EQ(r.error().limit, 0xe8000000000ULL);
    // Nothing was called: no allocation, no slot in use, no retype, the model
    // holds only the untyped, and all of it is free.
    EXPECT_EQ(a->stats().allocations, 0u);
    EXPECT_EQ(a->stats().slots, 0u);
    EXPECT_EQ(a->stats().retypes, 0u);
    EXPECT_EQ(m->machine().free_nodes(), m->machine().capacity() - 1);
    EXPECT_EQ(a->free_bytes(memory::device), std::uint64_t{1} << 46);
}

template <class Split, class Align>
void lands_exactly() {
    auto m = std::make_unique<model3_t>(x86);
    std::unique_ptr<alloc3_t<Split, Align>> a;
    auto r = high_device_frame<Split, Align>(*m, a);
    ASSERT_TRUE(r) << name(r.error().code);
    EXPECT_EQ(r->paddr, dev_target);
    EXPECT_EQ(m->paddr(r->slot), dev_target);
    EXPECT_TRUE(r->device);
}

TEST(SeedHighDevice003, KernelVirtualAlignmentLandsExactly) { lands_exactly<watermark, align_on::pptr>(); }
TEST(SeedHighDevice003, BinarySearchLandsExactlyWithPptr) { lands_exactly<binary_search, align_on::pptr>(); }
// Halving never aligns anything itself, so it is right even with align_on::paddr.
TEST(SeedHighDevice003, BinarySearchLandsExactlyWithPaddr) { lands_exactly<binary_search, align_on::paddr>(); }
TEST(SeedHighDevice003, BuddyLandsExactly) { lands_exactly<buddy, align_on::pptr>(); }

// Seed 001: a 2 GiB guest RAM on aarch64 with hypervisor (qemu-arm-virt, 4 GiB).
// Untypeds 0x40000000/30 and 0x80000000/31; the range comes from the 2 GiB one.
namespace {
constexpr kernel::config hyp{.target = arch::aarch64_hyp};
constexpr std::uint64_t guest = std::uint64_t{1} << 31;
constexpr std::size_t guest_slots = (std::size_t{1} << 19) + 64;
using model1_t = backend::model<2200, guest_slots + 16>;

template <unsigned G, class Split>
void guest_ram() {
    using A = allocator<model1_t, target<hyp>, split<Split>, granule<G>, max_untypeds<16>, max_slots<guest_slots>>;
    auto m = std::make_unique<model1_t>(hyp);
    auto a = std::make_unique<A>(*m);
    ASSERT_TRUE(a->add_slots(16, guest_slots));
    ASSERT_TRUE(a->add_untyped(1, 0x40000000, 30, false));
    ASSERT_TRUE(a->add_untyped(2, 0x80000000, 31, false));
    const std::uint64_t before = a->free_bytes();
    auto r = a->allocate_range(guest);
    ASSERT_TRUE(r) << name(r.error().code);
    // 2^31 / 2^G frames, in batches of the fan-out limit (256).
    const std::uint64_t frames = guest >> G;
    EXPECT_EQ(r->count, frames);
    EXPECT_EQ(r->retypes, (frames + 255) / 256);
    EXPECT_EQ(r->paddr, 0x80000000u);
    EXPECT_EQ(r->object_bits, G);
    EXPECT_EQ(m->paddr(r->slot), 0x80000000u);
    EXPECT_EQ(m->paddr(r->slot + frames - 1), 0x80000000u + guest - (std::uint64_t{1} << G));
    // O(1) metadata: one record, no descriptor beyond the two untypeds.
    EXPECT_EQ(a->stats().allocations, 1u);
    EXPECT_EQ(a->stats().untypeds, 2u);
    EXPECT_EQ(a->free_bytes(), before - guest);
    ASSERT_TRUE(a->free(r->id));
    EXPECT_EQ(a->free_bytes(), before);
    EXPECT_FALSE(m->occupied(r->slot));
    EXPECT_EQ(a->stats().slots, 0u);
}
} // namespace

TEST(SeedGuestRam001, Granule4KBuddy) { guest_ram<12, buddy>(); }
TEST(SeedGuestRam001, Granule2MBuddy) { guest_ram<21, buddy>(); }
TEST(SeedGuestRam001, Granule1GBuddy) { guest_ram<30, buddy>(); }
TEST(SeedGuestRam001, Granule4KWatermark) { guest_ram<12, watermark>(); }
TEST(SeedGuestRam001, Granule2MWatermark) { guest_ram<21, watermark>(); }
TEST(SeedGuestRam001, Granule1GBinarySearch) { guest_ram<30, binary_search>(); }
