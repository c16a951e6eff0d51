// The contiguous allocator, in band and out of band through the same typed
// tests. Layout (support.hpp): bank 0 = 64 KiB at 0x100000, bank 1 = 28 KiB at
// 0x203000, bank 2 = 32 KiB at 0x400000; granule 4 KiB, blocks up to 64 KiB.
// Every expected address is worked out by hand in the comments.
#include "support.hpp"

namespace {
using namespace direct_test;

template <class F>
class Contiguous : public ::testing::Test {
protected:
    host<F> h;
    void SetUp() override { ASSERT_TRUE(h.init(three_banks).has_value()); }
};
using flavours = ::testing::Types<out_of_band_flavour<policy::lowest_first>, in_band_flavour<policy::lowest_first>>;
TYPED_TEST_SUITE(Contiguous, flavours);

TYPED_TEST(Contiguous, InitSplitsEachBankIntoAlignedBlocks) {
    const block_list want{
        {0, 0x100000, 16}, {1, 0x203000, 12}, {1, 0x208000, 13}, {1, 0x204000, 14}, {2, 0x400000, 15}};
    EXPECT_EQ(this->h.blocks(), want);
    EXPECT_EQ(this->h.a.free_bytes(), 0x10000u + 0x7000u + 0x8000u);
    EXPECT_EQ(this->h.a.largest_free_block(1), 0x4000u);
    EXPECT_EQ(this->h.a.largest_free_run(1), 0x7000u); // the three blocks touch
    EXPECT_EQ(this->h.a.init(three_banks).error(), make_error(error_code::illegal_operation));
}

TYPED_TEST(Contiguous, AllocateSplitsTheLowestBlockAndFreeMergesItBack) {
    auto& a = this->h.a;
    const snapshot before = this->h.snap();
    auto c = a.allocate(12);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(*c, (chunk{.paddr = 0x100000, .size = 0x1000, .bank = 0}));
    // 0x100000..0x110000 minus its first 4 KiB: 4, 8, 16 and 32 KiB buddies.
    const block_list want{{0, 0x101000, 12}, {0, 0x102000, 13}, {0, 0x104000, 14}, {0, 0x108000, 15},
                          {1, 0x203000, 12}, {1, 0x208000, 13}, {1, 0x204000, 14}, {2, 0x400000, 15}};
    EXPECT_EQ(this->h.blocks(), want);
    ASSERT_TRUE(a.free(*c).has_value());
    EXPECT_EQ(this->h.snap().blocks, before.blocks);
    EXPECT_EQ(this->h.snap().free_bytes, before.free_bytes);
}

TYPED_TEST(Contiguous, AllocateBytesCarvesTheRestBackAsPieces) {
    auto& a = this->h.a;
    // 12 KiB needs a 16 KiB block; lowest is bank 0's 64 KiB block at 0x100000.
    auto c = a.allocate_bytes(0x3000);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(*c, (chunk{.paddr = 0x100000, .size = 0x3000, .bank = 0}));
    const block_list want{{0, 0x103000, 12}, {0, 0x104000, 14}, {0, 0x108000, 15}, {1, 0x203000, 12},
                          {1, 0x208000, 13}, {1, 0x204000, 14}, {2, 0x400000, 15}};
    EXPECT_EQ(this->h.blocks(), want);
    EXPECT_EQ(a.free_bytes(0), 0x10000u - 0x3000u);
}

TYPED_TEST(Contiguous, AllocateInABankStaysInIt) {
    // 8 KiB in bank 1: lowest_first looks at addresses, not sizes, so it splits the 16 KiB
    // block at 0x204000 rather than use the 8 KiB block at 0x208000.
    auto c = this->h.a.allocate(13, 1);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(*c, (chunk{.paddr = 0x204000, .size = 0x2000, .bank = 1}));
    EXPECT_EQ(this->h.a.free_bytes(0), 0x10000u);
    EXPECT_EQ(this->h.a.free_bytes(2), 0x8000u);
}

TYPED_TEST(Contiguous, RequestLargerThanAnyBankIsARangeError) {
    auto& a = this->h.a;
    const snapshot before = this->h.snap();
    // The largest block any bank can ever hold is bank 0's 64 KiB (2^16).
    EXPECT_EQ(a.allocate(17).error(), range_error(12, 16));
    EXPECT_EQ(a.allocate(11).error(), range_error(12, 16));
    EXPECT_EQ(a.allocate_bytes(0x11000).error(), range_error(0x1000, 0x10000));
    // Bank 1 (28 KiB) never holds more than 16 KiB in one aligned block.
    EXPECT_EQ(a.allocate(15, 1).error(), range_error(12, 14));
    EXPECT_EQ(a.allocate_bytes(0x5000, 1).error(), range_error(0x1000, 0x4000));
    EXPECT_EQ(this->h.snap(), before);
}

TYPED_TEST(Contiguous, BadInputIsAnErrorAndChangesNothing) {
    auto& a = this->h.a;
    ASSERT_TRUE(a.allocate_at(0x104000, 0x4000).has_value()); // something used, so overlap can be tested
    const snapshot before = this->h.snap();
    EXPECT_EQ(a.allocate_bytes(0).error(), invalid_argument(0));
    EXPECT_EQ(a.allocate_bytes(0x1800).error(), make_error(error_code::misaligned, 0x1800, 0x1000));
    EXPECT_EQ(a.allocate(12, 3).error(), invalid_argument(1));
    EXPECT_EQ(a.allocate_at(0x100000, 0).error(), invalid_argument(1));
    EXPECT_EQ(a.allocate_at(0x100800, 0x1000).error(), make_error(error_code::misaligned, 0x100800, 0x1000));
    EXPECT_EQ(a.allocate_at(0x100000, 0x1800).error(), make_error(error_code::misaligned, 0x1800, 0x1000));
    EXPECT_EQ(a.allocate_at(0x300000, 0x1000).error(), make_error(error_code::out_of_window, 0x300000));
    // Starts in bank 1 but runs 0x1000 past its end (0x20a000 - 0x208000 = 0x2000 available).
    EXPECT_EQ(a.allocate_at(0x208000, 0x3000).error(), make_error(error_code::out_of_window, 0x3000, 0x2000));
    // Overlaps the used 0x104000..0x108000: first used byte 0x104000, used up to the range's end 0x106000.
    EXPECT_EQ(a.allocate_at(0x102000, 0x4000).error(), make_error(error_code::overlap, 0x104000, 0x106000));
    // Wholly used: the used run 0x104000..0x108000 is reported whole.
    EXPECT_EQ(a.allocate_at(0x104000, 0x4000).error(), make_error(error_code::overlap, 0x104000, 0x108000));
    // Used run inside a longer range: 0x100000..0x110000 is used at 0x104000..0x108000.
    EXPECT_EQ(a.allocate_at(0x100000, 0x10000).error(), make_error(error_code::overlap, 0x104000, 0x108000));
    // Free of memory that is free, and of memory outside every bank.
    EXPECT_EQ(a.free(0x100000, 0x1000).error(), make_error(error_code::not_allocated, 0x100000));
    EXPECT_EQ(a.free(0x103000, 0x2000).error(), make_error(error_code::not_allocated, 0x103000));
    EXPECT_EQ(a.free(0x300000, 0x1000).error(), make_error(error_code::out_of_window, 0x300000));
    EXPECT_EQ(a.free(0x104000, 0).error(), invalid_argument(1));
    EXPECT_EQ(this->h.snap(), before);
}

TYPED_TEST(Contiguous, AllocateAtSpansSeveralFreeBlocks) {
    auto& a = this->h.a;
    // Bank 1 is three blocks (4, 16, 8 KiB) that touch; the whole bank at once.
    auto c = a.allocate_at(0x203000, 0x7000);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(*c, (chunk{.paddr = 0x203000, .size = 0x7000, .bank = 1}));
    EXPECT_EQ(a.free_bytes(1), 0u);
    EXPECT_EQ(a.largest_free_block(1), 0u);
    // Free the middle 8 KiB of it: 0x205000..0x207000 is pieces 0x205000 (4 KiB), 0x206000 (4 KiB)
    // whose buddies 0x204000 and 0x207000 are used, so they stay two 4 KiB blocks.
    ASSERT_TRUE(a.free(0x205000, 0x2000).has_value());
    const block_list want_bank1{{1, 0x205000, 12}, {1, 0x206000, 12}};
    block_list got;
    for (auto& t : this->h.blocks()) {
        if (std::get<0>(t) == 1) got.push_back(t);
    }
    EXPECT_EQ(got, want_bank1);
    EXPECT_EQ(a.largest_free_run(1), 0x2000u);
}

TYPED_TEST(Contiguous, DestroyAndRecreateGetsTheSameRangeAndTheSameState) {
    auto& a = this->h.a;
    ASSERT_TRUE(a.allocate(12).has_value()); // an ordinary domain: 0x100000
    const snapshot before = this->h.snap();
    auto d = a.allocate(15); // the 1:1 domain: lowest 32 KiB block is 0x108000
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->paddr, 0x108000u);
    ASSERT_TRUE(a.free(*d).has_value());
    EXPECT_EQ(this->h.lists(), before.lists_only());
    auto again = a.allocate(15);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *d);
    ASSERT_TRUE(a.free(*again).has_value());
    // Or ask for the very range it had, which is what a 1:1 guest's fixed memory map needs.
    auto at = a.allocate_at(d->paddr, d->size);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(*at, *d);
}

