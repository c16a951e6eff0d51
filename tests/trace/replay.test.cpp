// Whole traces through parser, runner and formatter: the format document's
// example at compile time, kernel errors as output, delete/revoke, names, and
// the trace errors the runner finds. Every expected line is worked out by hand
// from the kernel's rules (src/object/untyped.c) in the comments.
#include <retype/trace/replay.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using namespace retype;
using namespace retype::trace;

namespace {

template <std::size_t Nodes = 16, std::size_t Names = 32>
constexpr replay_report<1024> replay(std::string_view text) {
    return replay_text<Nodes, Names, 1024>(text);
}

// The trace format's own example (docs/replay.md), x86_64: a 0x2000 untyped whose
// pptr (0xffffff8000400000) is 0x2000-aligned, so offsets align like pptrs.
//  3: cnode radix 5 = 2^(5+5) = 0x400 bytes; no children, watermark resets to 0
//     -> offset 0x0, paddr 0x400000, watermark 0x400.
//  4: cnode radix 6 = 0x800; free 0x2000-0x400 = 0x1c00 >= 0x800; 0x400 aligned
//     up to 0x800 -> offset 0x800, paddr 0x400800, watermark 0x1000.
//  5: 4K frame; free 0x1000 >= 0x1000; 0x1000 is aligned -> offset 0x1000,
//     paddr 0x401000, watermark 0x2000.
//  6: cnode 0x400; free 0x2000-0x2000 = 0 -> seL4_NotEnoughMemory, memoryLeft 0,
//     although [0x400, 0x800) is unused.
constexpr std::string_view example = "arch x86_64\n"
                                     "untyped ut paddr=0x400000 size_bits=13\n"
                                     "retype ut cnode size_bits=5 as a\n"
                                     "retype ut cnode size_bits=6 as b\n"
                                     "retype ut frame_4k as f\n"
                                     "retype ut cnode size_bits=5\n";
constexpr std::string_view example_out = "3: ok offset=0x0 paddr=0x400000 watermark=0x400\n"
                                         "4: ok offset=0x800 paddr=0x400800 watermark=0x1000\n"
                                         "5: ok offset=0x1000 paddr=0x401000 watermark=0x2000\n"
                                         "6: error=seL4_NotEnoughMemory memory_left=0x0\n";
constexpr auto example_report = replay(example);
static_assert(!example_report.error.failed());
static_assert(!example_report.out.overflow);
static_assert(example_report.out.view() == example_out);

// Kernel errors are output, not trace errors (x86_64: fan-out 256, max untyped 47, TCB 2^11).
//  3: count=0 -> check 11 fails: RangeError 1..256
//  4: count=257 -> RangeError 1..256
//  5: untyped size_bits=200 -> check 4 (userObjSize >= wordBits): RangeError 0..47
//  6: untyped size_bits=3 < seL4_MinUntypedBits 4 -> InvalidArgument 1
//  7: a 4K frame from an 0x1000 untyped with no children: fits exactly -> offset 0
constexpr auto kernel_errors = replay("arch x86_64\n"
                                      "untyped ut paddr=0x1000 size_bits=12\n"
                                      "retype ut tcb count=0\n"
                                      "retype ut tcb count=257\n"
                                      "retype ut untyped size_bits=200\n"
                                      "retype ut untyped size_bits=3\n"
                                      "retype ut frame_4k\n");
static_assert(kernel_errors.out.view() == "3: error=seL4_RangeError range_min=1 range_max=256\n"
                                          "4: error=seL4_RangeError range_min=1 range_max=256\n"
                                          "5: error=seL4_RangeError range_min=0 range_max=47\n"
                                          "6: error=seL4_InvalidArgument argument=1\n"
                                          "7: ok offset=0x0 paddr=0x1000 watermark=0x1000\n");

constexpr trace_error error_of(std::string_view text) { return replay(text).error; }
constexpr bool is(std::string_view text, problem p, std::uint32_t line) {
    const trace_error e = error_of(text);
    return e.what == p && e.line == line;
}
constexpr std::string_view head = "arch x86_64\nuntyped ut paddr=0x400000 size_bits=16\n"; // lines 1, 2

// Names
static_assert(is("arch x86_64\nretype nope tcb\n", problem::unknown_name, 2));
static_assert(is("arch x86_64\ndelete nope\n", problem::unknown_name, 2));
static_assert(is("arch x86_64\nrevoke nope\n", problem::unknown_name, 2));
static_assert(is("arch x86_64\nuntyped ut paddr=0x400000 size_bits=12\nuntyped ut paddr=0x800000 size_bits=12\n",
                 problem::duplicate_name, 3));
} // namespace

