// The conformance suite: universal laws every composition of policies obeys,
// checked against the kernel model.
#include "matrix.hpp"

#include <memory>

using namespace retype;
using kernel::object_type;

template <class T>
class Conformance : public ::testing::Test {
protected:
    using A = typename T::type;
    void SetUp() override {
        m = std::make_unique<small_model>(T::cfg);
        a = std::make_unique<A>(*m);
        ASSERT_TRUE(a->add_slots(64, 448));
        backend::slot_t s = 1;
        for (const auto& u : test::bootinfo<T::cfg>()) ASSERT_TRUE(a->add_untyped(s++, u.paddr, u.size_bits, u.device));
    }
    using small_model = test::small_model;
    std::unique_ptr<small_model> m;
    std::unique_ptr<A> a;

    /// Alignment in pptr space and agreement with the model, for every object.
    void check_placed(const allocation& r) {
        const auto t = kernel::traits(T::cfg);
        for (std::uint64_t i = 0; i < r.count; ++i) {
            ASSERT_TRUE(m->occupied(r.slot + i));
            const kernel::paddr_t p = m->paddr(r.slot + i);
            EXPECT_EQ(p, r.paddr + (i << r.object_bits)) << "object " << i;
            EXPECT_EQ(t.to_pptr(p) & ((std::uint64_t{1} << r.object_bits) - 1), 0u);
        }
    }
    /// Every bad request: the error, and no change in allocator or backend.
    template <class F>
    void rejects(F&& call, error_code code, int line = __builtin_LINE()) {
        SCOPED_TRACE(::testing::Message() << "request at line " << line);
        const auto before = a->snapshot();
        const small_model mbefore = *m;
        auto r = call();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, code) << name(r.error().code);
        EXPECT_TRUE(a->snapshot() == before);
        EXPECT_TRUE(*m == mbefore);
    }
};
TYPED_TEST_SUITE(Conformance, test::matrix);

TYPED_TEST(Conformance, PlacesAlignedWherePredictedWithoutOverlap) {
    auto& a = *this->a;
    struct span {
        kernel::paddr_t lo, hi;
    };
    std::vector<span> spans;
    const object_type kinds[] = {object_type::tcb, object_type::endpoint, object_type::frame_4k,
                                 object_type::page_table, object_type::notification};
    for (int round = 0; round < 3; ++round)
        for (object_type k : kinds) {
            auto r = a.allocate(k, 0, 1 + round);
            ASSERT_TRUE(r) << name(r.error().code);
            this->check_placed(*r);
            const span s{r->paddr, r->paddr + (r->count << r->object_bits)};
            for (const span& o : spans) EXPECT_TRUE(s.hi <= o.lo || o.hi <= s.lo);
            spans.push_back(s);
        }
    auto cn = a.allocate(object_type::cnode, 6, 2);
    ASSERT_TRUE(cn);
    this->check_placed(*cn);
}

TYPED_TEST(Conformance, BadInputLeavesEverythingUnchanged) {
    auto& a = *this->a;
    ASSERT_TRUE(a.allocate(object_type::endpoint)); // some state to keep
    const auto t = kernel::traits(TypeParam::cfg);
    const object_type absent =
        kernel::exists(TypeParam::cfg, object_type::pml4) ? object_type::section : object_type::pml4;
    this->rejects([&] { return a.allocate(absent); }, error_code::invalid_argument);
    this->rejects([&] { return a.allocate(object_type::cnode, 0); }, error_code::invalid_argument);
    this->rejects([&] { return a.allocate(object_type::untyped, 3); }, error_code::invalid_argument);
    this->rejects([&] { return a.allocate(object_type::untyped, t.max_untyped_bits + 1); }, error_code::range_error);
    this->rejects([&] { return a.allocate(object_type::endpoint, 0, 0); }, error_code::range_error);
    this->rejects([&] { return a.allocate(object_type::tcb, 0, 1, memory::device); }, error_code::device_mismatch);
    this->rejects([&] { return a.allocate(object_type::untyped, t.max_untyped_bits); }, error_code::not_enough_memory);
    // More objects than max_slots (448) can ever hold, then more than are free.
    this->rejects([&] { return a.allocate(object_type::endpoint, 0, 449); }, error_code::slots_exhausted);
    this->rejects([&] { return a.allocate(object_type::endpoint, 0, 448); }, error_code::slots_exhausted);
    this->rejects([&] { return a.allocate_at(object_type::frame_4k, 0, 0x7000); }, error_code::not_in_untyped);
    this->rejects(
        [&] { return a.allocate_at(object_type::frame_4k, 0, test::bootinfo<TypeParam::cfg>()[1].paddr + 0x800); },
        error_code::misaligned);
    this->rejects([&] { return a.allocate_at(object_type::frame_4k, 0, test::bootinfo<TypeParam::cfg>()[3].paddr); },
                  error_code::device_mismatch);
    this->rejects([&] { return a.allocate_range(3000); }, error_code::misaligned);
    this->rejects([&] { return a.allocate_range(0); }, error_code::invalid_argument);
    this->rejects([&] { return a.free(allocation_id{7, 0}); }, error_code::not_allocated);
    this->rejects([&] { return a.free(allocation_id{100000, 0}); }, error_code::not_allocated);
    this->rejects([&] { return a.reset(12345); }, error_code::unknown_object);
    const auto u = test::bootinfo<TypeParam::cfg>()[0];
    this->rejects([&] { return a.add_untyped(20, u.paddr + 0x1000, 12, false); }, error_code::overlap);
    this->rejects([&] { return a.add_untyped(20, u.paddr + 0x10, 12, false); }, error_code::misaligned);
    this->rejects([&] { return a.add_untyped(70, 0xf0000000, 12, true); }, error_code::overlap); // a managed slot
    this->rejects([&] { return a.add_untyped(21, 0xf0000000, 60, true); }, error_code::range_error);
    this->rejects([&] { return a.add_slots(100, 4); }, error_code::overlap);      // inside [64, 512)
    this->rejects([&] { return a.add_slots(1000, 4); }, error_code::range_error); // all 448 slots given
    // Freed twice.
    auto e = a.allocate(object_type::endpoint);
    ASSERT_TRUE(e);
    ASSERT_TRUE(a.free(e->id));
    this->rejects([&] { return a.free(e->id); }, error_code::not_allocated);
}

