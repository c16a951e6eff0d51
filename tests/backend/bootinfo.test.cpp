// add_bootinfo (all or nothing) and the sizing rule capacities_for, on the
// kernel model, and the seL4_BootInfo overload on the libsel4 double
// (configuration x86_64). Expected values are derived by hand in the comments.
#include <retype/allocator.hpp>
#include <retype/backend/bootinfo.hpp>
#include <retype/backend/model.hpp>
#include <retype/backend/sel4.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace retype;
using kernel::object_type;

namespace {

constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<256, 4096>;
// The constant-evaluated tests use a model type of their own: g++ 12 let a
// constant evaluation of a model change the initial value of its slot table
// that the same type's constructor then used at run time (seen as slots
// 10..19 occupied in a fresh run-time model_t).
using cmodel_t = backend::model<256, 4000>;
template <std::size_t U, std::size_t A, std::size_t S, class Model = model_t>
using alloc_t =
    allocator<Model, target<x86>, split<buddy>, free_list<array>, max_untypeds<U>, max_allocations<A>, max_slots<S>>;

// Three untypeds in slots 10..12, the empty range 13..4095.
constexpr boot_untyped three[] = {{0x100000, 20, false}, {0x400000, 22, false}, {0xfe000000, 12, true}};
constexpr bootinfo_view view_of(std::span<const boot_untyped> uts) { return bootinfo_view{10, uts, 13, 4096 - 13}; }

constexpr bool adds_everything() {
    cmodel_t m(x86);
    alloc_t<8, 8, 64, cmodel_t> a(m);
    auto r = add_bootinfo(a, view_of(three));
    // All three untypeds; of the 4083 empty slots, max_slots = 64.
    if (!r || r->untypeds != 3 || r->slots != 64) return false;
    if (a.stats().untypeds != 3 || a.free_bytes() != (std::uint64_t{1} << 20) + (std::uint64_t{1} << 22)) return false;
    // The device untyped is there for device requests: a 4K device frame at 0xfe000000.
    auto f = a.allocate(object_type::frame_4k, 0, 1, memory::device);
    return f && f->paddr == 0xfe000000 && f->slot == 13;
}
static_assert(adds_everything());

template <class A>
void expect_refused_unchanged(A& a, const model_t& m, const bootinfo_view& v, const error& e) {
    const auto before = a.snapshot();
    const model_t mb = m;
    auto r = add_bootinfo(a, v);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), e);
    EXPECT_TRUE(a.snapshot() == before);
    EXPECT_TRUE(m == mb);
}

TEST(add_bootinfo, more_untypeds_than_descriptors_fails_before_any_change) {
    model_t m(x86);
    alloc_t<2, 8, 64> a(m); // 2 descriptors, 3 untypeds
    expect_refused_unchanged(a, m, view_of(three), make_error(error_code::untypeds_exhausted, 3, 2));
}

TEST(add_bootinfo, a_bad_last_untyped_leaves_the_earlier_ones_out_too) {
    model_t m(x86);
    alloc_t<8, 8, 64> a(m);
    // The third is misaligned (0x1000 is not a multiple of 2^16).
    constexpr boot_untyped bad_last[] = {{0x100000, 20, false}, {0x400000, 22, false}, {0x801000, 16, false}};
    expect_refused_unchanged(a, m, view_of(bad_last), make_error(error_code::misaligned, 0x801000, 16));
    // The third overlaps the first: [0x180000, +0x1000) lies in [0x100000, 0x200000).
    constexpr boot_untyped overlapping[] = {{0x100000, 20, false}, {0x400000, 22, false}, {0x180000, 12, false}};
    expect_refused_unchanged(a, m, view_of(overlapping), make_error(error_code::overlap, 0x180000, 0x100000));
    // Too small for seL4_MinUntypedBits 4: range_error(4, 47).
    constexpr boot_untyped tiny[] = {{0x100000, 20, false}, {0x400000, 3, false}};
    expect_refused_unchanged(a, m, view_of(tiny), range_error(4, 47));
    // RAM beyond the kernel window (x86_64: PADDR_TOP 0x7f80000000).
    constexpr boot_untyped high[] = {{0x100000, 20, false}, {0x8000000000, 12, false}};
    expect_refused_unchanged(a, m, view_of(high),
                             make_error(error_code::outside_kernel_window, 0x8000000000, 0x7f80000000));
    // An untyped slot inside the empty range: untyped slots 10..12, empty from 12.
    expect_refused_unchanged(a, m, bootinfo_view{10, three, 12, 100}, make_error(error_code::overlap, 12, 12));
    // Then the good bootinfo goes in whole.
    ASSERT_TRUE(add_bootinfo(a, view_of(three)));
    EXPECT_EQ(a.stats().untypeds, 3u);
}

