// Every check of decodeUntypedInvocation the model runs, in the kernel's order,
// with the payload the kernel returns (src/object/untyped.c, src/object/tcb.c).
#include <retype/kernel/untyped.hpp>

#include <gtest/gtest.h>

using namespace retype;
using namespace retype::kernel;

namespace {
constexpr config x64{.target = arch::x86_64};

constexpr untyped_state fresh(paddr_t p, unsigned bits, bool device = false) { return boot_untyped(p, bits, device); }

constexpr retype_args args(object_type t, std::uint64_t size_bits = 0, std::uint64_t count = 1) {
    return retype_args{.type = t, .size_bits = size_bits, .count = count};
}

constexpr result<retype_plan> decode(const untyped_state& u, const retype_args& a, const config& c = x64) {
    return decode_retype(c, u, a);
}
} // namespace

// A first retype of a boot untyped (stored "full", no children) resets and starts at 0.
static_assert(decode(fresh(0x400000, 13), args(object_type::cnode, 5))->offset == 0);
static_assert(decode(fresh(0x400000, 13), args(object_type::cnode, 5))->reset);
static_assert(decode(fresh(0x400000, 13), args(object_type::cnode, 5))->new_used == 0x400);

TEST(Retype, Check3UnknownTypeIsInvalidArgument0) {
    auto r = decode(fresh(0x400000, 13), args(object_type::sched_context, 8)); // no MCS
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), invalid_argument(0));
    auto r2 = decode(fresh(0x400000, 13), args(object_type::frame_2m), config{.target = arch::aarch32});
    ASSERT_FALSE(r2);
    EXPECT_EQ(r2.error(), invalid_argument(0));
}

TEST(Retype, Check4SizeBitsAtLeastWordBitsIsRangeError) {
    // Applies to fixed-size types too, where size_bits is otherwise ignored.
    auto r = decode(fresh(0x400000, 13), args(object_type::endpoint, 64));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), range_error(0, 47));
    auto r32 = decode(fresh(0x40000000, 13), args(object_type::endpoint, 32), config{.target = arch::aarch32});
    ASSERT_FALSE(r32);
    EXPECT_EQ(r32.error(), range_error(0, 29));
    // 63 is below wordBits: a fixed-size object ignores it.
    EXPECT_TRUE(decode(fresh(0x400000, 13), args(object_type::endpoint, 63)));
}

TEST(Retype, Check4ObjectLargerThanMaxUntypedIsRangeError) {
    auto r = decode(fresh(0x400000, 13), args(object_type::untyped, 48));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), range_error(0, 47));
    // CNode: 5 + radix > 47.
    auto c = decode(fresh(0x400000, 13), args(object_type::cnode, 43));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), range_error(0, 47));
    auto rv = decode(fresh(0x400000, 13), args(object_type::untyped, 39), config{.target = arch::riscv64});
    ASSERT_FALSE(rv);
    EXPECT_EQ(rv.error(), range_error(0, 38));
}

TEST(Retype, Checks5To7TooSmallVariableObjects) {
    EXPECT_EQ(decode(fresh(0x400000, 13), args(object_type::cnode, 0)).error(), invalid_argument(1));
    EXPECT_EQ(decode(fresh(0x400000, 13), args(object_type::untyped, 3)).error(), invalid_argument(1));
    const config mcs{.target = arch::x86_64, .mcs = true};
    EXPECT_EQ(decode(fresh(0x400000, 13), args(object_type::sched_context, 6), mcs).error(), invalid_argument(1));
    EXPECT_TRUE(decode(fresh(0x400000, 13), args(object_type::sched_context, 7), mcs));
}

TEST(Retype, Check10DestinationOffsetOutsideCNode) {
    retype_args a = args(object_type::endpoint);
    a.has_destination = true;
    a.dest = destination{.radix = 4, .offset = 16};
    EXPECT_EQ(decode(fresh(0x400000, 13), a).error(), range_error(0, 15));
}

