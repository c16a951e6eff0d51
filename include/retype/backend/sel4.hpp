// retype: the libsel4 backend. Carries out an allocator's decisions on a real
// kernel through seL4_Untyped_Retype, seL4_CNode_Delete and seL4_CNode_Revoke,
// and asks the kernel where a new frame lies (seL4_*_Page_GetAddress).
//
// The backend is a template over a "syscalls" policy, so that it compiles and is
// tested everywhere; the policy that calls libsel4 exists only where
// <sel4/sel4.h> does. Slots map to CPtrs through windows: runs of consecutive
// slots, each in one CNode (see cspace_window, docs/backends.md and
// docs/sel4-project.md for a two-level CSpace).
#pragma once

#include <retype/backend/concept.hpp>
#include <retype/error.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/libsel4_config.hpp> // with libsel4: its configuration, and the type numbers checked
#include <retype/kernel/object_type.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>

#if __has_include(<sel4/sel4.h>)
#include <sel4/sel4.h>
#endif

namespace retype::backend {

/// What seL4_*_Page_GetAddress returns: an seL4_Error number and the frame's paddr.
struct sel4_frame_address {
    int error = 0;
    std::uint64_t paddr = 0;
};

/// The system calls the backend needs, in libsel4's argument order; words are
/// passed as 64 bits and narrowed by the policy (the backend checks they fit
/// in `word_bits` first). Each call returns an seL4_Error number; after an
/// error, get_mr(i) reads the message registers the kernel set with it.
template <class S>
concept sel4_syscalls = requires(S& s, std::uint64_t w, std::uint8_t depth, int i) {
    { S::word_bits } -> std::convertible_to<unsigned>;
    { s.untyped_retype(w, w, w, w, w, w, w, w) } -> std::same_as<int>;
    { s.cnode_delete(w, w, depth) } -> std::same_as<int>;
    { s.cnode_revoke(w, w, depth) } -> std::same_as<int>;
    { s.get_mr(i) } -> std::convertible_to<std::uint64_t>;
};

/// A policy that can also ask for a frame's physical address.
template <class S>
concept sel4_frame_syscalls = sel4_syscalls<S> && requires(S& s, std::uint64_t cptr) {
    { s.frame_address(cptr) } -> std::same_as<sel4_frame_address>;
};

/// One window of the allocator's slots in the caller's CSpace. Slot s of the
/// window (0 <= s < slots) is, for seL4_CNode_Delete and seL4_CNode_Revoke,
/// index `cptr_base + s` resolved with `cptr_depth` bits in the CNode whose cap
/// is at CPtr `root`; as a retype destination it is node_offset `offset_base + s`
/// in the CNode found at (node_index, node_depth) inside `root` (node_depth 0:
/// `root` itself). The untypeds and frames the kernel is asked about are invoked
/// by CPtr `cptr_base + s` at full word depth in the thread's CSpace, so a window
/// holding them must have cptr_depth = seL4_WordBits and root = the CSpace root.
///
/// In a root task with a single-level CSpace: root = seL4_CapInitThreadCNode,
/// node_index = node_depth = 0, cptr_base = offset_base = the first slot of the
/// window (e.g. bootinfo->untyped.start), cptr_depth = seL4_WordBits. In a
/// two-level CSpace (a top CNode of 2^r1 slots with a guard of W - r1 - r2 bits,
/// CNodes of 2^r2 slots in its slots), the CNode at top index i is the window
/// {root = the CSpace root's CPtr, node_index = i, node_depth = W - r2,
/// offset_base = 0, cptr_base = i << r2, cptr_depth = W, slots = 2^r2}.
struct cspace_window {
    std::uint64_t root = 0;
    std::uint64_t node_index = 0;
    std::uint8_t node_depth = 0;
    std::uint64_t offset_base = 0;
    std::uint64_t cptr_base = 0;
    std::uint8_t cptr_depth = 64;
    std::uint64_t slots = 0;

