// The halving strategies' fast path (allocator/fast_path.hpp): one object from
// a free block of exactly its size, anywhere or at its address, costs one
// retype and a commit, without a plan. It must leave the allocator exactly as
// the planned path would, in success and in every failure. The planned path is
// the same strategy with its fast-path members hidden (planned_only), so each
// case runs on both and compares results and snapshots; the expected values
// are derived by hand. A seeded random sequence of every kind of request then
// compares the two after every call.
//
// The layout (every case): a 16 KiB untyped at 0x100000 in slot 1, slots from 8.
// The first 4 KiB frame halves 2^14 into 2^13 halves (slots 8, 9), then the
// low 2^13 into 2^12 halves (slots 10, 11), and goes to slot 12 at 0x100000:
// 3 retypes. The free 2^12 block at 0x101000 (slot 11) is then of exactly a
// frame's size: the next frame takes the fast path, into the next free slot.
#include "faulty_backend.hpp"

#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
constexpr kernel::paddr_t base = 0x100000;
constexpr kernel::paddr_t exact = 0x101000; // the free 2^12 block after the first frame
constexpr backend::slot_t first_slot = 8;

/// A backend that, when told, reports object 0 of the next retype at `report`
/// (a kernel that placed it elsewhere), and refuses the next refuse_deletes deletes.
struct shifting {
    kernel::paddr_t report = 0; // 0: report nothing
    std::uint64_t refuse_deletes = 0;
    std::uint64_t deletes = 0;
    std::uint64_t retypes = 0;
    constexpr result<void> declare_untyped(backend::slot_t, kernel::paddr_t, std::uint64_t, bool) noexcept {
        return {};
    }
    constexpr result<backend::retype_report> untyped_retype(const backend::retype_call&) noexcept {
        ++retypes;
        if (report == 0) return backend::retype_report{};
        const kernel::paddr_t r = report;
        report = 0;
        return backend::retype_report{true, r};
    }
    constexpr result<void> cnode_delete(backend::slot_t s) noexcept {
        if (refuse_deletes > 0) {
            --refuse_deletes;
            return failure(error{.code = error_code::delete_first, .value = s});
        }
        ++deletes;
        return {};
    }
    constexpr result<void> cnode_revoke(backend::slot_t) noexcept { return {}; }
};
static_assert(backend::backend<shifting>);

template <class Split, class B>
using alloc_t = allocator<B, target<x86>, split<Split>, max_untypeds<16>, max_slots<16>, max_allocations<8>>;

/// The same strategy without its fast-path members: every request takes the
/// planned path. The reference the fast path is compared with. (A member, not
/// a private base: g++ 12 mis-evaluates the latter in constant expressions.)
template <class S>
struct planned_only {
    static constexpr split_kind value = S::value;
#define RETYPE_FORWARD(name)                                                                                           \
    template <class... T>                                                                                              \
    constexpr decltype(auto) name(T&&... a) noexcept {                                                                 \
        return s.name(std::forward<T>(a)...);                                                                          \
    }
    RETYPE_FORWARD(adopt)
    RETYPE_FORWARD(plan)
    RETYPE_FORWARD(commit)
    RETYPE_FORWARD(undone)
    RETYPE_FORWARD(free)
    RETYPE_FORWARD(reset)
    RETYPE_FORWARD(plan_reserve)
    RETYPE_FORWARD(commit_reserve)
    RETYPE_FORWARD(unreserve)
#undef RETYPE_FORWARD
    S s;
};
template <class Split, class B>
using planned_t =
    allocator<B, target<x86>, split<planned_only<Split>>, max_untypeds<16>, max_slots<16>, max_allocations<8>>;
static_assert(detail::fast_split_at_strategy_for<buddy, alloc_t<buddy, backend::null_backend>::state_type>);
static_assert(!detail::fast_strategy_for<planned_only<buddy>, planned_t<buddy, backend::null_backend>::state_type>);

/// The layout above before its first frame, with `slots` slots; false if a call failed.
template <class A>
constexpr bool bare(A& a, std::uint64_t slots = 16) {
    return a.add_slots(first_slot, slots) && a.add_untyped(1, base, 14, false);
}
/// The layout above, with its first frame; false if a setup call failed.
template <class A>
constexpr bool setup(A& a, std::uint64_t slots = 16) {
    return bare(a, slots) && a.allocate(object_type::frame_4k);
}
/// The second frame, anywhere or at the exact block's address.
template <class A>
constexpr result<allocation> second_frame(A& a, bool at) {
    return at ? a.allocate_at(object_type::frame_4k, 0, exact) : a.allocate(object_type::frame_4k);
}

