// Correctness of the benchmark baselines. Every expected number is derived by
// hand from the algorithm's rules in the comment next to it.
#include "kr_heap.hpp"
#include "map_allocator.hpp"
#include "slot_table.hpp"
#include "split_allocator.hpp"

#include <retype/backend/concept.hpp>
#include <retype/backend/counting.hpp>
#include <retype/backend/model.hpp>
#include <retype/kernel/machine.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <unordered_map>
#include <vector>

namespace rb = retype::bench;
namespace rk = retype::kernel;
using retype::backend::null_backend;
using retype::backend::slot_t;

namespace {

constexpr rk::config x86{};

// A backend over the kernel model, local to these tests: slots map to model
// objects, and the last retype's placement is recorded so the tests can check
// that the baseline's predicted paddr is where the kernel puts the object.
template <std::size_t Capacity>
struct test_model_backend {
    std::unique_ptr<rk::machine<Capacity>> m = std::make_unique<rk::machine<Capacity>>(x86);
    std::unordered_map<slot_t, rk::object_ref> slots;
    rk::paddr_t last_paddr = 0;

    retype::result<void> declare_untyped(slot_t s, rk::paddr_t p, std::uint64_t bits, bool device) {
        auto r = m->add_untyped(p, bits, device);
        if (!r) return retype::failure(r.error());
        slots[s] = *r;
        return {};
    }
    retype::result<retype::backend::retype_report> untyped_retype(const retype::backend::retype_call& c) {
        auto it = slots.find(c.untyped);
        if (it == slots.end()) return retype::failure(retype::make_error(retype::error_code::unknown_object));
        auto r = m->retype(it->second, rk::retype_args{c.type, c.size_bits, c.count});
        if (!r) return retype::failure(r.error());
        for (std::uint64_t i = 0; i < c.count; ++i) slots[c.dest + i] = m->at(r->first, i);
        last_paddr = r->plan.paddr;
        return retype::backend::retype_report{true, r->plan.paddr};
    }
    retype::result<void> cnode_delete(slot_t s) {
        auto it = slots.find(s);
        if (it == slots.end()) return {}; // deleting an empty slot succeeds, as in seL4
        auto r = m->remove(it->second);
        if (!r) return retype::failure(r.error());
        slots.erase(it);
        return {};
    }
    retype::result<void> cnode_revoke(slot_t) { return {}; }
};
static_assert(retype::backend::backend<test_model_backend<8>>);

TEST(KrHeap, NodeCostsEightUnits) {
    // allocman's 112-B node: ceil(112 / 16) = 7 units + 1 header unit = 8 units = 128 B.
    EXPECT_EQ(rb::kr_heap::units_for(112), 8u);
    rb::kr_heap h(1 << 12);
    void* a = h.allocate(112);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(h.bytes_in_use(), 128u);
}

TEST(KrHeap, FreeCoalescesBackToOneChunk) {
    rb::kr_heap h(1 << 12);
    std::vector<void*> v;
    for (int i = 0; i < 10; ++i) v.push_back(h.allocate(40)); // 3 + 1 = 4 units = 64 B each
    EXPECT_EQ(h.bytes_in_use(), 10u * 64u);
    for (std::size_t i = 0; i < v.size(); i += 2) h.deallocate(v[i]);
    EXPECT_EQ(h.bytes_in_use(), 5u * 64u);
    EXPECT_GE(h.free_chunks(), 5u); // five holes between live blocks (plus the rest of the pool)
    for (std::size_t i = 1; i < v.size(); i += 2) h.deallocate(v[i]);
    EXPECT_EQ(h.bytes_in_use(), 0u);
    EXPECT_EQ(h.free_chunks(), 1u);
    EXPECT_EQ(h.peak_bytes(), 640u);
}

TEST(KrHeap, ExhaustionReturnsNull) {
    rb::kr_heap h(256); // 16 units + the sentinel: room for exactly two 128-B nodes
    EXPECT_NE(h.allocate(112), nullptr);
    EXPECT_NE(h.allocate(112), nullptr);
    EXPECT_EQ(h.allocate(112), nullptr);
}

// fixed_pool.c's morecore: the list starts with only the zero-sized base, and
// each miss cuts exactly the units asked for from the untouched pool, at
// ascending addresses: two 112-B nodes are 8 units = 128 B apart, and nothing
// is on the free list until something is freed.
TEST(KrHeap, MorecoreCutsExactChunksAscending) {
    rb::kr_heap h(1 << 12);
    auto* a = static_cast<char*>(h.allocate(112));
    auto* b = static_cast<char*>(h.allocate(112));
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b - a, 128);
    EXPECT_EQ(h.free_chunks(), 0u);
    h.deallocate(a);
    EXPECT_EQ(h.free_chunks(), 1u);
    void* c = h.allocate(112); // the hole fits exactly: first fit takes it back
    EXPECT_EQ(c, a);
    EXPECT_EQ(h.free_chunks(), 0u);
}

