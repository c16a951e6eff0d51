// Issue 16, items 6 and 7: an undo whose delete the backend refuses never
// leaves an occupied slot marked free (under every strategy), and watermark
// allocate_at at the top of the address space says overlap.
#include "faulty_backend.hpp"

#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<64, 256>;
using faulty_t = test::faulty<model_t>;
template <class Split>
using alloc_t = allocator<faulty_t, target<x86>, split<Split>, max_untypeds<16>, max_slots<16>, max_allocations<8>>;

constexpr backend::slot_t first = 100;
constexpr std::uint64_t count = 16;
constexpr kernel::paddr_t base = 0x100000;  // 2^13: one halving down to a 4 KiB frame
constexpr kernel::paddr_t other = 0x200000; // a second untyped, 2^16

/// The slots the allocator would hand out now (its free runs and caches).
template <class A>
std::vector<backend::slot_t> free_slots(const A& a) {
    const auto s = a.snapshot();
    std::vector<backend::slot_t> out;
    for (std::size_t i = 0; i < s.slot_runs_n; ++i)
        for (std::uint64_t k = 0; k < s.slot_runs[i].count; ++k) out.push_back(s.slot_base + s.slot_runs[i].first + k);
    for (std::size_t i = 0; i < s.singles.n; ++i) out.push_back(s.singles.entries[i]); // the caches hold slot numbers
    for (std::size_t i = 0; i < s.pairs.n; ++i) {
        out.push_back(s.pairs.entries[i]);
        out.push_back(s.pairs.entries[i] + 1);
    }
    return out;
}

template <class Split>
struct fixture {
    std::unique_ptr<model_t> m = std::make_unique<model_t>(x86);
    std::unique_ptr<faulty_t> f = std::make_unique<faulty_t>(*m);
    std::unique_ptr<alloc_t<Split>> a = std::make_unique<alloc_t<Split>>(*f);
    fixture() {
        EXPECT_TRUE(a->add_slots(first, count));
        EXPECT_TRUE(a->add_untyped(1, base, 13, false));
        EXPECT_TRUE(a->add_untyped(2, other, 16, false));
    }
    void expect_no_occupied_slot_free() const {
        for (backend::slot_t s : free_slots(*a))
            EXPECT_FALSE(m->occupied(s)) << "slot " << s << " is free but occupied";
    }
};

// The request makes two calls, and the second fails (injected): buddy /
// binary_search halve the 2^13 block once (two 2^12 untypeds into slots 100,
// 101), then the frame retype into 102 fails; the undo deletes 101 (refused
// twice: the allocator tries once more) and 100. Slot 101 stays out of use.
template <class Split>
void halving_strands_the_refused_slot() {
    fixture<Split> x;
    x.f->fail_retype = 2;
    x.f->refuse_deletes = 2;
    auto r = x.a->allocate_at(object_type::frame_4k, 0, base);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::undo_incomplete);
    EXPECT_EQ(r.error().value, 101u);
    EXPECT_EQ(r.error().limit, 1u);
    EXPECT_EQ(r.error().argument, static_cast<std::uint64_t>(error_code::not_enough_memory));
    EXPECT_TRUE(x.m->occupied(101));
    EXPECT_FALSE(x.m->occupied(100));
    EXPECT_EQ(x.a->stats().stranded, 1u);
    EXPECT_EQ(x.a->stats().slots, 1u);
    x.expect_no_occupied_slot_free();
    // The block under the stranded cap is withheld (the kernel would not reset
    // it); everything else works, and never gets slot 101: a frame from the
    // other untyped takes 9 slots (2^16 -> 2^12: 4 halvings of a pair, then 1).
    auto again = x.a->allocate_at(object_type::frame_4k, 0, base);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, error_code::overlap);
    auto ok = x.a->allocate(object_type::frame_4k);
    ASSERT_TRUE(ok) << name(ok.error().code);
    EXPECT_EQ(ok->paddr, other);
    EXPECT_NE(ok->slot, 101u);
    x.expect_no_occupied_slot_free();
    ASSERT_TRUE(x.a->free(ok->id));
    ASSERT_TRUE(x.a->reset(2)); // binary_search keeps its halves until then
    // Reset of the root revokes the stranded cap: its slot is usable again.
    ASSERT_TRUE(x.a->reset(1));
    EXPECT_FALSE(x.m->occupied(101));
    EXPECT_EQ(x.a->stats().stranded, 0u);
    auto after = x.a->allocate_at(object_type::frame_4k, 0, base);
    ASSERT_TRUE(after) << name(after.error().code);
    EXPECT_EQ(x.m->paddr(after->slot), base);
}

