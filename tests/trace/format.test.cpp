// Output lines and error messages, character for character.
#include <retype/trace/format.hpp>

#include <gtest/gtest.h>

#include <string>

using namespace retype;
using namespace retype::trace;

namespace {
template <class F>
std::string text(F f) {
    text_buffer<512> b;
    f(b);
    EXPECT_FALSE(b.overflow);
    return std::string(b.view());
}
std::string line(const outcome& o) {
    return text([&](auto& b) { format_outcome(o, b); });
}
std::string message(const trace_error& e) {
    return text([&](auto& b) { describe(e, b); });
}

constexpr bool hex_and_dec() {
    text_buffer<64> b;
    b.append_hex(0);
    b.put(' ');
    b.append_hex(0xDEADBEEFu);
    b.put(' ');
    b.append_hex(~std::uint64_t{0});
    b.put(' ');
    b.append_dec(0);
    b.put(' ');
    b.append_dec(18446744073709551615ULL);
    return b.view() == "0x0 0xdeadbeef 0xffffffffffffffff 0 18446744073709551615";
}
static_assert(hex_and_dec());

constexpr bool overflow_is_flagged() {
    text_buffer<3> b;
    b.append("abcd");
    return b.overflow && b.view() == "abc";
}
static_assert(overflow_is_flagged());
} // namespace

TEST(Format, OutcomeLines) {
    EXPECT_EQ(
        line(outcome{
            .line = 12, .kind = outcome_kind::retyped, .offset = 0xAB0, .paddr = 0xFFFF0000, .watermark = 0x1000}),
        "12: ok offset=0xab0 paddr=0xffff0000 watermark=0x1000\n");
    EXPECT_EQ(line(outcome{.line = 1, .kind = outcome_kind::watermark, .watermark = 0}), "1: ok watermark=0x0\n");
    EXPECT_EQ(line(outcome{.line = 7, .kind = outcome_kind::failed, .error = not_enough_memory(0xC00)}),
              "7: error=seL4_NotEnoughMemory memory_left=0xc00\n");
    EXPECT_EQ(line(outcome{.line = 8, .kind = outcome_kind::failed, .error = range_error(1, 256)}),
              "8: error=seL4_RangeError range_min=1 range_max=256\n");
    EXPECT_EQ(line(outcome{.line = 9, .kind = outcome_kind::failed, .error = invalid_argument(1)}),
              "9: error=seL4_InvalidArgument argument=1\n");
    // An error without a payload prints just its name.
    EXPECT_EQ(line(outcome{.line = 10, .kind = outcome_kind::failed, .error = error{.code = error_code::delete_first}}),
              "10: error=seL4_DeleteFirst\n");
}

TEST(Format, TraceErrorMessages) {
    EXPECT_EQ(message(trace_error{.what = problem::unknown_name, .line = 5, .token = "t.1"}),
              "line 5: unknown name 't.1'\n");
    // Control bytes from the trace do not reach stderr raw.
    EXPECT_EQ(
        message(trace_error{.what = problem::unknown_statement, .line = 4, .token = std::string_view("\0ab\x7f", 4)}),
        "line 4: unknown statement '\\x00ab\\x7f'\n");
    EXPECT_EQ(
        message(trace_error{.what = problem::duplicate_name, .line = 6, .token = "x", .value = 3, .indexed = true}),
        "line 6: name 'x.3' is already in use\n");
    EXPECT_EQ(
        message(trace_error{.what = problem::missing_field, .line = 2, .token = "untyped", .field = "paddr=<number>"}),
        "line 2: untyped: missing paddr=<number>\n");
    EXPECT_EQ(message(trace_error{.what = problem::out_of_range,
                                  .line = 3,
                                  .token = "0",
                                  .field = "phys_base",
                                  .value = 1,
                                  .limit = 0xffffffff,
                                  .indexed = true}),
              "line 3: phys_base=0 out of range 0x1..0xffffffff\n");
    EXPECT_EQ(
        message(trace_error{
            .what = problem::config_key_not_applicable, .line = 2, .token = "hyp", .target = kernel::arch::x86_64}),
        "line 2: config key 'hyp' does not apply to arch x86_64\n");
    EXPECT_EQ(message(trace_error{.what = problem::bad_untyped,
                                  .line = 4,
                                  .token = "r",
                                  .field = "kernel window",
                                  .value = 0x7f80000000,
                                  .limit = 12,
                                  .kernel = make_error(error_code::out_of_window, 0x7f80000000, 0x7f80000000)}),
              "line 4: untyped 'r' at paddr 0x7f80000000 size_bits 12: RAM outside the kernel window (paddr_top "
              "0x7f80000000); memory there can only be a device untyped\n");
}