// single_level.c: 128 slots = 2 words. The first 64 allocations take word 0
// from bit 63 down (slots 63 .. 0), the 65th moves on to word 1 (slot 127).
// Slot 5 freed now is not reused while word 1 has room (126 .. 64 come
// first, 63 more); only when word 1 is full does the scan wrap round to it.
TEST(SlotTable, RovesForwardAndReusesFreedSlotsOnlyAfterWrapping) {
    rb::slot_table t(128);
    slot_t s = 0;
    for (slot_t want = 63;; --want) {
        ASSERT_TRUE(t.allocate(s));
        EXPECT_EQ(s, want);
        if (want == 0) break;
    }
    ASSERT_TRUE(t.allocate(s));
    EXPECT_EQ(s, 127u);
    t.release(5);
    for (slot_t want = 126; want >= 64; --want) {
        ASSERT_TRUE(t.allocate(s));
        EXPECT_EQ(s, want);
    }
    ASSERT_TRUE(t.allocate(s));
    EXPECT_EQ(s, 5u);
    EXPECT_FALSE(t.allocate(s)); // all 128 used
    EXPECT_EQ(t.used(), 128u);
}

// The published figure (peers.md 2.3, seL4_projects_libs#126): a 2 GiB guest at
// 4 KiB pages from one 2 GiB untyped. 2^31 / 2^12 = 524,288 leaves; a fully split
// block with 2^19 leaves has 2^20 - 2 = 1,048,574 non-root nodes, plus the root =
// 1,048,575 nodes of 128 B = 134,217,600 B (128.0 MiB). Slots: one per node plus
// one per frame cap = 1,048,575 + 524,288.
TEST(SplitAllocator, ReproducesThePublished2GiBFigure) {
    null_backend b;
    rb::split_allocator<null_backend> a(b, x86, std::size_t{140} << 20, std::size_t{1} << 21);
    ASSERT_TRUE(a.add_untyped(0x80000000, 31, rb::ut_family::ram));
    rk::paddr_t expect = 0x80000000;
    for (std::uint64_t i = 0; i < (std::uint64_t{1} << 19); ++i) {
        auto r = a.allocate(rk::object_type::frame_4k, 0);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->paddr, expect); // left halves first: ascending paddr
        expect += 0x1000;
    }
    EXPECT_EQ(a.nodes(), 1048575u);
    EXPECT_EQ(a.heap_bytes(), 134217600u);
    EXPECT_EQ(a.slots_used(), 1048575u + 524288u);
    EXPECT_FALSE(a.allocate(rk::object_type::frame_4k, 0)); // the 2 GiB are gone
}

// Same guest at 2 MiB pages: 2^31 / 2^21 = 1,024 leaves, 2 * 1024 - 2 + 1 = 2,047
// nodes x 128 B = 262,016 B (about 256 KiB, the figure the issue reporter saw).
TEST(SplitAllocator, TwoMiBPagesNeedTwoThousandNodes) {
    null_backend b;
    rb::split_allocator<null_backend> a(b, x86, std::size_t{1} << 20, std::size_t{1} << 12);
    ASSERT_TRUE(a.add_untyped(0x80000000, 31, rb::ut_family::ram));
    for (int i = 0; i < 1024; ++i) ASSERT_TRUE(a.allocate(rk::object_type::frame_2m, 0));
    EXPECT_EQ(a.nodes(), 2047u);
    EXPECT_EQ(a.heap_bytes(), 262016u);
}

