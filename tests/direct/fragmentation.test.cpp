// Fragmentation: after ordinary domains come and go, does a large 1:1 request
// still fit? One bank of 64 KiB at 0x100000, granule 4 KiB; "u" below is 4 KiB
// and addresses are written as offsets in u from 0x100000.
//
// The sequence: X = 8u, Y = 1u, Z = 1u, W = 2u, V = 4u; free X and Z;
// S = 1u; then the 1:1 domain D = 8u (one naturally aligned 32 KiB block).
//
// lowest_first (by hand): X = [0,8); Y = [8,9) (only [8,16) is free); Z = [9,10);
// W = [10,12); V = [12,16). Freeing X gives [0,8), freeing Z gives [9,10) (its
// buddy Y is used). S takes the lowest block that fits: [0,1), breaking [0,8).
// Free is now [1,2) [2,4) [4,8) [9,10): 8u free, the largest block 4u, the
// largest run [1,8) = 7u, so D does not fit.
//
// split_ends<15> (8u and up is large): X = [8,16) (top of the bank); Y = [0,1),
// Z = [1,2), W = [2,4), V = [4,8) (smallest fitting block each time). Freeing X
// gives [8,16), freeing Z gives [1,2). S takes the smallest fitting block,
// [1,2). D takes [8,16).
//
// best_fit (smallest order, lowest address): as lowest_first until S, which
// takes the 1u fragment [9,10); D then takes [0,8).
#include "support.hpp"

namespace {
using namespace direct_test;

constexpr std::uint64_t u = 0x1000;
constexpr std::uint64_t base = 0x100000;

template <class Flavour>
result<chunk> run_scenario(host<Flavour>& h) {
    EXPECT_TRUE(h.init(one_bank).has_value());
    auto& a = h.a;
    auto x = a.allocate(15);
    auto y = a.allocate(12);
    auto z = a.allocate(12);
    auto w = a.allocate(13);
    auto v = a.allocate(14);
    EXPECT_TRUE(x && y && z && w && v);
    EXPECT_TRUE(a.free(*x).has_value());
    EXPECT_TRUE(a.free(*z).has_value());
    EXPECT_TRUE(a.allocate(12).has_value()); // S
    return a.allocate(15);                   // D
}

template <class Flavour>
void expect_lowest_first_fails() {
    host<Flavour> h;
    auto d = run_scenario(h);
    ASSERT_FALSE(d.has_value());
    EXPECT_EQ(d.error(), (error{.code = error_code::no_fit,
                                .range_min = base,
                                .range_max = base + 16 * u,
                                .memory_left = 8 * u,
                                .value = 4 * u,
                                .limit = 4 * u}));
    EXPECT_EQ(h.a.largest_free_run(0), 7 * u);
    const block_list want{{0, base + 1 * u, 12}, {0, base + 9 * u, 12}, {0, base + 2 * u, 13}, {0, base + 4 * u, 14}};
    EXPECT_EQ(h.blocks(), want);
}

template <class Flavour>
void expect_fits_at(std::uint64_t paddr) {
    host<Flavour> h;
    auto d = run_scenario(h);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, (chunk{.paddr = paddr, .size = 8 * u, .bank = 0}));
}

TEST(Fragmentation, LowestFirstCannotPlaceTheDirectMappedDomain) {
    expect_lowest_first_fails<out_of_band_flavour<policy::lowest_first>>();
    expect_lowest_first_fails<in_band_flavour<policy::lowest_first>>();
}

TEST(Fragmentation, SplitEndsKeepsTheTopWholeForIt) {
    expect_fits_at<out_of_band_flavour<policy::split_ends<15>>>(base + 8 * u);
    expect_fits_at<in_band_flavour<policy::split_ends<15>>>(base + 8 * u);
}

TEST(Fragmentation, BestFitUsesTheFragmentAndFitsLow) {
    expect_fits_at<out_of_band_flavour<policy::best_fit>>(base);
    expect_fits_at<in_band_flavour<policy::best_fit>>(base);
}

// Many small domains created and destroyed in a fixed pattern, with one
// long-lived small domain each round: split_ends keeps the small ones packed
// at the bottom, so the top half stays whole.
// Round i (0..3): allocate 1u four times, keep the first, free the others.
// split_ends (by hand): round 0 takes [0,1) [1,2) [2,3) [3,4) and keeps [0,1);
// each later round starts at the lowest free 1u fragment, so it keeps [1,2),
// then [2,3), then [3,4), and its other three come from [2,8) and merge back
// into [4,8) when freed. The 1:1 request (8u, large) then takes [8,16).
TEST(Fragmentation, ChurnOfSmallDomainsLeavesTheTopHalfWholeUnderSplitEnds) {
    host<out_of_band_flavour<policy::split_ends<15>>> h;
    ASSERT_TRUE(h.init(one_bank).has_value());
    for (int round = 0; round < 4; ++round) {
        std::array<chunk, 4> c{};
        for (auto& x : c) {
            auto r = h.a.allocate(12);
            ASSERT_TRUE(r.has_value());
            x = *r;
        }
        EXPECT_LT(c[0].paddr, base + 4 * u) << round;
        for (std::size_t i = 1; i < c.size(); ++i) ASSERT_TRUE(h.a.free(c[i]).has_value());
    }
    auto d = h.a.allocate(15);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->paddr, base + 8 * u);
}

} // namespace