// Success: the same allocation and the same state by both paths. By hand: the
// block at 0x101000 in slot 11, slot 13 (the lowest free: the caches are empty),
// one retype, 12 bits; record 1 (the free-record stack hands out 0, then 1).
template <class Split>
constexpr bool fast_matches_planned() {
    backend::null_backend nb;
    for (bool at : {false, true}) {
        alloc_t<Split, backend::null_backend> fast(nb);
        planned_t<Split, backend::null_backend> planned(nb);
        if (!setup(fast) || !setup(planned)) return false;
        auto f = second_frame(fast, at);
        auto p = second_frame(planned, at);
        if (!f || !p || !(*f == *p)) return false;
        if (f->paddr != exact || f->untyped != 11 || f->slot != 13 || f->retypes != 1 || f->object_bits != 12 ||
            f->id.index != 1 || f->count != 1 || f->device)
            return false;
        if (!(fast.snapshot() == planned.snapshot()) || !fast.free(f->id) || !planned.free(p->id) ||
            !(fast.snapshot() == planned.snapshot()))
            return false;
    }
    return true;
}
static_assert(fast_matches_planned<buddy>());
static_assert(fast_matches_planned<binary_search>());

// The other requests the fast path serves (allocator/fast_path.hpp): a
// variable-size object (an untyped of 2^12, a CNode of radix 7: 2^(7 + 5)
// bytes on x86_64) and the request API (objects::, designated initialisers).
// Each takes the block at 0x101000 by the fast path (anywhere, and at its
// address) and by the planned path (planned_only): the same allocation and
// the same state.
template <class Split>
constexpr bool other_requests_match() {
    backend::null_backend nb;
    for (int which = 0; which < 6; ++which) {
        alloc_t<Split, backend::null_backend> fast(nb);
        planned_t<Split, backend::null_backend> planned(nb);
        if (!setup(fast) || !setup(planned)) return false;
        const bool at = which >= 3;
        auto run = [&](auto& a) -> result<allocation> {
            switch (which % 3) {
            case 0: return at ? a.allocate_at(object_type::untyped, 12, exact) : a.allocate(object_type::untyped, 12);
            case 1: return a.allocate(at ? objects::cnode(7).at(exact) : objects::cnode(7));
            default:
                return at ? a.allocate(request{.type = object_type::frame_4k, .paddr = exact})
                          : a.allocate(request{.type = object_type::frame_4k});
            }
        };
        auto f = run(fast);
        auto p = run(planned);
        if (!f || !p || !(*f == *p) || f->paddr != exact || f->object_bits != 12 || f->retypes != 1) return false;
        if (!(fast.snapshot() == planned.snapshot())) return false;
    }
    return true;
}
static_assert(other_requests_match<buddy>());
static_assert(other_requests_match<binary_search>());

// The fast path's checks are check(type, size_bits, 1, mem) in one lookup
// (request_checks::exact_bits): the same answer, for every type of every
// target, every size_bits 0 .. 69 and some far beyond, RAM and device. A
// disagreement would let the fast path take a request the kernel refuses, or
// send one it takes to the planned path for nothing.
template <class A>
constexpr bool exact_bits_agree() {
    using checks = typename A::checks;
    constexpr std::uint64_t far[] = {
        64, 127, 255, 256, std::uint64_t{1} << 32, std::uint64_t{1} << 63, ~std::uint64_t{0}};
    for (kernel::object_type ty : kernel::all_object_types)
        for (memory m : {memory::ram, memory::device}) {
            auto agree = [&](std::uint64_t sb) {
                const auto full = checks::check(ty, sb, 1, m);
                const unsigned fast = checks::exact_bits(ty, sb, m);
                return full ? fast == *full : fast == checks::no_bits;
            };
            for (std::uint64_t sb = 0; sb < 70; ++sb)
                if (!agree(sb)) return false;
            for (std::uint64_t sb : far)
                if (!agree(sb)) return false;
        }
    // A type number that is no type at all.
    return checks::exact_bits(static_cast<object_type>(0xee), 0, memory::ram) == checks::no_bits;
}
constexpr kernel::config arm64{.target = kernel::arch::aarch64};
constexpr kernel::config arm32{.target = kernel::arch::aarch32};
constexpr kernel::config rv64{.target = kernel::arch::riscv64};
constexpr kernel::config hyp{.target = kernel::arch::aarch64_hyp};
template <const kernel::config& Cfg>
using any_target = allocator<backend::null_backend, target<Cfg>, max_untypeds<4>, max_slots<4>>;
static_assert(exact_bits_agree<alloc_t<buddy, backend::null_backend>>());
static_assert(exact_bits_agree<any_target<arm64>>());
static_assert(exact_bits_agree<any_target<arm32>>());
static_assert(exact_bits_agree<any_target<rv64>>());
static_assert(exact_bits_agree<any_target<hyp>>());