TYPED_TEST(Contiguous, NoFitNamesTheBankTheMissingBytesAndTheLargestChunk) {
    auto& a = this->h.a;
    // Use bank 0 and bank 2 up; bank 1 then is the only memory left: 28 KiB in 4+16+8 KiB blocks.
    ASSERT_TRUE(a.allocate_at(0x100000, 0x10000).has_value());
    ASSERT_TRUE(a.allocate_at(0x400000, 0x8000).has_value());
    const snapshot before = this->h.snap();
    auto r = a.allocate(15); // 32 KiB: bank 1 has 16 KiB at most (and 28 KiB contiguous, unaligned)
    ASSERT_FALSE(r.has_value());
    const error want{.code = error_code::no_fit,
                     .range_min = 0x203000,
                     .range_max = 0x20a000,
                     .memory_left = 0x7000,
                     .value = 0x8000 - 0x4000,
                     .limit = 0x4000};
    EXPECT_EQ(r.error(), want);
    const shortfall s = a.explain(0x8000);
    EXPECT_EQ(s, (shortfall{.bank = 1,
                            .bank_base = 0x203000,
                            .bank_end = 0x20a000,
                            .requested = 0x8000,
                            .largest_block = 0x4000,
                            .largest_run = 0x7000,
                            .free_bytes = 0x7000,
                            .missing = 0x4000}));
    EXPECT_EQ(this->h.snap(), before);
}

