// libFuzzer target: the replay parser and runner on arbitrary text.
// Properties checked beyond "no crash, no sanitizer report":
// - parse(): statement line numbers strictly increase and lie inside the text;
//   every view in a statement or in the error points into the input buffer
//   (except missing_field's token, which names the statement).
// - the runner emits at most one outcome per statement, in line order; a failed
//   retype carries a seL4 error code; a successful one ends above its offset;
//   every outcome formats as exactly one line.
// - parse() and the line-by-line replay agree on the first syntax error.
// - the streaming replay (line_stream), reading the input in chunks whose
//   sizes come from the input itself, prints the same lines and stops at the
//   same error as the text replay.
#include <retype/trace/parse.hpp>
#include <retype/trace/replay.hpp>
#include <retype/trace/runner.hpp>
#include <retype/trace/stream.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

// Names the broken property, then aborts (libFuzzer keeps the input).
[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "property broken: %s\n", what);
    std::abort();
}

bool inside(std::string_view outer, std::string_view v) {
    if (v.empty()) return true;
    return v.data() >= outer.data() && v.data() + v.size() <= outer.data() + outer.size();
}

constexpr std::size_t max_statements = 512;
constexpr std::size_t nodes = 128;
constexpr std::size_t names = 256;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::uint64_t lines = 1;
    for (char c : text)
        if (c == '\n') ++lines;

    static retype::trace::parsed<max_statements> parsed; // large: keep it off the stack
    parsed = retype::trace::parse<max_statements>(text);
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < parsed.out.size; ++i) {
        const auto& s = parsed.out.statements[i];
        if (s.line <= last || s.line > lines) fail("statement lines not increasing or past the end");
        if (!inside(text, s.name) || !inside(text, s.as)) fail("statement view outside the input");
        last = s.line;
    }
    const auto& e = parsed.error;
    // missing_field names the statement with a string literal ("untyped",
    // "retype"); every other error's token is a view into the input.
    if (e.what != retype::trace::problem::missing_field && !inside(text, e.token))
        fail("error token outside the input");
    if (e.failed() && e.what != retype::trace::problem::too_many_statements && e.line > lines)
        fail("error line past the end");

    // The same text through the line-by-line parser and the runner.
    retype::trace::parser p(text);
    retype::trace::trace_error err = p.read_prologue();
    std::string text_out;
    if (err.failed()) {
        if (!e.failed() || err.what != e.what || err.line != e.line) fail("prologue error differs from parse()");
    } else {
        auto r = std::make_unique<retype::trace::runner<nodes, names>>(p.cfg());
        std::uint64_t emitted_line = 0;
        err = retype::trace::run(p, *r, [&](const retype::trace::outcome& o) {
            if (o.line <= emitted_line || o.line > lines) fail("outcome lines not increasing or past the end");
            emitted_line = o.line;
            // Replay output speaks seL4: a failed retype carries a kernel error code.
            if (o.kind == retype::trace::outcome_kind::failed && !retype::is_kernel_error(o.error.code))
                fail("failed retype without a seL4 error code");
            // New objects end above where they start, so the watermark is past the offset.
            if (o.kind == retype::trace::outcome_kind::retyped && o.watermark <= o.offset)
                fail("retype watermark not past its offset");
            retype::trace::text_buffer<256> line{};
            retype::trace::format_outcome(o, line);
            if (line.overflow || line.view().find('\n') != line.size - 1) fail("outcome does not format as one line");
            text_out.append(line.view());
        });
        // A syntax error parse() found is found at the same line by the runner's
        // parse, unless a runner error (names, capacities) stopped it earlier.
        if (e.failed() && e.what != retype::trace::problem::too_many_statements) {
            if (!err.failed() || err.line > e.line) fail("line-by-line replay missed parse()'s syntax error");
        }
    }

    // The same text streamed, in chunks of 1 .. 64 bytes chosen by the input's bytes.
    static retype::trace::line_stream ls;
    ls = retype::trace::line_stream{};
    std::optional<retype::trace::runner<nodes, names>> sr;
    std::string stream_out;
    std::size_t pos = 0;
    const retype::trace::trace_error se = ls.run(
        [&](char* buf, std::size_t n) {
            const std::size_t want = pos < size ? 1 + data[pos] % 64 : 1;
            const std::size_t k = std::min({n, want, size - pos});
            std::memcpy(buf, data + pos, k);
            pos += k;
            return k;
        },
        [&](const retype::kernel::config& cfg) -> retype::trace::runner<nodes, names>& { return sr.emplace(cfg); },
        [&](const retype::trace::outcome& o) {
            retype::trace::text_buffer<256> line{};
            retype::trace::format_outcome(o, line);
            stream_out.append(line.view());
        });
    if (se.what != err.what || se.line != err.line) fail("streaming replay stops elsewhere than the text replay");
    if (!err.failed() && stream_out != text_out) fail("streaming replay prints other lines than the text replay");
    return 0;
}