TEST(Retype, Check11FanOut) {
    EXPECT_EQ(decode(fresh(0x400000, 20), args(object_type::endpoint, 0, 0)).error(), range_error(1, 256));
    EXPECT_EQ(decode(fresh(0x400000, 20), args(object_type::endpoint, 0, 257)).error(), range_error(1, 256));
    EXPECT_TRUE(decode(fresh(0x400000, 20), args(object_type::endpoint, 0, 256)));
    const config wide{.target = arch::x86_64, .fan_out_limit = 1024};
    EXPECT_TRUE(decode(fresh(0x400000, 20), args(object_type::endpoint, 0, 1000), wide));
    // seL4#168: 512 endpoints from an 8 KiB untyped is a range error, not a memory error.
    EXPECT_EQ(decode(fresh(0x400000, 13), args(object_type::endpoint, 0, 512)).error(), range_error(1, 256));
}

TEST(Retype, Check12WindowOverrunsNode) {
    retype_args a = args(object_type::endpoint, 0, 10);
    a.has_destination = true;
    a.dest = destination{.radix = 4, .offset = 10};
    EXPECT_EQ(decode(fresh(0x400000, 13), a).error(), range_error(1, 6));
}

TEST(Retype, Check13OccupiedSlotIsDeleteFirst) {
    retype_args a = args(object_type::endpoint, 0, 4);
    a.has_destination = true;
    a.dest = destination{.radix = 4, .offset = 2, .first_occupied = 4};
    auto r = decode(fresh(0x400000, 13), a);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::delete_first);
    a.dest.first_occupied = 6; // just past the window
    EXPECT_TRUE(decode(fresh(0x400000, 13), a));
}

TEST(Retype, Check15CapacityOnUnalignedFreeBytes) {
    untyped_state u = fresh(0x400000, 13);
    u.children = 1;
    u.used = 0x1c00; // 0x400 free, but a 0x800 CNode cannot fit
    auto r = decode(u, args(object_type::cnode, 6));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), not_enough_memory(0x400));
    // An object larger than the untyped: the shifted free size is 0.
    EXPECT_EQ(decode(fresh(0x400000, 13), args(object_type::untyped, 14)).error(), not_enough_memory(0x2000));
}

TEST(Retype, Check16DeviceMemoryOnlyFramesAndUntypeds) {
    const auto dev = fresh(0xfe000000, 16, true);
    EXPECT_EQ(decode(dev, args(object_type::tcb)).error(), invalid_argument(1));
    EXPECT_TRUE(decode(dev, args(object_type::frame_4k)));
    EXPECT_TRUE(decode(dev, args(object_type::untyped, 12)));
    // Checked after capacity: a too-large kernel object on device memory is NotEnoughMemory.
    EXPECT_EQ(decode(dev, args(object_type::cnode, 20)).error(), not_enough_memory(0x10000));
}

TEST(Retype, ChecksComeInTheKernelsOrder) {
    // Invalid size (4) wins over fan-out (11) and capacity (15).
    EXPECT_EQ(decode(fresh(0x400000, 4), args(object_type::untyped, 50, 0)).error(), range_error(0, 47));
    // Fan-out (11) wins over capacity (15).
    EXPECT_EQ(decode(fresh(0x400000, 4), args(object_type::frame_4k, 0, 300)).error(), range_error(1, 256));
}

TEST(Retype, WithChildrenTheStoredWatermarkHolds) {
    untyped_state u = fresh(0x400000, 13);
    auto p = decode(u, args(object_type::cnode, 5));
    ASSERT_TRUE(p);
    invoke_retype(u, *p);
    EXPECT_EQ(u.used, 0x400u);
    EXPECT_EQ(u.children, 1u);
    auto q = decode(u, args(object_type::cnode, 6));
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->reset);
    EXPECT_EQ(q->offset, 0x800u); // aligned up, leaving a 0x400 gap
    EXPECT_EQ(q->new_used, 0x1000u);
}

TEST(Retype, AlignmentIsOnTheKernelVirtualAddress) {
    // A 2^46 device untyped at physical 2^39 on x86_64 has pptr 0. Aligning physical
    // addresses would put a 2^40 child at physical 2^40; the kernel puts it at 2^39 + 2^40.
    untyped_state u = fresh(0x8000000000ULL, 46, true);
    auto a = decode(u, args(object_type::untyped, 39));
    ASSERT_TRUE(a);
    invoke_retype(u, *a);
    auto b = decode(u, args(object_type::untyped, 40));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->paddr, 0x18000000000ULL);
    const auto t = traits(x64);
    EXPECT_EQ(aligned_offset(t, 0x8000000000ULL, 1ULL << 39, 40), 1ULL << 40);
}
