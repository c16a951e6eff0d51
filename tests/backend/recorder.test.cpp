// The recorder: what it writes (traces derived by hand from the replay format
// and the slot naming rule), and that a refused call changes nothing.
#include <retype/backend/model.hpp>
#include <retype/backend/recorder.hpp>
#include <retype/trace/replay.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

using namespace retype;
using namespace retype::backend;
using kernel::arch;
using kernel::config;
using kernel::object_type;

namespace {

constexpr config x86{.target = arch::x86_64};
constexpr std::string_view x86_header = "arch x86_64\nconfig tcb_bits=11 fan_out_limit=256 mcs=off\n";

template <std::size_t N>
using rec_t = recorder<buffer_sink<N>, null_backend, 64>;

static_assert(sink<buffer_sink<8>> && reserving_sink<buffer_sink<8>>);
static_assert(sink<file_sink> && !reserving_sink<file_sink>);
static_assert(retype::backend::backend<rec_t<64>>);

// ---- names of batches, delete and revoke, at compile time -----------------
// Slot 0: the untyped. Two 2^12 child untypeds into slots 1, 2 (s1.0, s1.1);
// four endpoints from s1.1 into slots 8..11 (s8.0 .. s8.3); the third goes;
// a TCB from s1.0 into slot 3; revoking s1.1 clears slots 8, 9, 11; slot 9 is
// reused by a single notification, named s9; then everything is deleted.
constexpr auto batch_run() {
    buffer_sink<1024> out;
    rec_t<1024> r(x86, out);
    bool ok = true;
    ok = ok && r.declare_untyped(0, 0x400000, 13, false).has_value();
    ok = ok && r.untyped_retype({.untyped = 0, .type = object_type::untyped, .size_bits = 12, .dest = 1, .count = 2})
                   .has_value();
    ok = ok && r.untyped_retype({.untyped = 2, .type = object_type::endpoint, .dest = 8, .count = 4}).has_value();
    ok = ok && r.cnode_delete(10).has_value();
    ok = ok && r.untyped_retype({.untyped = 1, .type = object_type::tcb, .dest = 3}).has_value();
    ok = ok && r.cnode_revoke(2).has_value();
    ok = ok && !r.slots()[8].occupied && !r.slots()[9].occupied && !r.slots()[11].occupied && r.slots()[3].occupied;
    ok = ok && r.untyped_retype({.untyped = 2, .type = object_type::notification, .dest = 9}).has_value();
    ok = ok && r.cnode_delete(9).has_value();
    ok = ok && r.cnode_delete(3).has_value();
    ok = ok && r.cnode_delete(1).has_value();
    ok = ok && r.cnode_delete(2).has_value();
    struct {
        bool ok;
        buffer_sink<1024> out;
    } res{ok, out};
    return res;
}
constexpr auto batch = batch_run();
static_assert(batch.ok);
static_assert(batch.out.view() == "arch x86_64\n"
                                  "config tcb_bits=11 fan_out_limit=256 mcs=off\n"
                                  "untyped s0 paddr=0x400000 size_bits=13\n"
                                  "retype s0 untyped size_bits=12 count=2 as s1\n"
                                  "retype s1.1 endpoint count=4 as s8\n"
                                  "delete s8.2\n"
                                  "retype s1.0 tcb as s3\n"
                                  "revoke s1.1\n"
                                  "retype s1.1 notification as s9\n"
                                  "delete s9\n"
                                  "delete s3\n"
                                  "delete s1.0\n"
                                  "delete s1.1\n");

// The trace replays without a trace error (every name resolves, no name is
// reused while alive). Expected answers by hand, x86_64, untyped 0x2000 at 0x400000:
//  4: two 0x1000 halves at offsets 0 and 0x1000, watermark 0x2000;
//  5: four 16-byte endpoints in s1.1 (paddr 0x401000), watermark 0x40;
//  6: s1.1 keeps children, watermark stays 0x40;
//  7: a 2^11 TCB at the start of s1.0, watermark 0x800;
//  8: revoke: s1.1 has no children, watermark 0;
//  9: a 2^5 notification at the start of s1.1 again, watermark 0x20;
// 10, 11: each parent is left without children: 0;
// 12: s0 still has s1.1: 0x2000; 13: s0 without children: 0.
constexpr auto batch_replay = trace::replay_text<32, 32, 1024>(batch.out.view());
static_assert(!batch_replay.error.failed());
static_assert(batch_replay.out.view() == "4: ok offset=0x0 paddr=0x400000 watermark=0x2000\n"
                                         "5: ok offset=0x0 paddr=0x401000 watermark=0x40\n"
                                         "6: ok watermark=0x40\n"
                                         "7: ok offset=0x0 paddr=0x400000 watermark=0x800\n"
                                         "8: ok watermark=0x0\n"
                                         "9: ok offset=0x0 paddr=0x401000 watermark=0x20\n"
                                         "10: ok watermark=0x0\n"
                                         "11: ok watermark=0x0\n"
                                         "12: ok watermark=0x2000\n"
                                         "13: ok watermark=0x0\n");

// ---- seed 002, recorded without an inner backend ---------------------------
constexpr auto seed_002_run() {
    buffer_sink<512> out;
    rec_t<512> r(x86, out);
    (void)r.declare_untyped(20, 0x400000, 13, false);
    (void)r.untyped_retype({.untyped = 20, .type = object_type::cnode, .size_bits = 5, .dest = 21});
    (void)r.untyped_retype({.untyped = 20, .type = object_type::cnode, .size_bits = 6, .dest = 22});
    (void)r.untyped_retype({.untyped = 20, .type = object_type::frame_4k, .dest = 23});
    (void)r.untyped_retype({.untyped = 20, .type = object_type::cnode, .size_bits = 5, .dest = 24});
    return out;
}
// The format's own example, with names from slots. Replay answers the last line
// with seL4_NotEnoughMemory: the recorder does not judge, it records.
static_assert(seed_002_run().view() == "arch x86_64\n"
                                       "config tcb_bits=11 fan_out_limit=256 mcs=off\n"
                                       "untyped s20 paddr=0x400000 size_bits=13\n"
                                       "retype s20 cnode size_bits=5 as s21\n"
                                       "retype s20 cnode size_bits=6 as s22\n"
                                       "retype s20 frame_4k as s23\n"
                                       "retype s20 cnode size_bits=5 as s24\n");

// Replayed: CNodes 0x400 at 0, 0x800 at 0x800 (the gap 0x400..0x800), the frame
// at 0x1000; the last CNode finds 0x2000 - 0x2000 = 0 bytes free.
constexpr auto seed_002 = seed_002_run();
static_assert(trace::replay_text<16, 16, 512>(seed_002.view()).out.view() ==
              "4: ok offset=0x0 paddr=0x400000 watermark=0x400\n"
              "5: ok offset=0x800 paddr=0x400800 watermark=0x1000\n"
              "6: ok offset=0x1000 paddr=0x401000 watermark=0x2000\n"
              "7: error=seL4_NotEnoughMemory memory_left=0x0\n");

// ---- header -----------------------------------------------------------------
template <std::size_t N = 512>
constexpr buffer_sink<N> header_of(const config& cfg) {
    buffer_sink<N> out;
    recorder<buffer_sink<N>, null_backend, 4> r(cfg, out);
    (void)r.declare_untyped(0, 0x80000000, 12, true);
    return out;
}
// aarch32 with hyp and MCS: TCB 2^10 (FPU on), keys that differ from the defaults appear.
static_assert(header_of(config{.target = arch::aarch32, .mcs = true, .hyp = true}).view() ==
              "arch aarch32\nconfig tcb_bits=10 fan_out_limit=256 mcs=on hyp=on\n"
              "untyped s0 paddr=0x80000000 size_bits=12 device\n");
static_assert(header_of(config{.target = arch::x86_64,
                               .tcb_bits = 12,
                               .huge_page = false,
                               .vtx = true,
                               .fan_out_limit = 512,
                               .device_top = 0x10000000000})
                  .view() == "arch x86_64\nconfig tcb_bits=12 fan_out_limit=512 mcs=off huge_page=off vtx=on "
                             "device_top=0x10000000000\n"
                             "untyped s0 paddr=0x80000000 size_bits=12 device\n");
// The replay parser accepts both headers and ends up with the same configuration.
constexpr bool header_round_trips(const config& cfg) {
    const auto out = header_of(cfg);
    const std::string_view text = out.view();
    trace::parser p(text);
    if (p.read_prologue().failed()) return false;
    const config& c = p.cfg();
    return c.target == cfg.target &&
           kernel::fixed_object_bits(c, object_type::tcb) == kernel::fixed_object_bits(cfg, object_type::tcb) &&
           c.fan_out_limit == cfg.fan_out_limit && c.mcs == cfg.mcs && c.huge_page == cfg.huge_page &&
           c.vtx == cfg.vtx && c.hyp == cfg.hyp && c.device_top == cfg.device_top;
}
static_assert(header_round_trips(config{.target = arch::aarch32, .mcs = true, .hyp = true}));
static_assert(header_round_trips(config{.target = arch::x86_64,
                                        .tcb_bits = 12,
                                        .huge_page = false,
                                        .vtx = true,
                                        .fan_out_limit = 512,
                                        .device_top = 0x10000000000}));
static_assert(header_round_trips(config{.target = arch::riscv64, .mcs = true}));
// hyp on aarch64 means nothing (aarch64_hyp is the target): not written, so the parser accepts the header.
constexpr auto aarch64_with_hyp = header_of(config{.target = arch::aarch64, .hyp = true});
static_assert(aarch64_with_hyp.view().find("hyp") == std::string_view::npos);
static_assert(!trace::replay_text<4, 4, 64>(aarch64_with_hyp.view()).error.failed());
// The recorder writes the one spelling of each architecture: the enumerator's name.
static_assert(header_of(config{.target = arch::aarch64_hyp})
                  .view()
                  .starts_with("arch aarch64_hyp\nconfig tcb_bits=11 fan_out_limit=256 mcs=off\n"));

// ---- an inner backend whose answers the test chooses ---------------------
struct scripted_backend {
    bool failing = false;
    error fail{};
    int calls = 0;
    retype_report report{};

