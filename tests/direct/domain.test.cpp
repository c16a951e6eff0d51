// Domain memory: one chunk, or Xen-style largest-first blocks merged into at
// most N guest banks. Layout as in contiguous_allocator.test.cpp; placement
// lowest_first (Xen puts bank 0 as low as it can).
#include "support.hpp"

namespace {
using namespace direct_test;

template <class F>
class Domain : public ::testing::Test {
protected:
    host<F> h;
};
using flavours = ::testing::Types<out_of_band_flavour<policy::lowest_first>, in_band_flavour<policy::lowest_first>>;
TYPED_TEST_SUITE(Domain, flavours);

TYPED_TEST(Domain, LargestFirstAcrossTwoBanks) {
    ASSERT_TRUE(this->h.init(three_banks).has_value());
    // 96 KiB: first 64 KiB (2^16 <= 96 KiB) -> bank 0 whole; 32 KiB left -> 2^15: only bank 2 has it.
    auto g = allocate_domain<3>(this->h.a, domain_request{.size = 0x18000, .max_banks = 2, .min_size_bits = 12});
    ASSERT_TRUE(g.has_value());
    ASSERT_EQ(g->count, 2u);
    EXPECT_EQ(g->banks[0], (chunk{.paddr = 0x100000, .size = 0x10000, .bank = 0}));
    EXPECT_EQ(g->banks[1], (chunk{.paddr = 0x400000, .size = 0x8000, .bank = 2}));
    EXPECT_EQ(g->size(), 0x18000u);
    EXPECT_EQ(this->h.a.free_bytes(), 0x7000u);
    ASSERT_TRUE(free_domain(this->h.a, *g).has_value());
    EXPECT_EQ(this->h.a.free_bytes(), 0x1f000u);
}

TYPED_TEST(Domain, BlocksThatTouchMergeIntoOneGuestBank) {
    const std::array<bank, 1> bank1{{{0x203000, 0x7000}}};
    ASSERT_TRUE(this->h.init(bank1).has_value());
    // 28 KiB: 16 KiB at 0x204000, then 8 KiB at 0x208000 (touches its end), then 4 KiB at
    // 0x203000 (touches its start): one guest bank 0x203000..0x20a000.
    auto g = allocate_domain<2>(this->h.a, domain_request{.size = 0x7000, .max_banks = 1, .min_size_bits = 12});
    ASSERT_TRUE(g.has_value());
    ASSERT_EQ(g->count, 1u);
    EXPECT_EQ(g->banks[0], (chunk{.paddr = 0x203000, .size = 0x7000, .bank = 0}));
}

TYPED_TEST(Domain, TooFewGuestBanksFailsAndGivesEverythingBack) {
    ASSERT_TRUE(this->h.init(three_banks).has_value());
    const snapshot before = this->h.lists();
    // One guest bank: 64 KiB at 0x100000, then 32, 16, 8, 4 KiB blocks elsewhere all need a
    // second bank, each is given back; at 4 KiB (the minimum) it gives up with 32 KiB unallocated.
    auto g = allocate_domain<3>(this->h.a, domain_request{.size = 0x18000, .max_banks = 1, .min_size_bits = 12});
    ASSERT_FALSE(g.has_value());
    EXPECT_EQ(g.error(),
              (error{.code = error_code::no_fit, .memory_left = 0x1f000, .value = 0x8000, .limit = 0x18000}));
    EXPECT_EQ(this->h.lists(), before);
}

TYPED_TEST(Domain, BadRequestsChangeNothing) {
    ASSERT_TRUE(this->h.init(three_banks).has_value());
    const snapshot before = this->h.snap();
    auto& a = this->h.a;
    EXPECT_EQ(allocate_domain<2>(a, {.size = 0, .max_banks = 1, .min_size_bits = 12}).error(), invalid_argument(1));
    EXPECT_EQ(allocate_domain<2>(a, {.size = 0x1800, .max_banks = 1, .min_size_bits = 12}).error(),
              make_error(error_code::misaligned, 0x1800, 0x1000));
    EXPECT_EQ(allocate_domain<2>(a, {.size = 0x1000, .max_banks = 3, .min_size_bits = 12}).error(), range_error(1, 2));
    EXPECT_EQ(allocate_domain<2>(a, {.size = 0x1000, .max_banks = 0, .min_size_bits = 12}).error(), range_error(1, 2));
    EXPECT_EQ(allocate_domain<2>(a, {.size = 0x1000, .max_banks = 1, .min_size_bits = 17}).error(),
              range_error(12, 16));
    // 124 KiB are free in all; 128 KiB is more than that.
    EXPECT_EQ(allocate_domain<2>(a, {.size = 0x20000, .max_banks = 2, .min_size_bits = 12}).error(),
              not_enough_memory(0x1f000));
    guest_memory<2> twice{};
    auto c = a.allocate(12);
    ASSERT_TRUE(c.has_value());
    const snapshot with_c = this->h.snap();
    twice.banks = {*c, *c};
    twice.count = 2;
    EXPECT_EQ(free_domain(a, twice).error(), make_error(error_code::overlap, c->paddr, c->paddr));
    EXPECT_EQ(this->h.snap(), with_c);
    ASSERT_TRUE(a.free(*c).has_value());
    EXPECT_EQ(this->h.lists(), before.lists_only());
}

TYPED_TEST(Domain, OneChunkAndRecreateAfterDestroy) {
    ASSERT_TRUE(this->h.init(three_banks).has_value());
    auto& a = this->h.a;
    ASSERT_TRUE(a.allocate(12, 2).has_value()); // an ordinary domain in bank 2: 0x400000
    const snapshot before = this->h.snap();
    // 48 KiB in one chunk needs a 64 KiB block: only bank 0's, carved from its low end.
    auto g = allocate_one_chunk(a, 0xc000);
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->banks[0], (chunk{.paddr = 0x100000, .size = 0xc000, .bank = 0}));
    ASSERT_TRUE(free_domain(a, *g).has_value());
    EXPECT_EQ(this->h.lists(), before.lists_only());
    auto again = allocate_one_chunk(a, 0xc000);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *g);
    // Another 48 KiB cannot fit now: bank 0 has 16 KiB left, bank 2 a 16 KiB block at most
    // (28 KiB free), bank 1 16 KiB; bank 0 is the first of the ties.
    auto third = allocate_one_chunk(a, 0xc000);
    ASSERT_FALSE(third.has_value());
    EXPECT_EQ(third.error().code, error_code::no_fit);
    EXPECT_EQ(third.error().value, 0xc000u - 0x4000u);
    EXPECT_EQ(third.error().limit, 0x4000u);
    EXPECT_EQ(third.error().range_min, 0x100000u);
}

} // namespace
