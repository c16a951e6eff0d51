// The replay parser: statements, the prologue rules, and every syntax error
// with the line it is reported on.
#include <retype/trace/parse.hpp>

#include <gtest/gtest.h>

#include <string_view>

using namespace retype;
using namespace retype::trace;
using kernel::arch;
using kernel::object_type;

namespace {

// A trace with comments, blank lines, tabs and a CRLF line: statements keep
// their 1-based line numbers and defaults (count 1, size_bits 0, unnamed).
constexpr std::string_view mixed = "# header comment\n"
                                   "\n"
                                   "arch aarch32   # trailing comment\n"
                                   "config hyp=on tcb_bits=11\tfan_out_limit=0x10\n"
                                   "untyped ut paddr=0x40000000 size_bits=20 device\r\n"
                                   "retype ut frame_4k\n"
                                   "retype\tut  cnode as c size_bits=4 count=3\n"
                                   "delete c.1\n"
                                   "revoke ut";
constexpr auto mixed_parsed = parse<8>(mixed);
static_assert(!mixed_parsed.error.failed());
static_assert(mixed_parsed.out.size == 5);
static_assert(mixed_parsed.out.cfg.target == arch::aarch32 && mixed_parsed.out.cfg.hyp);
static_assert(mixed_parsed.out.cfg.tcb_bits == 11 && mixed_parsed.out.cfg.fan_out_limit == 16);
static_assert(!mixed_parsed.out.cfg.mcs, "mcs keeps its default");
constexpr const statement& st(std::size_t i) { return mixed_parsed.out.statements[i]; }
static_assert(st(0).kind == verb::untyped && st(0).line == 5 && st(0).name == "ut" && st(0).paddr == 0x40000000 &&
              st(0).size_bits == 20 && st(0).device);
static_assert(st(1).kind == verb::retype && st(1).line == 6 && st(1).type == object_type::frame_4k &&
              st(1).count == 1 && st(1).size_bits == 0 && st(1).as.empty());
static_assert(st(2).line == 7 && st(2).type == object_type::cnode && st(2).size_bits == 4 && st(2).count == 3 &&
              st(2).as == "c");
static_assert(st(3).kind == verb::remove && st(3).line == 8 && st(3).name == "c.1");
static_assert(st(4).kind == verb::revoke && st(4).line == 9 && st(4).name == "ut");

constexpr trace_error first_error(std::string_view text) { return parse<8>(text).error; }
constexpr bool is(std::string_view text, problem p, std::uint32_t line) {
    const trace_error e = first_error(text);
    return e.what == p && e.line == line;
}

static_assert(is("", problem::no_arch, 1));
static_assert(is("# only a comment\n\n", problem::no_arch, 1));
static_assert(is("config mcs=on\narch x86_64\n", problem::arch_not_first, 1));
static_assert(is("\nuntyped ut paddr=0 size_bits=12\narch x86_64\n", problem::arch_not_first, 2));
static_assert(is("arch x86_64\narch x86_64\n", problem::arch_twice, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=0x1000 size_bits=12\narch x86_64\n", problem::arch_twice, 3));
static_assert(is("arch sparc\n", problem::unknown_arch, 1));
static_assert(is("arch\n", problem::missing_field, 1));
static_assert(is("arch x86_64 extra\n", problem::unexpected_token, 1));
static_assert(is("arch x86_64\nfrobnicate ut\n", problem::unknown_statement, 2));
static_assert(is("frobnicate\narch x86_64\n", problem::unknown_statement, 1));
static_assert(is("arch x86_64\nconfig colour=blue\n", problem::unknown_config_key, 2));
static_assert(is("arch x86_64\nconfig\n", problem::missing_field, 2));
static_assert(is("arch x86_64\nconfig mcs\n", problem::unexpected_token, 2));
static_assert(is("arch x86_64\nconfig mcs=yes\n", problem::bad_switch, 2));
static_assert(is("arch x86_64\nconfig mcs=on\nconfig mcs=off\n", problem::config_key_twice, 3));
static_assert(is("arch x86_64\nconfig tcb_bits=0x\n", problem::bad_number, 2));
static_assert(is("arch x86_64\nconfig tcb_bits=3\n", problem::out_of_range, 2));
static_assert(is("arch x86_64\nconfig fan_out_limit=0\n", problem::out_of_range, 2));
static_assert(is("arch x86_64\nconfig hyp=on\n", problem::config_key_not_applicable, 2));
static_assert(is("arch aarch64\nconfig vtx=on\n", problem::config_key_not_applicable, 2));
// physBase 0 is a real aarch32 platform; user_top 0 stays the "default" marker and cannot be given.
static_assert(parse<1>("arch aarch32\nconfig phys_base=0\n").out.cfg.phys_base == 0);
static_assert(is("arch aarch32\nconfig user_top=0\n", problem::out_of_range, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=0x1000 size_bits=12\nconfig mcs=on\n", problem::config_too_late, 3));
static_assert(is("arch x86_64\nretype ut tcb\nconfig mcs=on\n", problem::config_too_late, 3));
// untyped
static_assert(is("arch x86_64\nuntyped\n", problem::missing_field, 2));
static_assert(is("arch x86_64\nuntyped ut size_bits=12\n", problem::missing_field, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=0x1000\n", problem::missing_field, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=0x12g size_bits=12\n", problem::bad_number, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=-1 size_bits=12\n", problem::bad_number, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=0x10000000000000000 size_bits=12\n", problem::bad_number, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=18446744073709551616 size_bits=12\n", problem::bad_number, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=1 paddr=2 size_bits=12\n", problem::duplicate_option, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=1 size_bits=12 device device\n", problem::duplicate_option, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=1 size_bits=12 colour=red\n", problem::unexpected_token, 2));
static_assert(is("arch x86_64\nuntyped paddr=1 size_bits=12\n", problem::bad_name, 2));
// retype
static_assert(is("arch x86_64\nretype ut\n", problem::missing_field, 2));
static_assert(is("arch x86_64\nretype ut widget\n", problem::unknown_type, 2));
static_assert(is("arch x86_64\nretype ut cnode size_bits=256\n", problem::out_of_range, 2));
static_assert(is("arch x86_64\nretype ut cnode size_bits=five\n", problem::bad_number, 2));
static_assert(is("arch x86_64\nretype ut tcb count=0x\n", problem::bad_number, 2));
static_assert(is("arch x86_64\nretype ut tcb as\n", problem::missing_field, 2));
static_assert(is("arch x86_64\nretype ut tcb as a as b\n", problem::duplicate_option, 2));
static_assert(is("arch x86_64\nretype ut tcb count=1 count=2\n", problem::duplicate_option, 2));
static_assert(is("arch x86_64\nretype ut tcb stray\n", problem::unexpected_token, 2));
// A type the architecture or its configuration lacks is an error of the trace.
static_assert(is("arch aarch64\nretype ut pml4\n", problem::type_not_configured, 2));
static_assert(is("arch aarch64\nretype ut vcpu\n", problem::type_not_configured, 2));
static_assert(is("arch x86_64\nretype ut sched_context size_bits=8\n", problem::type_not_configured, 2));
static_assert(is("arch x86_64\nconfig huge_page=off\nretype ut frame_1g\n", problem::type_not_configured, 3));
static_assert(!first_error("arch x86_64\nconfig mcs=on\nretype ut sched_context size_bits=8\n").failed());
static_assert(!first_error("arch aarch64_hyp\nretype ut vcpu\n").failed());
// The deprecated spelling is still read, as the same architecture (vcpu exists only with hyp).
static_assert(!first_error("arch aarch64-hyp\nretype ut vcpu\n").failed());
static_assert(is("arch aarch64_hyp_\n", problem::unknown_arch, 1));
// delete / revoke
static_assert(is("arch x86_64\ndelete\n", problem::missing_field, 2));
static_assert(is("arch x86_64\nrevoke a b\n", problem::unexpected_token, 2));
// size_bits 255 is valid input: the kernel answers it.
static_assert(!first_error("arch x86_64\nretype ut untyped size_bits=255\n").failed());

static_assert(parse<1>("arch x86_64\ndelete a\ndelete b\n").error.what == problem::too_many_statements);

} // namespace

TEST(Parse, NumbersAreDecimalOrLowerPrefixHex) {
    std::uint64_t v = 0;
    EXPECT_TRUE(parse_number("0", v));
    EXPECT_EQ(v, 0u);
    EXPECT_TRUE(parse_number("0x7fFF", v));
    EXPECT_EQ(v, 0x7fffu);
    EXPECT_TRUE(parse_number("18446744073709551615", v));
    EXPECT_EQ(v, ~std::uint64_t{0});
    EXPECT_TRUE(parse_number("0xffffffffffffffff", v));
    EXPECT_EQ(v, ~std::uint64_t{0});
    EXPECT_FALSE(parse_number("", v));
    EXPECT_FALSE(parse_number("0x", v));
    EXPECT_FALSE(parse_number("0X10", v));
    EXPECT_FALSE(parse_number("12a", v));
    EXPECT_FALSE(parse_number("+1", v));
}

TEST(Parse, ErrorCarriesTheOffendingToken) {
    const auto p = parse<4>("arch x86_64\nretype ut widget as w\n");
    EXPECT_EQ(p.error.what, problem::unknown_type);
    EXPECT_EQ(p.error.line, 2u);
    EXPECT_EQ(p.error.token, "widget");
}

TEST(Parse, StatementsBeforeTheErrorAreKept) {
    const auto p = parse<4>("arch x86_64\ndelete a\nrevoke b\nfrobnicate\n");
    EXPECT_EQ(p.error.what, problem::unknown_statement);
    EXPECT_EQ(p.error.line, 4u);
    EXPECT_EQ(p.out.size, 2u);
}

TEST(Parse, OverlongLineIsAnError) {
    std::string text = "arch x86_64\ndelete ";
    text.append(max_line_length, 'a');
    text += '\n';
    const auto p = parse<4>(text);
    EXPECT_EQ(p.error.what, problem::line_too_long);
    EXPECT_EQ(p.error.line, 2u);
}

TEST(Parse, EveryConfigKeyIsAccepted) {
    const auto x = parse<1>("arch x86_64\nconfig tcb_bits=12 fan_out_limit=512 mcs=on huge_page=off vtx=on "
                            "device_top=0x100000000 max_bootinfo_untypeds=50 reset_chunk_bits=10\n"
                            "config root_cnode_bits=16\n");
    ASSERT_FALSE(x.error.failed());
    EXPECT_EQ(x.out.cfg.tcb_bits, 12);
    EXPECT_EQ(x.out.cfg.fan_out_limit, 512u);
    EXPECT_TRUE(x.out.cfg.mcs);
    EXPECT_FALSE(x.out.cfg.huge_page);
    EXPECT_TRUE(x.out.cfg.vtx);
    EXPECT_EQ(x.out.cfg.device_top, 0x100000000u);
    EXPECT_EQ(x.out.cfg.max_bootinfo_untypeds, 50u);
    EXPECT_EQ(x.out.cfg.reset_chunk_bits, 10);
    EXPECT_EQ(x.out.cfg.root_cnode_bits, 16);
    const auto a = parse<1>("arch aarch32\nconfig fpu=off hyp=on phys_base=0x80000000 user_top=0xe0000000\n");
    ASSERT_FALSE(a.error.failed());
    EXPECT_FALSE(a.out.cfg.fpu);
    EXPECT_TRUE(a.out.cfg.hyp);
    EXPECT_EQ(a.out.cfg.phys_base, 0x80000000u);
    EXPECT_EQ(a.out.cfg.user_top, 0xe0000000u);
    const auto r = parse<1>("arch riscv64\nconfig fpu=off\n");
    ASSERT_FALSE(r.error.failed());
    EXPECT_FALSE(r.out.cfg.fpu);
}
