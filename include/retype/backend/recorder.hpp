// retype: the recorder backend. Writes every operation an allocator performs as
// a replay trace (docs/backends.md, docs/replay.md), so that
// `retype replay` re-runs it on the kernel model. It can decorate another
// backend: the call goes to the inner backend, and the line is written when the
// inner backend's answer is one the trace can reproduce.
//
// No heap: lines are formatted into a fixed buffer on the stack and handed to a
// caller-supplied sink. Names are derived from slots: the object in slot 42 is
// `s42`; the objects of a retype with count=k > 1 into slots d .. d+k-1 are
// `s<d>.0` .. `s<d>.<k-1>`, because that is how the format names a batch made
// with `as s<d>`. The recorder therefore keeps, per slot of its window, which
// batch the slot's object belongs to and its parent (for revoke).
#pragma once

#include <retype/backend/concept.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#if __has_include(<cstdio>)
#include <cstdio>
#endif

namespace retype::backend {

/// Where the recorder writes. `put(text)` takes the whole text or none of it;
/// it returns bool (false: nothing was written) or void (it cannot fail).
template <class S>
concept sink = requires(S& s, std::string_view text) {
    s.put(text);
}
&&(std::same_as<decltype(std::declval<S&>().put(std::string_view{})), bool> ||
   std::same_as<decltype(std::declval<S&>().put(std::string_view{})), void>);

/// A sink that can tell in advance whether n more bytes fit. The recorder asks
/// before it forwards a call, so a full sink fails the call with nothing done.
template <class S>
concept reserving_sink = sink<S> && requires(const S& s, std::size_t n) {
    { s.can_put(n) } -> std::convertible_to<bool>;
};

/// A fixed buffer of N bytes; usable in constant expressions.
template <std::size_t N>
class buffer_sink {
public:
    [[nodiscard]] constexpr bool can_put(std::size_t n) const noexcept { return n <= N - size_; }
    constexpr bool put(std::string_view text) noexcept {
        if (!can_put(text.size())) return false;
        for (char c : text) data_[size_++] = c;
        return true;
    }
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {data_.data(), size_}; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    static constexpr std::size_t capacity() noexcept { return N; }

private:
    std::array<char, N> data_{};
    std::size_t size_ = 0;
};

#if __has_include(<cstdio>)
/// A C stream (not constexpr). A short write is reported as false; the stream
/// may then hold part of the line, which the recorder counts as lost.
class file_sink {
public:
    explicit file_sink(std::FILE* f) noexcept : file_(f) { Expects(f != nullptr); }
    bool put(std::string_view text) noexcept { return std::fwrite(text.data(), 1, text.size(), file_) == text.size(); }

private:
    std::FILE* file_;
};
#endif

namespace detail {

/// A line being formatted. Sized for the longest line the recorder can emit;
/// overflowing it is a bug in that sizing, hence a contract.
template <std::size_t N>
class text_buffer {
public:
    constexpr text_buffer& operator<<(std::string_view s) noexcept {
        Expects(s.size() <= N - size_);
        for (char c : s) buf_[size_++] = c;
        return *this;
    }
    constexpr text_buffer& dec(std::uint64_t v) noexcept {
        char tmp[20]{};
        std::size_t n = 0;
        do {
            tmp[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        Expects(n <= N - size_);
        while (n != 0) buf_[size_++] = tmp[--n];
        return *this;
    }
    constexpr text_buffer& hex(std::uint64_t v) noexcept {
        constexpr std::string_view digits = "0123456789abcdef";
        char tmp[16]{};
        std::size_t n = 0;
        do {
            tmp[n++] = digits[v & 0xf];
            v >>= 4;
        } while (v != 0);
        *this << "0x";
        Expects(n <= N - size_);
        while (n != 0) buf_[size_++] = tmp[--n];
        return *this;
    }
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {buf_.data(), size_}; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }

private:
    std::array<char, N> buf_{};
    std::size_t size_ = 0;
};

/// The `arch` and `config` lines of a trace for `cfg`. tcb_bits is written as
/// the size the model uses (so `fpu` needs no key of its own); keys that do
/// not change a retype's answer (reset chunk, bootinfo limits, root CNode size)
/// are left out; the others appear only when they differ from seL4's default.
template <std::size_t N>
constexpr void write_header(text_buffer<N>& t, const kernel::config& cfg) noexcept {
    const kernel::config def{.target = cfg.target};
    const auto on_off = [](bool b) { return b ? std::string_view{"on"} : std::string_view{"off"}; };
    t << "arch " << kernel::name(cfg.target) << "\n";
    t << "config tcb_bits=";
    t.dec(kernel::fixed_object_bits(cfg, kernel::object_type::tcb));
    t << " fan_out_limit=";
    t.dec(cfg.fan_out_limit);
    t << " mcs=" << on_off(cfg.mcs);
    // The replay parser rejects keys the architecture does not read.
    const bool x86 = cfg.target == kernel::arch::x86_64;
    const bool a32 = cfg.target == kernel::arch::aarch32;
    if (x86 && cfg.huge_page != def.huge_page) t << " huge_page=" << on_off(cfg.huge_page);
    if (x86 && cfg.vtx != def.vtx) t << " vtx=" << on_off(cfg.vtx);
    if (a32 && cfg.hyp != def.hyp) t << " hyp=" << on_off(cfg.hyp);
    if (cfg.device_top != def.device_top) (t << " device_top=").hex(cfg.device_top);
    if (a32 && cfg.phys_base != def.phys_base) (t << " phys_base=").hex(cfg.phys_base);
    if (a32 && cfg.user_top != def.user_top) (t << " user_top=").hex(cfg.user_top);
    t << "\n";
}

/// Kernel answers to a retype that the replay model reproduces from the untyped
/// and the arguments alone (decode checks 3 to 7, 11, 15, 16). Other failures
/// concern the CSpace or the backend itself and are not recorded.
[[nodiscard]] constexpr bool replayable(error_code c) noexcept {
    return c == error_code::invalid_argument || c == error_code::range_error || c == error_code::not_enough_memory;
}

} // namespace detail

/// The recorder. `Sink` receives the trace; `Inner` is the decorated backend
/// (pass none to record only: every call then succeeds, as with null_backend);
/// `Slots` is the size of the slot window [0, Slots) it can name.
///
/// Per operation: (1) check slot names and occupancy on unchanged state;
/// (2) format the line; (3) with a reserving sink, fail with capacity_exhausted
/// if the line does not fit; (4) forward to the inner backend; (5) write the
/// line if the call succeeded, or (retype only) failed with an error the replay
/// reproduces; (6) on success, commit the slot table. On any failure the slot
/// table is unchanged. A sink that fails at (5) after the inner backend acted
/// cannot undo the kernel call: the call reports success and lost_lines() grows.
///
/// sizeof: 16 bytes per slot plus a few words.
template <sink Sink, backend Inner = null_backend, std::size_t Slots = 4096>
class recorder {
    static_assert(Slots >= 1 && Slots < (std::size_t{1} << 32), "retype: recorder window out of range");

public:
    static constexpr std::uint32_t no_parent = ~std::uint32_t{0};

