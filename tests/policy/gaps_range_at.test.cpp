// allocate_range_at, directly: a guest's RAM (or a device window) of granule
// frames at a fixed physical base, for every split strategy and both alignment
// sources, at each x86_64 granule (4 KiB, 2 MiB, 1 GiB). Every frame's
// predicted paddr is checked against a hand-derived address and against the
// kernel model; every failure leaves the allocator and the model as they were.
//
// The bootinfo (x86_64, PPTR_BASE_OFFSET = 2^64 - 2^39):
//   slot 1: RAM    0x400000000 / 34   (16 GiB; pptr 0xffffff8400000000, aligned to 2^34)
//   slot 2: device 0x10000000000 / 34 (pptr 2^40 - 2^39 = 2^39, aligned to 2^34)
// Below 2^39 the two alignment sources agree on x86_64, so both give the same
// numbers here.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <memory>

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<256, 1024>;

constexpr kernel::paddr_t ram_base = 0x400000000ULL;
constexpr kernel::paddr_t dev_base = 0x10000000000ULL;
constexpr unsigned root_bits = 34;
constexpr backend::slot_t ram_slot = 1;
constexpr backend::slot_t dev_slot = 2;
constexpr backend::slot_t first_empty = 16;
constexpr std::uint64_t empty_count = 1000;

template <class Split, class Align, unsigned Granule>
struct case_t {
    using split_type = Split;
    static constexpr unsigned g = Granule;
    static constexpr bool watermark = std::is_same_v<Split, split<retype::watermark>>;
    using type = allocator<model_t, target<x86>, Split, Align, granule<Granule>, max_untypeds<128>,
                           max_slots<empty_count>, max_allocations<16>, free_list<intrusive>>;
    static constexpr object_type frame = Granule == 12   ? object_type::frame_4k
                                         : Granule == 21 ? object_type::frame_2m
                                                         : object_type::frame_1g;
};

template <class C>
class RangeAt : public ::testing::Test {
protected:
    void SetUp() override {
        m = std::make_unique<model_t>(x86);
        a = std::make_unique<typename C::type>(*m);
        ASSERT_TRUE(a->add_slots(first_empty, empty_count));
        ASSERT_TRUE(a->add_untyped(ram_slot, ram_base, root_bits, false));
        ASSERT_TRUE(a->add_untyped(dev_slot, dev_base, root_bits, true));
    }

    static constexpr std::uint64_t gran = std::uint64_t{1} << C::g;

    /// Asserts the allocation holds `n` frames of the granule from `base`,
    /// each where the model put it.
    void expect_frames(const allocation& r, kernel::paddr_t base, std::uint64_t n, bool device) {
        EXPECT_EQ(r.count, n);
        EXPECT_EQ(r.type, C::frame);
        EXPECT_EQ(r.object_bits, C::g);
        EXPECT_EQ(r.device, device);
        EXPECT_EQ(r.paddr, base);
        for (std::uint64_t i = 0; i < n; ++i) {
            ASSERT_TRUE(m->occupied(r.slot + i)) << "frame " << i;
            EXPECT_EQ(m->object(r.slot + i).type, C::frame) << "frame " << i;
            EXPECT_EQ(m->paddr(r.slot + i), base + i * gran) << "frame " << i;
        }
    }

    /// The call must fail with `code` and change nothing, in the allocator or the model.
    template <class F>
    void expect_unchanged_failure(F&& call, error_code code) {
        const auto before = a->snapshot();
        const auto mbefore = std::make_unique<model_t>(*m);
        auto r = call();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, code) << name(r.error().code);
        EXPECT_EQ(a->snapshot(), before);
        EXPECT_TRUE(*m == *mbefore);
    }

    std::unique_ptr<model_t> m;
    std::unique_ptr<typename C::type> a;
};

