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

// The allocator object: its state (backend pointer, descriptor table, record
// table, slot manager, counters), the strategy (empty, no space), the stranded
// slots. With max_untypeds<64>, max_slots<4096> (max_allocations = 64), on a
// 64-bit host:
//   backend pointer                                                        8
//   descriptor table: 64 descriptors x 56 B (4 x 8 B addresses and counts,
//     4 x 4 B links, 4 x 1 B, padded) 3584, free-index stack 64 x 4 B 256,
//     its size 8, free lists (array: 128 heads x 4 B + 64 x 8 B links = 1024;
//     intrusive: 64 hooks x 16 B + 128 list headers x 16 B = 3072),
//     non-empty class masks 2 x 8 B 16              array 4888 / intrusive 6936
//   record table: 64 records x 72 B 4608, free-index stack 256, its size 8  4872
//   slot manager: runs U + A + 1 + 2 x 32 (cache entries) + 16 (stranded)
//     + 16 (ranges) = 225 x 8 B (two 32-bit offsets, max_slots < 2^32) 1800,
//     their count 8, two caches of slot numbers 2 x (32 x 8 B + 8) 528,
//     16 ranges (max_slot_ranges) x 24 B 384, their count 8, total and
//     used 16                                                              2744
//   reservation table: 8 (max_reservations) x 32 B (paddr, bytes 2 x 8 B,
//     root, generation 2 x 4 B, device, live 2 x 1 B, padded to 8)          256
//   usage counters 8 x 8 B                                                   64
//   stranded slots 16 x 16 B 256, their count 8, the overflow flag (padded) 8 272
// Nothing here grows with max_slots: the same sizes for max_slots<2^20>.
// (A descriptor's in_reservation flag fits in its padding: still 56 B.)
// array: 8 + 4888 + 4872 + 2744 + 256 + 64 + 272 = 13104 B; intrusive: 13104 + 2048 = 15152 B.
template <class Split, class FreeList>
using pinned_t =
    allocator<backend::null_backend, target<x86>, split<Split>, FreeList, max_untypeds<64>, max_slots<4096>>;
static_assert(sizeof(pinned_t<buddy, free_list<array>>) == 13104);
static_assert(sizeof(pinned_t<watermark, free_list<array>>) == 13104);
static_assert(sizeof(pinned_t<buddy, free_list<intrusive>>) == 15152);
static_assert(sizeof(pinned_t<binary_search, free_list<intrusive>>) == 15152);
// The slot table does not grow with the slots managed.
static_assert(sizeof(allocator<backend::null_backend, target<x86>, split<buddy>, free_list<array>, max_untypeds<64>,
                               max_slots<std::size_t{1} << 20>>) == 13104);

// Issue 4's guest case: a 2 GiB guest at 4 KiB by the range path on aarch64-hyp
// needs 2 bootinfo untypeds, 2 ranges and 2^31 / 2^12 = 524,288 frame slots
// (default free list: array):
//   backend pointer 8;
//   descriptor table 2 x 56 + 2 x 4 + 8 + (128 x 4 + 2 x 8) + 16 = 672;
//   record table 2 x 72 + 2 x 4 + 8 = 160;
//   slot manager (2 + 2 + 1 + 64 + 16 + 16) x 8 + 8 + 528 + 384 + 8 + 16 = 1752;
//   reservation table 256; usage 64; stranded slots 272.
// 8 + 672 + 160 + 1752 + 256 + 64 + 272 = 3184 B <= 4096 (issue 4's target).
constexpr kernel::config hyp{.target = kernel::arch::aarch64_hyp};
using guest_t = allocator<backend::null_backend, target<hyp>, split<buddy>, granule<12>, max_untypeds<2>,
                          max_allocations<2>, max_slots<std::size_t{1} << 19>>;
static_assert(sizeof(guest_t) == 3184);

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
