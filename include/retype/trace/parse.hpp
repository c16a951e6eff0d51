// retype: the replay trace parser. constexpr, no heap, one line at a time.
//
// Two ways in:
// - Text: parser p(text); p.read_prologue() reads `arch` and `config` (they
//   must precede everything else, so the kernel configuration is final
//   afterwards); then p.next(s, done) yields the untyped/retype/delete/revoke
//   statements. parse<N>() collects them into a trace<N> for tests.
// - Stream: parser p; then p.feed(line, s, is_statement) for each line as it
//   arrives (without its '\n') and p.finish() at the end. The statement's views
//   point into the line given. trace/stream.hpp drives this from a reader.
//
// Either way a line is checked the same: at most max_line_length characters
// (a '\r' before the newline is dropped first), only spaces and tabs between
// tokens, '#' to the end of the line a comment.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/trace/statement.hpp>

#include <gsl/assert>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype::trace {

/// Lines longer than this are a trace error: it bounds every message's size.
inline constexpr std::size_t max_line_length = 4096;

/// Decimal, or hexadecimal after `0x`; no sign, no overflow.
[[nodiscard]] constexpr bool parse_number(std::string_view s, std::uint64_t& out) noexcept {
    std::uint64_t base = 10;
    if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
        base = 16;
        s.remove_prefix(2);
    }
    if (s.empty()) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        std::uint64_t d = 0;
        if (c >= '0' && c <= '9')
            d = static_cast<std::uint64_t>(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = static_cast<std::uint64_t>(c - 'a') + 10;
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = static_cast<std::uint64_t>(c - 'A') + 10;
        else
            return false;
        if (v > (~std::uint64_t{0} - d) / base) return false;
        v = v * base + d;
    }
    out = v;
    return true;
}

namespace detail {

/// The token separators: spaces and tabs, nothing else.
[[nodiscard]] constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// Characters that look like separators but are not: a trace error, not part of a token.
[[nodiscard]] constexpr bool is_false_blank(char c) noexcept { return c == '\r' || c == '\v' || c == '\f'; }

/// s[pos, pos + n), without string_view::substr: substr's bounds check calls
/// std::__throw_out_of_range_fmt, which a freestanding build cannot link.
/// Requires: pos + n <= s.size().
[[nodiscard]] constexpr std::string_view slice(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    Expects(pos <= s.size() && n <= s.size() - pos);
    return {s.data() + pos, n};
}

/// The space-separated tokens of one line, comment already removed.
class tokens {
public:
    constexpr explicit tokens(std::string_view s) noexcept : rest_(s) {}
    /// The next token, or an empty view at the end.
    constexpr std::string_view next() noexcept {
        std::size_t i = 0;
        while (i < rest_.size() && is_blank(rest_[i])) ++i;
        std::size_t j = i;
        while (j < rest_.size() && !is_blank(rest_[j])) ++j;
        const std::string_view t = slice(rest_, i, j - i);
        rest_.remove_prefix(j);
        return t;
    }

private:
    std::string_view rest_;
};

/// Splits `key=value` at the first '='; false when there is none.
[[nodiscard]] constexpr bool split_option(std::string_view t, std::string_view& key, std::string_view& value) noexcept {
    const std::size_t eq = t.find('=');
    if (eq == std::string_view::npos) return false;
    key = slice(t, 0, eq);
    value = slice(t, eq + 1, t.size() - eq - 1);
    return true;
}

[[nodiscard]] constexpr bool is_body_verb(std::string_view t) noexcept {
    return t == "untyped" || t == "retype" || t == "delete" || t == "revoke";
}

// The config keys, in kernel::config's field names.
enum class config_key : std::uint8_t {
    tcb_bits,
    fan_out_limit,
    mcs,
    huge_page,
    vtx,
    fpu,
    hyp,
    device_top,
    phys_base,
    user_top,
    max_bootinfo_untypeds,
    reset_chunk_bits,
    root_cnode_bits,
};
inline constexpr std::string_view config_key_names[] = {
    "tcb_bits",
    "fan_out_limit",
    "mcs",
    "huge_page",
    "vtx",
    "fpu",
    "hyp",
    "device_top",
    "phys_base",
    "user_top",
    "max_bootinfo_untypeds",
    "reset_chunk_bits",
    "root_cnode_bits",
};

/// Keys that only some architectures read; setting them elsewhere is a mistake in the trace.
[[nodiscard]] constexpr bool applies(config_key k, kernel::arch a) noexcept {
    using kernel::arch;
    switch (k) {
    case config_key::huge_page:
    case config_key::vtx: return a == arch::x86_64;
    case config_key::fpu: return a == arch::riscv64 || a == arch::aarch32;
    case config_key::hyp:
    case config_key::phys_base:
    case config_key::user_top: return a == arch::aarch32;
    default: return true;
    }
}

} // namespace detail