template <class Split>
class FastPath : public ::testing::Test {};
using splits = ::testing::Types<buddy, binary_search>;
TYPED_TEST_SUITE(FastPath, splits);

TYPED_TEST(FastPath, SameAllocationAndStateAsPlanned) { EXPECT_TRUE(fast_matches_planned<TypeParam>()); }

// The backend refuses the one retype: its error, and the state exactly as
// before, whether the slot came from the runs (caches empty) or from the
// singles cache (after a frame was freed: its slot 13 is cached).
TYPED_TEST(FastPath, RefusedRetypeLeavesStateUnchanged) {
    for (bool cached : {false, true}) {
        backend::null_backend nb;
        test::faulty<backend::null_backend> fb(nb);
        auto a = std::make_unique<alloc_t<TypeParam, test::faulty<backend::null_backend>>>(fb);
        ASSERT_TRUE(setup(*a));
        if (cached) {
            auto f = a->allocate(object_type::frame_4k);
            ASSERT_TRUE(f);
            ASSERT_TRUE(a->free(f->id));
            ASSERT_EQ(a->snapshot().singles.n, 1u) << "slot 13 is cached";
        }
        const auto before = a->snapshot();
        fb.fail_retype = 1;
        auto r = a->allocate(object_type::frame_4k);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, error_code::not_enough_memory); // faulty's refusal
        EXPECT_EQ(fb.refused, 1u);
        EXPECT_TRUE(a->snapshot() == before) << (cached ? "cached slot" : "slot from the runs");
        // And the next request gets what it would have got: the block and the slot.
        auto again = a->allocate(object_type::frame_4k);
        ASSERT_TRUE(again);
        EXPECT_EQ(again->paddr, exact);
        EXPECT_EQ(again->slot, 13u);
    }
}

// A stale id after the fast path reused its record: not_allocated, no change.
// Record 1 is freed (generation 1) and taken again by the next frame.
// And a fast allocate + free returns the state exactly, but for that record's
// generation and the counters (one retype, one revoke).
TYPED_TEST(FastPath, StaleIdAndExactRoundTrip) {
    backend::null_backend nb;
    auto a = std::make_unique<alloc_t<TypeParam, backend::null_backend>>(nb);
    ASSERT_TRUE(setup(*a));
    auto f = a->allocate(object_type::frame_4k);
    ASSERT_TRUE(f);
    ASSERT_TRUE(a->free(f->id)); // slot 13 now cached, the block listed again
    auto before = a->snapshot();
    auto g = a->allocate(object_type::frame_4k);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->id.index, f->id.index);
    EXPECT_EQ(g->id.generation, f->id.generation + 1);
    EXPECT_EQ(g->slot, 13u);
    const auto mid = a->snapshot();
    auto stale = a->free(f->id);
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error().code, error_code::not_allocated);
    EXPECT_EQ(stale.error().value, f->id.index);
    EXPECT_EQ(stale.error().limit, f->id.generation);
    EXPECT_TRUE(a->snapshot() == mid);
    EXPECT_TRUE(a->live(g->id));
    ASSERT_TRUE(a->free(g->id));
    before.records[g->id.index].generation += 1;
    before.stats.retypes += 1;
    before.stats.revokes += 1;
    EXPECT_TRUE(a->snapshot() == before);
}

// No slot at all (5 slots: the first frame's two pairs and its own): the fast
// path finds its block but no slot and falls back to the planned path, whose
// error is slots_exhausted(1 needed, 0 free), with no change.
TYPED_TEST(FastPath, NoSlotFallsBackWithTheSameError) {
    backend::null_backend nb;
    auto a = std::make_unique<alloc_t<TypeParam, backend::null_backend>>(nb);
    ASSERT_TRUE(setup(*a, 5));
    const auto before = a->snapshot();
    auto r = a->allocate(object_type::frame_4k);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::slots_exhausted);
    EXPECT_EQ(r.error().value, 1u);
    EXPECT_EQ(r.error().limit, 0u);
    EXPECT_TRUE(a->snapshot() == before);
}

