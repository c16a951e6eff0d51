// Errors: one code per cause, with the payload documented in
// docs/allocators.md, and the formatter's one-line messages.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>
#include <retype/error_format.hpp>
#include <retype/kernel/arch_names.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string_view>

using namespace retype;
using namespace retype::objects;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<64, 256>;

template <std::size_t N = 160>
struct line {
    char text[N]{};
    std::size_t n = 0;
};
template <std::size_t N = 160>
constexpr line<N> formatted(const error& e) {
    line<N> l;
    l.n = format(e, l.text, N);
    return l;
}
constexpr bool same(const char* a, std::string_view b) { return std::string_view(a) == b; }

// The messages, by hand from each code's wording and payload.
static_assert(same(formatted(range_error(1, 256)).text, "seL4_RangeError: value outside [1, 256]"));
static_assert(same(formatted(make_error(error_code::mispredicted, 0xe0000000000, 0xe8000000000)).text,
                   "mispredicted: predicted 0xe0000000000, the kernel places it at 0xe8000000000"));
static_assert(same(formatted(make_error(error_code::records_exhausted, 1, 48)).text,
                   "records_exhausted: allocation record table full: all 48 in use (raise max_allocations)"));
static_assert(same(formatted(make_error(error_code::untypeds_exhausted, 2, 0)).text,
                   "untypeds_exhausted: untyped descriptor table full: 2 needed, 0 free (raise max_untypeds)"));
static_assert(same(formatted(make_error(error_code::slots_exhausted, 19, 0)).text,
                   "slots_exhausted: not enough free slots: 19 needed, 0 free"));
static_assert(same(formatted(not_enough_memory(0)).text,
                   "seL4_NotEnoughMemory: no free block is large enough (largest free: 0 bytes)"));
// The reservation codes (reserve / unreserve).
static_assert(same(formatted(make_error(error_code::reserved, 0x110000, 0x100000)).text,
                   "reserved: the range at 0x110000 is reserved (reservation at 0x100000)"));
static_assert(same(formatted(make_error(error_code::reservations_exhausted, 1, 8)).text,
                   "reservations_exhausted: every reservation entry is in use (8 entries)"));
// A short buffer: cut, NUL-terminated, the count is what was written.
static_assert(same(formatted<8>(range_error(1, 256)).text, "seL4_Ra") && formatted<8>(range_error(1, 256)).n == 7);
static_assert(formatted<1>(range_error(1, 256)).n == 0);
// undo_incomplete names the code that caused the undo.
constexpr error undo{.code = error_code::undo_incomplete,
                     .argument = static_cast<std::uint64_t>(error_code::mispredicted),
                     .value = 101,
                     .limit = 1};
static_assert(same(formatted(undo).text, "undo_incomplete: a delete was refused while undoing: 1 slot(s) kept out of "
                                         "use from slot 101 (cause: mispredicted)"));

// Each capacity table its own code, with its own payload.
TEST(Errors, EachCapacityTableItsOwnCode) {
    auto m = std::make_unique<model_t>(x86);
    allocator<model_t, target<x86>, split<strategy::buddy>, max_untypeds<3>, max_allocations<2>, max_slots<8>> a(*m);
    ASSERT_TRUE(a.add_slots(100, 8));
    ASSERT_TRUE(a.add_untyped(1, 0x100000, 13, false));
    ASSERT_TRUE(a.add_untyped(2, 0x200000, 12, false));
    // Descriptors: 2 of 3 used. A TCB (2^11) from the smallest fitting block
    // (2^12) needs one halving, 2 descriptors: 1 is free.
    auto t = a.allocate(tcb());
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error(), make_error(error_code::untypeds_exhausted, 2, 1));
    ASSERT_TRUE(a.add_untyped(3, 0x300000, 12, false)); // the last descriptor
    EXPECT_EQ(a.add_untyped(4, 0x400000, 12, false).error(), make_error(error_code::untypeds_exhausted, 1, 0));
    // Records: two frames (2^12 untypeds, no halving), then the table is full.
    ASSERT_TRUE(a.allocate(frames(object_type::frame_4k)));
    ASSERT_TRUE(a.allocate(frames(object_type::frame_4k)));
    EXPECT_EQ(a.allocate(frames(object_type::frame_4k)).error(), make_error(error_code::records_exhausted, 1, 2));
}

