// retype: one untyped capability and the arithmetic of seL4_Untyped_Retype on it.
//
// decode_retype runs every check of decodeUntypedInvocation (src/object/untyped.c)
// that depends on the untyped and the arguments, in the kernel's order, on
// unchanged state; invoke_retype is the commit and cannot fail. Placement aligns
// the kernel-virtual address (pptr), as invokeUntyped_Retype does.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <cstdint>

namespace retype::kernel {

/// The model's view of an untyped cap: where it is, how big, and its watermark.
struct untyped_state {
    paddr_t paddr = 0;          // as bootinfo and seL4_X86_Page_GetAddress report it
    std::uint8_t size_bits = 0; // capBlockSize: the real size, 2^size_bits bytes
    bool device = false;        // capIsDevice
    std::uint64_t used = 0;     // capFreeIndex << seL4_MinUntypedBits: bytes behind the watermark, as stored
    std::uint64_t children = 0; // live objects directly retyped from it (the CDT subtree is non-empty iff > 0)

    [[nodiscard]] constexpr std::uint64_t size() const noexcept { return std::uint64_t{1} << size_bits; }
    [[nodiscard]] constexpr bool has_children() const noexcept { return children != 0; }
    /// The watermark the next retype will start from: the stored one while children
    /// exist, 0 once none remain (the reset of step 14 is decided at the next retype).
    [[nodiscard]] constexpr std::uint64_t watermark() const noexcept { return children ? used : 0; }
    /// Bytes the capacity check counts as free: 2^size_bits - watermark (unaligned).
    [[nodiscard]] constexpr std::uint64_t free_bytes() const noexcept { return size() - watermark(); }

    friend constexpr bool operator==(const untyped_state&, const untyped_state&) = default;
};

/// The boot state of an initial untyped: full (freeIndex = MAX_FREE_INDEX), no children.
[[nodiscard]] constexpr untyped_state boot_untyped(paddr_t paddr, unsigned size_bits, bool device) noexcept {
    return untyped_state{paddr, static_cast<std::uint8_t>(size_bits), device, std::uint64_t{1} << size_bits, 0};
}

/// The destination CNode window of a retype (checks 10 to 13). The model holds no
/// CSpace: the caller says how large the destination CNode is and which slot of
/// the window, if any, is occupied.
struct destination {
    std::uint8_t radix = 0;                           // the destination CNode holds 2^radix slots
    std::uint64_t offset = 0;                         // node_offset
    std::uint64_t first_occupied = ~std::uint64_t{0}; // first non-empty slot in the window, or ~0
};

/// The arguments of one seL4_Untyped_Retype.
struct retype_args {
    object_type type = object_type::untyped;
    std::uint64_t size_bits = 0;  // seL4's userObjSize: untyped size, CNode radix, SchedContext size
    std::uint64_t count = 1;      // num_objects
    bool has_destination = false; // when false, checks 10, 12 and 13 are skipped
    destination dest{};
};

/// What a retype that passes every check will do.
struct retype_plan {
    std::uint64_t object_bits = 0; // log2 of one object's size
    std::uint64_t count = 0;
    std::uint64_t offset = 0;   // of the first object inside the untyped
    paddr_t paddr = 0;          // of the first object
    std::uint64_t new_used = 0; // the watermark afterwards
    bool reset = false;         // no children: the watermark restarts at 0 (and RAM is zeroed)

