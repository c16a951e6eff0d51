// retype: a backend wrapper that counts what the kernel does. On a real seL4
// system an allocator's cost is mostly its system calls (each Untyped_Retype,
// CNode_Delete and CNode_Revoke traps into the kernel) and the memory the kernel
// zeroes when it resets an untyped; this wrapper counts both, over any backend.
//
// Zeroed bytes follow resetUntypedCap (seL4 src/object/untyped.c): a retype on
// an untyped with no children resets it first, zeroing its used part. Objects
// are not zeroed at creation. The used part is the untyped's stored watermark,
// which only a backend that models the kernel knows, so the wrapper asks the
// inner backend for it (the kernel model does: counting<model<N, S>>). Over a
// backend that cannot say (null_backend, libsel4), calls and objects are still
// counted and zeroed_known() is false.
#pragma once

#include <retype/backend/concept.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/result.hpp>

#include <concepts>
#include <cstdint>
#include <utility>

namespace retype::backend {

/// Bytes resetUntypedCap zeroes on `ut` when a retype resets it. Nothing when
/// the stored watermark is 0 or the memory is a device's. A block smaller than
/// a chunk is zeroed whole; otherwise chunk by chunk from the chunk holding the
/// last used byte down to offset 0, i.e. the watermark rounded up to a chunk.
[[nodiscard]] constexpr std::uint64_t reset_zeroed_bytes(const kernel::untyped_state& ut,
                                                         unsigned chunk_bits) noexcept {
    if (ut.used == 0 || ut.device) return 0;
    if (ut.size_bits < chunk_bits) return ut.size();
    const std::uint64_t chunk = std::uint64_t{1} << chunk_bits;
    return ((ut.used - 1) / chunk + 1) * chunk;
}

/// What a counted run asked of the kernel. Every call is counted when it is
/// made, refused or not (a refused call still traps); objects and zeroed bytes
/// only when the call succeeds.
struct kernel_counts {
    std::uint64_t retypes = 0;      // seL4_Untyped_Retype calls
    std::uint64_t deletes = 0;      // seL4_CNode_Delete calls
    std::uint64_t revokes = 0;      // seL4_CNode_Revoke calls
    std::uint64_t refused = 0;      // calls of the three the backend refused
    std::uint64_t objects = 0;      // objects created (the sum of successful retypes' counts)
    std::uint64_t resets = 0;       // retypes that reset an untyped with a non-zero watermark
    std::uint64_t zeroed_bytes = 0; // bytes those resets zeroed

    [[nodiscard]] constexpr std::uint64_t calls() const noexcept { return retypes + deletes + revokes; }
    friend constexpr bool operator==(const kernel_counts&, const kernel_counts&) = default;
    /// The counts between two snapshots. Requires: `a` taken after `b` on the same counter.
    friend constexpr kernel_counts operator-(const kernel_counts& a, const kernel_counts& b) noexcept {
        return {a.retypes - b.retypes, a.deletes - b.deletes, a.revokes - b.revokes,          a.refused - b.refused,
                a.objects - b.objects, a.resets - b.resets,   a.zeroed_bytes - b.zeroed_bytes};
    }
};

/// A backend that can tell an untyped's state and the kernel's reset chunk: the
/// kernel model's interface (occupied, object(s).type/.ut, machine().cfg()).
template <class B>
concept knows_watermarks = requires(const B& b, slot_t s) {
    { b.occupied(s) } -> std::same_as<bool>;
    { b.object(s).ut } -> std::convertible_to<kernel::untyped_state>;
    { b.object(s).type } -> std::convertible_to<kernel::object_type>;
    { b.machine().cfg().reset_chunk_bits } -> std::convertible_to<unsigned>;
};

/// Owns the inner backend (built from the constructor's arguments) and forwards
/// every call to it unchanged, counting on the way. Complexity: the inner
/// backend's, plus O(1) per call.
template <backend B>
class counting {
public:
    template <class... Args>
    constexpr explicit counting(Args&&... args) noexcept(noexcept(B(std::forward<Args>(args)...)))
        : inner_(std::forward<Args>(args)...) {}

