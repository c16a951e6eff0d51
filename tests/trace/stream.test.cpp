// Streaming replay and the limits of replay (issue 16 item 8): every hostile
// input is built by the test itself. Expected values are worked out by hand in
// the comments; nothing here measures time.
#include <retype/trace/format.hpp>
#include <retype/trace/replay.hpp>
#include <retype/trace/stream.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace retype;
using namespace retype::trace;

namespace {

using small_runner = runner<64, 64>;

/// A reader over a string that hands out at most `step` bytes per call.
struct chunked_reader {
    std::string_view text;
    std::size_t step;
    std::size_t pos = 0;
    std::size_t operator()(char* buf, std::size_t n) {
        const std::size_t k = std::min({n, step, text.size() - pos});
        std::memcpy(buf, text.data() + pos, k);
        pos += k;
        return k;
    }
};

struct streamed {
    trace_error error{};
    std::string out;
    std::string message; // describe(error), while the stream that owns its views is alive
};

template <class Runner = small_runner, class Read>
streamed stream(Read read, std::uint64_t skip_lines = 0) {
    auto ls = std::make_unique<line_stream>();
    ls->skip_line_numbers(skip_lines);
    auto r = std::make_unique<std::optional<Runner>>();
    streamed s;
    s.error = ls->run(
        read, [&](const kernel::config& cfg) -> Runner& { return r->emplace(cfg); },
        [&](const outcome& o) {
            text_buffer<128> b;
            format_outcome(o, b);
            s.out.append(b.view());
        });
    if (s.error.failed()) {
        text_buffer<4 * max_line_length + 512> m;
        describe(s.error, m);
        s.message.assign(m.view());
    }
    return s;
}

streamed stream_text(std::string_view text, std::size_t step = line_stream::chunk_size) {
    return stream(chunked_reader{text, step});
}

constexpr std::string_view example = "arch x86_64\n"
                                     "untyped ut paddr=0x400000 size_bits=13\n"
                                     "retype ut cnode size_bits=5 as a\n"
                                     "retype ut cnode size_bits=6 as b\n"
                                     "retype ut frame_4k as f\n"
                                     "retype ut cnode size_bits=5\n"
                                     "delete a\n"
                                     "revoke ut\n"
                                     "retype ut endpoint count=3 as e\n"
                                     "delete e.1\n";

} // namespace

// The stream and the text parser give the same output and the same first
// error, however the input is cut into chunks (a line split across reads, a
// chunk boundary just before or after a newline, one byte at a time).
TEST(Stream, SameAsTextReplayWhateverTheChunks) {
    const std::string bad = std::string(example) + "retype ut frobnicate\n";
    const std::string no_newline = std::string(example.substr(0, example.size() - 1)); // last line without '\n'
    for (const std::string_view text : {example, std::string_view(bad), std::string_view(no_newline)}) {
        const auto want = replay_text<64, 64, 4096>(text);
        for (std::size_t step :
             {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{33}, line_stream::chunk_size}) {
            const streamed got = stream_text(text, step);
            EXPECT_EQ(got.out, want.error.failed() ? got.out : std::string(want.out.view())) << "step " << step;
            EXPECT_EQ(got.error.what, want.error.what) << "step " << step;
            EXPECT_EQ(got.error.line, want.error.line) << "step " << step;
        }
    }
    // By hand: the example's lines 3..6 as in the format document, then
    //  7: delete a -> its parent ut still has b and f: watermark stays 0x2000;
    //  8: revoke ut -> 0x0; 9: three 16-B endpoints at offset 0 (a reset), watermark 0x30;
    // 10: delete e.1 -> e.0 and e.2 remain, watermark 0x30.
    EXPECT_EQ(stream_text(example, 5).out, "3: ok offset=0x0 paddr=0x400000 watermark=0x400\n"
                                           "4: ok offset=0x800 paddr=0x400800 watermark=0x1000\n"
                                           "5: ok offset=0x1000 paddr=0x401000 watermark=0x2000\n"
                                           "6: error=seL4_NotEnoughMemory memory_left=0x0\n"
                                           "7: ok watermark=0x2000\n"
                                           "8: ok watermark=0x0\n"
                                           "9: ok offset=0x0 paddr=0x400000 watermark=0x30\n"
                                           "10: ok watermark=0x30\n");
}

// The stream holds one chunk and one line, whatever the input: a fixed size.
static_assert(sizeof(line_stream) < line_stream::chunk_size + max_line_length + 4096);

