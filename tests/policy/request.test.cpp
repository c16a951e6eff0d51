// The request API: size_bits and count cannot be confused, and the typed
// helpers build the requests vka users know. Expected sizes from the x86_64
// object sizes (seL4 object_type sizes: endpoint 2^4, TCB 2^11, CNode slot 2^5).
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <memory>

using namespace retype;
using namespace retype::objects;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<64, 256>;
using alloc_t = allocator<model_t, target<x86>, split<strategy::buddy>, max_untypeds<48>, max_slots<128>>;

// The helpers are plain values.
static_assert(endpoint(4) == request{.type = object_type::endpoint, .count = 4});
static_assert(cnode(12) == request{.type = object_type::cnode, .size_bits = 12});
static_assert(frames(object_type::frame_2m, 8).count == 8 && frames(object_type::frame_2m, 8).size_bits == 0);
static_assert(untyped(20, memory::device).mem == memory::device && untyped(20).size_bits == 20);
static_assert(tcb().at(0x1000).paddr == std::optional<kernel::paddr_t>{0x1000});
static_assert(frames(object_type::frame_4k).device().mem == memory::device);

struct Request : ::testing::Test {
    std::unique_ptr<model_t> m = std::make_unique<model_t>(x86);
    std::unique_ptr<alloc_t> a = std::make_unique<alloc_t>(*m);
    void SetUp() override {
        ASSERT_TRUE(a->add_slots(64, 128));
        ASSERT_TRUE(a->add_untyped(1, 0x400000, 22, false));  // 4 MiB RAM
        ASSERT_TRUE(a->add_untyped(2, 0xfe000000, 24, true)); // 16 MiB device
    }
};

TEST_F(Request, CountIsACount) {
    auto four = a->allocate(endpoint(4));
    ASSERT_TRUE(four);
    EXPECT_EQ(four->count, 4u);
    EXPECT_EQ(four->object_bits, 4u);
    for (std::uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(m->occupied(four->slot + i));
}

TEST_F(Request, ASizeOnAFixedSizeTypeIsAnError) {
    // The mistake the positional call hides: allocate(endpoint, 4) is one endpoint.
    const auto before = a->snapshot();
    auto r = a->allocate(request{.type = object_type::endpoint, .size_bits = 4});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), invalid_argument(1));
    EXPECT_TRUE(a->snapshot() == before);
}

TEST_F(Request, CnodeByRadix) {
    auto c = a->allocate(cnode(12)); // 2^12 slots x 2^5 B = 2^17 B
    ASSERT_TRUE(c);
    EXPECT_EQ(c->size_bits, 12u);
    EXPECT_EQ(c->object_bits, 17u);
}

TEST_F(Request, FramesByGranuleAndCount) {
    auto f = a->allocate(frames(object_type::frame_2m, 2)); // 4 MiB: the whole RAM untyped
    ASSERT_TRUE(f);
    EXPECT_EQ(f->count, 2u);
    EXPECT_EQ(f->object_bits, 21u);
    EXPECT_EQ(f->paddr, 0x400000u);
}

TEST_F(Request, UntypedBySizeFromDevice) {
    auto u = a->allocate(untyped(20, memory::device));
    ASSERT_TRUE(u);
    EXPECT_TRUE(u->device);
    EXPECT_EQ(u->object_bits, 20u);
}

TEST_F(Request, AtAPhysicalAddress) {
    auto t = a->allocate(tcb().at(0x600000));
    ASSERT_TRUE(t) << name(t.error().code);
    EXPECT_EQ(t->paddr, 0x600000u);
    EXPECT_EQ(m->paddr(t->slot), 0x600000u);
    // One object only at a paddr.
    auto two = a->allocate(tcb(2).at(0x700000));
    ASSERT_FALSE(two);
    EXPECT_EQ(two.error(), invalid_argument(2));
}

TEST_F(Request, CountZeroIsTheKernelsRange) {
    // decodeUntypedInvocation: RangeError [1, CONFIG_RETYPE_FAN_OUT_LIMIT] (256 by default).
    auto r = a->allocate(endpoint(0));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), range_error(1, 256));
}

} // namespace

// A user's alignment source models alignment_source and is asked directly:
// this one is the kernel's rule under another name, so watermark places as
// with align_on::pptr (TCB at 0x400000, an endpoint right after it at
// 0x400800, then a 4 KiB frame aligned up to 0x401000).
namespace {
struct my_pptr {
    static constexpr align_source value = align_source::custom;
    static constexpr bool kernel_rule = true;
    static constexpr bool aligned(const kernel::arch_traits& t, kernel::paddr_t p, unsigned bits) noexcept {
        return alignment::pptr::aligned(t, p, bits);
    }
    static constexpr std::uint64_t offset(const kernel::arch_traits& t, kernel::paddr_t base, std::uint64_t used,
                                          unsigned bits) noexcept {
        return alignment::pptr::offset(t, base, used, bits);
    }
};
static_assert(alignment_source<my_pptr>);

TEST(AlignmentSource, AUsersOwn) {
    auto m = std::make_unique<model_t>(x86);
    allocator<model_t, target<x86>, split<strategy::watermark>, align<my_pptr>, max_slots<16>> a(*m);
    static_assert(std::is_same_v<decltype(a)::alignment_type, my_pptr>);
    ASSERT_TRUE(a.add_slots(64, 16));
    ASSERT_TRUE(a.add_untyped(1, 0x400000, 22, false));
    auto t = a.allocate(tcb());
    auto e = a.allocate(endpoint());
    auto f = a.allocate(frames(object_type::frame_4k));
    ASSERT_TRUE(t && e && f);
    EXPECT_EQ(t->paddr, 0x400000u);
    EXPECT_EQ(e->paddr, 0x400800u);
    EXPECT_EQ(f->paddr, 0x401000u);
    EXPECT_EQ(m->paddr(f->slot), 0x401000u);
}
} // namespace
