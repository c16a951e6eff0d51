// `retype replay FILE|-`: runs a replay trace (docs/replay.md) against the
// kernel model. Output goes to stdout only when the whole trace is well formed:
// a malformed trace prints its first error on stderr, nothing on stdout, and
// exits 2.
#include "commands.hpp"

#include <retype/trace/replay.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace {

// Large enough for real traces (a node holds up to 256 objects of one retype,
// or one untyped). Static, never on the stack: the runner is about 30 MiB.
constexpr std::size_t model_nodes = std::size_t{1} << 16;
constexpr std::size_t model_names = std::size_t{1} << 19;
using runner_t = retype::trace::runner<model_nodes, model_names>;
std::optional<runner_t> the_runner;

bool read_all(std::FILE* f, std::string& out) {
    char chunk[1 << 16];
    for (;;) {
        const std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
        out.append(chunk, n);
        if (n < sizeof chunk) return std::ferror(f) == 0;
    }
}

int report(const retype::trace::trace_error& e) {
    // A line is at most max_line_length characters (4 each once escaped), so a message fits.
    static retype::trace::text_buffer<4 * retype::trace::max_line_length + 512> msg;
    msg.clear();
    retype::trace::describe(e, msg);
    std::fwrite(msg.data.data(), 1, msg.size, stderr);
    return 2;
}

} // namespace

int retype::cli::replay_main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: retype replay FILE|-   (docs/replay.md)\n", stderr);
        return 2;
    }
    const bool from_stdin = std::strcmp(argv[1], "-") == 0;
    std::FILE* f = from_stdin ? stdin : std::fopen(argv[1], "rb");
    if (f == nullptr) {
        std::fprintf(stderr, "retype replay: cannot open '%s': %s\n", argv[1], std::strerror(errno));
        return 2;
    }
    std::string text;
    const bool read_ok = read_all(f, text);
    if (!from_stdin) std::fclose(f);
    if (!read_ok) {
        std::fprintf(stderr, "retype replay: cannot read '%s'\n", argv[1]);
        return 2;
    }

    trace::parser p(text);
    if (const trace::trace_error e = p.read_prologue(); e.failed()) return report(e);
    the_runner.emplace(p.cfg());
    std::string out;
    trace::text_buffer<128> line; // the longest outcome line is well under 128 characters
    const trace::trace_error e = trace::run(p, *the_runner, [&](const trace::outcome& o) {
        line.clear();
        trace::format_outcome(o, line);
        out.append(line.data.data(), line.size);
    });
    if (e.failed()) return report(e);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 2;
}
