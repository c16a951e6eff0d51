// max_slot_ranges<N> and max_reservations<N>: each option writes its field of
// allocator_config, the defaults keep the layout no_heap.test.cpp pins, a larger
// capacity costs exactly its table entries, and the (N + 1)-th add_slots or
// reserve is refused with limit N, leaving the allocator and the kernel model
// as they were. The sizes below are worked out by hand from the structs.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <memory>
#include <type_traits>

using namespace retype;
using namespace retype::objects;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using null_b = backend::null_backend;

// The options write their fields, and only theirs; the defaults are 16 and 8.
constexpr allocator_config defaults = make_allocator_config<target<x86>>();
static_assert(defaults.max_slot_ranges == 16 && defaults.max_reservations == 8);
constexpr allocator_config two_ranges = make_allocator_config<target<x86>, max_slot_ranges<2>>();
static_assert(two_ranges.max_slot_ranges == 2 && two_ranges.max_reservations == 8);
constexpr allocator_config twelve_resv = make_allocator_config<max_reservations<12>, target<x86>>();
static_assert(twelve_resv.max_reservations == 12 && twelve_resv.max_slot_ranges == 16);
static_assert([] {
    allocator_config c = make_allocator_config<target<x86>, max_slot_ranges<20>, max_reservations<12>>();
    c.max_slot_ranges = 16;
    c.max_reservations = 8;
    return c == defaults;
}());

// Defaults spelled out are the default type; any order is one type.
static_assert(std::is_same_v<allocator<null_b, target<x86>>,
                             allocator<null_b, max_reservations<8>, target<x86>, max_slot_ranges<16>>>);
static_assert(std::is_same_v<allocator<null_b, target<x86>, max_slot_ranges<5>, max_reservations<3>>,
                             allocator<null_b, max_reservations<3>, max_slot_ranges<5>, target<x86>>>);

// The allocator sizes its tables by them.
using small_t = allocator<null_b, target<x86>, max_slot_ranges<2>, max_reservations<3>>;
static_assert(small_t::slot_range_capacity == 2 && small_t::slot_manager_type::range_capacity == 2);
static_assert(small_t::reservation_capacity == 3 && small_t::reservation_table_type::capacity == 3);
static_assert(small_t::slot_manager_type::run_capacity == small_t::slot_run_capacity + 2);

// Sizes with max_untypeds<64>, max_slots<4096> (no_heap.test.cpp: 13104 B).
// One slot range is a range entry (first, count, base: 3 x 8 B = 24 B) plus
// one more free run (two 32-bit offsets while max_slots < 2^32: 8 B): 32 B.
// One reservation is its entry (paddr, bytes 2 x 8 B, root, generation
// 2 x 4 B, device, live 2 x 1 B, padded to 8): 32 B. Every part of the
// allocator is 8-aligned, so nothing else moves.
template <class... O>
constexpr std::size_t size_with = sizeof(allocator<null_b, target<x86>, max_untypeds<64>, max_slots<4096>, O...>);
static_assert(size_with<> == 13104);
static_assert(size_with<max_slot_ranges<16>, max_reservations<8>> == 13104);
static_assert(size_with<max_slot_ranges<20>> == 13104 + 4 * 32);
static_assert(size_with<max_slot_ranges<1>> == 13104 - 15 * 32);
static_assert(size_with<max_reservations<12>> == 13104 + 4 * 32);
static_assert(size_with<max_reservations<2>> == 13104 - 6 * 32);
static_assert(size_with<max_slot_ranges<20>, max_reservations<12>> == 13104 + 4 * 32 + 4 * 32);
// With max_slots >= 2^32 the run offsets are 64-bit (16 B a run): 40 B a range.
template <std::size_t Ranges>
using wide_t = allocator<null_b, target<x86>, max_slots<(std::size_t{1} << 33)>, max_slot_ranges<Ranges>>;
static_assert(sizeof(wide_t<20>) == sizeof(wide_t<16>) + 4 * 40);
// The snapshot holds the same tables: it grows by as much.
template <class... O>
constexpr std::size_t snapshot_with = sizeof(typename allocator<null_b, target<x86>, O...>::snapshot_type);
static_assert(snapshot_with<max_slot_ranges<20>> == snapshot_with<> + 4 * 32);
static_assert(snapshot_with<max_reservations<12>> == snapshot_with<> + 4 * 32);