// The backend places the object elsewhere (0x108000): mispredicted(predicted
// 0x101000, actual 0x108000), the cap in slot 13 deleted (one delete), and the
// same state as the planned path's undo. With both tries of that delete
// refused: undo_incomplete (cause mispredicted, slot 13, 1 slot), slot 13
// stranded and the block withheld, again as by the planned path; the next
// frame then halves the 2^13 block at 0x102000 instead.
TYPED_TEST(FastPath, MispredictedUndoesAsPlanned) {
    for (int k = 0; k < 4; ++k) {
        const std::uint64_t refused = k % 2 ? 2u : 0u;
        const bool at = k >= 2;
        shifting fb;
        shifting pb;
        auto fast = std::make_unique<alloc_t<TypeParam, shifting>>(fb);
        auto planned = std::make_unique<planned_t<TypeParam, shifting>>(pb);
        ASSERT_TRUE(setup(*fast));
        ASSERT_TRUE(setup(*planned));
        const auto before = fast->snapshot();
        fb.report = pb.report = 0x108000;
        fb.refuse_deletes = pb.refuse_deletes = refused;
        auto f = second_frame(*fast, at);
        auto p = second_frame(*planned, at);
        ASSERT_FALSE(f);
        ASSERT_FALSE(p);
        EXPECT_TRUE(f.error() == p.error());
        EXPECT_TRUE(fast->snapshot() == planned->snapshot());
        EXPECT_EQ(fb.retypes, 4u); // 3 for the first frame, 1 here
        if (refused == 0) {
            EXPECT_EQ(f.error().code, error_code::mispredicted);
            EXPECT_EQ(f.error().value, exact);
            EXPECT_EQ(f.error().limit, 0x108000u);
            EXPECT_EQ(fb.deletes, 1u);
            auto expect = before;
            expect.stats.retypes += 1;
            expect.stats.deletes += 1;
            EXPECT_TRUE(fast->snapshot() == expect);
        } else {
            EXPECT_EQ(f.error().code, error_code::undo_incomplete);
            EXPECT_EQ(f.error().argument, static_cast<std::uint64_t>(error_code::mispredicted));
            EXPECT_EQ(f.error().value, 13u);
            EXPECT_EQ(f.error().limit, 1u);
            EXPECT_EQ(fb.deletes, 0u);
            EXPECT_EQ(fast->stats().stranded, 1u);
            EXPECT_EQ(fast->free_bytes(), 0x2000u); // 16 KiB - the first frame - the withheld block
            auto next = fast->allocate(object_type::frame_4k);
            ASSERT_TRUE(next);
            EXPECT_EQ(next->paddr, 0x102000u);
            EXPECT_NE(next->slot, 13u);
        }
    }
}

// The fast path's halvings (no free block of exactly the object's size): the
// first frame of the layout halves the 2^14 untyped (slot 1) into slots 8, 9,
// then the low 2^13 half (slot 8) into slots 10, 11, and retypes the frame from
// slot 10 into slot 12 at 0x100000: 3 retypes, the same allocation, state and
// kernel-model state as the planned path's; freeing it agrees too. At the
// address 0x103000 (the top 4 KiB) each halving keeps the high half instead:
// slot 9 (0x102000), then slot 11 (0x103000), the frame again in slot 12.
using split_model = backend::model<64, 64>;
constexpr kernel::paddr_t top = 0x103000;
template <class A>
result<allocation> first_frame(A& a, bool at) {
    return at ? a.allocate_at(object_type::frame_4k, 0, top) : a.allocate(object_type::frame_4k);
}
TYPED_TEST(FastPath, SplitMatchesPlanned) {
    static_assert(detail::fast_split_at_strategy_for<TypeParam, typename alloc_t<TypeParam, split_model>::state_type>);
    for (bool at : {false, true}) {
        split_model fm(x86);
        split_model pm(x86);
        auto fast = std::make_unique<alloc_t<TypeParam, split_model>>(fm);
        auto planned = std::make_unique<planned_t<TypeParam, split_model>>(pm);
        ASSERT_TRUE(bare(*fast));
        ASSERT_TRUE(bare(*planned));
        auto f = first_frame(*fast, at);
        auto p = first_frame(*planned, at);
        ASSERT_TRUE(f);
        ASSERT_TRUE(p);
        EXPECT_TRUE(*f == *p);
        EXPECT_EQ(f->slot, 12u);
        EXPECT_EQ(f->untyped, at ? 11u : 10u);
        EXPECT_EQ(f->paddr, at ? top : base);
        EXPECT_EQ(f->retypes, 3u);
        EXPECT_EQ(fast->stats().retypes, 3u);
        EXPECT_TRUE(fast->snapshot() == planned->snapshot()) << (at ? "at" : "anywhere");
        EXPECT_TRUE(fm == pm);
        ASSERT_TRUE(fast->free(f->id));
        ASSERT_TRUE(planned->free(p->id));
        EXPECT_TRUE(fast->snapshot() == planned->snapshot());
        EXPECT_TRUE(fm == pm);
    }
}