TYPED_TEST(Conformance, FreeAndResetReturnAllMemory) {
    auto& a = *this->a;
    const std::uint64_t ram = a.free_bytes(memory::ram);
    const std::uint64_t dev = a.free_bytes(memory::device);
    std::vector<allocation_id> ids;
    for (int i = 0; i < 12; ++i) {
        auto r = a.allocate(i % 3 ? object_type::frame_4k : object_type::tcb, 0, 1 + i % 4);
        ASSERT_TRUE(r);
        ids.push_back(r->id);
    }
    auto d = a.allocate(object_type::frame_4k, 0, 3, memory::device);
    ASSERT_TRUE(d);
    ids.push_back(d->id);
    EXPECT_LT(a.free_bytes(memory::ram), ram);
    for (auto id : ids) ASSERT_TRUE(a.free(id));
    EXPECT_EQ(a.free_bytes(memory::ram), ram);
    EXPECT_EQ(a.free_bytes(memory::device), dev);
    // binary_search keeps its halves (no merge) until reset; the others hold
    // no slot once every allocation is gone.
    if (TypeParam::type::config.split != split_kind::binary_search) {
        EXPECT_EQ(a.stats().slots, 0u);
    }
    EXPECT_EQ(a.stats().allocations, 0u);
    // reset(): everything in the untyped goes at once, ids become stale.
    auto x = a.allocate(object_type::frame_4k, 0, 5);
    ASSERT_TRUE(x);
    for (backend::slot_t s = 1; s <= 4; ++s) ASSERT_TRUE(a.reset(s));
    EXPECT_FALSE(a.live(x->id));
    EXPECT_EQ(a.free_bytes(memory::ram), ram);
    EXPECT_EQ(a.stats().untypeds, 4u);
    EXPECT_EQ(a.stats().slots, 0u);
    EXPECT_EQ(this->m->machine().free_nodes(), this->m->machine().capacity() - 4);
}

TYPED_TEST(Conformance, FixedAddressLandsThere) {
    auto& a = *this->a;
    const auto u = test::bootinfo<TypeParam::cfg>()[1];
    const kernel::paddr_t at = u.paddr + 0x3000;
    auto r = a.allocate_at(object_type::frame_4k, 0, at);
    ASSERT_TRUE(r) << name(r.error().code);
    EXPECT_EQ(r->paddr, at);
    EXPECT_EQ(this->m->paddr(r->slot), at);
    // The same place again is taken.
    this->rejects([&] { return a.allocate_at(object_type::frame_4k, 0, at); }, error_code::overlap);
    const auto d = test::bootinfo<TypeParam::cfg>()[3];
    auto dv = a.allocate_at(object_type::frame_4k, 0, d.paddr + 0x10000, memory::device);
    ASSERT_TRUE(dv) << name(dv.error().code);
    EXPECT_EQ(this->m->paddr(dv->slot), d.paddr + 0x10000);
    ASSERT_TRUE(a.free(r->id));
}

TYPED_TEST(Conformance, ContiguousRangeIsOneRecord) {
    auto& a = *this->a;
    auto r = a.allocate_range(std::uint64_t{1} << 18);
    ASSERT_TRUE(r) << name(r.error().code);
    EXPECT_EQ(r->count, 64u);
    this->check_placed(*r);
    EXPECT_EQ(a.stats().allocations, 1u);
    ASSERT_TRUE(a.free(r->id));
}