namespace {
std::string with_head(std::string_view body) { return std::string(head) + std::string(body); }
std::string run_out(std::string_view text) {
    const auto r = replay(text);
    EXPECT_FALSE(r.error.failed()) << "line " << r.error.line << " problem " << static_cast<int>(r.error.what);
    return std::string(r.out.view());
}
trace_error run_error(std::string_view text) { return replay(text).error; }
} // namespace

TEST(Replay, ExampleOfTheFormatDocumentAtRunTime) { EXPECT_EQ(run_out(example), example_out); }

TEST(Replay, DeviceUntypedBecomesOnlyFramesAndUntypeds) {
    // A TCB (2^11) fits in the 2^20 device untyped, so the capacity check passes and
    // check 16 answers: InvalidArgument, argument 1. A 4K frame is fine.
    EXPECT_EQ(run_out("arch x86_64\nuntyped dev paddr=0xfe000000 size_bits=20 device\n"
                      "retype dev tcb\nretype dev frame_4k\nretype dev untyped size_bits=12\n"),
              "3: error=seL4_InvalidArgument argument=1\n"
              "4: ok offset=0x0 paddr=0xfe000000 watermark=0x1000\n"
              "5: ok offset=0x1000 paddr=0xfe001000 watermark=0x2000\n");
}

TEST(Replay, NotEnoughMemoryReportsTheUnalignedFreeBytes) {
    // 2^16 untyped: an endpoint (0x10) leaves 0xfff0 free; 16 4K frames need
    // 0x10000 > 0xfff0 -> NotEnoughMemory memoryLeft 0xfff0. 15 frames fit, the
    // first aligned up from 0x10 to 0x1000: offset 0x1000, watermark 0x10000.
    EXPECT_EQ(run_out(with_head("retype ut endpoint\nretype ut frame_4k count=16\nretype ut frame_4k count=15\n")),
              "3: ok offset=0x0 paddr=0x400000 watermark=0x10\n"
              "4: error=seL4_NotEnoughMemory memory_left=0xfff0\n"
              "5: ok offset=0x1000 paddr=0x401000 watermark=0x10000\n");
}

TEST(Replay, SizeBitsOutOfRangeIsTheKernelsRangeError) {
    // cnode radix 200: userObjSize 200 >= wordBits 64 -> RangeError 0..47; radix 43
    // gives an object of 43+5 = 48 bits > 47 -> the same error.
    EXPECT_EQ(run_out(with_head("retype ut cnode size_bits=200\nretype ut cnode size_bits=43\n"
                                "retype ut cnode size_bits=0\n")),
              "3: error=seL4_RangeError range_min=0 range_max=47\n"
              "4: error=seL4_RangeError range_min=0 range_max=47\n"
              "5: error=seL4_InvalidArgument argument=1\n");
}

