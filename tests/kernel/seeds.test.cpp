// The seed scenarios, worked out from the kernel's arithmetic.
#include <retype/kernel/machine.hpp>

#include <gtest/gtest.h>

#include <array>
#include <memory>

using namespace retype;
using namespace retype::kernel;

namespace {
constexpr retype_args args(object_type t, std::uint64_t size_bits = 0) {
    return retype_args{.type = t, .size_bits = size_bits, .count = 1};
}

// Seed 002: a 0x2000 untyped; CNode 0x400, CNode 0x800, 4K frame, CNode 0x400.
// Offsets 0x0, 0x800 (a 0x400 gap), 0x1000, then the last fails with 0 bytes left.
struct gap_result {
    std::array<std::uint64_t, 3> offsets{};
    error last{};
};
constexpr gap_result gap_scenario() {
    machine<8> m(config{.target = arch::x86_64});
    auto ut = m.add_untyped(0x400000, 13, false);
    gap_result g{};
    g.offsets[0] = m.retype(*ut, args(object_type::cnode, 5))->plan.offset;
    g.offsets[1] = m.retype(*ut, args(object_type::cnode, 6))->plan.offset;
    g.offsets[2] = m.retype(*ut, args(object_type::frame_4k))->plan.offset;
    g.last = m.retype(*ut, args(object_type::cnode, 5)).error();
    return g;
}
constexpr gap_result gap = gap_scenario();
static_assert(gap.offsets[0] == 0x0 && gap.offsets[1] == 0x800 && gap.offsets[2] == 0x1000);
static_assert(gap.last == not_enough_memory(0));

// Seed 003 on x86_64: the bootinfo device untyped 0x8000000000/46 has pptr 0.
// The capDL initialiser walked a cursor by physical alignment (2^39, 2^40, 2^41,
// 2^42, 2^42, 2^41, then the frame), believing the frame lands at 0xe0000000000.
// The kernel aligns each child on the pptr, i.e. on the offset from 0.
constexpr std::array<unsigned, 6> dummy_bits{39, 40, 41, 42, 42, 41};
constexpr std::array<paddr_t, 7> kernel_places() {
    machine<16> m(config{.target = arch::x86_64});
    auto ut = m.add_untyped(0x8000000000ULL, 46, true);
    std::array<paddr_t, 7> at{};
    for (std::size_t i = 0; i < dummy_bits.size(); ++i)
        at[i] = m.retype(*ut, args(object_type::untyped, dummy_bits[i]))->plan.paddr;
    at[6] = m.retype(*ut, args(object_type::frame_4k))->plan.paddr;
    return at;
}
// Where the initialiser believed each piece goes: a physical cursor aligned up by
// physical alignment, starting at the untyped's physical base.
constexpr std::array<paddr_t, 7> physical_belief() {
    std::array<paddr_t, 7> at{};
    paddr_t cursor = 0x8000000000ULL;
    for (std::size_t i = 0; i < dummy_bits.size(); ++i) {
        const paddr_t size = paddr_t{1} << dummy_bits[i];
        cursor = (cursor + size - 1) & ~(size - 1);
        at[i] = cursor;
        cursor += size;
    }
    at[6] = cursor;
    return at;
}
constexpr auto placed = kernel_places();
constexpr auto believed = physical_belief();
static_assert(believed[6] == 0xe0000000000ULL, "the initialiser's target");
static_assert(placed[0] == 0x8000000000ULL && placed[1] == 0x18000000000ULL && placed[2] == 0x28000000000ULL);
static_assert(placed[3] == 0x48000000000ULL && placed[4] == 0x88000000000ULL && placed[5] == 0xc8000000000ULL);
static_assert(placed[6] == 0xe8000000000ULL, "where the kernel really puts the frame");
} // namespace

TEST(Seeds, GapOf002AtRunTime) {
    const gap_result g = gap_scenario();
    EXPECT_EQ(g.offsets[1], 0x800u);
    EXPECT_EQ(g.last, not_enough_memory(0));
}

TEST(Seeds, HighDeviceFrameOf003AtRunTime) {
    const auto p = kernel_places();
    const auto b = physical_belief();
    EXPECT_EQ(b[1], 0x10000000000ULL);
    EXPECT_EQ(p[1], 0x18000000000ULL);
    EXPECT_EQ(b[6], 0xe0000000000ULL);
    EXPECT_EQ(p[6], 0xe8000000000ULL);
}

TEST(Seeds, HighDeviceFrameReachedByOffsetAlignment) {
    // The rust-sel4 fix (#350/#356): size each dummy by the alignment of the
    // offset inside the untyped, not of the physical address. Then the frame lands
    // where it was meant to.
    auto m = std::make_unique<machine<64>>(config{.target = arch::x86_64});
    const paddr_t base = 0x8000000000ULL;
    const paddr_t target = 0xe0000000000ULL;
    auto ut = m->add_untyped(base, 46, true);
    ASSERT_TRUE(ut);
    paddr_t cur = base;
    auto hold = m->retype(*ut, args(object_type::untyped, 4)); // keep a child so the watermark holds
    ASSERT_TRUE(hold);
    cur += 16;
    while (cur < target) {
        const std::uint64_t off = cur - base;
        unsigned bits = static_cast<unsigned>(__builtin_ctzll(off));
        const std::uint64_t dist = target - cur;
        while ((std::uint64_t{1} << bits) > dist) --bits;
        auto d = m->retype(*ut, args(object_type::untyped, bits));
        ASSERT_TRUE(d);
        ASSERT_EQ(d->plan.paddr, cur);
        cur += std::uint64_t{1} << bits;
    }
    auto frame = m->retype(*ut, args(object_type::frame_4k));
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->plan.paddr, target);
}