    constexpr result<void> declare_untyped(slot_t, kernel::paddr_t, std::uint64_t, bool) {
        ++calls;
        if (failing) return failure(fail);
        return {};
    }
    constexpr result<retype_report> untyped_retype(const retype_call&) {
        ++calls;
        if (failing) return failure(fail);
        return report;
    }
    constexpr result<void> cnode_delete(slot_t) {
        ++calls;
        if (failing) return failure(fail);
        return {};
    }
    constexpr result<void> cnode_revoke(slot_t) {
        ++calls;
        if (failing) return failure(fail);
        return {};
    }
};
static_assert(retype::backend::backend<scripted_backend>);

using decorated = recorder<buffer_sink<1024>, scripted_backend, 64>;

class recorder_test : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(rec.declare_untyped(0, 0x400000, 13, false));
        ASSERT_TRUE(rec.untyped_retype({.untyped = 0, .type = object_type::frame_4k, .dest = 5}));
        ASSERT_TRUE(rec.untyped_retype({.untyped = 0, .type = object_type::untyped, .size_bits = 12, .dest = 6}));
        ASSERT_TRUE(rec.untyped_retype({.untyped = 6, .type = object_type::endpoint, .dest = 7}));
        written = std::string(out.view());
        calls = inner.calls;
    }
    // A refused call leaves the recorder, the sink and the inner backend as they were.
    void expect_refused(const result<void>& r, const error& e) {
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), e);
        expect_untouched();
    }
    void expect_untouched() {
        EXPECT_TRUE(rec == snapshot);
        EXPECT_EQ(out.view(), written);
        EXPECT_EQ(inner.calls, calls);
    }

    buffer_sink<1024> out;
    scripted_backend inner;
    decorated rec{x86, out, inner};
    decorated snapshot = rec; // replaced after SetUp, see take()
    std::string written;
    int calls = 0;
    void take() { snapshot = rec; }
};