class parser {
public:
    /// A stream parser: lines come through feed().
    constexpr parser() noexcept = default;
    /// A text parser: lines come from `text` through read_prologue() and next().
    constexpr explicit parser(std::string_view text) noexcept : text_(text) {}

    /// Stream: the next line, without its '\n'. Sets is_statement when `out` was
    /// filled (its views point into `raw`). arch and config only update cfg(),
    /// which is final by the time the first statement comes out.
    constexpr trace_error feed(std::string_view raw, statement& out, bool& is_statement) noexcept {
        is_statement = false;
        std::string_view content;
        const std::uint64_t line = ++line_;
        if (const trace_error e = prepare(raw, line, content); e.failed()) return e;
        return parse_line(content, line, out, is_statement);
    }
    /// Stream: the next line is longer than any line can be (the caller stopped
    /// reading it): the error, with the line counted.
    [[nodiscard]] constexpr trace_error feed_too_long() noexcept { return too_long(++line_); }
    /// Stream: the input ended.
    [[nodiscard]] constexpr trace_error finish() const noexcept {
        if (!have_arch_) return trace_error{.what = problem::no_arch, .line = 1};
        return {};
    }
    /// Lines read so far.
    [[nodiscard]] constexpr std::uint64_t lines() const noexcept { return line_; }
    /// Numbering continues after `n` more lines, as if they had been read (for a
    /// trace's tail cut from a longer one, and for tests of large line numbers).
    constexpr void skip_line_numbers(std::uint64_t n) noexcept { line_ += n; }

    /// The kernel configuration: final once read_prologue() succeeded.
    [[nodiscard]] constexpr const kernel::config& cfg() const noexcept { return cfg_; }

    /// Reads `arch` and `config` up to the first other statement (which next() returns).
    constexpr trace_error read_prologue() noexcept {
        std::string_view content;
        std::uint64_t line = 0;
        while (read_line(content, line)) {
            if (line_error_.failed()) return line_error_;
            detail::tokens tk(content);
            const std::string_view first = tk.next();
            if (first.empty()) continue;
            if (have_arch_ && detail::is_body_verb(first)) {
                pending_ = content;
                pending_line_ = line;
                has_pending_ = true;
                return {};
            }
            statement ignored{};
            bool is_statement = false;
            const trace_error e = parse_line(content, line, ignored, is_statement);
            if (e.failed()) return e;
        }
        if (!have_arch_) return trace_error{.what = problem::no_arch, .line = 1};
        return {};
    }

    /// The next untyped/retype/delete/revoke statement; `done` at the end of the text.
    /// Requires: read_prologue() returned no error.
    constexpr trace_error next(statement& out, bool& done) noexcept {
        done = false;
        if (has_pending_) {
            has_pending_ = false;
            bool is_statement = false;
            return parse_line(pending_, pending_line_, out, is_statement);
        }
        std::string_view content;
        std::uint64_t line = 0;
        while (read_line(content, line)) {
            if (line_error_.failed()) return line_error_;
            bool is_statement = false;
            const trace_error e = parse_line(content, line, out, is_statement);
            if (e.failed() || is_statement) return e;
        }
        done = true;
        return {};
    }

private:
    /// The next line of the text, checked by prepare(); false at the end of the text.
    constexpr bool read_line(std::string_view& content, std::uint64_t& line) noexcept {
        if (pos_ >= text_.size()) return false;
        std::size_t end = text_.find('\n', pos_);
        if (end == std::string_view::npos) end = text_.size();
        const std::string_view raw = detail::slice(text_, pos_, end - pos_);
        pos_ = end + 1;
        line = ++line_;
        line_error_ = prepare(raw, line, content);
        return true;
    }