TEST(Replay, ConfigChangesTheAnswers) {
    // fan_out_limit=4: count 5 is RangeError 1..4. tcb_bits=12: two TCBs take 0x2000.
    EXPECT_EQ(run_out("arch x86_64\nconfig fan_out_limit=4 tcb_bits=12\nuntyped ut paddr=0x400000 size_bits=16\n"
                      "retype ut tcb count=5\nretype ut tcb count=2\n"),
              "4: error=seL4_RangeError range_min=1 range_max=4\n"
              "5: ok offset=0x0 paddr=0x400000 watermark=0x2000\n");
    // mcs=on: a scheduling context of 2^8 and a reply (2^5) exist; notifications grow to 2^6.
    EXPECT_EQ(run_out("arch x86_64\nconfig mcs=on\nuntyped ut paddr=0x400000 size_bits=16\n"
                      "retype ut sched_context size_bits=8\nretype ut reply\nretype ut notification\n"
                      "retype ut sched_context size_bits=6\n"),
              "4: ok offset=0x0 paddr=0x400000 watermark=0x100\n"
              "5: ok offset=0x100 paddr=0x400100 watermark=0x120\n"
              "6: ok offset=0x140 paddr=0x400140 watermark=0x180\n"
              "7: error=seL4_InvalidArgument argument=1\n");
}

TEST(Replay, CountNamesEachObject) {
    // 3 TCBs (0x800 each) named t.0..t.2. Deleting t.1 leaves two children: the
    // watermark stays 0x1800. Deleting t.0 and t.2 leaves none: 0x0.
    EXPECT_EQ(run_out(with_head("retype ut tcb count=3 as t\ndelete t.1\ndelete t.0\ndelete t.2\n")),
              "3: ok offset=0x0 paddr=0x400000 watermark=0x1800\n"
              "4: ok watermark=0x1800\n"
              "5: ok watermark=0x1800\n"
              "6: ok watermark=0x0\n");
    // `t` itself is not a name when count > 1, and a deleted name is unknown.
    auto e = run_error(with_head("retype ut tcb count=2 as t\ndelete t\n"));
    EXPECT_EQ(e.what, problem::unknown_name);
    EXPECT_EQ(e.line, 4u);
    e = run_error(with_head("retype ut tcb count=2 as t\ndelete t.1\ndelete t.1\n"));
    EXPECT_EQ(e.what, problem::unknown_name);
    EXPECT_EQ(e.line, 5u);
    e = run_error(with_head("retype ut tcb count=2 as t\ndelete t.2\n"));
    EXPECT_EQ(e.what, problem::unknown_name);
}

TEST(Replay, DuplicateNamesAreTraceErrors) {
    auto e = run_error(with_head("retype ut tcb as a\nretype ut endpoint as a\n"));
    EXPECT_EQ(e.what, problem::duplicate_name);
    EXPECT_EQ(e.line, 4u);
    e = run_error(with_head("retype ut tcb as x.1\nretype ut endpoint count=2 as x\n"));
    EXPECT_EQ(e.what, problem::duplicate_name);
    EXPECT_TRUE(e.indexed);
    EXPECT_EQ(e.value, 1u);
    e = run_error(with_head("retype ut tcb as ut\n"));
    EXPECT_EQ(e.what, problem::duplicate_name);
    // A deleted name may be given again.
    EXPECT_EQ(run_out(with_head("retype ut endpoint as a\ndelete a\nretype ut endpoint as a\n")),
              "3: ok offset=0x0 paddr=0x400000 watermark=0x10\n"
              "4: ok watermark=0x0\n"
              "5: ok offset=0x0 paddr=0x400000 watermark=0x10\n");
}

TEST(Replay, FailedRetypeBindsNoName) {
    // count=0 fails in the kernel: `t` is never created, so deleting it is a trace error,
    // and a name clash on a failing retype is not checked (nothing would be named).
    EXPECT_EQ(run_out(with_head("retype ut tcb count=0 as ut\n")),
              "3: error=seL4_RangeError range_min=1 range_max=256\n");
    const auto e = run_error(with_head("retype ut tcb count=0 as t\ndelete t\n"));
    EXPECT_EQ(e.what, problem::unknown_name);
    EXPECT_EQ(e.line, 4u);
}