TEST_F(recorder_test, set_up_trace) {
    EXPECT_EQ(out.view(), std::string(x86_header) + "untyped s0 paddr=0x400000 size_bits=13\n"
                                                    "retype s0 frame_4k as s5\n"
                                                    "retype s0 untyped size_bits=12 as s6\n"
                                                    "retype s6 endpoint as s7\n");
    EXPECT_EQ(inner.calls, 4);
    EXPECT_EQ(rec.slots()[0].children, 2u);
    EXPECT_EQ(rec.slots()[6].parent, 0u);
}

TEST_F(recorder_test, refusals_change_nothing) {
    take();
    expect_refused(rec.cnode_delete(9), make_error(error_code::unknown_object, 9));
    expect_refused(rec.cnode_delete(64), make_error(error_code::out_of_window, 64, 64));
    expect_refused(rec.cnode_delete(6), make_error(error_code::has_children, 1));
    expect_refused(rec.cnode_revoke(5), make_error(error_code::not_an_untyped, 5));
    // The replay keeps declared untypeds for good (delete refuses them), so the recorder does too.
    expect_refused(rec.cnode_delete(0), make_error(error_code::unsupported, 0));
    expect_refused(rec.cnode_revoke(9), make_error(error_code::unknown_object, 9));
    expect_refused(rec.declare_untyped(5, 0x800000, 12, false), error{.code = error_code::delete_first, .value = 5});
    expect_refused(rec.declare_untyped(70, 0x800000, 12, false), make_error(error_code::out_of_window, 70, 64));
    const auto retype = [&](const retype_call& c, const error& e) {
        auto r = rec.untyped_retype(c);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), e);
        expect_untouched();
    };
    // Window 3..5 meets the frame in slot 5.
    retype({.untyped = 0, .type = object_type::tcb, .dest = 3, .count = 3},
           error{.code = error_code::delete_first, .value = 5});
    retype({.untyped = 5, .type = object_type::tcb, .dest = 10}, make_error(error_code::not_an_untyped, 5));
    retype({.untyped = 9, .type = object_type::tcb, .dest = 10}, make_error(error_code::unknown_object, 9));
    retype({.untyped = 0, .type = object_type::tcb, .dest = 62, .count = 3},
           make_error(error_code::out_of_window, 65, 64));
    // x86_64 without VT-x has no VCPU: the kernel's InvalidArgument(0); the trace could not name it.
    retype({.untyped = 0, .type = object_type::vcpu, .dest = 10}, invalid_argument(0));
    // size_bits above the trace's 255: the kernel's RangeError(0, 47).
    retype({.untyped = 0, .type = object_type::untyped, .size_bits = 256, .dest = 10}, range_error(0, 47));
}