// A long trace generated on the fly (never held in memory): 200,000 pairs of
// `retype ut endpoint as e` / `delete e` after a 1 MiB untyped. Each retype
// finds ut with e deleted, so no children: the watermark restarts at 0, the
// endpoint lands at offset 0 and the watermark becomes 0x10; each delete leaves
// no children, so it prints 0x0. The last pair is on lines 400,001 and 400,002.
TEST(Stream, LongGeneratedTraceRunsInFixedMemory) {
    constexpr std::uint64_t pairs = 200000;
    const std::string headline = "arch x86_64\nuntyped ut paddr=0x400000 size_bits=20\n";
    const std::string pair = "retype ut endpoint as e\ndelete e\n";
    std::uint64_t emitted = 0;
    std::string last;
    std::uint64_t produced = 0; // bytes handed out so far
    const std::uint64_t total = headline.size() + pairs * pair.size();
    auto read = [&](char* buf, std::size_t n) {
        std::size_t k = 0;
        while (k < n && produced < total) {
            const std::uint64_t at = produced < headline.size() ? produced : (produced - headline.size()) % pair.size();
            buf[k++] = produced < headline.size() ? headline[at] : pair[at];
            ++produced;
        }
        return k;
    };
    auto ls = std::make_unique<line_stream>();
    auto r = std::make_unique<std::optional<small_runner>>();
    const trace_error e = ls->run(
        read, [&](const kernel::config& cfg) -> small_runner& { return r->emplace(cfg); },
        [&](const outcome& o) {
            ++emitted;
            text_buffer<128> b;
            format_outcome(o, b);
            last.assign(b.view());
        });
    EXPECT_FALSE(e.failed());
    EXPECT_EQ(ls->lines(), 2 + 2 * pairs);
    EXPECT_EQ(emitted, 2 * pairs);
    EXPECT_EQ(last, "400002: ok watermark=0x0\n");
    EXPECT_EQ((*r)->names().size(), 1u); // only ut is still named
}

// Line numbers are 64-bit: line 4,294,967,299 = 2^32 + 3 is reported as such,
// not as 3. The stream's numbering starts after 2^32 lines here (generating them
// would take minutes); everything after that is the ordinary path.
TEST(Stream, LineNumbersPastTwoToThe32) {
    constexpr std::uint64_t before = std::uint64_t{1} << 32;
    const std::string text = "arch x86_64\n"
                             "untyped ut paddr=0x400000 size_bits=12\n"
                             "retype ut frame_4k\n"
                             "frobnicate\n";
    const streamed s = stream(chunked_reader{text, 64}, before);
    EXPECT_EQ(s.out, "4294967299: ok offset=0x0 paddr=0x400000 watermark=0x1000\n");
    EXPECT_EQ(s.error.what, problem::unknown_statement);
    EXPECT_EQ(s.error.line, 4294967300u);
    EXPECT_EQ(s.message, "line 4294967300: unknown statement 'frobnicate'\n");
    static_assert(sizeof(statement{}.line) == 8 && sizeof(trace_error{}.line) == 8 && sizeof(outcome{}.line) == 8);
}

// A revoke costs its subtree, not the name table: 200,000 `revoke ut` lines,
// each after a `retype ut endpoint as e`, through the command line's runner
// (2^16 nodes, 2^19 names). Each revoke has exactly one descendant node (the
// endpoint's batch), so the revokes walk 200,000 nodes in all, while the
// former sweep visited all 2^19 name slots per revoke (1.0e11 in all).
TEST(Stream, RevokeCostsTheSubtree) {
    using cli_runner = runner<std::size_t{1} << 16, std::size_t{1} << 19>;
    constexpr std::uint64_t pairs = 200000;
    std::string text = "arch x86_64\nuntyped ut paddr=0x400000 size_bits=20\n";
    for (std::uint64_t i = 0; i < pairs; ++i) text += "retype ut endpoint as e\nrevoke ut\n";
    auto ls = std::make_unique<line_stream>();
    auto r = std::make_unique<std::optional<cli_runner>>();
    std::uint64_t revokes = 0;
    const trace_error e = ls->run(
        chunked_reader{text, line_stream::chunk_size},
        [&](const kernel::config& cfg) -> cli_runner& { return r->emplace(cfg); },
        [&](const outcome& o) {
            if (o.kind == outcome_kind::watermark) {
                ++revokes;
                EXPECT_EQ(o.watermark, 0u);
            }
        });
    ASSERT_FALSE(e.failed());
    EXPECT_EQ(revokes, pairs);
    EXPECT_EQ((*r)->revoke_walk(), pairs);
    EXPECT_EQ((*r)->names().size(), 1u);
}

