// retype: the alignment source, i.e. which address the allocator aligns when it
// predicts where the kernel will put an object.
//
// The kernel aligns the kernel-virtual address (pptr) of the free index
// (invokeUntyped_Retype, alignUp(freeRef, objectSize)); the capDL initialiser and
// CAmkES's build-time allocator aligned the physical address. The two agree only
// while PPTR_BASE_OFFSET is a multiple of the object size; seed 003 is the case
// where they do not (x86_64 device memory above 2^39). Both exist so that the
// difference can be seen and tested; the allocator reports a contradicted
// prediction as error_code::mispredicted.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/policy/config.hpp>

#include <concepts>
#include <cstdint>

namespace retype {

/// An alignment source: how the allocator predicts where the kernel puts the
/// next object of 2^bits in an untyped at `base` with `used` bytes behind its
/// watermark. Requirements (all static, constexpr, O(1)):
/// - `value`: the align_source it names (align_source::custom for a user's);
/// - `kernel_rule`: true when the prediction is the kernel's own rule, so a
///   plan never needs checking against it;
/// - `aligned(t, p, bits)`: is p at a boundary of 2^bits for this source?
/// - `offset(t, base, used, bits)`: the predicted offset of the next object.
template <class A>
concept alignment_source = requires(const kernel::arch_traits& t, kernel::paddr_t p, std::uint64_t used,
                                    unsigned bits) {
    { A::value } -> std::convertible_to<align_source>;
    { A::kernel_rule } -> std::convertible_to<bool>;
    { A::aligned(t, p, bits) } -> std::same_as<bool>;
    { A::offset(t, p, used, bits) } -> std::same_as<std::uint64_t>;
};

namespace alignment {
/// Align kernel-virtual addresses, as the kernel does. The default.
struct pptr {
    static constexpr option_axis axis = option_axis::alignment;
    using source = pptr;
    static constexpr align_source value = align_source::pptr;
    static constexpr bool kernel_rule = true;
    static constexpr void apply(allocator_config& c) noexcept { c.alignment = value; }
    [[nodiscard]] static constexpr bool aligned(const kernel::arch_traits& t, kernel::paddr_t p,
                                                unsigned bits) noexcept {
        return (t.to_pptr(p) & ((std::uint64_t{1} << bits) - 1)) == 0;
    }
    [[nodiscard]] static constexpr std::uint64_t offset(const kernel::arch_traits& t, kernel::paddr_t base,
                                                        std::uint64_t used, unsigned bits) noexcept {
        return kernel::aligned_offset(t, base, used, bits);
    }
};
/// Align physical addresses, as the capDL initialiser did. Wrong where
/// PPTR_BASE_OFFSET is not a multiple of the object size: the allocator then
/// reports error_code::mispredicted before making any call.
struct paddr {
    static constexpr option_axis axis = option_axis::alignment;
    using source = paddr;
    static constexpr align_source value = align_source::paddr;
    static constexpr bool kernel_rule = false;
    static constexpr void apply(allocator_config& c) noexcept { c.alignment = value; }
    [[nodiscard]] static constexpr bool aligned(const kernel::arch_traits&, kernel::paddr_t p, unsigned bits) noexcept {
        return (p & ((std::uint64_t{1} << bits) - 1)) == 0;
    }
    [[nodiscard]] static constexpr std::uint64_t offset(const kernel::arch_traits&, kernel::paddr_t base,
                                                        std::uint64_t used, unsigned bits) noexcept {
        const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
        return ((base + used + mask) & ~mask) - base;
    }
};
} // namespace alignment

/// The option spelling: `align_on::pptr`, `align_on::paddr` (the alignment
/// sources themselves), or `align<A>` for any type modelling alignment_source.
namespace align_on {
using pptr = alignment::pptr;
using paddr = alignment::paddr;
} // namespace align_on

/// `align<alignment::paddr>`, or a user's alignment source. The option is the
/// source: the allocator asks it directly.
template <class A>
struct align {
    static_assert(alignment_source<A>, "retype: align<A> (axis: alignment): A is not an alignment source (it needs "
                                       "value, kernel_rule, aligned() and offset(); see docs/concepts.md)");
    using source = A;
    static constexpr option_axis axis = option_axis::alignment;
    static constexpr void apply(allocator_config& c) noexcept {
        if constexpr (alignment_source<A>) c.alignment = A::value;
    }
};

static_assert(alignment_source<align_on::pptr> && alignment_source<align_on::paddr>);

/// Is `p` aligned to 2^bits in the address space `s` aligns? Requires bits < 64.
[[nodiscard]] constexpr bool is_aligned(align_source s, const kernel::arch_traits& t, kernel::paddr_t p,
                                        unsigned bits) noexcept {
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    return ((s == align_source::pptr ? t.to_pptr(p) : p) & mask) == 0;
}

/// The offset inside an untyped at `base` where the next object of 2^bits lands
/// when `used` bytes are behind the watermark, as source `s` predicts it.
[[nodiscard]] constexpr std::uint64_t predicted_offset(align_source s, const kernel::arch_traits& t,
                                                       kernel::paddr_t base, std::uint64_t used,
                                                       unsigned bits) noexcept {
    if (s == align_source::pptr) return kernel::aligned_offset(t, base, used, bits);
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    return ((base + used + mask) & ~mask) - base;
}

} // namespace retype
