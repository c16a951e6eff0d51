// The libsel4 backend beyond one CNode, on the libsel4 double (configuration
// sel4_double/configs/aarch64: root CNode of 2^16 slots): several windows, and
// issue 11's case: a root task builds a two-level CSpace from CNodes its
// allocator made and allocates a 2 GiB guest at 4 KiB, 2^19 frame caps.
#include <retype/allocator.hpp>
#include <retype/backend/bootinfo.hpp>
#include <retype/backend/sel4.hpp>

#include <gtest/gtest.h>

#include <memory>

using namespace retype;
using namespace retype::backend;
using kernel::object_type;

namespace {

constexpr kernel::config cfg = kernel::libsel4_config; // aarch64, Cortex-A57, root CNode 2^16
static_assert(cfg.target == kernel::arch::aarch64 && cfg.root_cnode_bits == 16);
constexpr std::uint64_t r2 = 16; // the second level: CNodes of 2^16 slots, like the root
constexpr std::uint64_t l2_slots = std::uint64_t{1} << r2;
constexpr std::uint64_t r1 = 4; // the top level: 16 slots
constexpr seL4_Word untyped_start = 0x100;
constexpr seL4_Word l1_with_guard = 0x20; // a free slot below the untypeds: the new CSpace root's CPtr

constexpr cspace_window root_window{.root = seL4_CapInitThreadCNode,
                                    .offset_base = untyped_start,
                                    .cptr_base = untyped_start,
                                    .cptr_depth = 64,
                                    .slots = l2_slots - untyped_start};

// ---- add_window, on a scripted policy, at compile time -----------------------
struct counting_syscalls {
    static constexpr unsigned word_bits = 64;
    std::uint64_t root = 0, node_index = 0, node_depth = 0, offset = 0, del_root = 0, del_index = 0;
    std::uint8_t del_depth = 0;
    constexpr int untyped_retype(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t r, std::uint64_t ni,
                                 std::uint64_t nd, std::uint64_t off, std::uint64_t) {
        root = r;
        node_index = ni;
        node_depth = nd;
        offset = off;
        return 0;
    }
    constexpr int cnode_delete(std::uint64_t r, std::uint64_t i, std::uint8_t d) {
        del_root = r;
        del_index = i;
        del_depth = d;
        return 0;
    }
    constexpr int cnode_revoke(std::uint64_t, std::uint64_t, std::uint8_t) { return 0; }
    constexpr std::uint64_t get_mr(int) const { return 0; }
};
using scripted = basic_sel4_backend<counting_syscalls, 3>;

constexpr bool windows_scenario() {
    scripted b(cfg, cspace_window{.root = 2, .offset_base = 10, .cptr_base = 10, .slots = 8});
    // Window 1: top index 3 of a two-level CSpace (r1 = 4, r2 = 16, guard 44).
    const cspace_window w1{.root = 0x20,
                           .node_index = 3,
                           .node_depth = 48,
                           .cptr_base = std::uint64_t{3} << 16,
                           .cptr_depth = 64,
                           .slots = 100};
    auto first = b.add_window(w1);
    if (!first || *first != 8 || b.slots() != 108 || b.windows() != 2) return false;
    // Slot 8 + 5 is window 1's slot 5: CPtr (3 << 16) + 5; a retype there names
    // root 0x20, node 3 at depth 48, offset 5.
    if (b.cptr(13) != (std::uint64_t{3} << 16) + 5) return false;
    if (!b.untyped_retype(retype_call{.untyped = 0, .type = object_type::endpoint, .dest = 13})) return false;
    auto& s = b.syscalls();
    if (s.root != 0x20 || s.node_index != 3 || s.node_depth != 48 || s.offset != 5) return false;
    if (!b.cnode_delete(13) || s.del_root != 0x20 || s.del_index != (std::uint64_t{3} << 16) + 5 || s.del_depth != 64)
        return false;
    // Window 0's slot 2 is root 2, offset 10 + 2.
    if (!b.untyped_retype(retype_call{.untyped = 0, .type = object_type::endpoint, .dest = 2})) return false;
    if (s.root != 2 || s.node_depth != 0 || s.offset != 12) return false;
    // A batch may not cross from window 0 into window 1: slots 6, 7, 8.
    auto across = b.untyped_retype(retype_call{.untyped = 0, .type = object_type::endpoint, .dest = 6, .count = 3});
    if (across || across.error() != make_error(error_code::out_of_window, 9, 8)) return false;
    // Bad windows change nothing; the table holds 3.
    if (b.add_window(cspace_window{.slots = 0}).error() != invalid_argument(0)) return false;
    if (!b.add_window(cspace_window{.root = 2, .slots = 4})) return false;
    if (b.add_window(cspace_window{.root = 2, .slots = 4}).error() != make_error(error_code::capacity_exhausted, 4, 3))
        return false;
    return b.slots() == 112 && b.windows() == 3;
}
static_assert(windows_scenario());

// ---- the two-level CSpace on the double ---------------------------------------
// Capacities by capacities_for: 2 bootinfo untypeds of up to 2^31; live
// allocations: the top CNode, the batch of eight CNodes, eight guest ranges
// (17 with room to spare), the smallest 2^9 (a 16-slot CNode); objects 1 + 8 +
// 2^19. max_slots: every slot the windows have (the rule's bound is less).
constexpr capacities caps = capacities_for(split_kind::buddy, 2, 31,
                                           workload{.allocations = 17, .objects = 9 + (1u << 19), .smallest_bits = 9});
static_assert(caps.max_untypeds == 2 + 2 * 22 * 17);
using alloc_t =
    allocator<sel4_backend, target<cfg>, split<buddy>, granule<12>, free_list<array>, max_untypeds<caps.max_untypeds>,
              max_allocations<caps.max_allocations>, max_slots<9 * l2_slots>>;

TEST(sel4_cspace, a_two_level_cspace_holds_a_2_GiB_guest_at_4_KiB) {
    auto kernel = std::make_unique<sel4_double::kernel_state>(cfg);
    sel4_double::current = kernel.get();
    // Boot: 2 GiB at 0x80000000 and 1 GiB at 0x40000000 in root slots 0x100, 0x101.
    ASSERT_TRUE(kernel->boot_untyped(untyped_start, 0x80000000, 31, false));
    ASSERT_TRUE(kernel->boot_untyped(untyped_start + 1, 0x40000000, 30, false));
    seL4_BootInfo bi{};
    bi.untyped = {untyped_start, untyped_start + 2};
    bi.empty = {untyped_start + 2, l2_slots};
    bi.untypedList[0] = {0x80000000, 31, 0, {}};
    bi.untypedList[1] = {0x40000000, 30, 0, {}};

    auto b = std::make_unique<sel4_backend>(cfg, root_window);
    auto a = std::make_unique<alloc_t>(*b);
    auto added = add_bootinfo(*a, bi, untyped_start);
    ASSERT_TRUE(added);
    EXPECT_EQ(added->untypeds, 2u);
    EXPECT_EQ(added->slots, l2_slots - untyped_start - 2);

    // 1. The top CNode (2^4 slots) and eight second-level CNodes (2^16 slots).
    auto top = a->allocate(object_type::cnode, r1);
    auto l2 = a->allocate(object_type::cnode, r2, 8);
    ASSERT_TRUE(top && l2);
    const seL4_Word top_cptr = b->cptr(top->slot);
    // 2. The old root CNode becomes top slot 0 with no guard (seL4_CNode_Mint;
    //    slot seL4_CapInitThreadCNode keeps naming it), the new ones slots 1..8
    //    (seL4_CNode_Move: their caps leave the allocator's slots, so those
    //    allocations are never freed), and a copy of the top CNode with the
    //    guard of the new CSpace (64 - 4 - 16 = 44 bits) goes to slot 0x20.
    ASSERT_EQ(seL4_CNode_Mint(top_cptr, 0, r1, seL4_CapInitThreadCNode, seL4_CapInitThreadCNode, 64, 0, 0),
              seL4_NoError);
    for (seL4_Word i = 0; i < 8; ++i)
        ASSERT_EQ(seL4_CNode_Move(top_cptr, i + 1, r1, seL4_CapInitThreadCNode, b->cptr(l2->slot + i), 64),
                  seL4_NoError);
    ASSERT_EQ(seL4_CNode_Mint(seL4_CapInitThreadCNode, l1_with_guard, 64, seL4_CapInitThreadCNode, top_cptr, 64, 0,
                              64 - r1 - r2),
              seL4_NoError);
    // 3. seL4_TCB_SetSpace: the thread's CSpace root is now the top CNode, guard 44.
    ASSERT_EQ(sel4_double::set_cspace_root(top_cptr, 64 - r1 - r2), seL4_NoError);
    // Window 0 is unchanged: CPtr j at depth 64 is top slot 0 (the old root), slot j.
    // 4. Eight windows, one per second-level CNode, and their slots for the allocator.
    for (std::uint64_t i = 1; i <= 8; ++i) {
        auto first = b->add_window(cspace_window{.root = l1_with_guard,
                                                 .node_index = i,
                                                 .node_depth = 64 - r2,
                                                 .offset_base = 0,
                                                 .cptr_base = i << r2,
                                                 .cptr_depth = 64,
                                                 .slots = l2_slots});
        ASSERT_TRUE(first);
        auto added_slots = a->add_slots(*first, l2_slots);
        ASSERT_TRUE(added_slots) << i << ": " << name(added_slots.error().code)
                                 << " value=" << added_slots.error().value << " limit=" << added_slots.error().limit;
    }
    // 5. The guest: eight ranges of 256 MiB, 2^16 frames each, each in one CNode.
    std::uint64_t frames = 0;
    for (int i = 0; i < 8; ++i) {
        auto g = a->allocate_range(std::uint64_t{256} << 20);
        ASSERT_TRUE(g) << i << ": " << name(g.error().code) << " value=" << g.error().value
                       << " limit=" << g.error().limit;
        ASSERT_EQ(g->count, l2_slots);
        frames += g->count;
        // The frames sit in one second-level CNode, in order, at consecutive paddrs,
        // and each is reachable by its full CPtr from the new CSpace root.
        const seL4_Word first_cptr = b->cptr(g->slot);
        ASSERT_EQ(first_cptr & (l2_slots - 1), 0u) << "a whole CNode";
        const std::uint64_t index = first_cptr >> r2;
        ASSERT_GE(index, 1u);
        ASSERT_LE(index, 8u);
        for (std::uint64_t f = 0; f < g->count; f += 4099) {
            const auto got = seL4_ARM_Page_GetAddress(first_cptr + f);
            ASSERT_EQ(got.error, seL4_NoError);
            EXPECT_EQ(got.paddr, g->paddr + (f << 12));
        }
    }
    EXPECT_EQ(frames, std::uint64_t{1} << 19);
    // 2^19 frame caps in the second level, none in the root CNode.
    std::size_t in_second_level = 0;
    for (std::uint32_t n = 0; n < kernel->cnodes.size(); ++n)
        if (kernel->cnodes[n].radix == r2 && n != 0) in_second_level += kernel->caps_in(n);
    EXPECT_EQ(in_second_level, std::size_t{1} << 19);
    EXPECT_EQ(kernel->anomalies, 0u);
    // Freeing one range deletes its caps through its window (root 0x20, depth 64).
    const std::uint64_t used = a->stats().objects;
    auto last = a->allocate(object_type::frame_4k);
    ASSERT_TRUE(last);
    ASSERT_TRUE(a->free(last->id));
    EXPECT_EQ(a->stats().objects, used);
    sel4_double::current = nullptr;
}

} // namespace