using cases =
    ::testing::Types<case_t<split<watermark>, align_on::pptr, 12>, case_t<split<watermark>, align_on::pptr, 21>,
                     case_t<split<watermark>, align_on::pptr, 30>, case_t<split<watermark>, align_on::paddr, 21>,
                     case_t<split<buddy>, align_on::pptr, 12>, case_t<split<buddy>, align_on::pptr, 21>,
                     case_t<split<buddy>, align_on::pptr, 30>, case_t<split<buddy>, align_on::paddr, 30>,
                     case_t<split<binary_search>, align_on::pptr, 12>, case_t<split<binary_search>, align_on::pptr, 21>,
                     case_t<split<binary_search>, align_on::pptr, 30>,
                     case_t<split<binary_search>, align_on::paddr, 12>>;
TYPED_TEST_SUITE(RangeAt, cases);

// Two frames at offset 2 granules of the 16 GiB untyped.
// watermark: the cursor is at offset 0; one padding untyped of 2^(g+1) (the
//   largest aligned power of two from 0 that ends at the target), then one
//   retype of 2 frames: 2 retypes, 3 slots.
// buddy / binary_search: halve 2^34 down to a 2^(g+1) block that holds the
//   target (keeping the high half last): 34 - (g+1) halvings of 2 untypeds each,
//   then the frames: 34 - g retypes, 2 * (33 - g) + 2 slots.
TYPED_TEST(RangeAt, RamFramesWhereTheModelPutsThem) {
    using C = TypeParam;
    const kernel::paddr_t at = ram_base + 2 * this->gran;
    auto r = this->a->allocate_range_at(2 * this->gran, at);
    ASSERT_TRUE(r) << name(r.error().code);
    this->expect_frames(*r, at, 2, false);
    const std::uint64_t retypes = C::watermark ? 2 : 34 - C::g;
    const std::uint64_t slots = C::watermark ? 3 : 2 * (33 - C::g) + 2;
    EXPECT_EQ(r->retypes, retypes);
    EXPECT_EQ(this->a->stats().slots, slots);
    EXPECT_EQ(this->a->stats().allocations, 1u);
    EXPECT_EQ(this->a->stats().objects, 2u);
    if (!C::watermark) {
        EXPECT_NE(r->untyped, ram_slot); // the frames come from a half, not the root
    }
}

TYPED_TEST(RangeAt, DeviceFramesWhereTheModelPutsThem) {
    const kernel::paddr_t at = dev_base + 2 * this->gran;
    auto r = this->a->allocate_range_at(2 * this->gran, at, memory::device);
    ASSERT_TRUE(r) << name(r.error().code);
    this->expect_frames(*r, at, 2, true);
    EXPECT_EQ(this->a->free_bytes(memory::ram), std::uint64_t{1} << root_bits); // RAM untouched
}

// Free, then the same range again: the same frames at the same paddrs.
TYPED_TEST(RangeAt, FreedRangeCanBeTakenAgain) {
    const kernel::paddr_t at = ram_base + 2 * this->gran;
    auto r = this->a->allocate_range_at(2 * this->gran, at);
    ASSERT_TRUE(r);
    ASSERT_TRUE(this->a->free(r->id));
    EXPECT_EQ(this->a->stats().objects, 0u);
    auto again = this->a->allocate_range_at(2 * this->gran, at);
    ASSERT_TRUE(again) << name(again.error().code);
    this->expect_frames(*again, at, 2, false);
}

TYPED_TEST(RangeAt, OutsideEveryUntypedChangesNothing) {
    // 0x900000000: above the RAM untyped (ends 0x800000000), below the device one.
    this->expect_unchanged_failure([&] { return this->a->allocate_range_at(2 * this->gran, 0x900000000ULL); },
                                   error_code::not_in_untyped);
    // Starts in the RAM untyped, runs past its end (last granule + one more).
    this->expect_unchanged_failure(
        [&] {
            return this->a->allocate_range_at(2 * this->gran, ram_base + (std::uint64_t{1} << root_bits) - this->gran);
        },
        error_code::spans_untypeds);
}

TYPED_TEST(RangeAt, OverlapWithAnAllocationChangesNothing) {
    const kernel::paddr_t at = ram_base + 2 * this->gran;
    ASSERT_TRUE(this->a->allocate_range_at(2 * this->gran, at));
    // The same range again.
    this->expect_unchanged_failure([&] { return this->a->allocate_range_at(2 * this->gran, at); }, error_code::overlap);
    // Four frames from the untyped's base: [0, 4 granules) covers [2, 4) in use.
    this->expect_unchanged_failure([&] { return this->a->allocate_range_at(4 * this->gran, ram_base); },
                                   error_code::overlap);
}