TEST(Replay, CreatedUntypedsRetypeDeleteAndRevoke) {
    // aarch64: 1 MiB at 0x40000000 (pptr 0xffffff8040000000, 2^20-aligned).
    //  3: two 2^16 untypeds: offset 0, paddr 0x40000000, watermark 0x20000; u.1 at 0x40010000.
    //  4: three 4K frames from u.1 (no children: starts at 0) -> watermark 0x3000.
    //  5: a notification (2^5 on aarch64 without MCS) at 0x3000 -> watermark 0x3020.
    //  6: delete p.2: u.1 keeps 3 children, watermark stays 0x3020.
    //  7: delete u.0 (childless): big keeps u.1, watermark stays 0x20000.
    //  8: revoke u.1: all its descendants go, watermark 0x0.
    //  9: a frame from u.1 starts at offset 0 again.
    // 10: delete q, u.1's last child: 0x0.
    // 11: revoke big: u.1 goes too, big's watermark 0x0.
    // 12: u.1 is unknown now, so the name is free: a TCB (2^11) from big at offset 0.
    EXPECT_EQ(run_out("arch aarch64\n"
                      "untyped big paddr=0x40000000 size_bits=20\n"
                      "retype big untyped size_bits=16 count=2 as u\n"
                      "retype u.1 frame_4k count=3 as p\n"
                      "retype u.1 notification as n\n"
                      "delete p.2\n"
                      "delete u.0\n"
                      "revoke u.1\n"
                      "retype u.1 frame_4k as q\n"
                      "delete q\n"
                      "revoke big\n"
                      "retype big tcb as u.1\n"),
              "3: ok offset=0x0 paddr=0x40000000 watermark=0x20000\n"
              "4: ok offset=0x0 paddr=0x40010000 watermark=0x3000\n"
              "5: ok offset=0x3000 paddr=0x40013000 watermark=0x3020\n"
              "6: ok watermark=0x3020\n"
              "7: ok watermark=0x20000\n"
              "8: ok watermark=0x0\n"
              "9: ok offset=0x0 paddr=0x40010000 watermark=0x1000\n"
              "10: ok watermark=0x0\n"
              "11: ok watermark=0x0\n"
              "12: ok offset=0x0 paddr=0x40000000 watermark=0x800\n");
    // After a revoke the descendants' names are gone.
    const auto e = run_error("arch aarch64\nuntyped big paddr=0x40000000 size_bits=20\n"
                             "retype big untyped size_bits=16 as u\nretype u frame_4k as f\nrevoke big\ndelete f\n");
    EXPECT_EQ(e.what, problem::unknown_name);
    EXPECT_EQ(e.line, 6u);
}

TEST(Replay, RevokingAChildUntypedDoesNotResetItsParent) {
    // u (2^12) at offset 0 of ut, then a 4K frame in u; revoking u empties u but ut
    // still has u as a child: ut's next retype continues after 0x1000.
    EXPECT_EQ(run_out(with_head("retype ut untyped size_bits=12 as u\nretype u frame_4k as f\nrevoke u\n"
                                "retype ut endpoint\n")),
              "3: ok offset=0x0 paddr=0x400000 watermark=0x1000\n"
              "4: ok offset=0x0 paddr=0x400000 watermark=0x1000\n"
              "5: ok watermark=0x0\n"
              "6: ok offset=0x1000 paddr=0x401000 watermark=0x1010\n");
}

TEST(Replay, TreeViolationsAreTraceErrors) {
    auto e = run_error(with_head("delete ut\n"));
    EXPECT_EQ(e.what, problem::boot_untyped_delete);
    EXPECT_EQ(e.line, 3u);
    e = run_error(with_head("retype ut untyped size_bits=12 as u\nretype u endpoint\ndelete u\n"));
    EXPECT_EQ(e.what, problem::has_children);
    EXPECT_EQ(e.value, 1u);
    EXPECT_EQ(e.line, 5u);
    e = run_error(with_head("retype ut tcb as t\nrevoke t\n"));
    EXPECT_EQ(e.what, problem::not_an_untyped);
    EXPECT_EQ(e.line, 4u);
    e = run_error(with_head("retype ut tcb as t\nretype t endpoint\n"));
    EXPECT_EQ(e.what, problem::not_an_untyped);
}