TEST_F(recorder_test, a_full_sink_refuses_before_the_inner_backend_acts) {
    buffer_sink<40> small;
    recorder<buffer_sink<40>, scripted_backend, 8> r(x86, small, inner);
    const auto before = r;
    const int c = inner.calls;
    // The header alone is 57 bytes.
    auto d = r.declare_untyped(0, 0x400000, 13, false);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, error_code::capacity_exhausted);
    EXPECT_TRUE(r == before);
    EXPECT_EQ(small.size(), 0u);
    EXPECT_EQ(inner.calls, c);
}

TEST_F(recorder_test, inner_kernel_errors_the_replay_reproduces_are_recorded) {
    take();
    inner.failing = true;
    inner.fail = not_enough_memory(0x1000);
    auto r = rec.untyped_retype({.untyped = 0, .type = object_type::frame_2m, .dest = 10});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), not_enough_memory(0x1000));
    EXPECT_TRUE(rec == snapshot); // no slot named
    EXPECT_EQ(out.view(), written + "retype s0 frame_2m as s10\n");
}

TEST_F(recorder_test, other_inner_errors_are_not_recorded) {
    take();
    inner.failing = true;
    inner.fail = make_error(error_code::capacity_exhausted, 1, 1);
    const auto r = rec.untyped_retype({.untyped = 0, .type = object_type::tcb, .dest = 10});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), inner.fail);
    // DeleteFirst is about the CSpace, which the replay model does not have.
    inner.fail = error{.code = error_code::delete_first, .value = 10};
    EXPECT_FALSE(rec.untyped_retype({.untyped = 0, .type = object_type::tcb, .dest = 10}));
    inner.fail = error{.code = error_code::failed_lookup};
    EXPECT_FALSE(rec.cnode_delete(7));
    EXPECT_FALSE(rec.cnode_revoke(6));
    EXPECT_FALSE(rec.declare_untyped(20, 0x800000, 12, false));
    calls = inner.calls; // the inner backend was asked each time
    expect_untouched();
}