    friend constexpr bool operator==(const retype_plan&, const retype_plan&) = default;
};

/// alignUp on the kernel-virtual address, in offset form. The untyped's pptr
/// base is aligned to its own size (boot checks it, children inherit it), so
/// aligning pptr_base + used equals aligning `used`; we compute on the pptr
/// anyway so that a base that is not size-aligned is caught, not hidden.
[[nodiscard]] constexpr std::uint64_t aligned_offset(const arch_traits& t, paddr_t base, std::uint64_t used,
                                                     std::uint64_t object_bits) noexcept {
    const pptr_t base_pptr = t.to_pptr(base);
    const pptr_t free_ref = (base_pptr + used) & t.word_mask();
    const std::uint64_t mask = (std::uint64_t{1} << object_bits) - 1;
    const pptr_t aligned = ((free_ref + mask) & ~mask) & t.word_mask();
    return (aligned - base_pptr) & t.word_mask();
}

/// decodeUntypedInvocation, from check 3 on (checks 0 to 2 concern the
/// invocation's encoding and checks 8 and 9 the CSpace lookup, which callers of
/// the model cannot get wrong). No state changes, whatever the answer.
[[nodiscard]] constexpr result<retype_plan> decode_retype(const config& cfg, const untyped_state& ut,
                                                          const retype_args& a) noexcept {
    const arch_traits t = traits(cfg);
    // 3: an object type this kernel does not know.
    if (!exists(cfg, a.type)) return failure(invalid_argument(0));
    // 4: size_bits must be below wordBits and the object no larger than seL4_MaxUntypedBits, for every type.
    const std::uint64_t bits = object_bits(cfg, a.type, a.size_bits);
    if (a.size_bits >= t.word_bits || bits > t.max_untyped_bits) return failure(range_error(0, t.max_untyped_bits));
    // 5 to 7: variable-size objects that are too small.
    if (a.type == object_type::cnode && a.size_bits == 0) return failure(invalid_argument(1));
    if (a.type == object_type::untyped && a.size_bits < t.min_untyped_bits) return failure(invalid_argument(1));
    if (a.type == object_type::sched_context && a.size_bits < 7) return failure(invalid_argument(1));
    // 10: the destination offset must lie inside the destination CNode.
    Expects(!a.has_destination || a.dest.radix < 64);
    if (a.has_destination) {
        const std::uint64_t slots = std::uint64_t{1} << a.dest.radix;
        if (a.dest.offset > slots - 1) return failure(range_error(0, slots - 1));
    }
    // 11: the fan-out limit.
    if (a.count < 1 || a.count > cfg.fan_out_limit) return failure(range_error(1, cfg.fan_out_limit));
    if (a.has_destination) {
        // 12: the window must fit in the CNode.
        const std::uint64_t room = (std::uint64_t{1} << a.dest.radix) - a.dest.offset;
        if (a.count > room) return failure(range_error(1, room));
        // 13: every slot of the window must be empty.
        if (a.dest.first_occupied != ~std::uint64_t{0} && a.dest.first_occupied >= a.dest.offset &&
            a.dest.first_occupied < a.dest.offset + a.count)
            return failure(error{.code = error_code::delete_first, .value = a.dest.first_occupied});
    }
    // 14: the reset decision. Without children the stored watermark is ignored.
    const bool reset = !ut.has_children();
    const std::uint64_t used = reset ? 0 : ut.used;
    // 15: the capacity check, on the unaligned free bytes. Exact, because the
    // untyped is size-aligned in pptr space (see aligned_offset).
    const std::uint64_t free = ut.size() - used;
    if (bits >= 64 || (free >> bits) < a.count) return failure(not_enough_memory(free));
    // 16: device memory becomes only frames and untypeds (checked after capacity, as the kernel does).
    if (ut.device && !is_frame(a.type) && a.type != object_type::untyped) return failure(invalid_argument(1));
    // 17: placement.
    const std::uint64_t offset = aligned_offset(t, ut.paddr, used, bits);
    const std::uint64_t end = offset + (a.count << bits);
    Ensures(end <= ut.size());
    return retype_plan{bits, a.count, offset, ut.paddr + offset, end, reset};
}

/// invokeUntyped_Retype on the untyped itself: the watermark moves and the new
/// objects become children. Cannot fail.
constexpr void invoke_retype(untyped_state& ut, const retype_plan& p) noexcept {
    ut.used = p.new_used;
    ut.children += p.count;
}

} // namespace retype::kernel
