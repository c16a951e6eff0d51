// The kernel model as a whole: watermark, reset, delete, revoke, capacity and
// the rule that a failed operation changes nothing.
#include <retype/kernel/machine.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace retype;
using namespace retype::kernel;

namespace {
constexpr config x64{.target = arch::x86_64};
using small_machine = machine<64>;

constexpr retype_args args(object_type t, std::uint64_t size_bits = 0, std::uint64_t count = 1) {
    return retype_args{.type = t, .size_bits = size_bits, .count = count};
}

// A whole retype/delete/revoke sequence evaluated at compile time.
constexpr bool reset_sequence() {
    small_machine m(x64);
    auto ut = m.add_untyped(0x400000, 13, false);
    if (!ut) return false;
    auto a = m.retype(*ut, args(object_type::cnode, 5));
    auto b = m.retype(*ut, args(object_type::frame_4k));
    if (!a || !b || b->watermark != 0x2000) return false;
    // Deleting the newest child does not rewind the watermark...
    auto w1 = m.remove(b->first);
    if (!w1 || *w1 != 0x2000) return false;
    // ...deleting the last one lets the next retype start at 0.
    auto w2 = m.remove(a->first);
    if (!w2 || *w2 != 0) return false;
    auto c = m.retype(*ut, args(object_type::frame_4k));
    return c && c->plan.offset == 0 && c->plan.reset;
}
static_assert(reset_sequence());
} // namespace

TEST(Machine, AddUntypedRejectsWhatTheKernelCouldNotHaveCreated) {
    auto m = std::make_unique<small_machine>(x64);
    EXPECT_EQ(m->add_untyped(0x1000, 3, false).error(), range_error(4, 47));
    EXPECT_EQ(m->add_untyped(0x1000, 48, false).error(), range_error(4, 47));
    EXPECT_EQ(m->add_untyped(0x1000, 13, false).error().code, error_code::misaligned);
    // RAM above PADDR_TOP is device memory to the kernel.
    EXPECT_EQ(m->add_untyped(0x8000000000ULL, 20, false).error().code, error_code::out_of_window);
    EXPECT_TRUE(m->add_untyped(0x8000000000ULL, 20, true));
    // Physically 2^39-aligned but not in pptr space: 0x8000000000/40 has pptr 0, fine; /46 at 0x10000000000 is not.
    EXPECT_EQ(m->add_untyped(0x10000000000ULL, 46, true).error().code, error_code::misaligned);
    ASSERT_TRUE(m->add_untyped(0x400000, 22, false));
    EXPECT_EQ(m->add_untyped(0x500000, 20, false).error().code, error_code::overlap);
}

TEST(Machine, FailedRetypeChangesNothing) {
    auto m = std::make_unique<small_machine>(x64);
    auto ut = m->add_untyped(0x400000, 13, false);
    ASSERT_TRUE(ut);
    ASSERT_TRUE(m->retype(*ut, args(object_type::cnode, 8))); // 0x2000: full
    const auto before = std::make_unique<small_machine>(*m);
    for (auto a : {args(object_type::endpoint), args(object_type::cnode, 0), args(object_type::untyped, 60),
                   args(object_type::endpoint, 0, 0), args(object_type::tcb, 0, 300)}) {
        EXPECT_FALSE(m->retype(*ut, a));
        EXPECT_TRUE(*m == *before);
    }
}

TEST(Machine, CapacityExhaustedIsReportedAndChangesNothing) {
    auto m = std::make_unique<machine<3>>(x64);
    auto ut = m->add_untyped(0x400000, 20, false);
    ASSERT_TRUE(ut);
    const auto before = *m;
    auto r = m->retype(*ut, args(object_type::untyped, 12, 3)); // needs 3 nodes, 2 free
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::capacity_exhausted);
    EXPECT_TRUE(*m == before);
    // 300 endpoints are 2 batch nodes.
    auto wide = std::make_unique<machine<3>>(config{.target = arch::x86_64, .fan_out_limit = 300});
    auto ut2 = wide->add_untyped(0x400000, 20, false);
    ASSERT_TRUE(ut2);
    auto eps = wide->retype(*ut2, args(object_type::endpoint, 0, 300));
    ASSERT_TRUE(eps);
    EXPECT_EQ(wide->free_nodes(), 0u);
    const auto last = wide->at(eps->first, 299);
    ASSERT_TRUE(wide->is_live(last));
    EXPECT_EQ(wide->paddr(last), 0x400000u + 299 * 16);
}