TEST_F(recorder_test, counts_the_kernel_rejects_are_recorded_without_names) {
    take();
    // 300 > fan-out 256 and 0: replay answers RangeError(1, 256); no slot changes hands.
    ASSERT_TRUE(rec.untyped_retype({.untyped = 0, .type = object_type::endpoint, .dest = 10, .count = 300}));
    ASSERT_TRUE(rec.untyped_retype({.untyped = 0, .type = object_type::endpoint, .dest = 10, .count = 0}));
    // size_bits on a fixed-size type is passed on: the kernel range-checks it.
    ASSERT_TRUE(rec.untyped_retype({.untyped = 0, .type = object_type::tcb, .size_bits = 3, .dest = 10}));
    EXPECT_EQ(out.view(), written + "retype s0 endpoint count=300 as s10\n"
                                    "retype s0 endpoint count=0 as s10\n"
                                    "retype s0 tcb size_bits=3 as s10\n");
    EXPECT_TRUE(rec.slots()[10].occupied);
    EXPECT_FALSE(rec.slots()[11].occupied);
}

TEST_F(recorder_test, revoke_clears_grandchildren_and_frees_their_slots) {
    ASSERT_TRUE(rec.cnode_revoke(0));
    EXPECT_FALSE(rec.slots()[5].occupied);
    EXPECT_FALSE(rec.slots()[6].occupied);
    EXPECT_FALSE(rec.slots()[7].occupied);
    EXPECT_EQ(rec.slots()[0].children, 0u);
    ASSERT_TRUE(rec.untyped_retype({.untyped = 0, .type = object_type::tcb, .dest = 7}));
    ASSERT_TRUE(rec.cnode_delete(7));
    EXPECT_EQ(out.view(), written + "revoke s0\nretype s0 tcb as s7\ndelete s7\n");
}

TEST_F(recorder_test, reports_of_the_inner_backend_pass_through) {
    inner.report = retype_report{.paddr_known = true, .paddr = 0x401000};
    auto r = rec.untyped_retype({.untyped = 0, .type = object_type::frame_4k, .dest = 10});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->paddr_known);
    EXPECT_EQ(r->paddr, 0x401000u);
}

// A sink that cannot say in advance and then fails: the call has happened, so it
// succeeds; the line is counted as lost.
struct failing_sink {
    bool fail = false;
    std::string text;
    bool put(std::string_view t) {
        if (fail) return false;
        text += t;
        return true;
    }
};
static_assert(sink<failing_sink> && !reserving_sink<failing_sink>);

TEST(recorder, lines_a_sink_loses_after_the_call_are_counted) {
    failing_sink s;
    scripted_backend inner;
    recorder<failing_sink, scripted_backend, 16> r(x86, s, inner);
    ASSERT_TRUE(r.declare_untyped(0, 0x400000, 13, false));
    s.fail = true;
    ASSERT_TRUE(r.untyped_retype({.untyped = 0, .type = object_type::tcb, .dest = 1}));
    EXPECT_EQ(r.lost_lines(), 1u);
    EXPECT_TRUE(r.slots()[1].occupied);
    EXPECT_EQ(inner.calls, 2);
    EXPECT_EQ(s.text, std::string(x86_header) + "untyped s0 paddr=0x400000 size_bits=13\n");
}

