// `retype replay FILE|-`: runs a replay trace (docs/replay.md) against the
// kernel model. Output goes to stdout only when the whole trace is well formed:
// a malformed trace prints its first error on stderr, nothing on stdout, and
// exits 2.
//
// The trace is streamed (trace/stream.hpp): memory does not grow with its
// length. The output is held back until the end, in memory up to a bound and
// then in a temporary file, so it too needs no memory proportional to the trace.
#include "commands.hpp"

#include <retype/trace/format.hpp>
#include <retype/trace/stream.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace {

// Large enough for real traces (a node holds up to 256 objects of one retype,
// or one untyped). Static, never on the stack.
constexpr std::size_t model_nodes = std::size_t{1} << 16;
constexpr std::size_t model_names = std::size_t{1} << 19;
using runner_t = retype::trace::runner<model_nodes, model_names>;
std::optional<runner_t> the_runner;
retype::trace::line_stream the_stream;

/// A key the trace cannot know, so it cannot choose names that collide.
retype::trace::hash_key random_key() {
    retype::trace::hash_key k{};
    std::uint64_t words[2]{};
    if (getentropy(words, sizeof words) == 0) {
        k.k0 = words[0];
        k.k1 = words[1];
    } else {
        // No entropy source: still not a constant the trace could be written against.
        const auto t = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        k.k0 ^= t * 0x9e3779b97f4a7c15ULL;
        k.k1 ^= static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&k)) ^ static_cast<std::uint64_t>(getpid());
    }
    return k;
}

/// The output lines, kept until the trace is known to be well formed.
class held_output {
public:
    held_output() = default;
    held_output(const held_output&) = delete;
    held_output& operator=(const held_output&) = delete;
    ~held_output() {
        if (spill_ != nullptr) std::fclose(spill_);
    }

    /// False when the temporary file cannot be written.
    bool add(const char* p, std::size_t n) {
        if (spill_ == nullptr && mem_.size() + n <= memory_limit) {
            mem_.append(p, n);
            return true;
        }
        if (spill_ == nullptr) {
            spill_ = std::tmpfile();
            if (spill_ == nullptr) return false;
            if (std::fwrite(mem_.data(), 1, mem_.size(), spill_) != mem_.size()) return false;
            mem_.clear();
            mem_.shrink_to_fit();
        }
        return std::fwrite(p, 1, n, spill_) == n;
    }
    /// Everything to `out`; false on a read or write error.
    bool copy_to(std::FILE* out) {
        if (spill_ == nullptr) return std::fwrite(mem_.data(), 1, mem_.size(), out) == mem_.size();
        if (std::fflush(spill_) != 0 || std::fseek(spill_, 0, SEEK_SET) != 0) return false;
        static char buf[1 << 16];
        for (;;) {
            const std::size_t n = std::fread(buf, 1, sizeof buf, spill_);
            if (n != 0 && std::fwrite(buf, 1, n, out) != n) return false;
            if (n < sizeof buf) return std::ferror(spill_) == 0;
        }
    }

private:
    static constexpr std::size_t memory_limit = std::size_t{16} << 20;
    std::string mem_;
    std::FILE* spill_ = nullptr;
};

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
    constexpr const char* usage = "usage: retype replay FILE|-   (docs/replay.md)\n";
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::fputs(usage, stdout);
        return std::fflush(stdout) == 0 ? 0 : 2;
    }
    // An option is never a file name: "./--x" names such a file.
    if (argc != 2 || (argv[1][0] == '-' && argv[1][1] != '\0')) {
        if (argc == 2) std::fprintf(stderr, "retype replay: unknown option '%s'\n", argv[1]);
        std::fputs(usage, stderr);
        return 2;
    }
    const bool from_stdin = std::strcmp(argv[1], "-") == 0;
    std::FILE* f = from_stdin ? stdin : std::fopen(argv[1], "rb");
    if (f == nullptr) {
        std::fprintf(stderr, "retype replay: cannot open '%s': %s\n", argv[1], std::strerror(errno));
        return 2;
    }
    held_output out;
    bool out_ok = true;
    trace::text_buffer<128> line; // the longest outcome line is well under 128 characters
    const trace::trace_error e =
        the_stream.run([f](char* buf, std::size_t n) { return std::fread(buf, 1, n, f); },
                       [](const kernel::config& cfg) -> runner_t& { return the_runner.emplace(cfg, random_key()); },
                       [&](const trace::outcome& o) {
                           line.clear();
                           trace::format_outcome(o, line);
                           out_ok = out_ok && out.add(line.data.data(), line.size);
                       });
    const bool read_ok = std::ferror(f) == 0;
    if (!from_stdin) std::fclose(f);
    if (!read_ok) {
        // Whatever the parser said about a truncated last line, the input is what failed.
        std::fprintf(stderr, "retype replay: cannot read '%s'\n", argv[1]);
        return 2;
    }
    if (e.failed()) return report(e);
    if (!out_ok) {
        std::fputs("retype replay: cannot hold the output in a temporary file\n", stderr);
        return 2;
    }
    if (!out.copy_to(stdout) || std::fflush(stdout) != 0) {
        std::fputs("retype replay: cannot write the output\n", stderr);
        return 2;
    }
    return 0;
}