TEST(Machine, DeleteNeverRewindsWhileChildrenRemain) {
    auto m = std::make_unique<small_machine>(x64);
    auto ut = m->add_untyped(0x400000, 16, false);
    ASSERT_TRUE(ut);
    auto eps = m->retype(*ut, args(object_type::endpoint, 0, 4));
    ASSERT_TRUE(eps);
    EXPECT_EQ(eps->watermark, 0x40u);
    for (std::uint64_t i = 3; i > 0; --i) {
        auto w = m->remove(m->at(eps->first, i));
        ASSERT_TRUE(w);
        EXPECT_EQ(*w, 0x40u);
    }
    // Deleting twice is an error and changes nothing.
    EXPECT_EQ(m->remove(m->at(eps->first, 3)).error().code, error_code::unknown_object);
    auto last = m->remove(eps->first);
    ASSERT_TRUE(last);
    EXPECT_EQ(*last, 0u);
}

TEST(Machine, RevokeResetsOnlyTheRevokedUntyped) {
    auto m = std::make_unique<small_machine>(x64);
    auto root = m->add_untyped(0x400000, 16, false);
    ASSERT_TRUE(root);
    auto child = m->retype(*root, args(object_type::untyped, 14));
    ASSERT_TRUE(child);
    auto grand = m->retype(child->first, args(object_type::frame_4k, 0, 2));
    ASSERT_TRUE(grand);
    EXPECT_EQ(m->untyped(child->first).watermark(), 0x2000u);
    // A child untyped with children cannot be deleted on its own.
    EXPECT_EQ(m->remove(child->first).error().code, error_code::has_children);
    auto w = m->revoke(child->first);
    ASSERT_TRUE(w);
    EXPECT_EQ(*w, 0u);
    EXPECT_FALSE(m->is_live(grand->first));
    // The parent still has its child untyped: its watermark is untouched.
    EXPECT_EQ(m->untyped(*root).watermark(), 0x4000u);
    auto again = m->retype(*root, args(object_type::frame_4k));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->plan.offset, 0x4000u);
    // Revoking the root removes the whole subtree and the next retype starts over.
    ASSERT_TRUE(m->revoke(*root));
    EXPECT_FALSE(m->is_live(child->first));
    EXPECT_EQ(m->free_nodes(), small_machine::capacity() - 1);
    auto fresh = m->retype(*root, args(object_type::frame_4k));
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->plan.offset, 0u);
    EXPECT_TRUE(fresh->plan.reset);
}

TEST(Machine, RevokeAndRetypeOnNonUntypedAreRejected) {
    auto m = std::make_unique<small_machine>(x64);
    auto root = m->add_untyped(0x400000, 16, false);
    ASSERT_TRUE(root);
    auto ep = m->retype(*root, args(object_type::endpoint));
    ASSERT_TRUE(ep);
    EXPECT_EQ(m->revoke(ep->first).error().code, error_code::not_an_untyped);
    EXPECT_EQ(m->retype(ep->first, args(object_type::endpoint)).error().code, error_code::not_an_untyped);
    EXPECT_EQ(m->retype(object_ref{}, args(object_type::endpoint)).error().code, error_code::unknown_object);
}

TEST(Machine, ChildUntypedsInheritDeviceAndStartEmpty) {
    auto m = std::make_unique<small_machine>(x64);
    auto dev = m->add_untyped(0xfe000000, 20, true);
    ASSERT_TRUE(dev);
    auto kids = m->retype(*dev, args(object_type::untyped, 12, 2));
    ASSERT_TRUE(kids);
    const auto second = m->at(kids->first, 1);
    EXPECT_TRUE(m->untyped(second).device);
    EXPECT_EQ(m->untyped(second).paddr, 0xfe001000u);
    EXPECT_EQ(m->untyped(second).watermark(), 0u);
    EXPECT_EQ(m->retype(second, args(object_type::endpoint)).error(), invalid_argument(1));
}