// Each of the three calls refused in turn (k = 1, 2, 3), anywhere and at the
// address: the backend's error, the caps of the k - 1 halvings before it
// deleted (two each), and the allocator as before but for those counters; the
// same error, state and model as the planned path's.
TYPED_TEST(FastPath, SplitRefusedCallUndoneAsPlanned) {
    for (bool at : {false, true}) {
        for (std::uint64_t k = 1; k <= 3; ++k) {
            split_model fm(x86);
            split_model pm(x86);
            test::faulty<split_model> fb(fm);
            test::faulty<split_model> pb(pm);
            auto fast = std::make_unique<alloc_t<TypeParam, test::faulty<split_model>>>(fb);
            auto planned = std::make_unique<planned_t<TypeParam, test::faulty<split_model>>>(pb);
            ASSERT_TRUE(bare(*fast));
            ASSERT_TRUE(bare(*planned));
            const auto before = fast->snapshot();
            fb.fail_retype = pb.fail_retype = k;
            auto f = first_frame(*fast, at);
            auto p = first_frame(*planned, at);
            ASSERT_FALSE(f) << "call " << k;
            ASSERT_FALSE(p) << "call " << k;
            EXPECT_EQ(f.error().code, error_code::not_enough_memory);
            EXPECT_TRUE(f.error() == p.error());
            EXPECT_TRUE(fast->snapshot() == planned->snapshot()) << "call " << k;
            EXPECT_TRUE(fm == pm) << "call " << k;
            auto expect = before;
            expect.stats.retypes += k - 1;
            expect.stats.deletes += 2 * (k - 1);
            EXPECT_TRUE(fast->snapshot() == expect) << "call " << k;
            // Nothing lost: the same frame is made on the next try.
            auto again = first_frame(*fast, at);
            ASSERT_TRUE(again);
            EXPECT_EQ(again->paddr, at ? top : base);
            EXPECT_EQ(again->slot, 12u);
        }
    }
}

// The first halving's two untypeds reported elsewhere (0x108000), anywhere and
// at the address: mispredicted (predicted 0x100000, the halving's low half),
// both caps deleted; with both tries of the first delete refused,
// undo_incomplete and a stranded slot. Either way, as the planned path.
TYPED_TEST(FastPath, SplitMispredictedUndoneAsPlanned) {
    for (bool at : {false, true}) {
        for (std::uint64_t refused : {0u, 2u}) {
            shifting fb;
            shifting pb;
            auto fast = std::make_unique<alloc_t<TypeParam, shifting>>(fb);
            auto planned = std::make_unique<planned_t<TypeParam, shifting>>(pb);
            ASSERT_TRUE(bare(*fast));
            ASSERT_TRUE(bare(*planned));
            fb.report = pb.report = 0x108000;
            fb.refuse_deletes = pb.refuse_deletes = refused;
            auto f = first_frame(*fast, at);
            auto p = first_frame(*planned, at);
            ASSERT_FALSE(f);
            ASSERT_FALSE(p);
            EXPECT_TRUE(f.error() == p.error());
            EXPECT_TRUE(fast->snapshot() == planned->snapshot());
            EXPECT_EQ(fb.retypes, 1u);
            if (refused == 0) {
                EXPECT_EQ(f.error().code, error_code::mispredicted);
                EXPECT_EQ(f.error().value, base);
                EXPECT_EQ(f.error().limit, 0x108000u);
                EXPECT_EQ(fb.deletes, 2u);
            } else {
                EXPECT_EQ(f.error().code, error_code::undo_incomplete);
                EXPECT_EQ(fast->stats().stranded, 1u);
            }
        }
    }
}