    /// Not a kernel call: bootinfo hands the untyped over. Forwarded, not counted.
    [[nodiscard]] constexpr result<void> declare_untyped(slot_t s, kernel::paddr_t paddr, std::uint64_t size_bits,
                                                         bool device) noexcept {
        return inner_.declare_untyped(s, paddr, size_bits, device);
    }

    [[nodiscard]] constexpr result<retype_report> untyped_retype(const retype_call& c) noexcept {
        // Read before the call: the reset lowers the watermark the bytes are derived from.
        const std::uint64_t zeroed = zeroed_by_retype(c.untyped);
        ++counts_.retypes;
        auto r = inner_.untyped_retype(c);
        if (!r) {
            ++counts_.refused;
            return r;
        }
        counts_.objects += c.count;
        if (zeroed != 0) {
            ++counts_.resets;
            counts_.zeroed_bytes += zeroed;
        }
        return r;
    }

    [[nodiscard]] constexpr result<void> cnode_delete(slot_t s) noexcept {
        ++counts_.deletes;
        return tally(inner_.cnode_delete(s));
    }

    [[nodiscard]] constexpr result<void> cnode_revoke(slot_t s) noexcept {
        ++counts_.revokes;
        return tally(inner_.cnode_revoke(s));
    }

    [[nodiscard]] constexpr const kernel_counts& counts() const noexcept { return counts_; }
    constexpr void reset_counts() noexcept { counts_ = {}; }
    /// Whether zeroed_bytes and resets mean anything: the inner backend knows watermarks.
    [[nodiscard]] static constexpr bool zeroed_known() noexcept { return knows_watermarks<B>; }

    [[nodiscard]] constexpr B& inner() noexcept { return inner_; }
    [[nodiscard]] constexpr const B& inner() const noexcept { return inner_; }

private:
    constexpr result<void> tally(result<void> r) noexcept {
        if (!r) ++counts_.refused;
        return r;
    }

    /// What a successful retype on slot `s` would zero: its reset, if it has no children.
    [[nodiscard]] constexpr std::uint64_t zeroed_by_retype(slot_t s) const noexcept {
        if constexpr (knows_watermarks<B>) {
            if (!inner_.occupied(s)) return 0;
            const auto& obj = inner_.object(s);
            if (obj.type != kernel::object_type::untyped) return 0;
            const kernel::untyped_state& ut = obj.ut;
            if (ut.has_children()) return 0;
            return reset_zeroed_bytes(ut, inner_.machine().cfg().reset_chunk_bits);
        } else {
            (void)s;
            return 0;
        }
    }

    B inner_;
    kernel_counts counts_{};
};

static_assert(backend<counting<null_backend>>);

// resetUntypedCap, by hand (chunk 2^8 = 256 B): a 4 KiB untyped used up to 0x1001
// zeroes chunks 0x1000, 0xf00, .., 0x0: 17 chunks = 0x1100 bytes; up to exactly
// 0x1000: 16 chunks; a 128-B block (below the chunk) is zeroed whole; device memory
// and a watermark of 0 zero nothing.
static_assert(reset_zeroed_bytes(kernel::untyped_state{0, 13, false, 0x1001, 0}, 8) == 0x1100);
static_assert(reset_zeroed_bytes(kernel::untyped_state{0, 12, false, 0x1000, 0}, 8) == 0x1000);
static_assert(reset_zeroed_bytes(kernel::untyped_state{0, 7, false, 0x10, 0}, 8) == 0x80);
static_assert(reset_zeroed_bytes(kernel::untyped_state{0, 12, true, 0x1000, 0}, 8) == 0);
static_assert(reset_zeroed_bytes(kernel::untyped_state{0, 12, false, 0, 0}, 8) == 0);

} // namespace retype::backend
