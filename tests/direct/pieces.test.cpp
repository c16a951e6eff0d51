// Aligned pieces and layout checks. Expected values are worked out by hand.
#include <retype/banks/layout.hpp>
#include <retype/banks/pieces.hpp>

#include <gtest/gtest.h>

#include <array>

namespace {
using namespace retype;
using namespace retype::banks;

static_assert(floor_log2(1) == 0 && floor_log2(0x7000) == 14 && floor_log2(0x8000) == 15);
static_assert(ceil_log2(1) == 0 && ceil_log2(0x3000) == 14 && ceil_log2(0x4000) == 14 && ceil_log2(0x4001) == 15);
// 0x203000 is 4 KiB aligned only; 0x204000 is 16 KiB aligned and 0x6000 is left, so 16 KiB.
static_assert(largest_piece(0x203000, 0x20a000, 30) == 12);
static_assert(largest_piece(0x204000, 0x20a000, 30) == 14);
static_assert(largest_piece(0x208000, 0x20a000, 30) == 13);
static_assert(largest_piece(0, 0x100000, 16) == 16); // capped by max_size_bits
static_assert(piece_count(0x203000, 0x20a000, 30) == 3);
static_assert(piece_count(0x100000, 0x110000, 16) == 1);
static_assert(piece_count(0, 0x30000, 16) == 3); // three capped 64 KiB blocks
static_assert(piece_count(5, 5, 16) == 0);

TEST(Pieces, ForEachPieceListsTheGreedyDecompositionLowestFirst) {
    // [0x1000, 0x7000): at 0x1000 only 4 KiB alignment; at 0x2000 8 KiB alignment; at 0x4000 16 KiB
    // alignment but only 0x3000 left, so 8 KiB; at 0x6000 only 0x1000 left.
    std::array<std::pair<std::uint64_t, unsigned>, 4> want{{{0x1000, 12}, {0x2000, 13}, {0x4000, 13}, {0x6000, 12}}};
    std::size_t i = 0;
    for_each_piece(0x1000, 0x7000, 30, [&](std::uint64_t p, unsigned sb) {
        ASSERT_LT(i, want.size());
        EXPECT_EQ(p, want[i].first);
        EXPECT_EQ(sb, want[i].second);
        ++i;
    });
    EXPECT_EQ(i, want.size());
}

constexpr std::array<bank, 2> good{{{0x100000, 0x10000}, {0x203000, 0x7000}}};
static_assert(check_layout(good, 2, 12).has_value());

TEST(Layout, RejectsEachKindOfBadLayoutWithItsOwnError) {
    EXPECT_EQ(check_layout(std::span<const bank>{}, 2, 12).error(), invalid_argument(0));
    EXPECT_EQ(check_layout(good, 1, 12).error(), make_error(error_code::capacity_exhausted, 2, 1));
    const std::array<bank, 1> empty{{{0x1000, 0}}};
    EXPECT_EQ(check_layout(empty, 2, 12).error(), invalid_argument(0));
    const std::array<bank, 1> base{{{0x1800, 0x1000}}};
    EXPECT_EQ(check_layout(base, 2, 12).error(), make_error(error_code::misaligned, 0x1800, 0x1000));
    const std::array<bank, 1> size{{{0x1000, 0x1800}}};
    EXPECT_EQ(check_layout(size, 2, 12).error(), make_error(error_code::misaligned, 0x1800, 0x1000));
    const std::array<bank, 1> wraps{{{0xffff'ffff'ffff'f000, 0x2000}}};
    EXPECT_EQ(check_layout(wraps, 2, 12).error(), make_error(error_code::out_of_window, 0xffff'ffff'ffff'f000, 0x2000));
    const std::array<bank, 2> unsorted{{{0x203000, 0x7000}, {0x100000, 0x10000}}};
    EXPECT_EQ(check_layout(unsorted, 2, 12).error(), make_error(error_code::overlap, 0x100000, 0x20a000));
    const std::array<bank, 2> overlapping{{{0x100000, 0x10000}, {0x10f000, 0x1000}}};
    EXPECT_EQ(check_layout(overlapping, 2, 12).error(), make_error(error_code::overlap, 0x10f000, 0x110000));
    const std::array<bank, 2> adjacent{{{0x100000, 0x10000}, {0x110000, 0x1000}}};
    EXPECT_TRUE(check_layout(adjacent, 2, 12).has_value());
}

} // namespace