// ---- the sizing rule -----------------------------------------------------------
// Buddy, one live allocation of one 4K frame, two bootinfo untypeds of 2^20:
// the frame halves a 2^20 block 8 times (20 -> 12): 2 + 2 x 8 = 18 descriptors,
// 2 x 8 + 1 = 17 slots, 1 record.
constexpr capacities one_frame =
    capacities_for(split_kind::buddy, 2, 20, workload{.allocations = 1, .objects = 1, .smallest_bits = 12});
static_assert(one_frame == capacities{18, 1, 17});
// Watermark needs no halves: the bootinfo untypeds, the objects, the records.
static_assert(capacities_for(split_kind::watermark, 59, 30, workload{.allocations = 10, .objects = 300}) ==
              capacities{59, 10, 300});
// Issue 11's vm_minimal: 59 bootinfo untypeds (up to 2^30), and already two
// 4K objects need 59 + 2 x 2 x 18 = 131 descriptors: the default 64 ran out.
static_assert(capacities_for(split_kind::buddy, 59, 30, workload{.allocations = 2, .objects = 2}).max_untypeds == 131);

constexpr boot_untyped two_mib[] = {{0x100000, 20, false}, {0x200000, 20, false}};

template <std::size_t U, std::size_t A, std::size_t S>
constexpr error_code one_frame_with() {
    cmodel_t m(x86);
    alloc_t<U, A, S, cmodel_t> a(m);
    if (!add_bootinfo(a, bootinfo_view{10, two_mib, 13, S})) return error_code::invalid_argument;
    auto f = a.allocate(object_type::frame_4k);
    return f ? error_code{} : f.error().code;
}
// Exactly the rule's capacities suffice; one descriptor or one slot fewer does not.
static_assert(one_frame_with<18, 1, 17>() == error_code{});
static_assert(one_frame_with<17, 1, 17>() == error_code::untypeds_exhausted);
static_assert(one_frame_with<18, 1, 16>() == error_code::slots_exhausted);

// Records: one per live allocation; the second of two live allocations needs a second record.
constexpr bool records_rule() {
    constexpr capacities two = capacities_for(split_kind::buddy, 2, 20, workload{.allocations = 2, .objects = 2});
    static_assert(two == capacities{34, 2, 34});
    cmodel_t m(x86);
    alloc_t<two.max_untypeds, 1, two.max_slots, cmodel_t> a(m);
    if (!add_bootinfo(a, bootinfo_view{10, two_mib, 13, 4000})) return false;
    auto x = a.allocate(object_type::frame_4k);
    auto y = a.allocate(object_type::frame_4k);
    return x && !y && y.error() == make_error(error_code::records_exhausted, 1, 1);
}
static_assert(records_rule());

