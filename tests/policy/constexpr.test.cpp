// An allocator (array free list, model backend) run in constant expressions:
// the planner's use. Each property is a constexpr function checked by a
// static_assert and again at run time (for the sanitizers).
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<32, 64>;
template <class Split>
using alloc_t = allocator<model_t, target<x86>, split<Split>, free_list<array>, max_untypeds<32>, max_slots<48>,
                          max_allocations<8>>;

// A 64 KiB untyped at 0x100000 (slot 1), slots 8..55.
// Buddy: a TCB (2^11) halves 2^16 down to 2^11 (5 halvings, 10 slots: 8..17),
// lands at 0x100000, slot 18. An endpoint (2^4) takes the free 2^11 buddy at
// 0x100800 and halves it 7 times (14 slots: 19..32): 0x100800, slot 33.
// Freeing both merges everything back: 64 KiB free, no slot in use.
template <class Split>
constexpr bool buddy_run() {
    model_t m(x86);
    alloc_t<Split> a(m);
    if (!a.add_slots(8, 48) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    auto tcb = a.allocate(object_type::tcb);
    auto ep = a.allocate(object_type::endpoint);
    if (!tcb || !ep) return false;
    if (tcb->paddr != 0x100000 || tcb->slot != 18 || tcb->retypes != 6) return false;
    if (ep->paddr != 0x100800 || ep->slot != 33 || m.paddr(ep->slot) != 0x100800) return false;
    if (!a.free(tcb->id) || !a.free(ep->id)) return false;
    if constexpr (std::is_same_v<Split, buddy>)
        return a.free_bytes() == 0x10000 && a.stats().slots == 0;
    else
        return a.free_bytes() == 0x10000 && a.stats().slots == 24; // halves stay
}
static_assert(buddy_run<buddy>());
static_assert(buddy_run<binary_search>());

// Watermark in the same untyped: TCB at offset 0 (0x100000), endpoint after it
// at 0x100800, a 4 KiB frame aligned up to 0x101000; bad input changes nothing.
constexpr bool watermark_run() {
    model_t m(x86);
    alloc_t<watermark> a(m);
    if (!a.add_slots(8, 48) || !a.add_untyped(1, 0x100000, 16, false)) return false;
    auto tcb = a.allocate(object_type::tcb);
    auto ep = a.allocate(object_type::endpoint);
    auto f = a.allocate(object_type::frame_4k);
    if (!tcb || !ep || !f) return false;
    if (tcb->paddr != 0x100000 || ep->paddr != 0x100800 || f->paddr != 0x101000) return false;
    if (m.paddr(f->slot) != 0x101000) return false;
    const auto before = a.snapshot();
    const model_t mb = m;
    if (a.allocate(object_type::untyped, 16)) return false; // 64 KiB no longer fits
    if (a.free(allocation_id{5, 0})) return false;
    return a.snapshot() == before && m == mb;
}
static_assert(watermark_run());
} // namespace

TEST(Constexpr, BuddyRunsAtRunTimeToo) { EXPECT_TRUE(buddy_run<buddy>()); }
TEST(Constexpr, BinarySearchRunsAtRunTimeToo) { EXPECT_TRUE(buddy_run<binary_search>()); }
TEST(Constexpr, WatermarkRunsAtRunTimeToo) { EXPECT_TRUE(watermark_run()); }
