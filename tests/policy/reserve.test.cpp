// Reserving a physical range (issue 14): a reservation keeps its memory out of
// every request not placed inside it, allocate_range_at inside it succeeds,
// unreserve gives it back, and every refused reserve/unreserve leaves the
// allocator and the kernel model exactly as they were. Runs over the policy
// matrix; the user's strategy (examples/custom_strategy) does not reserve and
// must say so (unsupported).
#include "faulty_backend.hpp"
#include "matrix.hpp"

#include <memory>

using namespace retype;
using kernel::object_type;

namespace {

template <class T>
class Reserve : public ::testing::Test {
protected:
    using A = typename T::type;
    using model_t = test::small_model;
    // One RAM untyped (the first of the target's bootinfo: 1 MiB), so that
    // where a request lands is not spread over several untypeds.
    void SetUp() override {
        m = std::make_unique<model_t>(T::cfg);
        a = std::make_unique<A>(*m);
        ASSERT_TRUE(a->add_slots(64, 448));
        ASSERT_TRUE(a->add_untyped(1, base, 20, false));
    }
    static constexpr kernel::paddr_t base = test::bootinfo<T::cfg>()[0].paddr;
    // 64 KiB at base + 64 KiB: aligned to 64 KiB in paddr and pptr space on
    // every target (their window offsets are multiples of 2^16).
    static constexpr kernel::paddr_t at = base + 0x10000;
    static constexpr std::uint64_t bytes = 0x10000;
    static constexpr bool halving = T::type::config.split != split_kind::watermark;

    template <class F>
    void rejects(F&& call, error_code code, int line = __builtin_LINE()) {
        SCOPED_TRACE(::testing::Message() << "call at line " << line);
        const auto before = a->snapshot();
        const model_t mbefore = *m;
        auto r = call();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, code) << name(r.error().code);
        EXPECT_TRUE(a->snapshot() == before);
        EXPECT_TRUE(*m == mbefore);
    }
    std::unique_ptr<model_t> m;
    std::unique_ptr<A> a;
};
TYPED_TEST_SUITE(Reserve, test::matrix);

TYPED_TEST(Reserve, LaterObjectsStayOutAndRangeAtInsideSucceeds) {
    using A = typename TestFixture::A;
    auto id = this->a->reserve(this->bytes, this->at);
    if constexpr (!A::can_reserve) {
        ASSERT_FALSE(id);
        EXPECT_EQ(id.error().code, error_code::unsupported);
        return;
    } else {
        ASSERT_TRUE(id) << name(id.error().code);
        EXPECT_TRUE(this->a->live(*id));
        // TCBs allocated after the reservation, in 20 requests of k = 1/16 of
        // what fits in 64 KiB: none meets [at, at + 64 KiB). Watermark: the
        // bump pointer stops at the reservation, so exactly 16 requests fit
        // below it (64 KiB / 2^tcb_bits TCBs, no gaps: TCBs are aligned to
        // their size) and the 17th finds no memory; halving: the rest of the
        // 1 MiB (960 KiB) is free, so all 20 fit.
        const unsigned tcb_bits = kernel::fixed_object_bits(TypeParam::cfg, object_type::tcb);
        const std::uint64_t k = (this->bytes >> tcb_bits) / 16;
        std::uint64_t made = 0;
        for (int i = 0; i < 20; ++i) {
            auto t = this->a->allocate(objects::tcb(k));
            if (!t) {
                EXPECT_FALSE(this->halving);
                EXPECT_EQ(t.error().code, error_code::not_enough_memory);
                break;
            }
            ++made;
            for (std::uint64_t j = 0; j < k; ++j) {
                const kernel::paddr_t p = this->m->paddr(t->slot + j);
                EXPECT_TRUE(p + (std::uint64_t{1} << tcb_bits) <= this->at || p >= this->at + this->bytes)
                    << std::hex << p;
            }
        }
        EXPECT_EQ(made, this->halving ? 20u : 16u);
        auto r = this->a->allocate_range_at(this->bytes, this->at);
        ASSERT_TRUE(r) << name(r.error().code);
        EXPECT_EQ(r->paddr, this->at);
        // 64 KiB of 4 KiB frames: 16, the first at `at`, each where predicted.
        ASSERT_EQ(r->count, 16u);
        for (std::uint64_t i = 0; i < r->count; ++i) EXPECT_EQ(this->m->paddr(r->slot + i), this->at + (i << 12));
        ASSERT_TRUE(this->a->free(r->id));
        // Halving: the freed frames' memory goes back to the reservation (no
        // merge), so a second range there works again. Watermark: it is behind
        // the watermark while the TCBs live (the kernel's rule), so it does not.
        auto again = this->a->allocate_range_at(this->bytes, this->at);
        EXPECT_EQ(static_cast<bool>(again), this->halving);
        if (again) {
            ASSERT_TRUE(this->a->free(again->id));
        }
        ASSERT_TRUE(this->a->unreserve(*id));
        EXPECT_FALSE(this->a->live(*id));
    }
}

