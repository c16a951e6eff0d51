// Placement policies against a hand-made free-list view: two banks, lists given
// by (lowest, highest) paddr per size_bits.
#include <retype/policy/placement.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace {
using namespace retype::policy;

struct fake_view {
    struct ends {
        bool any = false;
        std::uint64_t lo = 0;
        std::uint64_t hi = 0;
    };
    std::array<std::array<ends, 5>, 2> lists{}; // size_bits 12..16

    constexpr unsigned max_size_bits() const noexcept { return 16; }
    constexpr bool has_free(std::size_t b, unsigned sb) const noexcept { return lists[b][sb - 12].any; }
    constexpr std::uint64_t lowest_free(std::size_t b, unsigned sb) const noexcept { return lists[b][sb - 12].lo; }
    constexpr std::uint64_t highest_free(std::size_t b, unsigned sb) const noexcept { return lists[b][sb - 12].hi; }
};
static_assert(free_list_view<fake_view>);

// Bank 0 (0x100000..0x110000): a 4 KiB fragment high up at 0x10f000, a 32 KiB block
// at 0x100000. Bank 1 (0x200000..): a 16 KiB block at 0x200000 and another at 0x20c000.
constexpr fake_view sample() {
    fake_view v{};
    v.lists[0][0] = {true, 0x10f000, 0x10f000};
    v.lists[0][3] = {true, 0x100000, 0x100000};
    v.lists[1][2] = {true, 0x200000, 0x20c000};
    return v;
}

TEST(Placement, LowestFirstTakesTheLowestBlockThatFitsFromItsLowEnd) {
    // 4 KiB: candidates in bank 0 are 0x10f000 (12) and 0x100000 (15); the lower wins.
    EXPECT_EQ(lowest_first::choose(sample(), {12, 0, 1}), (pick{.found = true, .bank = 0, .size_bits = 15}));
    // 16 KiB: only the 32 KiB block in bank 0.
    EXPECT_EQ(lowest_first::choose(sample(), {14, 0, 1}), (pick{.found = true, .bank = 0, .size_bits = 15}));
    // Restricted to bank 1: its 16 KiB list.
    EXPECT_EQ(lowest_first::choose(sample(), {12, 1, 1}), (pick{.found = true, .bank = 1, .size_bits = 14}));
    EXPECT_FALSE(lowest_first::choose(sample(), {16, 0, 1}).found);
}

TEST(Placement, HighestFirstTakesTheHighestBlockFromItsTop) {
    EXPECT_EQ(highest_first::choose(sample(), {12, 0, 1}),
              (pick{.found = true, .bank = 1, .size_bits = 14, .highest_block = true, .high_end = true}));
    EXPECT_EQ(highest_first::choose(sample(), {12, 0, 0}),
              (pick{.found = true, .bank = 0, .size_bits = 12, .highest_block = true, .high_end = true}));
}

TEST(Placement, SplitEndsSendsSmallRequestsToFragmentsAndLargeOnesToTheTop) {
    using P = split_ends<14>;
    // Small (12 < 14): the smallest fitting block, the 4 KiB fragment, not the 32 KiB block.
    EXPECT_EQ(P::choose(sample(), {12, 0, 1}), (pick{.found = true, .bank = 0, .size_bits = 12}));
    // Small 8 KiB: no 8 KiB list; 16 KiB lists exist only in bank 1.
    EXPECT_EQ(P::choose(sample(), {13, 0, 1}), (pick{.found = true, .bank = 1, .size_bits = 14}));
    // Large (14): the highest block that fits, 0x20c000 in bank 1, from its top.
    EXPECT_EQ(P::choose(sample(), {14, 0, 1}),
              (pick{.found = true, .bank = 1, .size_bits = 14, .highest_block = true, .high_end = true}));
    EXPECT_FALSE(P::choose(sample(), {16, 0, 1}).found);
}

TEST(Placement, BestFitIsSmallestOrderThenLowestBank) {
    EXPECT_EQ(best_fit::choose(sample(), {13, 0, 1}), (pick{.found = true, .bank = 1, .size_bits = 14}));
    EXPECT_EQ(best_fit::choose(sample(), {15, 0, 1}), (pick{.found = true, .bank = 0, .size_bits = 15}));
}

static_assert(split_ends<14>::choose(sample(), {12, 0, 1}).size_bits == 12);
static_assert(std::is_same_v<placement<split_ends<21>>::type, split_ends<21>>);

} // namespace