    /// One raw line (no '\n') to its content: the '\r' before the newline
    /// dropped, the length checked, the comment cut off, and no \r, \v or \f
    /// left in what remains.
    [[nodiscard]] static constexpr trace_error prepare(std::string_view raw, std::uint64_t line,
                                                       std::string_view& content) noexcept {
        if (!raw.empty() && raw.back() == '\r') raw = detail::slice(raw, 0, raw.size() - 1);
        if (raw.size() > max_line_length) return too_long(line);
        const std::size_t hash = raw.find('#');
        content = hash == std::string_view::npos ? raw : detail::slice(raw, 0, hash);
        for (std::size_t i = 0; i < content.size(); ++i) {
            if (detail::is_false_blank(content[i]))
                return trace_error{.what = problem::bad_separator,
                                   .line = line,
                                   .token = detail::slice(content, i, 1),
                                   .value = i + 1};
        }
        return {};
    }

    [[nodiscard]] static constexpr trace_error too_long(std::uint64_t line) noexcept {
        return trace_error{.what = problem::line_too_long, .line = line, .limit = max_line_length};
    }
    [[nodiscard]] static constexpr trace_error err(problem p, std::uint64_t line, std::string_view token = {},
                                                   std::string_view field = {}) noexcept {
        return trace_error{.what = p, .line = line, .token = token, .field = field};
    }
    [[nodiscard]] static constexpr bool bad_name(std::string_view t) noexcept {
        return t.find('=') != std::string_view::npos;
    }

    /// One non-blank line. Sets is_statement when `out` was filled.
    constexpr trace_error parse_line(std::string_view content, std::uint64_t line, statement& out,
                                     bool& is_statement) noexcept {
        is_statement = false;
        detail::tokens tk(content);
        const std::string_view first = tk.next();
        if (first.empty()) return {};
        const bool body = detail::is_body_verb(first);
        if (!body && first != "arch" && first != "config") return err(problem::unknown_statement, line, first);
        if (first == "arch") {
            if (have_arch_) return err(problem::arch_twice, line, first);
            if (seen_other_) return err(problem::arch_not_first, line, first);
            return parse_arch(tk, line);
        }
        if (!have_arch_) return err(problem::arch_not_first, line, first);
        if (first == "config") {
            if (seen_body_) return err(problem::config_too_late, line, first);
            seen_other_ = true;
            return parse_config(tk, line);
        }
        seen_other_ = true;
        seen_body_ = true;
        out = statement{};
        out.line = line;
        trace_error e{};
        if (first == "untyped")
            e = parse_untyped(tk, line, out);
        else if (first == "retype")
            e = parse_retype(tk, line, out);
        else
            e = parse_name_only(first == "delete" ? verb::remove : verb::revoke, first, tk, line, out);
        is_statement = !e.failed();
        return e;
    }

    constexpr trace_error parse_arch(detail::tokens& tk, std::uint64_t line) noexcept {
        const std::string_view a = tk.next();
        if (a.empty()) return err(problem::missing_field, line, "arch", "an architecture");
        kernel::arch target{};
        if (!kernel::parse_arch(a, target)) return err(problem::unknown_arch, line, a);
        if (const std::string_view extra = tk.next(); !extra.empty())
            return err(problem::unexpected_token, line, extra);
        cfg_ = kernel::config{};
        cfg_.target = target;
        have_arch_ = true;
        return {};
    }

    constexpr trace_error parse_config(detail::tokens& tk, std::uint64_t line) noexcept {
        bool any = false;
        for (std::string_view t = tk.next(); !t.empty(); t = tk.next()) {
            std::string_view key;
            std::string_view value;
            if (!detail::split_option(t, key, value)) return err(problem::unexpected_token, line, t, "key=value");
            const trace_error e = apply_config(key, value, line);
            if (e.failed()) return e;
            any = true;
        }
        if (!any) return err(problem::missing_field, line, "config", "key=value");
        return {};
    }