TEST(Replay, UntypedsTheKernelCouldNotHaveHandedOverAreTraceErrors) {
    const auto bad = [](std::string_view decl) {
        return run_error(std::string("arch x86_64\nuntyped a paddr=0x400000 size_bits=16\n") + std::string(decl));
    };
    // 0x402000 is not 2^16-aligned (x86_64's pptr offset keeps the low bits).
    auto e = bad("untyped b paddr=0x402000 size_bits=16\n");
    EXPECT_EQ(e.what, problem::bad_untyped);
    EXPECT_EQ(e.kernel.code, error_code::misaligned);
    EXPECT_EQ(e.line, 3u);
    // RAM at 0x7f80000000 (PADDR_TOP on x86_64) lies outside the kernel window...
    e = bad("untyped b paddr=0x7f80000000 size_bits=12\n");
    EXPECT_EQ(e.kernel.code, error_code::out_of_window);
    // ...but device memory there is fine.
    EXPECT_FALSE(bad("untyped b paddr=0x7f80000000 size_bits=12 device\n").failed());
    e = bad("untyped b paddr=0x408000 size_bits=12\n");
    EXPECT_EQ(e.kernel.code, error_code::overlap);
    e = bad("untyped b paddr=0x0 size_bits=48\n");
    EXPECT_EQ(e.kernel, range_error(4, 47));
    e = bad("untyped b paddr=0x0 size_bits=3\n");
    EXPECT_EQ(e.kernel, range_error(4, 47));
}

TEST(Replay, CapacityExhaustionIsATraceError) {
    // 4 nodes: the boot untyped takes one, 4 child untypeds need 4 more.
    auto r = replay_text<4, 32, 256>(with_head("retype ut untyped size_bits=12 count=4\n"));
    EXPECT_EQ(r.error.what, problem::out_of_nodes);
    EXPECT_EQ(r.error.line, 3u);
    // 8 name slots hold 6 names: the untyped's and 5 more.
    r = replay_text<4, 8, 256>(with_head("retype ut tcb count=6 as t\n"));
    EXPECT_EQ(r.error.what, problem::out_of_names);
    EXPECT_EQ(r.error.value, 6u);
    EXPECT_EQ(r.error.limit, 5u);
}

TEST(Replay, TheFirstErrorInInputOrderIsReported) {
    // Line 3 names an unknown untyped; line 4 is a syntax error. Line 3 wins.
    const auto e = run_error(with_head("retype nope tcb\nfrobnicate\n"));
    EXPECT_EQ(e.what, problem::unknown_name);
    EXPECT_EQ(e.line, 3u);
}

TEST(Replay, TraceErrorLeavesModelAndNamesUnchanged) {
    const std::string text = with_head("retype ut tcb as t.1\nretype ut endpoint count=2 as t\n");
    parser q(text);
    ASSERT_FALSE(q.read_prologue().failed());
    runner<16, 32> r(q.cfg());
    statement s{};
    bool done = false;
    ASSERT_FALSE(q.next(s, done).failed());
    ASSERT_FALSE(r.step(s).error.failed()); // untyped
    ASSERT_FALSE(q.next(s, done).failed());
    ASSERT_TRUE(r.step(s).emits); // retype ... as t.1
    const auto model_before = r.model();
    const std::size_t names_before = r.names().size();
    ASSERT_FALSE(q.next(s, done).failed());
    const step_result bad = r.step(s); // the kernel would succeed, but t.1 is taken
    EXPECT_EQ(bad.error.what, problem::duplicate_name);
    EXPECT_TRUE(r.model() == model_before);
    EXPECT_EQ(r.names().size(), names_before);
}
