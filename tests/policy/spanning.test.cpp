// A range across adjacent untypeds (issue 14): guest RAM of 768 MiB at
// 0x60000000 over the bootinfo untypeds 0x60000000/29 (512 MiB) and
// 0x80000000/30 (1 GiB), as 2 MiB frames: one allocation per untyped,
// 256 frames then 128, under every strategy; a failure of the second part
// leaves everything as it was.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <array>
#include <memory>

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<128, 1024>;

template <class Split>
struct Spanning : ::testing::Test {
    using alloc_t = allocator<model_t, target<x86>, split<Split>, granule<21>, max_untypeds<96>, max_slots<700>>;
    std::unique_ptr<model_t> m = std::make_unique<model_t>(x86);
    std::unique_ptr<alloc_t> a = std::make_unique<alloc_t>(*m);
    void SetUp() override {
        ASSERT_TRUE(a->add_slots(100, 700));
        ASSERT_TRUE(a->add_untyped(1, 0x60000000, 29, false));
        ASSERT_TRUE(a->add_untyped(2, 0x80000000, 30, false));
    }
};
using strategies = ::testing::Types<strategy::watermark, strategy::buddy, strategy::binary_search>;
TYPED_TEST_SUITE(Spanning, strategies);

TYPED_TEST(Spanning, GuestRamOverTwoUntypeds) {
    std::array<allocation, 4> parts{};
    auto n = this->a->allocate_range_across(std::uint64_t{768} << 20, 0x60000000, parts);
    ASSERT_TRUE(n) << name(n.error().code);
    ASSERT_EQ(*n, 2u);
    // 512 MiB / 2 MiB = 256 frames from the first, 256 MiB / 2 MiB = 128 from the second.
    EXPECT_EQ(parts[0].paddr, 0x60000000u);
    EXPECT_EQ(parts[0].count, 256u);
    EXPECT_EQ(parts[1].paddr, 0x80000000u);
    EXPECT_EQ(parts[1].count, 128u);
    for (const allocation& p : {parts[0], parts[1]})
        for (std::uint64_t i = 0; i < p.count; ++i) ASSERT_EQ(this->m->paddr(p.slot + i), p.paddr + (i << 21));
    EXPECT_EQ(this->a->stats().allocations, 2u);
    ASSERT_TRUE(this->a->free(parts[1].id));
    ASSERT_TRUE(this->a->free(parts[0].id));
    EXPECT_EQ(this->a->stats().allocations, 0u);
}

TYPED_TEST(Spanning, AFailedSecondPartChangesNothing) {
    // A frame in the second untyped at 0x88000000 (in the middle of what the
    // range needs) makes the second part fail: overlap.
    auto blocker = this->a->allocate_at(object_type::frame_2m, 0, 0x88000000);
    ASSERT_TRUE(blocker) << name(blocker.error().code);
    const auto before = this->a->snapshot();
    const auto mbefore = std::make_unique<model_t>(*this->m);
    std::array<allocation, 4> parts{};
    auto n = this->a->allocate_range_across(std::uint64_t{768} << 20, 0x60000000, parts);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, error_code::overlap);
    EXPECT_TRUE(this->a->snapshot() == before);
    EXPECT_TRUE(*this->m == *mbefore);
}

TYPED_TEST(Spanning, AGapIsNotInUntyped) {
    // 1.5 GiB is both untypeds whole; 2 MiB more runs past the second one's end (0xc0000000).
    std::array<allocation, 4> parts{};
    auto n = this->a->allocate_range_across(std::uint64_t{1536 + 2} << 20, 0x60000000, parts);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error(), make_error(error_code::not_in_untyped, 0xc0000000));
    // Too few entries for the parts.
    std::array<allocation, 1> one{};
    EXPECT_EQ(this->a->allocate_range_across(std::uint64_t{768} << 20, 0x60000000, one).error(), invalid_argument(2));
}

} // namespace