TEST(Errors, SlotsReportNeededAndFree) {
    auto m = std::make_unique<model_t>(x86);
    allocator<model_t, target<x86>, split<strategy::watermark>, max_slots<8>> a(*m);
    ASSERT_TRUE(a.add_slots(100, 8));
    ASSERT_TRUE(a.add_untyped(1, 0x100000, 16, false));
    EXPECT_EQ(a.allocate(endpoint(9)).error(), make_error(error_code::slots_exhausted, 9, 8)); // above max_slots
    ASSERT_TRUE(a.allocate(endpoint(5)));
    EXPECT_EQ(a.allocate(endpoint(4)).error(), make_error(error_code::slots_exhausted, 4, 3));
}

TEST(Errors, EachMeaningOfOutOfWindowItsOwnCode) {
    auto m = std::make_unique<model_t>(x86);
    allocator<model_t, target<x86>, max_slots<8>> a(*m);
    ASSERT_TRUE(a.add_slots(100, 8));
    // x86_64 PADDR_TOP 0x7f80000000: RAM above it is outside the kernel window.
    EXPECT_EQ(a.add_untyped(1, 0x8000000000, 20, false).error(),
              make_error(error_code::outside_kernel_window, 0x8000000000, 0x7f80000000));
    ASSERT_TRUE(a.add_untyped(1, 0x100000, 16, false));
    EXPECT_EQ(a.allocate(frames(object_type::frame_4k).at(0x900000)).error(),
              make_error(error_code::not_in_untyped, 0x900000));
    EXPECT_EQ(a.allocate_range_at(0x2000, 0x10f000).error(),
              make_error(error_code::spans_untypeds, 0x10f000, 0x110000));
    // The backend's table (256 slots) cannot hold slot 300.
    allocator<model_t, target<x86>, max_slots<8>> c(*m);
    EXPECT_EQ(c.add_slots(300, 1).error(), make_error(error_code::cspace_too_small, 300, 255));
    // aarch32: a 32-bit address space; an untyped at 2^32 is not in it.
    auto m32 = std::make_unique<model_t>(kernel::config{.target = kernel::arch::aarch32});
    allocator<model_t, target<kernel::configs::aarch32>, max_slots<8>> b(*m32);
    EXPECT_EQ(b.add_untyped(1, 0x100000000, 21, true).error(),
              make_error(error_code::outside_address_space, 0x100000000, 0xffffffff));
}

TEST(Errors, CountRangeIsTheKernels) {
    // A kernel built with another fan-out limit reports that limit.
    static constexpr kernel::config small_fan{.target = kernel::arch::x86_64, .fan_out_limit = 100};
    auto m = std::make_unique<model_t>(small_fan);
    allocator<model_t, target<small_fan>, max_slots<8>> a(*m);
    ASSERT_TRUE(a.add_slots(100, 8));
    ASSERT_TRUE(a.add_untyped(1, 0x100000, 16, false));
    EXPECT_EQ(a.allocate(endpoint(0)).error(), range_error(1, 100));
}

} // namespace

// One spelling per architecture (kernel/arch_names.hpp): the enumerator's name,
// and the older text spelling read as deprecated.
static_assert(kernel::spelling(kernel::arch::aarch64_hyp) == "aarch64_hyp");
static_assert(kernel::parse_spelling("aarch64_hyp")->value == kernel::arch::aarch64_hyp &&
              !kernel::parse_spelling("aarch64_hyp")->deprecated);
static_assert(kernel::parse_spelling("aarch64-hyp")->value == kernel::arch::aarch64_hyp &&
              kernel::parse_spelling("aarch64-hyp")->deprecated);
static_assert(kernel::parse_spelling("x86_64")->value == kernel::arch::x86_64 && !kernel::parse_spelling("x86-64"));