namespace {
// Invariants that revoke and delete must keep, checked against a recount from
// scratch: every live untyped's child count equals the live objects whose parent
// it is, no live object has a dead parent, and free + used nodes == capacity.
template <std::size_t N>
::testing::AssertionResult consistent(const machine<N>& m) {
    std::size_t used = 0;
    for (std::uint32_t i = 0; i < N; ++i) {
        const auto& n = m.nodes()[i];
        if (!n.live) continue;
        ++used;
        if (n.parent != no_node && !m.nodes()[n.parent].live)
            return ::testing::AssertionFailure() << "node " << i << " has a dead parent";
        if (n.type != object_type::untyped) continue;
        std::uint64_t kids = 0;
        for (std::uint32_t j = 0; j < N; ++j)
            if (m.nodes()[j].live && m.nodes()[j].parent == i) kids += m.nodes()[j].live_count;
        if (kids != n.ut.children)
            return ::testing::AssertionFailure()
                   << "untyped " << i << " counts " << n.ut.children << " children, has " << kids;
    }
    if (used + m.free_nodes() != N) return ::testing::AssertionFailure() << "node accounting";
    return ::testing::AssertionSuccess();
}
} // namespace

TEST(Machine, RandomTreesStayConsistentUnderDeleteAndRevoke) {
    auto m = std::make_unique<machine<512>>(x64);
    std::vector<object_ref> untypeds;
    std::vector<object_ref> objects;
    auto root = m->add_untyped(0x40000000, 30, false);
    ASSERT_TRUE(root);
    untypeds.push_back(*root);
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    const auto rnd = [&](std::uint64_t n) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state % n;
    };
    int retypes = 0, revokes = 0, deletes = 0;
    for (int step = 0; step < 20000; ++step) {
        const auto op = rnd(10);
        if (op < 5 && !untypeds.empty()) {
            const object_ref ut = untypeds[rnd(untypeds.size())];
            // Handles are plain indices: a stale one may name a newer object, which is fine here.
            if (!m->is_live(ut) || m->at(ut).type != object_type::untyped) continue;
            const bool child_ut = rnd(3) == 0;
            const auto bits = m->untyped(ut).size_bits;
            const std::uint64_t k = child_ut ? 4 + rnd(bits > 6 ? bits - 5 : 1) : 0;
            auto r = m->retype(ut, retype_args{.type = child_ut ? object_type::untyped : object_type::endpoint,
                                               .size_bits = k,
                                               .count = 1 + rnd(child_ut ? 3 : 300)});
            if (!r) continue;
            ++retypes;
            for (std::uint64_t i = 0; i < r->plan.count; ++i) {
                const object_ref o = m->at(r->first, i);
                (child_ut ? untypeds : objects).push_back(o);
            }
        } else if (op < 8 && !objects.empty()) {
            const auto idx = rnd(objects.size());
            deletes += m->remove(objects[idx]).has_value();
            objects[idx] = objects.back();
            objects.pop_back();
        } else if (!untypeds.empty()) {
            const object_ref ut = untypeds[rnd(untypeds.size())];
            if (m->is_live(ut) && m->at(ut).type == object_type::untyped) revokes += m->revoke(ut).has_value();
        }
        if (step % 500 == 0) {
            ASSERT_TRUE(consistent(*m)) << "step " << step;
        }
    }
    ASSERT_TRUE(consistent(*m));
    // The walk must have exercised every operation, not just failed early.
    EXPECT_GT(retypes, 500);
    EXPECT_GT(deletes, 300);
    EXPECT_GT(revokes, 100);
    ASSERT_TRUE(m->revoke(*root));
    EXPECT_EQ(m->free_nodes(), 511u);
}