    friend constexpr bool operator==(const cspace_window&, const cspace_window&) = default;
};

/// The retype::error for an seL4_Error number, with the payload the kernel put
/// in the message registers (setMRs_syscall_error): the argument number for
/// InvalidArgument (MR0), min and max for RangeError (MR0, MR1), memoryLeft for
/// NotEnoughMemory (MR0). Nothing else is recovered: FailedLookup's lookup-fault
/// words are dropped, and DeleteFirst's slot number is only in the kernel's
/// debug print. An unknown number becomes `unsupported` with the number in `value`.
/// `mr` is called only for the registers the error defines.
template <class ReadMr>
[[nodiscard]] constexpr error from_sel4_error(int code, ReadMr&& mr) noexcept {
    if (code < 1 || code > 10) return make_error(error_code::unsupported, static_cast<std::uint64_t>(code));
    const auto c = static_cast<error_code>(code);
    switch (c) {
    case error_code::invalid_argument: return invalid_argument(static_cast<std::uint64_t>(mr(0)));
    case error_code::range_error:
        return range_error(static_cast<std::uint64_t>(mr(0)), static_cast<std::uint64_t>(mr(1)));
    case error_code::not_enough_memory: return not_enough_memory(static_cast<std::uint64_t>(mr(0)));
    default: return error{.code = c};
    }
}

/// The backend over a syscalls policy. Stateless apart from its configuration
/// (the windows): the kernel holds the state, so "on failure, nothing changed"
/// is the kernel's own guarantee (a failed invocation changes nothing) plus
/// checks made here before any call.
///
/// Slots are numbered across the windows in the order they were given: window
/// 0 has slots [0, w0.slots), window 1 the next w1.slots numbers, and so on. A
/// retype's destination slots must lie in one window (one CNode). Finding a
/// slot's window is O(1) in window 0 and O(MaxWindows) otherwise.
template <sel4_syscalls Syscalls, std::size_t MaxWindows = 16>
class basic_sel4_backend {
    static_assert(MaxWindows >= 1);

public:
    static constexpr unsigned word_bits = Syscalls::word_bits;
    static constexpr std::size_t max_windows = MaxWindows;

    /// True iff every CPtr and node_offset of the window fits in a word and the
    /// depths are ones the kernel accepts.
    [[nodiscard]] static constexpr bool valid(const cspace_window& w) noexcept {
        const std::uint64_t max = word_max();
        return w.slots >= 1 && w.cptr_depth >= 1 && w.cptr_depth <= word_bits && w.node_depth <= word_bits &&
               w.root <= max && w.node_index <= max && w.cptr_base <= max && w.slots - 1 <= max - w.cptr_base &&
               w.offset_base <= max && w.slots - 1 <= max - w.offset_base;
    }

    /// Window 0. Requires: valid(w).
    constexpr basic_sel4_backend(const kernel::config& cfg, const cspace_window& w, Syscalls sys = {}) noexcept
        : cfg_(cfg), windows_n_(1), slots_(w.slots), sys_(sys) {
        Expects(valid(w));
        windows_[0] = w;
    }

    /// Another window (e.g. a CNode the allocator made, placed in a two-level
    /// CSpace). Returns the number of its first slot: give the allocator
    /// add_slots(first, w.slots) for the part it may fill. Errors:
    /// invalid_argument(0) unless valid(w); capacity_exhausted (value =
    /// windows + 1, limit = MaxWindows); range_error(0, ...) if the slot numbers
    /// would pass 2^64. On failure, no change. O(1).
    constexpr result<slot_t> add_window(const cspace_window& w) noexcept {
        if (!valid(w)) return failure(invalid_argument(0));
        if (windows_n_ == MaxWindows)
            return failure(make_error(error_code::capacity_exhausted, windows_n_ + 1, MaxWindows));
        if (w.slots > ~std::uint64_t{0} - slots_) return failure(range_error(0, ~std::uint64_t{0} - slots_));
        const slot_t first = slots_;
        windows_[windows_n_++] = w;
        slots_ += w.slots;
        return first;
    }