TEST(ContiguousInBand, InitRefusesABankThatIsNotMapped) {
    contiguous_allocator<lim, policy::lowest_first, policy::in_band<3>> a;
    std::vector<std::byte> ram0(0x10000);
    ASSERT_TRUE(a.metadata().map(0x100000, 0x10000, ram0.data()).has_value());
    EXPECT_EQ(a.init(three_banks).error(), make_error(error_code::out_of_window, 0x203000, 0x7000));
    EXPECT_EQ(a.bank_count(), 0u);
    EXPECT_EQ(a.metadata().map(0x108000, 0x1000, ram0.data()).error(),
              make_error(error_code::overlap, 0x108000, 0x100000));
    EXPECT_EQ(a.metadata().map(0x500000, 0x1000, nullptr).error(), invalid_argument(2));
}

TEST(ContiguousInBand, NodesLiveInTheFreeBlocksAndAllocatedBytesAreNotTouched) {
    host<in_band_flavour<policy::lowest_first>> h;
    ASSERT_TRUE(h.init(one_bank).has_value());
    auto c = h.a.allocate(15); // 0x100000..0x108000
    ASSERT_TRUE(c.has_value());
    std::byte* guest = h.ram[0].data();
    for (std::size_t i = 0; i < 0x8000; ++i) guest[i] = std::byte{0x11};
    auto d = h.a.allocate(12); // from the free upper half: 0x108000
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->paddr, 0x108000u);
    for (std::size_t i = 0; i < 0x8000; ++i) ASSERT_EQ(guest[i], std::byte{0x11}) << i;
    // The allocator's footprint does not depend on how many blocks are free.
    static_assert(sizeof(typename host<in_band_flavour<policy::lowest_first>>::allocator) < 1024);
}

TEST(ContiguousOutOfBand, PoolExhaustionIsReportedBeforeAnyChange) {
    // Pool of 3: init takes 1 node; a 4 KiB allocation leaves 4 pieces after giving 1 back: 3 > 2.
    contiguous_allocator<lim, policy::lowest_first, policy::out_of_band<3>> a;
    ASSERT_TRUE(a.init(one_bank).has_value());
    const auto before = a;
    EXPECT_EQ(a.allocate(12).error(), make_error(error_code::capacity_exhausted, 3, 2));
    EXPECT_TRUE(a == before);
    // 32 KiB needs one piece only.
    EXPECT_TRUE(a.allocate(15).has_value());
    contiguous_allocator<lim, policy::lowest_first, policy::out_of_band<2>> small;
    EXPECT_EQ(small.init(three_banks).error(), make_error(error_code::capacity_exhausted, 5, 2));
}

// The out-of-band model runs in constant expressions.
constexpr bool constexpr_round_trip() {
    contiguous_allocator<lim, policy::split_ends<15>, policy::out_of_band<32>> a;
    if (!a.init(three_banks)) return false;
    const auto fresh = a;
    auto small = a.allocate(12);           // split_ends, small: smallest block is bank 1's 4 KiB at 0x203000
    auto large = a.allocate_bytes(0x8000); // large: the highest 32 KiB-or-more block, bank 2's, from its top
    if (!small || !large || small->paddr != 0x203000 || large->paddr != 0x400000) return false;
    if (!a.free(*large) || !a.free(*small)) return false;
    return a == fresh && !a.allocate(17).has_value() && a == fresh;
}
static_assert(constexpr_round_trip());

} // namespace