TYPED_TEST(Reserve, BadInputsChangeNothing) {
    using A = typename TestFixture::A;
    if constexpr (A::can_reserve) {
        auto& a = *this->a;
        const kernel::paddr_t at = this->at;
        this->rejects([&] { return a.reserve(0, at); }, error_code::invalid_argument);
        this->rejects([&] { return a.reserve(0x800, at); }, error_code::misaligned);          // not a 4 KiB multiple
        this->rejects([&] { return a.reserve(0x1000, at + 0x800); }, error_code::misaligned); // at off the granule
        this->rejects([&] { return a.reserve(0x1000, 0); }, error_code::not_in_untyped);      // paddr 0: no untyped
        // From 4 KiB below the untyped's end, 64 KiB runs past it (1 MiB).
        this->rejects([&] { return a.reserve(0x10000, this->base + 0xff000); }, error_code::spans_untypeds);
        // Unreserve of an id never given, then of one already ended.
        this->rejects([&] { return a.unreserve(reservation_id{99, 0}); }, error_code::not_allocated);
        auto id = a.reserve(this->bytes, at);
        ASSERT_TRUE(id) << name(id.error().code);
        // The same range twice, and a range that meets it: reserved (limit = its base).
        this->rejects([&] { return a.reserve(this->bytes, at); }, error_code::reserved);
        this->rejects([&] { return a.reserve(0x1000, at + 0xf000); }, error_code::reserved);
        // Halving: 3 pages are not one block; watermark takes any granule multiple.
        if constexpr (TestFixture::halving)
            this->rejects([&] { return a.reserve(0x3000, this->base + 0x40000); }, error_code::misaligned);
        ASSERT_TRUE(a.unreserve(*id));
        this->rejects([&] { return a.unreserve(*id); }, error_code::not_allocated);
        // Over a live allocation: a frame at base. Watermark: the range is
        // behind the watermark; halving: the 64 KiB block at base is split
        // down to that frame. Both: overlap.
        auto f = a.allocate_at(object_type::frame_4k, 0, this->base);
        ASSERT_TRUE(f) << name(f.error().code);
        this->rejects([&] { return a.reserve(this->bytes, this->base); }, error_code::overlap);
        // Eight entries: eight single pages at base + 512 KiB + i x 4 KiB; a ninth is refused.
        for (std::uint64_t i = 0; i < 8; ++i) ASSERT_TRUE(a.reserve(0x1000, this->base + 0x80000 + (i << 12))) << i;
        this->rejects([&] { return a.reserve(0x1000, this->base + 0x90000); }, error_code::reservations_exhausted);
    }
}

TYPED_TEST(Reserve, UnreserveGivesTheMemoryBack) {
    using A = typename TestFixture::A;
    if constexpr (A::can_reserve) {
        auto& a = *this->a;
        const std::uint64_t free0 = a.free_bytes();
        auto id = a.reserve(this->bytes, this->at);
        ASSERT_TRUE(id) << name(id.error().code);
        // Halving: the reserved block is off the free lists (1 MiB - 64 KiB
        // free); watermark counts as the kernel does (all of it above the watermark).
        EXPECT_EQ(a.free_bytes(), this->halving ? free0 - this->bytes : free0);
        ASSERT_TRUE(a.unreserve(*id));
        EXPECT_EQ(a.free_bytes(), free0);
        if constexpr (TypeParam::type::config.split == split_kind::buddy) {
            EXPECT_EQ(a.largest_block(), 1u << 20);
        }
        // Now a 64 KiB untyped anywhere may take it again: the whole 1 MiB is usable.
        auto big = a.allocate(object_type::untyped, 19);
        ASSERT_TRUE(big) << name(big.error().code);
        auto big2 = a.allocate(object_type::untyped, 19);
        EXPECT_EQ(static_cast<bool>(big2), TypeParam::type::config.split != split_kind::binary_search);
    }
}

TYPED_TEST(Reserve, ResetEndsTheReservations) {
    using A = typename TestFixture::A;
    if constexpr (A::can_reserve) {
        auto& a = *this->a;
        auto id = a.reserve(this->bytes, this->at);
        ASSERT_TRUE(id) << name(id.error().code);
        ASSERT_TRUE(a.reset(1));
        EXPECT_FALSE(a.live(*id));
        EXPECT_EQ(a.free_bytes(), 1u << 20);
    }
}

} // namespace