    /// The bootinfo untyped already sits in slot s: nothing to ask the kernel.
    /// Errors: out_of_window.
    constexpr result<void> declare_untyped(slot_t s, kernel::paddr_t, std::uint64_t, bool) noexcept {
        if (s >= slots_) return failure(make_error(error_code::out_of_window, s, slots_));
        return {};
    }

    /// Corresponds to `seL4_Untyped_Retype`. Checked here, before the call:
    /// out_of_window (the untyped slot, or a destination window leaving the
    /// backend's window, which the kernel could not see), invalid_argument(0)
    /// for a type the configuration lacks and range_error for size_bits or a
    /// count too wide for a word (the kernel's answers to those). Then the
    /// kernel's error with its payload. For frames, when the policy can, the
    /// report carries the paddr of object 0 from Page_GetAddress (a failure of
    /// that query leaves paddr_known false; the retype has happened).
    constexpr result<retype_report> untyped_retype(const retype_call& call) noexcept {
        if (call.untyped >= slots_) return failure(make_error(error_code::out_of_window, call.untyped, slots_));
        if (call.dest >= slots_) return failure(make_error(error_code::out_of_window, call.dest + call.count, slots_));
        const located d = locate(call.dest);
        const cspace_window& w = windows_[d.window];
        const std::uint64_t n = d.first + w.slots; // one past the destination window's last slot
        if (call.count > n - call.dest)
            return failure(make_error(error_code::out_of_window, call.dest + call.count, n));
        const std::optional<std::uint32_t> type = kernel::sel4_type_number(cfg_, call.type);
        if (!type) return failure(invalid_argument(0));
        if (call.size_bits > word_max()) return failure(range_error(0, kernel::traits(cfg_).max_untyped_bits));
        if (call.count > word_max()) return failure(range_error(1, cfg_.fan_out_limit));
        const int rc = sys_.untyped_retype(cptr(call.untyped), *type, call.size_bits, w.root, w.node_index,
                                           w.node_depth, w.offset_base + (call.dest - d.first), call.count);
        if (rc != 0) return failure(kernel_error(rc));
        retype_report report{};
        if constexpr (sel4_frame_syscalls<Syscalls>) {
            if (kernel::is_frame(call.type)) {
                const sel4_frame_address a = sys_.frame_address(cptr(call.dest));
                if (a.error == 0) report = retype_report{.paddr_known = true, .paddr = a.paddr};
            }
        }
        return report;
    }

    /// Corresponds to `seL4_CNode_Delete` on slot s. Errors: out_of_window, the kernel's.
    constexpr result<void> cnode_delete(slot_t s) noexcept {
        if (s >= slots_) return failure(make_error(error_code::out_of_window, s, slots_));
        const cspace_window& w = windows_[locate(s).window];
        const int rc = sys_.cnode_delete(w.root, cptr(s), w.cptr_depth);
        if (rc != 0) return failure(kernel_error(rc));
        return {};
    }

    /// Corresponds to `seL4_CNode_Revoke` on slot s. Errors: out_of_window, the kernel's.
    constexpr result<void> cnode_revoke(slot_t s) noexcept {
        if (s >= slots_) return failure(make_error(error_code::out_of_window, s, slots_));
        const cspace_window& w = windows_[locate(s).window];
        const int rc = sys_.cnode_revoke(w.root, cptr(s), w.cptr_depth);
        if (rc != 0) return failure(kernel_error(rc));
        return {};
    }