    constexpr trace_error apply_config(std::string_view key, std::string_view value, std::uint64_t line) noexcept {
        using detail::config_key;
        std::size_t index = 0;
        while (index < std::size(detail::config_key_names) && detail::config_key_names[index] != key) ++index;
        if (index == std::size(detail::config_key_names)) return err(problem::unknown_config_key, line, key);
        const auto k = static_cast<config_key>(index);
        if (!detail::applies(k, cfg_.target)) {
            trace_error e = err(problem::config_key_not_applicable, line, key);
            e.target = cfg_.target;
            return e;
        }
        const std::uint32_t bit = std::uint32_t{1} << index;
        if (keys_seen_ & bit) return err(problem::config_key_twice, line, key);
        keys_seen_ |= bit;

        // on/off switches
        bool* flag = nullptr;
        switch (k) {
        case config_key::mcs: flag = &cfg_.mcs; break;
        case config_key::huge_page: flag = &cfg_.huge_page; break;
        case config_key::vtx: flag = &cfg_.vtx; break;
        case config_key::fpu: flag = &cfg_.fpu; break;
        case config_key::hyp: flag = &cfg_.hyp; break;
        default: break;
        }
        if (flag != nullptr) {
            if (value == "on")
                *flag = true;
            else if (value == "off")
                *flag = false;
            else
                return err(problem::bad_switch, line, value, key);
            return {};
        }

        // numbers, each with the range a kernel build could have
        std::uint64_t n = 0;
        if (!parse_number(value, n)) return err(problem::bad_number, line, value, key);
        const kernel::arch_traits t = kernel::traits(cfg_);
        const std::uint64_t word_top = t.word_bits >= 64 ? ~std::uint64_t{0} : std::uint64_t{1} << t.word_bits;
        std::uint64_t lo = 1;
        std::uint64_t hi = 0;
        switch (k) {
        case config_key::tcb_bits:
            lo = t.min_untyped_bits;
            hi = t.max_untyped_bits;
            break;
        case config_key::fan_out_limit:
        case config_key::max_bootinfo_untypeds: hi = 0xffffffffULL; break;
        case config_key::reset_chunk_bits: hi = t.max_untyped_bits; break;
        case config_key::root_cnode_bits: hi = t.max_untyped_bits - t.slot_bits; break;
        // 0 means "the architecture's default" for these two in kernel::config, so it cannot be given explicitly.
        case config_key::device_top: hi = word_top; break;
        case config_key::user_top: hi = 0xffffffffULL; break;
        // physBase 0 is a real platform (zynq7000); the config marks its default with platform_default.
        case config_key::phys_base:
            lo = 0;
            hi = 0xffffffffULL;
            break;
        default: break;
        }
        if (n < lo || n > hi) {
            trace_error e = err(problem::out_of_range, line, value, key);
            e.value = lo;
            e.limit = hi;
            e.indexed = k == config_key::device_top || k == config_key::phys_base || k == config_key::user_top;
            return e;
        }
        switch (k) {
        case config_key::tcb_bits: cfg_.tcb_bits = static_cast<std::uint8_t>(n); break;
        case config_key::fan_out_limit: cfg_.fan_out_limit = static_cast<std::uint32_t>(n); break;
        case config_key::max_bootinfo_untypeds: cfg_.max_bootinfo_untypeds = static_cast<std::uint32_t>(n); break;
        case config_key::reset_chunk_bits: cfg_.reset_chunk_bits = static_cast<std::uint8_t>(n); break;
        case config_key::root_cnode_bits: cfg_.root_cnode_bits = static_cast<std::uint8_t>(n); break;
        case config_key::device_top: cfg_.device_top = n; break;
        case config_key::phys_base: cfg_.phys_base = n; break;
        case config_key::user_top: cfg_.user_top = n; break;
        default: break;
        }
        return {};
    }

    constexpr trace_error parse_number_option(std::string_view value, std::string_view key, std::uint64_t line,
                                              std::uint64_t& out) noexcept {
        if (!parse_number(value, out)) return err(problem::bad_number, line, value, key);
        return {};
    }

    constexpr trace_error parse_untyped(detail::tokens& tk, std::uint64_t line, statement& out) noexcept {
        out.kind = verb::untyped;
        out.name = tk.next();
        if (out.name.empty()) return err(problem::missing_field, line, "untyped", "<name>");
        if (bad_name(out.name)) return err(problem::bad_name, line, out.name);
        bool have_paddr = false;
        bool have_size = false;
        for (std::string_view t = tk.next(); !t.empty(); t = tk.next()) {
            std::string_view key;
            std::string_view value;
            if (t == "device") {
                if (out.device) return err(problem::duplicate_option, line, t, "device");
                out.device = true;
            } else if (detail::split_option(t, key, value) && (key == "paddr" || key == "size_bits")) {
                bool& have = key == "paddr" ? have_paddr : have_size;
                if (have) return err(problem::duplicate_option, line, t, key);
                have = true;
                const trace_error e = parse_number_option(value, key, line, key == "paddr" ? out.paddr : out.size_bits);
                if (e.failed()) return e;
            } else {
                return err(problem::unexpected_token, line, t);
            }
        }
        if (!have_paddr) return err(problem::missing_field, line, "untyped", "paddr=<number>");
        if (!have_size) return err(problem::missing_field, line, "untyped", "size_bits=<n>");
        return {};
    }