    /// One slot of the window as the recorder sees it.
    struct slot_entry {
        std::uint32_t parent = no_parent; // slot of the untyped it was retyped from; no_parent if declared
        std::uint32_t batch = 0;          // 0: named s<slot>; i + 1: object i of the batch at slot - i
        std::uint32_t children = 0;       // occupied slots whose parent is this one
        bool occupied = false;
        bool untyped = false;

        friend constexpr bool operator==(const slot_entry&, const slot_entry&) = default;
    };

    /// Records only.
    constexpr recorder(const kernel::config& cfg, Sink& out) noexcept : cfg_(cfg), sink_(&out), inner_(nullptr) {}
    /// Records, and forwards to `inner`.
    constexpr recorder(const kernel::config& cfg, Sink& out, Inner& inner) noexcept
        : cfg_(cfg), sink_(&out), inner_(&inner) {}

    /// Corresponds to an initial untyped from bootinfo in slot s. Emits
    /// `untyped s<s> paddr=… size_bits=… [device]`.
    /// Errors: out_of_window (s outside the window), delete_first (s occupied),
    /// capacity_exhausted (sink full), or the inner backend's error.
    constexpr result<void> declare_untyped(slot_t s, kernel::paddr_t paddr, std::uint64_t size_bits,
                                           bool device) noexcept {
        if (s >= Slots) return failure(make_error(error_code::out_of_window, s, Slots));
        if (slots_[s].occupied) return failure(error{.code = error_code::delete_first, .value = s});
        line_t t;
        begin_line(t);
        t << "untyped ";
        write_name(t, s, 0);
        (t << " paddr=").hex(paddr);
        (t << " size_bits=").dec(size_bits);
        if (device) t << " device";
        t << "\n";
        if (!fits(t)) return failure(make_error(error_code::capacity_exhausted, t.size()));
        if (inner_ != nullptr) {
            const result<void> r = inner_->declare_untyped(s, paddr, size_bits, device);
            if (!r) return r;
        }
        emit(t);
        slots_[s] = slot_entry{.parent = no_parent, .batch = 0, .children = 0, .occupied = true, .untyped = true};
        return {};
    }