TEST(UndoFaults, BuddyKeepsARefusedSlotOutOfUse) { halving_strands_the_refused_slot<buddy>(); }
TEST(UndoFaults, BinarySearchKeepsARefusedSlotOutOfUse) { halving_strands_the_refused_slot<binary_search>(); }

// Watermark: allocate_at(base + 0x1000) pads with one 2^12 untyped at base
// (slot 100), then the frame (slot 101) fails; the padding's delete is refused
// twice, so it stays: a child of the untyped, watermark 0x1000. The next frame
// goes where the kernel puts it (offset 0x1000: the untyped has a child, so no
// reset), in a slot other than 100.
TEST(UndoFaults, WatermarkKeepsARefusedSlotOutOfUse) {
    fixture<watermark> x;
    x.f->fail_retype = 2;
    x.f->refuse_deletes = 2;
    auto r = x.a->allocate_at(object_type::frame_4k, 0, base + 0x1000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::undo_incomplete);
    EXPECT_EQ(r.error().value, 100u);
    EXPECT_EQ(r.error().limit, 1u);
    EXPECT_TRUE(x.m->occupied(100));
    EXPECT_EQ(x.a->stats().stranded, 1u);
    x.expect_no_occupied_slot_free();
    auto next = x.a->allocate_at(object_type::frame_4k, 0, base + 0x1000);
    ASSERT_TRUE(next) << name(next.error().code);
    EXPECT_NE(next->slot, 100u);
    EXPECT_EQ(x.m->paddr(next->slot), base + 0x1000);
    ASSERT_TRUE(x.a->free(next->id));
    ASSERT_TRUE(x.a->reset(1));
    EXPECT_EQ(x.a->stats().stranded, 0u);
    EXPECT_FALSE(x.m->occupied(100));
    x.expect_no_occupied_slot_free();
}

// A refused delete in a watermark free that is not the first: the caps still
// there stay in the allocation (a valid prefix), and a second free finishes.
// Three frames do not fit the 2^13 untyped, so they come from the 2^16 one at
// its start (slots 100..102); one more frame at other + 0x3000 (slot 103) makes
// its children 4 > the allocation's 3, so free deletes one by one: 102 (ok),
// 101 (refused), and stops.
TEST(UndoFaults, WatermarkPartialFreeKeepsAValidPrefix) {
    fixture<watermark> x;
    auto three = x.a->allocate(object_type::frame_4k, 0, 3);
    auto one = x.a->allocate_at(object_type::frame_4k, 0, other + 0x3000);
    ASSERT_TRUE(three && one);
    ASSERT_EQ(three->paddr, other); // the 2^16 untyped's class is the larger
    x.f->fail_delete = 2;
    auto e = x.a->free(three->id);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, error_code::delete_first);
    EXPECT_TRUE(x.a->live(three->id));
    EXPECT_FALSE(x.m->occupied(three->slot + 2));
    EXPECT_TRUE(x.m->occupied(three->slot + 1));
    x.expect_no_occupied_slot_free();
    ASSERT_TRUE(x.a->free(three->id));
    EXPECT_FALSE(x.a->live(three->id));
    x.expect_no_occupied_slot_free();
}

// Issue 16.7: an untyped that ends exactly at 2^64 (device memory at the top),
// full after one allocation: allocate_at behind its watermark is overlap for
// every strategy (the watermark cursor 2^64 must not wrap to 0).
template <class Split>
void top_of_address_space_is_overlap() {
    auto m = std::make_unique<model_t>(x86);
    faulty_t f(*m);
    alloc_t<Split> a(f);
    ASSERT_TRUE(a.add_slots(first, count));
    constexpr kernel::paddr_t top16 = 0xffffffffffff0000ULL; // 2^64 - 2^16: pptr-aligned to 2^16
    ASSERT_TRUE(a.add_untyped(1, top16, 16, true));
    ASSERT_TRUE(a.allocate(object_type::untyped, 16, 1, memory::device)); // all of it
    const auto before = a.snapshot();
    auto r = a.allocate_at(object_type::frame_4k, 0, top16 + 0x1000, memory::device);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::overlap);
    EXPECT_EQ(r.error().value, top16 + 0x1000);
    EXPECT_TRUE(a.snapshot() == before);
}
TEST(TopOfAddressSpace, WatermarkSaysOverlap) { top_of_address_space_is_overlap<watermark>(); }
TEST(TopOfAddressSpace, BuddySaysOverlap) { top_of_address_space_is_overlap<buddy>(); }
TEST(TopOfAddressSpace, BinarySearchSaysOverlap) { top_of_address_space_is_overlap<binary_search>(); }

} // namespace