// Random requests of every kind, the same on both: anywhere and at addresses
// (aligned or not, inside and outside the untypeds, RAM and device), counts
// of 1 and more, frees of live and stale ids. After every call the two
// results and the two snapshots must be equal. 3,000 calls per strategy, with
// the small tables of alloc_t, so that exhaustion errors are reached too.
TYPED_TEST(FastPath, RandomRequestsMatchThePlannedPath) {
    backend::null_backend nb;
    auto fast = std::make_unique<alloc_t<TypeParam, backend::null_backend>>(nb);
    auto planned = std::make_unique<planned_t<TypeParam, backend::null_backend>>(nb);
    ASSERT_TRUE(fast->add_slots(first_slot, 16) && planned->add_slots(first_slot, 16));
    ASSERT_TRUE(fast->add_untyped(1, base, 16, false) && planned->add_untyped(1, base, 16, false));
    ASSERT_TRUE(fast->add_untyped(2, 0x200000, 14, true) && planned->add_untyped(2, 0x200000, 14, true));
    constexpr object_type types[] = {object_type::frame_4k, object_type::endpoint, object_type::tcb,
                                     object_type::untyped,  object_type::cnode,    object_type::page_table,
                                     object_type::frame_2m};
    std::uint64_t state = 0x9e3779b97f4a7c15u;
    auto next = [&state](std::uint64_t n) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        return (state >> 33) % n;
    };
    std::vector<allocation> ids;   // live (and some stale) allocations
    std::vector<allocation> freed; // what was freed: asked for again at its address, as a VMM re-maps a device page
    std::size_t anywhere = 0, at_address = 0; // successes of each kind
    for (int i = 0; i < 3000; ++i) {
        const std::uint64_t op = next(10);
        if (op < 3 && !ids.empty()) {
            const std::size_t k = next(ids.size());
            auto f = fast->free(ids[k].id);
            auto p = planned->free(ids[k].id);
            ASSERT_EQ(f.has_value(), p.has_value()) << "call " << i;
            if (!f) {
                EXPECT_TRUE(f.error() == p.error()) << "call " << i;
            } else if (ids[k].count == 1) {
                freed.push_back(ids[k]);
            }
            if (next(4) != 0) { // keep some stale ids
                ids[k] = ids.back();
                ids.pop_back();
            }
        } else {
            object_type ty = types[next(std::size(types))];
            std::uint64_t size_bits = ty == object_type::untyped ? 4 + next(12)
                                      : ty == object_type::cnode ? 1 + next(8)
                                                                 : 0;
            memory mem = next(5) == 0 ? memory::device : memory::ram;
            const std::uint64_t count = next(6) == 0 ? 1 + next(3) : 1;
            const kernel::paddr_t region = mem == memory::device ? 0x200000 : base;
            kernel::paddr_t at = region + (next(8) == 0 ? next(0x20000) : next(32) << 12);
            const bool fixed = op >= 7;
            if (fixed && !freed.empty() && next(2) == 0) { // the same object again where it was
                const allocation& g = freed[next(freed.size())];
                ty = g.type;
                size_bits = g.size_bits;
                mem = g.device ? memory::device : memory::ram;
                at = g.paddr;
            }
            auto f = fixed ? fast->allocate_at(ty, size_bits, at, mem) : fast->allocate(ty, size_bits, count, mem);
            auto p =
                fixed ? planned->allocate_at(ty, size_bits, at, mem) : planned->allocate(ty, size_bits, count, mem);
            ASSERT_EQ(f.has_value(), p.has_value()) << "call " << i;
            if (f) {
                EXPECT_TRUE(*f == *p) << "call " << i;
                ids.push_back(*f);
                ++(fixed ? at_address : anywhere);
            } else {
                EXPECT_TRUE(f.error() == p.error()) << "call " << i;
            }
        }
        ASSERT_TRUE(fast->snapshot() == planned->snapshot()) << "call " << i;
    }
    // The sequence did allocate both ways, not only fail.
    std::printf("anywhere %zu, at an address %zu\n", anywhere, at_address);
    EXPECT_GT(anywhere, 200u);
    EXPECT_GT(at_address, 50u);
}

} // namespace