TYPED_TEST(RangeAt, MisalignedBaseChangesNothing) {
    // Half a granule off: aligned to no frame of the granule.
    this->expect_unchanged_failure(
        [&] { return this->a->allocate_range_at(2 * this->gran, ram_base + 2 * this->gran + this->gran / 2); },
        error_code::misaligned);
    // A byte count that is not a multiple of the granule.
    this->expect_unchanged_failure([&] { return this->a->allocate_range_at(this->gran + 0x1000 / 2, ram_base); },
                                   error_code::misaligned);
    this->expect_unchanged_failure([&] { return this->a->allocate_range_at(0, ram_base); },
                                   error_code::invalid_argument);
}

TYPED_TEST(RangeAt, DeviceRamMismatchChangesNothing) {
    this->expect_unchanged_failure(
        [&] { return this->a->allocate_range_at(2 * this->gran, dev_base + 2 * this->gran, memory::ram); },
        error_code::device_mismatch);
    this->expect_unchanged_failure(
        [&] { return this->a->allocate_range_at(2 * this->gran, ram_base + 2 * this->gran, memory::device); },
        error_code::device_mismatch);
}

// The fan-out limit (256 on this configuration) batches a long range: 600 frames
// of 4 KiB at ram_base + 4 MiB are 3 retypes (256, 256, 88) of consecutive
// frames, after
// - watermark: one padding untyped of 2^22 (offset 0 to 4 MiB): 4 retypes;
// - buddy / binary_search: 600 frames round up to a 2^(12+10) = 4 MiB block, at
//   offset 4 MiB, reached by 34 - 22 = 12 halvings: 15 retypes.
template <class C>
class RangeAtBatched : public RangeAt<C> {};
using batched_cases =
    ::testing::Types<case_t<split<watermark>, align_on::pptr, 12>, case_t<split<buddy>, align_on::pptr, 12>,
                     case_t<split<binary_search>, align_on::pptr, 12>>;
TYPED_TEST_SUITE(RangeAtBatched, batched_cases);

TYPED_TEST(RangeAtBatched, SixHundredFramesInThreeBatches) {
    using C = TypeParam;
    const kernel::paddr_t at = ram_base + 0x400000;
    auto r = this->a->allocate_range_at(600 * 0x1000, at);
    ASSERT_TRUE(r) << name(r.error().code);
    this->expect_frames(*r, at, 600, false);
    EXPECT_EQ(r->retypes, C::watermark ? 4u : 15u);
}

// A range that does not fill its power-of-two block: the halving strategies
// must start it on the block's alignment (3 frames take a 4-frame block), so a
// base aligned to 2 granules but not 4 is misaligned there; watermark only needs
// the granule's alignment and places it.
TYPED_TEST(RangeAt, ThreeFramesNeedAFourFrameBlockWhenHalving) {
    using C = TypeParam;
    const kernel::paddr_t at = ram_base + 2 * this->gran;
    if (C::watermark) {
        auto r = this->a->allocate_range_at(3 * this->gran, at);
        ASSERT_TRUE(r) << name(r.error().code);
        this->expect_frames(*r, at, 3, false);
    } else {
        this->expect_unchanged_failure([&] { return this->a->allocate_range_at(3 * this->gran, at); },
                                       error_code::misaligned);
        auto r = this->a->allocate_range_at(3 * this->gran, ram_base + 4 * this->gran);
        ASSERT_TRUE(r) << name(r.error().code);
        this->expect_frames(*r, ram_base + 4 * this->gran, 3, false);
    }
}
} // namespace