// 16 KiB untyped, four 4 KiB frames: root + two 8 KiB + four 4 KiB = 7 nodes.
// Freeing all four merges every pair back: only the root node and its slot remain.
TEST(SplitAllocator, FreeMergesBuddiesBackToTheRoot) {
    test_model_backend<64> b;
    rb::split_allocator<test_model_backend<64>> a(b, x86, 1 << 16, 64);
    ASSERT_TRUE(a.add_untyped(0x100000, 14, rb::ut_family::ram));
    std::vector<rb::split_allocator<test_model_backend<64>>::allocation> v;
    for (int i = 0; i < 4; ++i) {
        auto r = a.allocate(rk::object_type::frame_4k, 0);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->paddr, b.last_paddr); // the kernel model puts it where the baseline says
        EXPECT_EQ(r->paddr, 0x100000u + 0x1000u * static_cast<unsigned>(i));
        v.push_back(*r);
    }
    EXPECT_EQ(a.nodes(), 7u);
    EXPECT_EQ(a.slots_used(), 7u + 4u);
    EXPECT_FALSE(a.allocate(rk::object_type::frame_4k, 0));
    for (auto& x : v) ASSERT_TRUE(a.free(x));
    EXPECT_EQ(a.nodes(), 1u);
    EXPECT_EQ(a.slots_used(), 1u);
    EXPECT_EQ(b.slots.size(), 1u); // only the root untyped's cap is left in the model
    // Merged back to 16 KiB: a CNode of 2^9 slots x 32 B = 16 KiB fits again, at the base.
    auto big = a.allocate(rk::object_type::cnode, 9);
    ASSERT_TRUE(big);
    EXPECT_EQ(big->paddr, 0x100000u);
}

// Kernel calls as allocman's split.c makes them (_refill_pool: two
// Untyped_Retype per split, one per object in _utspace_split_alloc; the caller
// deletes the object's cap; _utspace_split_free deletes both buddies' caps per
// merge, through _delete_node; split.c never revokes). One 64 KiB RAM untyped
// (x86_64, reset chunk 256 B), counted over the kernel model:
// 1. frame f: splits 64K -> 32K -> 16K -> 8K -> 4K, 4 x 2 = 8 retypes, plus the
//    frame = 9 retypes, 9 objects. The first retype on the boot untyped resets
//    it (full at boot, no children): 65,536 bytes zeroed. The halves are new
//    untypeds with freeIndex 0, so their first retypes zero nothing.
// 2. frame g: the right 4 KiB buddy is on the list: 1 retype, nothing zeroed.
// 3. free f: 1 delete (its frame cap); g is allocated, so no merge.
// 4. frame f2: f's 4 KiB untyped again, now childless with watermark 0x1000:
//    the retype resets it, 4,096 bytes zeroed (16 chunks). 1 retype.
// 5. free f2 (1 delete, g still allocated), free g (1 delete): g's buddy is
//    free, so 4 levels merge, 2 deletes each: 8. Deletes: 1 + 1 + 1 + 8 = 11.
// Totals: 9 + 1 + 1 = 11 retypes and objects, 11 deletes, 0 revokes, 2 resets,
// 65,536 + 4,096 bytes zeroed. Everything merged: the next frame splits again
// (8 + 1 retypes) and resets the root, whose watermark is its full 64 KiB.
TEST(SplitAllocator, KernelCallsFollowAllocmansCode) {
    using counted = retype::backend::counting<retype::backend::model<256, 256>>;
    auto b = std::make_unique<counted>(x86);
    rb::split_allocator<counted> a(*b, x86, 1 << 16, 256);
    ASSERT_TRUE(a.add_untyped(0x400000, 16, rb::ut_family::ram));
    auto f = a.allocate(rk::object_type::frame_4k, 0);
    ASSERT_TRUE(f);
    EXPECT_EQ(b->counts(),
              (retype::backend::kernel_counts{.retypes = 9, .objects = 9, .resets = 1, .zeroed_bytes = 65536}));
    auto g = a.allocate(rk::object_type::frame_4k, 0);
    ASSERT_TRUE(g);
    ASSERT_TRUE(a.free(*f));
    auto f2 = a.allocate(rk::object_type::frame_4k, 0);
    ASSERT_TRUE(f2);
    EXPECT_EQ(f2->paddr, 0x400000u);
    ASSERT_TRUE(a.free(*f2));
    ASSERT_TRUE(a.free(*g));
    EXPECT_EQ(b->counts(), (retype::backend::kernel_counts{.retypes = 11,
                                                           .deletes = 11,
                                                           .revokes = 0,
                                                           .refused = 0,
                                                           .objects = 11,
                                                           .resets = 2,
                                                           .zeroed_bytes = 65536 + 4096}));
    EXPECT_EQ(a.nodes(), 1u);
    ASSERT_TRUE(a.allocate(rk::object_type::frame_4k, 0));
    EXPECT_EQ(b->counts().retypes, 11u + 9u);
    EXPECT_EQ(b->counts().zeroed_bytes, 65536u + 4096u + 65536u);
}