    /// Corresponds to `seL4_Untyped_Retype`. Emits `retype <ut> <type>
    /// [size_bits=…] [count=…] as s<dest>`. size_bits appears for the types
    /// that take it and whenever it is not 0 (the kernel range-checks it for
    /// every type). Errors, before anything is forwarded: unknown_object
    /// (untyped slot empty), not_an_untyped, out_of_window, delete_first (the
    /// first occupied destination slot, in `value`), invalid_argument(0) for a
    /// type the configuration lacks, range_error for size_bits the trace
    /// cannot hold (the kernel's answer to both); then capacity_exhausted or
    /// the inner backend's error. A count the kernel rejects (0, above the
    /// fan-out limit) is forwarded and recorded without naming any slot.
    constexpr result<retype_report> untyped_retype(const retype_call& call) noexcept {
        if (call.untyped >= Slots) return failure(make_error(error_code::out_of_window, call.untyped, Slots));
        const slot_entry& src = slots_[call.untyped];
        if (!src.occupied) return failure(make_error(error_code::unknown_object, call.untyped));
        if (!src.untyped) return failure(make_error(error_code::not_an_untyped, call.untyped));
        if (!kernel::exists(cfg_, call.type)) return failure(invalid_argument(0));
        if (call.size_bits > 255) return failure(range_error(0, kernel::traits(cfg_).max_untyped_bits));
        const bool names_slots = call.count >= 1 && call.count <= cfg_.fan_out_limit;
        if (names_slots) {
            if (call.dest >= Slots || call.count > Slots - call.dest)
                return failure(make_error(error_code::out_of_window, call.dest + call.count, Slots));
            for (slot_t d = call.dest; d < call.dest + call.count; ++d)
                if (slots_[d].occupied) return failure(error{.code = error_code::delete_first, .value = d});
        } else if (call.dest >= Slots) {
            return failure(make_error(error_code::out_of_window, call.dest, Slots));
        }
        line_t t;
        begin_line(t);
        t << "retype ";
        write_name(t, call.untyped, src.batch);
        t << " " << kernel::name(call.type);
        if (kernel::is_variable_size(call.type) || call.size_bits != 0) (t << " size_bits=").dec(call.size_bits);
        if (call.count != 1) (t << " count=").dec(call.count);
        t << " as ";
        write_name(t, call.dest, 0);
        t << "\n";
        if (!fits(t)) return failure(make_error(error_code::capacity_exhausted, t.size()));
        retype_report report{};
        if (inner_ != nullptr) {
            result<retype_report> r = inner_->untyped_retype(call);
            if (!r) {
                if (detail::replayable(r.error().code)) emit(t);
                return r;
            }
            report = *r;
        }
        emit(t);
        if (names_slots) {
            const auto parent = static_cast<std::uint32_t>(call.untyped);
            for (std::uint64_t i = 0; i < call.count; ++i)
                slots_[call.dest + i] = slot_entry{.parent = parent,
                                                   .batch = call.count == 1 ? 0 : static_cast<std::uint32_t>(i + 1),
                                                   .children = 0,
                                                   .occupied = true,
                                                   .untyped = call.type == kernel::object_type::untyped};
            slots_[call.untyped].children += static_cast<std::uint32_t>(call.count);
        }
        return report;
    }

    /// Corresponds to `seL4_CNode_Delete` on slot s. Emits `delete <name>`.
    /// Errors: out_of_window, unknown_object (slot empty: the trace could not
    /// name it), unsupported (a declared untyped: the replay keeps boot untypeds
    /// for good), has_children (the format deletes only childless objects),
    /// capacity_exhausted, or the inner backend's error (not recorded).
    constexpr result<void> cnode_delete(slot_t s) noexcept {
        if (s >= Slots) return failure(make_error(error_code::out_of_window, s, Slots));
        const slot_entry e = slots_[s];
        if (!e.occupied) return failure(make_error(error_code::unknown_object, s));
        if (e.parent == no_parent) return failure(make_error(error_code::unsupported, s));
        if (e.children != 0) return failure(make_error(error_code::has_children, e.children));
        line_t t;
        begin_line(t);
        t << "delete ";
        write_name(t, s, e.batch);
        t << "\n";
        if (!fits(t)) return failure(make_error(error_code::capacity_exhausted, t.size()));
        if (inner_ != nullptr) {
            const result<void> r = inner_->cnode_delete(s);
            if (!r) return r;
        }
        emit(t);
        if (e.parent != no_parent) --slots_[e.parent].children;
        slots_[s] = slot_entry{};
        return {};
    }