// A '\r' just before the newline is not part of the line: a line of 4096
// characters plus "\r\n" is within the limit; 4097 characters are not.
TEST(Stream, CarriageReturnBeforeTheNewlineIsNotCounted) {
    const std::string comment4096 = "#" + std::string(max_line_length - 1, 'x');
    ASSERT_EQ(comment4096.size(), max_line_length);
    const std::string ok =
        "arch x86_64\r\n" + comment4096 + "\r\nuntyped ut paddr=0x400000 size_bits=12\r\nretype ut frame_4k\r\n";
    const std::string too_long = "arch x86_64\r\n" + comment4096 + "x\r\n";
    for (std::size_t step : {std::size_t{1000}, line_stream::chunk_size}) {
        const streamed a = stream_text(ok, step);
        EXPECT_FALSE(a.error.failed()) << a.message;
        EXPECT_EQ(a.out, "4: ok offset=0x0 paddr=0x400000 watermark=0x1000\n");
        const streamed b = stream_text(too_long, step);
        EXPECT_EQ(b.error.what, problem::line_too_long);
        EXPECT_EQ(b.error.line, 2u);
        EXPECT_EQ(b.message, "line 2: line longer than 4096 characters\n");
    }
    // The text parser reads lines the same way.
    EXPECT_FALSE((replay_text<16, 16, 256>(ok).error.failed()));
    EXPECT_EQ((replay_text<16, 16, 256>(too_long).error.what), problem::line_too_long);
}

// Only spaces and tabs separate tokens: \v, \f and a \r that is not just before
// the newline are errors, with the character and its column.
TEST(Stream, OnlySpacesAndTabsSeparateTokens) {
    struct hostile {
        std::string text;
        std::uint64_t line;
        std::uint64_t column;
        std::string message;
    };
    // "untyped ut paddr=0x400000" is 25 characters: the separator after it is column 26.
    const hostile cases[] = {
        {"arch x86_64\nuntyped ut paddr=0x400000\vsize_bits=12\n", 2, 26,
         "line 2: character '\\x0b' at column 26: only spaces and tabs separate tokens (a '\\r' is allowed only just "
         "before the newline)\n"},
        {"arch x86_64\nuntyped ut paddr=0x400000\fsize_bits=12\n", 2, 26, ""},
        {"arch x86_64\nuntyped ut paddr=0x400000\rsize_bits=12\n", 2, 26, ""},
        {"arch\rx86_64\n", 1, 5, ""},
        {"arch x86_64\r\r\n", 1, 12, ""}, // only the last '\r' goes
    };
    for (const hostile& h : cases) {
        for (std::size_t step : {std::size_t{3}, line_stream::chunk_size}) {
            const streamed s = stream_text(h.text, step);
            EXPECT_EQ(s.error.what, problem::bad_separator) << h.text;
            EXPECT_EQ(s.error.line, h.line) << h.text;
            EXPECT_EQ(s.error.value, h.column) << h.text;
            if (!h.message.empty()) {
                EXPECT_EQ(s.message, h.message);
            }
        }
        const auto t = replay_text<16, 16, 256>(h.text);
        EXPECT_EQ(t.error.what, problem::bad_separator) << h.text;
        EXPECT_EQ(t.error.value, h.column) << h.text;
    }
    // Tabs separate; a \v inside a comment is a comment.
    EXPECT_FALSE(stream_text("arch\tx86_64 # \v\f\n").error.failed());
}

// The name table's text is bounded: names share it within one retype, and a
// name whose text does not fit is a capacity error, not a crash.
TEST(Stream, NameTextIsACapacity) {
    // runner<64, 64>: 64 blocks of 28 characters = 1,792 characters of names.
    // A 1,000-character name takes 36 blocks; a second one would need 72 > 64.
    const std::string longname(1000, 'n');
    const std::string text = "arch x86_64\nuntyped ut paddr=0x400000 size_bits=16\nretype ut endpoint count=3 as " +
                             longname + "\nretype ut endpoint as " + longname + "x\n";
    const streamed s = stream_text(text);
    EXPECT_EQ(s.error.what, problem::out_of_names);
    EXPECT_EQ(s.error.line, 4u);
    EXPECT_EQ(s.message, "line 4: name table full: no room left for the text of a name of 1001 characters\n");
}