TYPED_TEST(Reserve, AllocateAtInsideAndPastIt) {
    using A = typename TestFixture::A;
    if constexpr (A::can_reserve) {
        auto& a = *this->a;
        auto id = a.reserve(this->bytes, this->at);
        ASSERT_TRUE(id) << name(id.error().code);
        // One TCB inside, 8 KiB in: placed there, from the reserved memory.
        auto t = a.allocate_at(object_type::tcb, 0, this->at + 0x2000);
        ASSERT_TRUE(t) << name(t.error().code);
        EXPECT_EQ(this->m->paddr(t->slot), this->at + 0x2000);
        // Past the reservation: watermark would pad over it (from its
        // watermark, now in the reservation), so it is refused with reserved
        // and the reservation's base; halving takes another block.
        const kernel::paddr_t past = this->at + this->bytes;
        if constexpr (TestFixture::halving) {
            auto p = a.allocate_at(object_type::tcb, 0, past);
            ASSERT_TRUE(p) << name(p.error().code);
            EXPECT_EQ(this->m->paddr(p->slot), past);
        } else {
            const auto before = a.snapshot();
            auto p = a.allocate_at(object_type::tcb, 0, past);
            ASSERT_FALSE(p);
            EXPECT_EQ(p.error().code, error_code::reserved);
            EXPECT_EQ(p.error().limit, this->at);
            EXPECT_TRUE(a.snapshot() == before);
            // Watermark takes any granule multiple: three pages above the first reservation.
            auto three = a.reserve(0x3000, past + 0x10000);
            ASSERT_TRUE(three) << name(three.error().code);
            ASSERT_TRUE(a.free(t->id)); // the watermark goes back to the untyped's base
            // Its paddings would still cross the first reservation: refused;
            // once that one ends, the range goes in its own.
            auto no = a.allocate_range_at(0x3000, past + 0x10000);
            ASSERT_FALSE(no);
            EXPECT_EQ(no.error().code, error_code::reserved);
            EXPECT_EQ(no.error().limit, this->at);
            ASSERT_TRUE(a.unreserve(*id));
            auto r = a.allocate_range_at(0x3000, past + 0x10000);
            ASSERT_TRUE(r) << name(r.error().code);
            EXPECT_EQ(r->count, 3u);
            EXPECT_EQ(this->m->paddr(r->slot), past + 0x10000);
        }
    }
}

// A reserve whose halvings the backend refuses part way: the halvings made are
// undone and both sides are as before. 64 KiB at 64 KiB in a 1 MiB untyped is
// reached by four halvings (1 MiB -> 512 KiB -> 256 KiB -> 128 KiB -> 64 KiB,
// keeping the low half three times, then the high one), so failing the 3rd
// retype leaves two to undo.
template <class Split>
class ReserveFaults : public ::testing::Test {};
using halving_strategies = ::testing::Types<strategy::buddy, strategy::binary_search>;
TYPED_TEST_SUITE(ReserveFaults, halving_strategies);

TYPED_TEST(ReserveFaults, ARefusedHalvingChangesNothing) {
    using model_t = test::small_model;
    using faulty_t = test::faulty<model_t>;
    using alloc_t = allocator<faulty_t, target<test::x86>, split<TypeParam>, max_untypeds<32>, max_slots<64>>;
    auto m = std::make_unique<model_t>(test::x86);
    auto f = std::make_unique<faulty_t>(*m);
    auto a = std::make_unique<alloc_t>(*f);
    ASSERT_TRUE(a->add_slots(64, 64));
    ASSERT_TRUE(a->add_untyped(1, 0x100000, 20, false));
    const auto before = a->snapshot();
    const model_t mbefore = *m;
    f->fail_retype = 3;
    auto r = a->reserve(0x10000, 0x110000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, error_code::not_enough_memory); // the backend's error
    EXPECT_EQ(a->stats().retypes, 2u);                        // two ran, and were undone
    EXPECT_EQ(a->stats().deletes, 4u);                        // two halves each
    auto after = a->snapshot();
    after.stats = before.stats; // the counters moved; everything else must not
    EXPECT_TRUE(after == before);
    EXPECT_TRUE(*m == mbefore);
    // Then it works: four halvings, the 64 KiB block at 0x110000 off the lists.
    auto ok = a->reserve(0x10000, 0x110000);
    ASSERT_TRUE(ok) << name(ok.error().code);
    EXPECT_EQ(a->stats().retypes, 2u + 4u);
    EXPECT_EQ(a->free_bytes(), (std::uint64_t{1} << 20) - 0x10000);
}
