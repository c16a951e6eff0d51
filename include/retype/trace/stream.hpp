// retype: replay from a stream. The input is read in chunks and replayed line
// by line as it arrives, so memory is one chunk and one line whatever the
// input's length (the CLI replays a 4 GiB trace in the same few MiB as a short
// one); the runner owns the names it keeps.
//
// Use: line_stream ls; ls.run(read, start, sink), where
//   read(char* buf, std::size_t n) -> std::size_t  fills up to n bytes, 0 at the end;
//   start(const kernel::config&) -> Runner&         called once, at the first
//                                                   statement (the configuration
//                                                   is final by then);
//   sink(const outcome&)                            each output line.
// The error returned, if any, is the first in input order, and its views point
// into the line_stream, which must outlive the error's use.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/trace/parse.hpp>
#include <retype/trace/runner.hpp>
#include <retype/trace/statement.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace retype::trace {

class line_stream {
public:
    static constexpr std::size_t chunk_size = std::size_t{1} << 16;

    template <class Read, class Start, class Sink>
    constexpr trace_error run(Read&& read, Start&& start, Sink&& sink) noexcept {
        using runner_t = std::remove_reference_t<decltype(start(parser_.cfg()))>;
        runner_t* r = nullptr;
        // One line: hands it to the parser, and a statement to the runner.
        auto line = [&](std::string_view raw) -> trace_error {
            statement s{};
            bool is_statement = false;
            if (const trace_error e = parser_.feed(raw, s, is_statement); e.failed() || !is_statement) return e;
            if (r == nullptr) r = &start(parser_.cfg());
            const step_result sr = r->step(s);
            if (sr.error.failed()) return sr.error;
            if (sr.emits) sink(sr.out);
            return {};
        };
        std::size_t held = 0; // characters of the current line kept in line_ (it began in an earlier chunk)
        for (;;) {
            const std::size_t n = read(chunk_.data(), chunk_.size());
            if (n == 0) break;
            std::size_t i = 0;
            while (i < n) {
                std::size_t j = i;
                while (j < n && chunk_[j] != '\n') ++j;
                const std::size_t piece = j - i;
                // A line may hold max_line_length characters and the '\r' before its newline.
                if (piece > line_.size() - held) return parser_.feed_too_long();
                if (j == n || held != 0) {
                    for (std::size_t k = 0; k < piece; ++k) line_[held + k] = chunk_[i + k];
                    held += piece;
                    if (j == n) break; // the line goes on in the next chunk
                    const trace_error e = line(std::string_view(line_.data(), held));
                    if (e.failed()) return e;
                    held = 0;
                } else {
                    // The whole line is in this chunk: no copy.
                    const trace_error e = line(std::string_view(chunk_.data() + i, piece));
                    if (e.failed()) return e;
                }
                i = j + 1;
            }
        }
        if (held != 0) {
            const trace_error e = line(std::string_view(line_.data(), held)); // the last line, without '\n'
            if (e.failed()) return e;
        }
        return parser_.finish();
    }

    /// Lines read so far.
    [[nodiscard]] constexpr std::uint64_t lines() const noexcept { return parser_.lines(); }
    /// The configuration the trace set (final once a statement came out).
    [[nodiscard]] constexpr const kernel::config& cfg() const noexcept { return parser_.cfg(); }
    /// Test hook: numbering continues after `n` lines (a trace's tail cut from a longer one).
    constexpr void skip_line_numbers(std::uint64_t n) noexcept { parser_.skip_line_numbers(n); }

private:
    parser parser_{};
    std::array<char, max_line_length + 1> line_{};
    std::array<char, chunk_size> chunk_{};
};

} // namespace retype::trace