// A fixed paddr inside a 1 MiB untyped: eight splits (2^20 down to 2^12) of two
// nodes each, plus the root = 17 nodes; the frame lands exactly there. The next
// page is its buddy, already free at level 12: no new split.
TEST(SplitAllocator, FixedPaddrSplitsTowardsTheAddress) {
    test_model_backend<64> b;
    rb::split_allocator<test_model_backend<64>> a(b, x86, 1 << 16, 64);
    ASSERT_TRUE(a.add_untyped(0x100000, 20, rb::ut_family::ram));
    auto r = a.allocate(rk::object_type::frame_4k, 0, 0x1A0000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->paddr, 0x1A0000u);
    EXPECT_EQ(b.last_paddr, 0x1A0000u);
    EXPECT_EQ(a.nodes(), 17u);
    auto s = a.allocate(rk::object_type::frame_4k, 0, 0x1A1000);
    ASSERT_TRUE(s);
    EXPECT_EQ(b.last_paddr, 0x1A1000u);
    EXPECT_EQ(a.nodes(), 17u);
    // Outside every untyped, or taken already.
    EXPECT_EQ(a.allocate(rk::object_type::frame_4k, 0, 0x300000).error().code, retype::error_code::out_of_window);
    EXPECT_FALSE(a.allocate(rk::object_type::frame_4k, 0, 0x1A0000));
    EXPECT_EQ(a.allocate(rk::object_type::frame_4k, 0, 0x1A0800).error().code, retype::error_code::misaligned);
}

TEST(SplitAllocator, DeviceFramesComeFromDeviceUntypeds) {
    test_model_backend<64> b;
    rb::split_allocator<test_model_backend<64>> a(b, x86, 1 << 16, 64);
    ASSERT_TRUE(a.add_untyped(0xfe000000, 16, rb::ut_family::device));
    // Not device-capable: no RAM covers it.
    EXPECT_FALSE(a.allocate(rk::object_type::frame_4k, 0, 0xfe003000, false));
    auto r = a.allocate(rk::object_type::frame_4k, 0, 0xfe003000, true);
    ASSERT_TRUE(r);
    EXPECT_EQ(b.last_paddr, 0xfe003000u);
}

TEST(MapAllocator, FirstFitAlignsAndFreeCoalesces) {
    null_backend b;
    rb::map_allocator<null_backend> a(b, x86, 64);
    ASSERT_TRUE(a.add_untyped(0x100000, 20, false)); // [1 MiB, 2 MiB)
    auto f = a.allocate(rk::object_type::frame_4k, 0);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->paddr, 0x100000u);
    // A 64 KiB-aligned 64 KiB untyped: first aligned start after 0x101000 is 0x110000.
    auto u = a.allocate(rk::object_type::untyped, 16);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->paddr, 0x110000u);
    EXPECT_EQ(a.extents(), 2u); // [0x101000, 0x110000) and [0x120000, 0x200000)
    auto g = a.allocate(rk::object_type::frame_4k, 0, 0x1ff000);
    ASSERT_TRUE(g);
    EXPECT_FALSE(a.allocate(rk::object_type::frame_4k, 0, 0x1ff000)); // taken
    EXPECT_FALSE(a.allocate(rk::object_type::frame_2m, 0));           // no 2 MiB anywhere
    ASSERT_TRUE(a.free(*u));
    ASSERT_TRUE(a.free(*f));
    ASSERT_TRUE(a.free(*g));
    EXPECT_EQ(a.extents(), 1u);
    EXPECT_EQ(a.slots_used(), 1u);
}

} // namespace