struct void_sink {
    std::string text;
    void put(std::string_view t) { text += t; }
};
static_assert(sink<void_sink>);

TEST(recorder, a_sink_whose_put_returns_void_cannot_fail) {
    void_sink s;
    recorder<void_sink, null_backend, 4> r(x86, s);
    ASSERT_TRUE(r.declare_untyped(1, 0x400000, 13, false));
    ASSERT_TRUE(r.cnode_revoke(1));
    EXPECT_EQ(s.text, std::string(x86_header) + "untyped s1 paddr=0x400000 size_bits=13\nrevoke s1\n");
}

TEST(recorder, file_sink_writes_the_trace_to_a_stream) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    {
        file_sink s(f);
        recorder<file_sink, null_backend, 8> r(x86, s);
        ASSERT_TRUE(r.declare_untyped(2, 0x400000, 13, false));
        ASSERT_TRUE(r.untyped_retype({.untyped = 2, .type = object_type::cnode, .size_bits = 5, .dest = 3}));
    }
    std::rewind(f);
    std::string text;
    char buf[256];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) != 0) text.append(buf, n);
    std::fclose(f);
    EXPECT_EQ(text, std::string(x86_header) + "untyped s2 paddr=0x400000 size_bits=13\n"
                                              "retype s2 cnode size_bits=5 as s3\n");
}

} // namespace

