// The counting backend: calls, objects and zeroed bytes, each expected value
// derived by hand from seL4's rules (resetUntypedCap zeroes an untyped's used
// part, rounded up to 2^CONFIG_RESET_CHUNK_BITS, when a retype finds it without
// children; objects are not zeroed at creation).
#include <retype/backend/counting.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <memory>

using namespace retype;
using namespace retype::backend;
using kernel::object_type;

namespace {

constexpr kernel::config x86{.target = kernel::arch::x86_64};
using counted_model = counting<model<64, 64>>;

constexpr retype_call call(slot_t ut, object_type t, std::uint64_t size_bits, slot_t dest, std::uint64_t count = 1) {
    return retype_call{ut, t, size_bits, dest, count};
}

// One 64 KiB boot untyped at 0x400000 in slot 0 (x86_64, chunk 2^8 = 256 B).
// 1. a 4 KiB frame into slot 1: the boot untyped is full (freeIndex = MAX) and
//    childless, so the retype resets it: 65536 bytes zeroed, one reset.
// 2. four 16-B endpoints into slots 2..5: the untyped has a child, no reset;
//    the watermark goes from 0x1000 to 0x1000 + 4 * 0x10 = 0x1040.
// 3. delete the frame, revoke the untyped: two calls, nothing zeroed yet.
// 4. a frame again: childless, stored watermark 0x1040 -> chunks 0x1000 ..
//    0x0, i.e. ceil(0x1040 / 0x100) = 17 chunks = 0x1100 = 4352 bytes.
constexpr kernel_counts walk_through() {
    counted_model b(x86);
    (void)b.declare_untyped(0, 0x400000, 16, false);
    (void)b.untyped_retype(call(0, object_type::frame_4k, 0, 1));
    (void)b.untyped_retype(call(0, object_type::endpoint, 0, 2, 4));
    (void)b.cnode_delete(1);
    (void)b.cnode_revoke(0);
    (void)b.untyped_retype(call(0, object_type::frame_4k, 0, 1));
    return b.counts();
}
static_assert(walk_through() == kernel_counts{.retypes = 3,
                                              .deletes = 1,
                                              .revokes = 1,
                                              .refused = 0,
                                              .objects = 1 + 4 + 1,
                                              .resets = 2,
                                              .zeroed_bytes = 65536 + 4352});
static_assert(walk_through().calls() == 5);
static_assert(counted_model::zeroed_known() && !counting<null_backend>::zeroed_known());

TEST(Counting, WalkThroughAtRunTime) {
    auto b = std::make_unique<counted_model>(x86);
    ASSERT_TRUE(b->declare_untyped(0, 0x400000, 16, false));
    ASSERT_TRUE(b->untyped_retype(call(0, object_type::frame_4k, 0, 1)));
    EXPECT_EQ(b->counts().zeroed_bytes, 65536u); // the boot untyped's first retype zeroes all of it
    ASSERT_TRUE(b->untyped_retype(call(0, object_type::endpoint, 0, 2, 4)));
    EXPECT_EQ(b->counts().zeroed_bytes, 65536u); // children exist: no reset
    EXPECT_EQ(b->inner().object(0).ut.used, 0x1040u);
    constexpr kernel_counts rest{
        .retypes = 1, .deletes = 1, .revokes = 1, .objects = 1, .resets = 1, .zeroed_bytes = 4352};
    EXPECT_EQ(b->counts(), walk_through() - rest);
}

TEST(Counting, RefusedCallsAreCountedButCreateNothing) {
    auto b = std::make_unique<counted_model>(x86);
    ASSERT_TRUE(b->declare_untyped(0, 0x400000, 12, false));
    // Slot 7 is empty: the model refuses (failed lookup). Still one trap into the kernel.
    EXPECT_FALSE(b->untyped_retype(call(7, object_type::frame_4k, 0, 1)));
    // Two frames do not fit in 4 KiB: seL4_NotEnoughMemory, and no reset happens.
    EXPECT_FALSE(b->untyped_retype(call(0, object_type::frame_4k, 0, 1, 2)));
    EXPECT_EQ(b->counts(), (kernel_counts{.retypes = 2, .refused = 2}));
    EXPECT_EQ(b->inner().object(0).ut.used, 0x1000u); // still full: the failed retype changed nothing
}

TEST(Counting, DeviceMemoryIsNeverZeroed) {
    auto b = std::make_unique<counted_model>(x86);
    ASSERT_TRUE(b->declare_untyped(0, 0xfe000000, 16, true));
    ASSERT_TRUE(b->untyped_retype(call(0, object_type::frame_4k, 0, 1)));
    ASSERT_TRUE(b->cnode_delete(1));
    ASSERT_TRUE(b->untyped_retype(call(0, object_type::frame_4k, 0, 1))); // a reset, but device memory
    EXPECT_EQ(b->counts(), (kernel_counts{.retypes = 2, .deletes = 1, .objects = 2}));
}

TEST(Counting, BlockBelowTheChunkIsZeroedWhole) {
    // Chunk 2^12. A 1 KiB child untyped is created empty (freeIndex 0): its first
    // retype zeroes nothing. One 16-B endpoint, deleted; the next retype resets a
    // block of 2^10 < 2^12, which clearMemory zeroes whole: 1024 bytes.
    constexpr kernel::config big_chunk{.target = kernel::arch::x86_64, .reset_chunk_bits = 12};
    auto b = std::make_unique<counted_model>(big_chunk);
    ASSERT_TRUE(b->declare_untyped(0, 0x400000, 16, false));
    ASSERT_TRUE(b->untyped_retype(call(0, object_type::untyped, 10, 1)));
    const std::uint64_t boot_reset = 65536; // 2^16 is a multiple of 2^12
    EXPECT_EQ(b->counts().zeroed_bytes, boot_reset);
    ASSERT_TRUE(b->untyped_retype(call(1, object_type::endpoint, 0, 2)));
    EXPECT_EQ(b->counts().zeroed_bytes, boot_reset);
    ASSERT_TRUE(b->cnode_delete(2));
    ASSERT_TRUE(b->untyped_retype(call(1, object_type::endpoint, 0, 2)));
    EXPECT_EQ(b->counts().zeroed_bytes, boot_reset + 1024);
    EXPECT_EQ(b->counts().resets, 2u);
}

TEST(Counting, OverABackendWithoutWatermarksCountsCallsOnly) {
    counting<null_backend> b;
    ASSERT_TRUE(b.declare_untyped(0, 0x400000, 16, false));
    ASSERT_TRUE(b.untyped_retype(call(0, object_type::endpoint, 0, 1, 3)));
    ASSERT_TRUE(b.cnode_delete(1));
    ASSERT_TRUE(b.cnode_revoke(0));
    EXPECT_EQ(b.counts(), (kernel_counts{.retypes = 1, .deletes = 1, .revokes = 1, .objects = 3}));
    b.reset_counts();
    EXPECT_EQ(b.counts(), kernel_counts{});
}

} // namespace