// A bigger workload within the rule never runs out: 59 untypeds of 2^20..2^26,
// 40 live allocations of mixed sizes (4K frames, TCBs, 2 MiB frames, CNodes),
// then all freed and allocated again (buddy reuses halves; the bound holds).
TEST(capacities_for, a_vm_minimal_like_workload_never_runs_out) {
    std::vector<boot_untyped> uts;
    std::uint64_t p = 0x10000000;
    for (int i = 0; i < 59; ++i) {
        const std::uint8_t bits = static_cast<std::uint8_t>(20 + i % 7);
        p = (p + (std::uint64_t{1} << bits) - 1) & ~((std::uint64_t{1} << bits) - 1);
        uts.push_back({p, bits, false});
        p += std::uint64_t{1} << bits;
    }
    constexpr capacities caps =
        capacities_for(split_kind::buddy, 59, 26, workload{.allocations = 40, .objects = 40 * 4, .smallest_bits = 11});
    using big_model = backend::model<4096, 4096>; // a node per half and per batch
    using big_t = allocator<big_model, target<x86>, split<buddy>, free_list<array>, max_untypeds<caps.max_untypeds>,
                            max_allocations<caps.max_allocations>, max_slots<caps.max_slots>>;
    static_assert(caps.max_untypeds == 59 + 2 * 15 * 40 && caps.max_slots == 160 + 2 * 15 * 40);
    auto m = std::make_unique<big_model>(x86);
    auto a = std::make_unique<big_t>(*m);
    ASSERT_TRUE(add_bootinfo(*a, bootinfo_view{0, uts, 100, 3996}));
    for (int round = 0; round < 2; ++round) {
        std::vector<allocation_id> live;
        for (int i = 0; i < 40; ++i) {
            result<allocation> r = failure(error{});
            switch (i % 4) {
            case 0: r = a->allocate(object_type::frame_4k, 0, 4); break;
            case 1: r = a->allocate(object_type::tcb, 0, 2); break;
            case 2: r = a->allocate(object_type::frame_2m); break;
            default: r = a->allocate(object_type::cnode, 6, 3); break;
            }
            ASSERT_TRUE(r) << "round " << round << " allocation " << i << ": " << name(r.error().code);
            live.push_back(r->id);
        }
        EXPECT_LE(a->stats().untypeds, caps.max_untypeds);
        for (allocation_id id : live) ASSERT_TRUE(a->free(id));
    }
}

} // namespace

// ---- seL4_BootInfo, on the double -------------------------------------------------
TEST(add_bootinfo, takes_a_seL4_BootInfo) {
    auto kernel = std::make_unique<sel4_double::kernel_state>(kernel::libsel4_config);
    sel4_double::current = kernel.get();
    // Untypeds in root slots 0x40..0x41, the empty slots from 0x42 to the end of the 2^12-slot root CNode.
    seL4_BootInfo bi{};
    bi.untyped = {0x40, 0x42};
    bi.empty = {0x42, sel4_double::cnode_slots};
    bi.untypedList[0] = {0x100000, 20, 0, {}};
    bi.untypedList[1] = {0xfe000000, 12, 1, {}};
    ASSERT_TRUE(kernel->boot_untyped(0x40, 0x100000, 20, false));
    ASSERT_TRUE(kernel->boot_untyped(0x41, 0xfe000000, 12, true));
    backend::sel4_backend b(kernel::libsel4_config, backend::cspace_window{.root = seL4_CapInitThreadCNode,
                                                                           .offset_base = 0x40,
                                                                           .cptr_base = 0x40,
                                                                           .cptr_depth = 64,
                                                                           .slots = sel4_double::cnode_slots - 0x40});
    using sel4_alloc = allocator<backend::sel4_backend, target<kernel::libsel4_config>, free_list<array>>;
    // A backend whose window ends at slot 100 (CPtr 0x40 + 100) cannot hold the
    // empty range: refused before any change (it reports slots()).
    {
        backend::sel4_backend short_b(kernel::libsel4_config, backend::cspace_window{.root = seL4_CapInitThreadCNode,
                                                                                     .offset_base = 0x40,
                                                                                     .cptr_base = 0x40,
                                                                                     .cptr_depth = 64,
                                                                                     .slots = 100});
        auto s = std::make_unique<sel4_alloc>(short_b);
        const auto before = s->snapshot();
        auto refused = add_bootinfo(*s, bi, short_b.window().cptr_base);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error(), make_error(error_code::cspace_too_small, 2 + (4096 - 0x42), 100));
        EXPECT_TRUE(s->snapshot() == before);
    }
    auto a = std::make_unique<sel4_alloc>(b);
    auto r = add_bootinfo(*a, bi, b.window().cptr_base);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->untypeds, 2u);
    EXPECT_EQ(r->slots, 4096u - 0x42); // all the empty slots: fewer than the default max_slots (4096)
    // A frame: eight halvings 20 -> 12 take the pairs at slots 2..17 (CPtrs
    // 0x42..0x51), the frame slot 18 (CPtr 0x52), at the RAM untyped's base.
    auto f = a->allocate(object_type::frame_4k);
    ASSERT_TRUE(f);
    EXPECT_EQ(b.cptr(f->slot), 0x52u);
    EXPECT_EQ(f->paddr, 0x100000u);
    EXPECT_TRUE(kernel->root()[0x52].present);
    sel4_double::current = nullptr;
}