    constexpr trace_error parse_retype(detail::tokens& tk, std::uint64_t line, statement& out) noexcept {
        out.kind = verb::retype;
        out.count = 1;
        out.name = tk.next();
        if (out.name.empty()) return err(problem::missing_field, line, "retype", "<untyped-name>");
        if (bad_name(out.name)) return err(problem::bad_name, line, out.name);
        const std::string_view type = tk.next();
        if (type.empty()) return err(problem::missing_field, line, "retype", "<type>");
        const auto parsed = kernel::parse_object_type(type);
        if (!parsed) return err(problem::unknown_type, line, type);
        if (!kernel::exists(cfg_, *parsed)) {
            trace_error e = err(problem::type_not_configured, line, type);
            e.target = cfg_.target;
            return e;
        }
        out.type = *parsed;
        bool have_size = false;
        bool have_count = false;
        bool have_as = false;
        for (std::string_view t = tk.next(); !t.empty(); t = tk.next()) {
            std::string_view key;
            std::string_view value;
            if (t == "as") {
                if (have_as) return err(problem::duplicate_option, line, t, "as");
                have_as = true;
                out.as = tk.next();
                if (out.as.empty()) return err(problem::missing_field, line, "retype", "<name> after as");
                if (bad_name(out.as)) return err(problem::bad_name, line, out.as);
            } else if (detail::split_option(t, key, value) && (key == "size_bits" || key == "count")) {
                bool& have = key == "size_bits" ? have_size : have_count;
                if (have) return err(problem::duplicate_option, line, t, key);
                have = true;
                const trace_error e =
                    parse_number_option(value, key, line, key == "size_bits" ? out.size_bits : out.count);
                if (e.failed()) return e;
                // Any byte-sized size_bits reaches the kernel, which answers with its range error.
                if (key == "size_bits" && out.size_bits > 255) {
                    trace_error r = err(problem::out_of_range, line, value, key);
                    r.value = 0;
                    r.limit = 255;
                    return r;
                }
            } else {
                return err(problem::unexpected_token, line, t);
            }
        }
        return {};
    }

    constexpr trace_error parse_name_only(verb v, std::string_view word, detail::tokens& tk, std::uint64_t line,
                                          statement& out) noexcept {
        out.kind = v;
        out.name = tk.next();
        if (out.name.empty()) return err(problem::missing_field, line, word, "<name>");
        if (bad_name(out.name)) return err(problem::bad_name, line, out.name);
        if (const std::string_view extra = tk.next(); !extra.empty())
            return err(problem::unexpected_token, line, extra);
        return {};
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::uint64_t line_ = 0;
    trace_error line_error_{}; // text mode: what prepare() said about the line just read
    kernel::config cfg_{};
    bool have_arch_ = false;
    bool seen_other_ = false; // a statement other than arch (so arch is no longer first)
    bool seen_body_ = false;  // an untyped, retype, delete or revoke (config is too late)
    std::uint32_t keys_seen_ = 0;
    std::string_view pending_{};
    std::uint64_t pending_line_ = 0;
    bool has_pending_ = false;
};

/// The result of parse(): the statements, and the first error if any.
template <std::size_t MaxStatements>
struct parsed {
    trace<MaxStatements> out{};
    trace_error error{};
};

/// Parses a whole trace into fixed storage. On an error, the statements before it are kept.
template <std::size_t MaxStatements>
[[nodiscard]] constexpr parsed<MaxStatements> parse(std::string_view text) noexcept {
    parsed<MaxStatements> r{};
    parser p(text);
    r.error = p.read_prologue();
    r.out.cfg = p.cfg();
    if (r.error.failed()) return r;
    for (;;) {
        statement s{};
        bool done = false;
        const trace_error e = p.next(s, done);
        if (e.failed()) {
            r.error = e;
            return r;
        }
        if (done) return r;
        if (r.out.size == MaxStatements) {
            r.error = trace_error{.what = problem::too_many_statements, .line = s.line, .limit = MaxStatements};
            return r;
        }
        r.out.statements[r.out.size++] = s;
    }
}

} // namespace retype::trace