// Slot ranges: Ranges single-slot ranges at 100, 102, ...; each is usable
// (watermark endpoints take them lowest first), and one more is refused with
// limit = Ranges and no change.
using model_t = backend::model<64, 256>;
template <std::size_t Ranges>
using ranges_t = allocator<model_t, target<x86>, split<watermark>, max_untypeds<8>, max_slots<64>, max_allocations<32>,
                           max_slot_ranges<Ranges>>;

template <std::size_t Ranges>
void ranges_fill_then_refuse() {
    auto m = std::make_unique<model_t>(x86);
    auto a = std::make_unique<ranges_t<Ranges>>(*m);
    ASSERT_TRUE(a->add_untyped(1, 0x100000, 16, false));
    for (backend::slot_t i = 0; i < Ranges; ++i) ASSERT_TRUE(a->add_slots(100 + 2 * i, 1)) << "range " << i;
    const auto before = a->snapshot();
    const model_t mbefore = *m;
    auto r = a->add_slots(100 + 2 * Ranges, 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error(error_code::slot_ranges_exhausted, 1, Ranges)) << name(r.error().code);
    EXPECT_TRUE(a->snapshot() == before);
    EXPECT_TRUE(*m == mbefore);
    for (backend::slot_t i = 0; i < Ranges; ++i) {
        auto e = a->allocate(endpoint());
        ASSERT_TRUE(e) << name(e.error().code);
        EXPECT_EQ(e->slot, 100 + 2 * i);
    }
}

TEST(Capacities, TwoSlotRanges) { ranges_fill_then_refuse<2>(); }
TEST(Capacities, TwentySlotRanges) { ranges_fill_then_refuse<20>(); }

// Reservations: N single pages at base + 512 KiB + i x 4 KiB in a 1 MiB RAM
// untyped, under each built-in strategy (buddy and binary_search halve down to
// each page); one more is refused with limit = N and no change, and an
// unreserve makes room for it.
template <class Split, std::size_t N>
struct resv_case {
    using type = allocator<backend::model<256, 512>, target<x86>, split<Split>, max_untypeds<96>, max_slots<448>,
                           max_reservations<N>>;
    static constexpr std::size_t n = N;
};
template <class T>
class CapacitiesReserve : public ::testing::Test {};
using resv_cases = ::testing::Types<resv_case<watermark, 2>, resv_case<buddy, 2>, resv_case<binary_search, 2>,
                                    resv_case<watermark, 12>, resv_case<buddy, 12>, resv_case<binary_search, 12>>;
TYPED_TEST_SUITE(CapacitiesReserve, resv_cases);

TYPED_TEST(CapacitiesReserve, FillThenRefuse) {
    using A = typename TypeParam::type;
    using M = backend::model<256, 512>;
    constexpr std::size_t n = TypeParam::n;
    constexpr kernel::paddr_t base = 0x100000;
    auto m = std::make_unique<M>(x86);
    auto a = std::make_unique<A>(*m);
    ASSERT_TRUE(a->add_slots(64, 448));
    ASSERT_TRUE(a->add_untyped(1, base, 20, false));
    std::array<reservation_id, n> ids{};
    for (std::size_t i = 0; i < n; ++i) {
        auto id = a->reserve(0x1000, base + 0x80000 + (i << 12));
        ASSERT_TRUE(id) << "reservation " << i << ": " << name(id.error().code);
        EXPECT_LT(id->index, n);
        ids[i] = *id;
    }
    const kernel::paddr_t next = base + 0x80000 + (n << 12);
    const auto before = a->snapshot();
    const M mbefore = *m;
    auto r = a->reserve(0x1000, next);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error(error_code::reservations_exhausted, 1, n)) << name(r.error().code);
    EXPECT_TRUE(a->snapshot() == before);
    EXPECT_TRUE(*m == mbefore);
    // The limit is on live reservations: one ended, the refused one fits.
    ASSERT_TRUE(a->unreserve(ids[0]));
    auto again = a->reserve(0x1000, next);
    ASSERT_TRUE(again) << name(again.error().code);
    EXPECT_EQ(again->index, ids[0].index);
}

} // namespace
