// The allocator never allocates: global operator new/delete are replaced for this
// executable and every call is counted; the allocator's operations must not move
// the counter. Also pins sizeof of composed allocators (see docs/allocators.md).
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <new>

namespace {
std::size_t g_news = 0;
}

void* operator new(std::size_t n) {
    ++g_news;
    if (void* p = std::malloc(n ? n : 1)) return p;
    std::abort();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<256, 512>;

template <class Split, class FreeList>
using alloc_t = allocator<model_t, target<x86>, split<Split>, FreeList, max_untypeds<96>, max_slots<448>>;

// The allocator object: a pointer to the backend, then its tables. With
// max_untypeds<64>, max_slots<4096> (max_allocations = 64), on a 64-bit host:
//   backend pointer                          8
//   64 untyped descriptors x 56 B         3584  (4 x 8 B addresses and counts, 4 x 4 B links, 4 x 1 B, padded)
//   64 allocation records  x 72 B         4608
//   two free-index stacks 2 x 64 x 4 B     512, their two sizes 16
//   free lists: array  = 128 heads x 4 B + 64 x 8 B links         = 1024
//               intrusive = 64 hooks x 16 B + 128 list headers x 16 B = 3072
//   non-empty class masks 2 x 8 B           16
//   free slot runs: U + A + 16 + 2 x 16 = 176 runs (at most one more than the
//     owners of slots per slot range: records, halves, and the entries of the
//     two 16-entry slot caches; 16 ranges) x 8 B (two 32-bit offsets, since
//     max_slots + 16 < 2^32)              1408, their count 8
//   slot caches (singles, pairs): 2 x (16 x 4 B + a count 8 B)   144
//   slot ranges 16 x 24 B (first, count, offset)  384, their count 8
//   slot base, count, extent, used          32
//   usage counters 7 x 8 B                  56
// Nothing here grows with max_slots: the same sizes for max_slots<2^20>.
// array: 8 + 3584 + 4608 + 512 + 16 + 1024 + 16 + 1408 + 8 + 144 + 384 + 8 + 32 + 56 = 11808 B
// (every part starts at a multiple of its alignment, so no padding);
// intrusive: 11808 - 1024 + 3072 = 13856 B.
template <class Split, class FreeList>
using pinned_t =
    allocator<backend::null_backend, target<x86>, split<Split>, FreeList, max_untypeds<64>, max_slots<4096>>;
static_assert(sizeof(pinned_t<buddy, free_list<array>>) == 11808);
static_assert(sizeof(pinned_t<watermark, free_list<array>>) == 11808);
static_assert(sizeof(pinned_t<buddy, free_list<intrusive>>) == 13856);
static_assert(sizeof(pinned_t<binary_search, free_list<intrusive>>) == 13856);
// The slot table does not grow with the slots managed.
static_assert(sizeof(allocator<backend::null_backend, target<x86>, split<buddy>, free_list<array>, max_untypeds<64>,
                               max_slots<std::size_t{1} << 20>>) == 11808);

// Issue 4's guest case: a 2 GiB guest at 4 KiB by the range path on aarch64-hyp
// needs 2 bootinfo untypeds, 2 ranges and 2^31 / 2^12 = 524,288 frame slots:
//   backend pointer 8; 2 descriptors x 56 = 112; 2 records x 72 = 144;
//   free-index stacks 2 x 2 x 4 = 16, their sizes 16;
//   intrusive lists 2 hooks x 16 + 128 headers x 16 = 2080 (at 296, 8-aligned);
//   non-empty class masks 16;
//   slot runs (2 + 2 + 16 + 2 x 16) x 8 = 416, their count 8;
//   slot caches 2 x (16 x 4 + 8) = 144; slot ranges 16 x 24 = 384, their count 8;
//   slot base, count, extent, used 32; usage 56.
// 8 + 112 + 144 + 16 + 16 + 2080 + 16 + 416 + 8 + 144 + 384 + 8 + 32 + 56 = 3440 B <= 4096 (issue 4's target).
constexpr kernel::config hyp{.target = kernel::arch::aarch64_hyp};
using guest_t = allocator<backend::null_backend, target<hyp>, split<buddy>, granule<12>, max_untypeds<2>,
                          max_allocations<2>, max_slots<std::size_t{1} << 19>>;
static_assert(sizeof(guest_t) == 3440);

template <class A>
void exercise(A& a) {
    ASSERT_TRUE(a.add_slots(64, 448));
    ASSERT_TRUE(a.add_untyped(1, 0x100000, 20, false));
    ASSERT_TRUE(a.add_untyped(2, 0xfe000000, 24, true));
    allocation_id ids[8]{};
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 8; ++i) {
            auto r = i % 2 ? a.allocate(object_type::frame_4k, 0, 3) : a.allocate(object_type::tcb);
            ASSERT_TRUE(r);
            ids[i] = r->id;
        }
        auto d = a.allocate_at(object_type::frame_4k, 0, 0xfe000000 + 0x1000 * (round + 1), memory::device);
        ASSERT_TRUE(d);
        auto rg = a.allocate_range(0x8000);
        ASSERT_TRUE(rg);
        (void)a.allocate(object_type::untyped, 40); // fails: no memory
        for (auto id : ids) ASSERT_TRUE(a.free(id));
        ASSERT_TRUE(a.free(d->id));
        ASSERT_TRUE(a.free(rg->id));
        (void)a.free(ids[0]); // fails: freed twice
        ASSERT_TRUE(a.reset(1));
        (void)a.largest_block();
        (void)a.free_bytes();
        (void)a.stats();
    }
}

template <class Split, class FreeList>
void no_allocation() {
    auto m = std::make_unique<model_t>(x86);
    auto a = std::make_unique<alloc_t<Split, FreeList>>(*m);
    const std::size_t before = g_news;
    exercise(*a);
    EXPECT_EQ(g_news, before) << "the allocator (or the model backend) called operator new";
}
} // namespace

TEST(NoHeap, CounterSeesAllocations) {
    const std::size_t before = g_news;
    auto p = std::make_unique<int>(1);
    EXPECT_EQ(g_news, before + 1); // the replacement is in effect
}
TEST(NoHeap, WatermarkArray) { no_allocation<watermark, free_list<array>>(); }
TEST(NoHeap, WatermarkIntrusive) { no_allocation<watermark, free_list<intrusive>>(); }
TEST(NoHeap, BuddyArray) { no_allocation<buddy, free_list<array>>(); }
TEST(NoHeap, BuddyIntrusive) { no_allocation<buddy, free_list<intrusive>>(); }
TEST(NoHeap, BinarySearchIntrusive) { no_allocation<binary_search, free_list<intrusive>>(); }
