// retype: a whole replay: parse, run, and hand each output line to a sink.
// The CLI (tools/retype/replay_cmd.cpp) and the tests share this loop;
// replay_text() does it all at compile time into a fixed buffer.
#pragma once

#include <retype/trace/format.hpp>
#include <retype/trace/parse.hpp>
#include <retype/trace/runner.hpp>
#include <retype/trace/statement.hpp>
#include <retype/trace/text_buffer.hpp>

#include <cstddef>
#include <string_view>

namespace retype::trace {

/// Runs the statements after the prologue. Requires: p.read_prologue() succeeded
/// and `r` was built from p.cfg(). Stops at the first trace error, which is the
/// first in input order because parsing and running go line by line.
template <class Runner, class Sink>
constexpr trace_error run(parser& p, Runner& r, Sink&& sink) noexcept {
    for (;;) {
        statement s{};
        bool done = false;
        const trace_error pe = p.next(s, done);
        if (pe.failed()) return pe;
        if (done) return {};
        const step_result sr = r.step(s);
        if (sr.error.failed()) return sr.error;
        if (sr.emits) sink(sr.out);
    }
}

/// The output of a whole replay, or the trace error that stopped it (`out`
/// then holds the lines before the error; the CLI prints none of them).
template <std::size_t OutChars>
struct replay_report {
    trace_error error{};
    text_buffer<OutChars> out{};
};

/// Replays `text` with a model of Nodes nodes and Names names; constexpr.
template <std::size_t Nodes, std::size_t Names, std::size_t OutChars>
[[nodiscard]] constexpr replay_report<OutChars> replay_text(std::string_view text) noexcept {
    replay_report<OutChars> rep{};
    parser p(text);
    rep.error = p.read_prologue();
    if (rep.error.failed()) return rep;
    runner<Nodes, Names> r(p.cfg());
    rep.error = run(p, r, [&rep](const outcome& o) { format_outcome(o, rep.out); });
    return rep;
}

} // namespace retype::trace