    /// The CPtr of slot s (cptr_base + its place in its window). Requires: s < slots().
    [[nodiscard]] constexpr std::uint64_t cptr(slot_t s) const noexcept {
        Expects(s < slots_);
        const located l = locate(s);
        return windows_[l.window].cptr_base + (s - l.first);
    }
    /// Window 0.
    [[nodiscard]] constexpr const cspace_window& window() const noexcept { return windows_[0]; }
    /// Window i. Requires: i < windows().
    [[nodiscard]] constexpr const cspace_window& window(std::size_t i) const noexcept {
        Expects(i < windows_n_);
        return windows_[i];
    }
    [[nodiscard]] constexpr std::size_t windows() const noexcept { return windows_n_; }
    /// Slots in all windows: the slot numbers are [0, slots()).
    [[nodiscard]] constexpr std::uint64_t slots() const noexcept { return slots_; }
    [[nodiscard]] constexpr const kernel::config& cfg() const noexcept { return cfg_; }
    [[nodiscard]] constexpr Syscalls& syscalls() noexcept { return sys_; }

private:
    struct located {
        std::size_t window;
        slot_t first; // the window's first slot number
    };
    /// The window of slot s. Requires: s < slots_.
    [[nodiscard]] constexpr located locate(slot_t s) const noexcept {
        slot_t first = 0;
        for (std::size_t i = 0; i < windows_n_; ++i) {
            if (s - first < windows_[i].slots) return located{i, first};
            first += windows_[i].slots;
        }
        Expects(false);
        return located{0, 0};
    }
    static constexpr std::uint64_t word_max() noexcept {
        return word_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << word_bits) - 1;
    }
    constexpr error kernel_error(int rc) noexcept {
        return from_sel4_error(rc, [this](int i) { return static_cast<std::uint64_t>(sys_.get_mr(i)); });
    }

    kernel::config cfg_;
    std::array<cspace_window, MaxWindows> windows_{};
    std::size_t windows_n_ = 0;
    std::uint64_t slots_ = 0;
    [[no_unique_address]] Syscalls sys_;
};

#if __has_include(<sel4/sel4.h>)
/// The policy that calls libsel4. The frame query uses the architecture's
/// Page_GetAddress where libsel4 has one (x86, Arm, RISC-V).
struct libsel4_syscalls {
    static constexpr unsigned word_bits = sizeof(seL4_Word) * 8;

    int untyped_retype(std::uint64_t service, std::uint64_t type, std::uint64_t size_bits, std::uint64_t root,
                       std::uint64_t node_index, std::uint64_t node_depth, std::uint64_t node_offset,
                       std::uint64_t num_objects) noexcept {
        return static_cast<int>(seL4_Untyped_Retype(
            static_cast<seL4_Untyped>(service), static_cast<seL4_Word>(type), static_cast<seL4_Word>(size_bits),
            static_cast<seL4_CNode>(root), static_cast<seL4_Word>(node_index), static_cast<seL4_Word>(node_depth),
            static_cast<seL4_Word>(node_offset), static_cast<seL4_Word>(num_objects)));
    }
    int cnode_delete(std::uint64_t root, std::uint64_t index, std::uint8_t depth) noexcept {
        return static_cast<int>(seL4_CNode_Delete(static_cast<seL4_CNode>(root), static_cast<seL4_Word>(index), depth));
    }
    int cnode_revoke(std::uint64_t root, std::uint64_t index, std::uint8_t depth) noexcept {
        return static_cast<int>(seL4_CNode_Revoke(static_cast<seL4_CNode>(root), static_cast<seL4_Word>(index), depth));
    }
    std::uint64_t get_mr(int i) noexcept { return static_cast<std::uint64_t>(seL4_GetMR(i)); }

#if defined(CONFIG_ARCH_X86) || defined(CONFIG_ARCH_ARM) || defined(CONFIG_ARCH_RISCV)
    sel4_frame_address frame_address(std::uint64_t cptr) noexcept {
#if defined(CONFIG_ARCH_X86)
        const auto r = seL4_X86_Page_GetAddress(static_cast<seL4_CPtr>(cptr));
#elif defined(CONFIG_ARCH_ARM)
        const auto r = seL4_ARM_Page_GetAddress(static_cast<seL4_CPtr>(cptr));
#else
        const auto r = seL4_RISCV_Page_GetAddress(static_cast<seL4_CPtr>(cptr));
#endif
        return sel4_frame_address{static_cast<int>(r.error), static_cast<std::uint64_t>(r.paddr)};
    }
#endif
};
static_assert(sel4_syscalls<libsel4_syscalls>);

/// The backend a root task uses.
using sel4_backend = basic_sel4_backend<libsel4_syscalls>;
static_assert(backend<sel4_backend>);
#endif

} // namespace retype::backend