// ---- differential: decorating the model backend, replayed -------------------
// A seeded random mix of retypes (all counts, including ones the kernel
// rejects), deletes and revokes goes through recorder<model>. The trace must
// replay without a trace error (every name resolves, names of batches survive
// deletes, revokes and slot reuse), and each recorded statement must replay to
// the model's answer: the same paddr for a retype, the same seL4 error name
// for a failed one, ok for delete and revoke.
namespace {

struct expectation {
    bool ok = true;
    bool retype = false;
    kernel::paddr_t paddr = 0;
    error_code code{};
};

std::map<std::size_t, std::string> replay_lines(std::string_view out) {
    std::map<std::size_t, std::string> lines;
    while (!out.empty()) {
        const std::size_t nl = out.find('\n');
        const std::string_view line = out.substr(0, nl);
        const std::size_t colon = line.find(": ");
        lines[std::stoul(std::string(line.substr(0, colon)))] = std::string(line.substr(colon + 2));
        out.remove_prefix(nl == std::string_view::npos ? out.size() : nl + 1);
    }
    return lines;
}

std::string hex(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

TEST(recorder, decorating_the_model_replays_to_the_models_answers) {
    constexpr std::size_t slots = 128;
    constexpr object_type types[] = {object_type::endpoint,  object_type::notification, object_type::tcb,
                                     object_type::cnode,     object_type::frame_4k,     object_type::untyped,
                                     object_type::page_table};
    std::size_t failed_retypes = 0, revokes = 0, batch_names = 0, statements = 0;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::uint64_t state = seed * 0x9e3779b97f4a7c15ULL;
        const auto rnd = [&](std::uint64_t n) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            return (state >> 33) % n;
        };
        auto out = std::make_unique<buffer_sink<1 << 16>>();
        auto inner = std::make_unique<model<512, slots>>(x86);
        using rec_model = recorder<buffer_sink<1 << 16>, model<512, slots>, slots>;
        auto rec = std::make_unique<rec_model>(x86, *out, *inner);
        ASSERT_TRUE(rec->declare_untyped(0, 0x400000, 16, false));
        ASSERT_TRUE(rec->declare_untyped(1, 0x800000, 14, false));
        std::map<std::size_t, expectation> expected;
        const auto lines_written = [&] {
            const std::string_view v = out->view();
            return static_cast<std::size_t>(std::count(v.begin(), v.end(), '\n'));
        };
        const auto pick = [&](auto&& pred) -> std::optional<slot_t> {
            const slot_t start = rnd(slots);
            for (slot_t i = 0; i < slots; ++i)
                if (pred((start + i) % slots)) return (start + i) % slots;
            return std::nullopt;
        };
        for (int op = 0; op < 400; ++op) {
            const auto& t = rec->slots();
            const std::size_t before = lines_written();
            const std::uint64_t what = rnd(100);
            if (what < 60) {
                const auto ut = pick([&](slot_t s) { return t[s].occupied && t[s].untyped; });
                if (!ut) continue;
                const object_type type = types[rnd(std::size(types))];
                const std::uint64_t bits = type == object_type::untyped ? 4 + rnd(10)
                                           : type == object_type::cnode ? 1 + rnd(4)
                                                                        : 0;
                const std::uint64_t r = rnd(50);
                const std::uint64_t count = r == 0 ? 0 : r == 1 ? 300 : 1 + rnd(4);
                const auto dest = pick([&](slot_t s) {
                    const std::uint64_t k = count >= 1 && count <= 256 ? count : 1;
                    if (s + k > slots) return false;
                    for (slot_t d = s; d < s + k; ++d)
                        if (t[d].occupied) return false;
                    return true;
                });
                if (!dest) continue;
                auto res = rec->untyped_retype(
                    {.untyped = *ut, .type = type, .size_bits = bits, .dest = *dest, .count = count});
                if (lines_written() == before) {
                    EXPECT_FALSE(res); // only refused or unrecordable calls leave no line
                    continue;
                }
                expected[lines_written()] =
                    res ? expectation{true, true, res->paddr, {}} : expectation{false, true, 0, res.error().code};
            } else if (what < 85) {
                const auto s = pick([&](slot_t x) {
                    return t[x].occupied && t[x].parent != rec_model::no_parent && t[x].children == 0;
                });
                if (!s) continue;
                ASSERT_TRUE(rec->cnode_delete(*s));
                expected[lines_written()] = expectation{};
            } else {
                const auto s = pick([&](slot_t x) { return t[x].occupied && t[x].untyped; });
                if (!s) continue;
                ASSERT_TRUE(rec->cnode_revoke(*s));
                expected[lines_written()] = expectation{};
            }
            ASSERT_EQ(lines_written(), before + (before == 0 ? 3 : 1));
        }
        EXPECT_EQ(rec->lost_lines(), 0u);
        statements += expected.size();
        for (const auto& [line, e] : expected) failed_retypes += e.ok ? 0 : 1;
        const std::string_view v = out->view();
        for (std::size_t p = v.find("revoke "); p != std::string_view::npos; p = v.find("revoke ", p + 1)) ++revokes;
        for (std::size_t p = v.find(".", v.find("untyped s1 ")); p != std::string_view::npos; p = v.find(".", p + 1))
            ++batch_names;
        const auto replayed =
            std::make_unique<trace::replay_report<1 << 15>>(trace::replay_text<1024, 1024, 1 << 15>(out->view()));
        ASSERT_FALSE(replayed->error.failed()) << "trace error at line " << replayed->error.line;
        const auto lines = replay_lines(replayed->out.view());
        ASSERT_EQ(lines.size(), expected.size());
        for (const auto& [line, e] : expected) {
            SCOPED_TRACE("line " + std::to_string(line));
            const auto it = lines.find(line);
            ASSERT_NE(it, lines.end());
            if (!e.ok) {
                EXPECT_EQ(it->second.rfind("error=" + std::string(name(e.code)), 0), 0u) << it->second;
            } else if (e.retype) {
                EXPECT_EQ(it->second.rfind("ok offset=", 0), 0u) << it->second;
                EXPECT_NE(it->second.find("paddr=" + hex(e.paddr) + " "), std::string::npos) << it->second;
            } else {
                EXPECT_EQ(it->second.rfind("ok watermark=", 0), 0u) << it->second;
            }
        }
    }
    // The mix reached what it is meant to cover.
    EXPECT_GT(statements, 2000u);
    EXPECT_GT(failed_retypes, 50u);
    EXPECT_GT(revokes, 50u);
    EXPECT_GT(batch_names, 200u);
}

} // namespace