    /// Corresponds to `seL4_CNode_Revoke` on slot s, which must hold an
    /// untyped: every descendant goes. Emits `revoke <name>`.
    /// Errors: out_of_window, unknown_object, not_an_untyped, capacity_exhausted,
    /// or the inner backend's error (not recorded). O(Slots x depth).
    constexpr result<void> cnode_revoke(slot_t s) noexcept {
        if (s >= Slots) return failure(make_error(error_code::out_of_window, s, Slots));
        const slot_entry& e = slots_[s];
        if (!e.occupied) return failure(make_error(error_code::unknown_object, s));
        if (!e.untyped) return failure(make_error(error_code::not_an_untyped, s));
        line_t t;
        begin_line(t);
        t << "revoke ";
        write_name(t, s, e.batch);
        t << "\n";
        if (!fits(t)) return failure(make_error(error_code::capacity_exhausted, t.size()));
        if (inner_ != nullptr) {
            const result<void> r = inner_->cnode_revoke(s);
            if (!r) return r;
        }
        emit(t);
        // Parent links of occupied slots form chains of occupied slots, so the
        // walk stays valid while descendants are cleared (links are kept).
        for (std::size_t j = 0; j < Slots; ++j) {
            if (!slots_[j].occupied || j == s) continue;
            for (std::uint32_t p = slots_[j].parent; p != no_parent; p = slots_[p].parent) {
                if (p == s) {
                    slots_[j].occupied = false;
                    break;
                }
            }
        }
        for (slot_entry& x : slots_)
            if (!x.occupied) x = slot_entry{};
        slots_[s].children = 0;
        return {};
    }

    /// Lines the sink refused after the call had been forwarded (0 for a reserving sink).
    [[nodiscard]] constexpr std::uint64_t lost_lines() const noexcept { return lost_; }
    [[nodiscard]] constexpr const std::array<slot_entry, Slots>& slots() const noexcept { return slots_; }
    [[nodiscard]] constexpr const kernel::config& cfg() const noexcept { return cfg_; }

    /// The trace name of slot s's object (empty when s is empty or outside the window).
    template <std::size_t N>
    constexpr void name_of(slot_t s, detail::text_buffer<N>& t) const noexcept {
        if (s < Slots && slots_[s].occupied) write_name(t, s, slots_[s].batch);
    }

    /// Full state, without the sink and the inner backend (compare those separately).
    friend constexpr bool operator==(const recorder& a, const recorder& b) noexcept {
        return a.cfg_ == b.cfg_ && a.header_written_ == b.header_written_ && a.lost_ == b.lost_ && a.slots_ == b.slots_;
    }

private:
    // The header (about 250 bytes at most) and one statement (about 110).
    using line_t = detail::text_buffer<512>;

    constexpr void begin_line(line_t& t) const noexcept {
        if (!header_written_) detail::write_header(t, cfg_);
    }
    template <std::size_t N>
    static constexpr void write_name(detail::text_buffer<N>& t, slot_t s, std::uint32_t batch) noexcept {
        if (batch == 0) {
            (t << "s").dec(s);
        } else {
            (t << "s").dec(s - (batch - 1));
            (t << ".").dec(batch - 1);
        }
    }
    [[nodiscard]] constexpr bool fits(const line_t& t) const noexcept {
        if constexpr (reserving_sink<Sink>) return sink_->can_put(t.size());
        return true;
    }
    constexpr void emit(const line_t& t) noexcept {
        header_written_ = true;
        if constexpr (std::is_void_v<decltype(sink_->put(t.view()))>) {
            sink_->put(t.view());
        } else if (!sink_->put(t.view())) {
            ++lost_;
        }
    }

    kernel::config cfg_;
    Sink* sink_;
    Inner* inner_;
    bool header_written_ = false;
    std::uint64_t lost_ = 0;
    std::array<slot_entry, Slots> slots_{};
};

} // namespace retype::backend