// Seed 003's device untyped on x86_64: 0x8000000000 / 46, whose pptr is 0
// (2^39 + 2^64 - 2^39 wraps), so pptr alignment and paddr alignment differ for
// blocks above 2^39. Two 2 MiB device frames at 0xe0000000000.
namespace {
constexpr kernel::paddr_t seed3_base = 0x8000000000ULL;
constexpr kernel::paddr_t seed3_at = 0xe0000000000ULL;

template <class Split, class Align>
using seed3_t = allocator<model_t, target<x86>, Split, Align, granule<21>, max_untypeds<128>, max_slots<empty_count>,
                          max_allocations<16>, free_list<array>>;

template <class A>
result<allocation> seed3_range(model_t& m, std::unique_ptr<A>& a) {
    a = std::make_unique<A>(m);
    EXPECT_TRUE(a->add_slots(first_empty, empty_count));
    EXPECT_TRUE(a->add_untyped(dev_slot, seed3_base, 46, true));
    return a->allocate_range_at(2 * 0x200000, seed3_at, memory::device);
}

void expect_seed3_frames(const model_t& m, const allocation& r) {
    EXPECT_EQ(r.paddr, seed3_at);
    EXPECT_TRUE(r.device);
    for (std::uint64_t i = 0; i < 2; ++i) EXPECT_EQ(m.paddr(r.slot + i), seed3_at + i * 0x200000) << "frame " << i;
}
} // namespace

// watermark, pptr: padding untypeds from the watermark (offset 0, pptr 0) to
// the target, each the largest that is pptr-aligned and ends at or before it:
// 2^43 (to 0x88000000000), 2^42 (to 0xc8000000000), 2^40 (to 0xd8000000000),
// 2^39 (to 0xe0000000000); then the frames: 5 retypes.
TEST(RangeAtSeed003, WatermarkPptrPlacesTheFrames) {
    auto m = std::make_unique<model_t>(x86);
    std::unique_ptr<seed3_t<split<watermark>, align_on::pptr>> a;
    auto r = seed3_range(*m, a);
    ASSERT_TRUE(r) << name(r.error().code);
    expect_seed3_frames(*m, *r);
    EXPECT_EQ(r->retypes, 5u);
}

// watermark, paddr: paddings by physical alignment from 0x8000000000 to the
// target are 2^39, 2^40, 2^41, 2^42, 2^42, 2^41 (each the largest paddr-aligned
// one that ends at or before it). The kernel aligns offsets (pptr 0 at the
// base): it puts them at offsets 0, 2^40, 2^41, 2^42, 2^43, 0xc0000000000,
// ending at offset 0xe0000000000, so the first 2 MiB frame would land at
// 0x8000000000 + 0xe0000000000 = 0xe8000000000. The allocator sees this in its
// plan, before any call (value = predicted frame, limit = the kernel's).
TEST(RangeAtSeed003, WatermarkPaddrReportsTheMisprediction) {
    auto m = std::make_unique<model_t>(x86);
    std::unique_ptr<seed3_t<split<watermark>, align_on::paddr>> a;
    auto r = seed3_range(*m, a);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::mispredicted);
    EXPECT_EQ(r.error().value, 0xe0000000000ULL);
    EXPECT_EQ(r.error().limit, 0xe8000000000ULL);
    EXPECT_EQ(a->stats().allocations, 0u);
    EXPECT_EQ(a->stats().slots, 0u);
    EXPECT_EQ(a->stats().retypes, 0u);
    for (backend::slot_t s = first_empty; s < first_empty + empty_count; ++s)
        EXPECT_FALSE(m->occupied(s)) << "slot " << s;
}

// buddy / binary_search: halve 2^46 to a 2^22 block holding the target (every
// block pptr-aligned, whatever the alignment source): 24 halvings + 1 = 25 retypes.
TEST(RangeAtSeed003, BuddyPlacesTheFrames) {
    auto m = std::make_unique<model_t>(x86);
    std::unique_ptr<seed3_t<split<buddy>, align_on::paddr>> a;
    auto r = seed3_range(*m, a);
    ASSERT_TRUE(r) << name(r.error().code);
    expect_seed3_frames(*m, *r);
    EXPECT_EQ(r->retypes, 25u);
}
TEST(RangeAtSeed003, BinarySearchPlacesTheFrames) {
    auto m = std::make_unique<model_t>(x86);
    std::unique_ptr<seed3_t<split<binary_search>, align_on::paddr>> a;
    auto r = seed3_range(*m, a);
    ASSERT_TRUE(r) << name(r.error().code);
    expect_seed3_frames(*m, *r);
    EXPECT_EQ(r->retypes, 25u);
}
