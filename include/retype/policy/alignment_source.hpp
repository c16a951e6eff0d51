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

namespace align_on {
/// Align kernel-virtual addresses, as the kernel does. The default.
struct pptr {
    static constexpr option_axis axis = option_axis::alignment;
    static constexpr align_source value = align_source::pptr;
    static constexpr void apply(allocator_config& c) noexcept { c.alignment = value; }
};
/// Align physical addresses, as the capDL initialiser did. Mispredicts where
/// PPTR_BASE_OFFSET is not a multiple of the object size.
struct paddr {
    static constexpr option_axis axis = option_axis::alignment;
    static constexpr align_source value = align_source::paddr;
    static constexpr void apply(allocator_config& c) noexcept { c.alignment = value; }
};
} // namespace align_on

/// An alignment source option: names its source.
template <class A>
concept alignment_source = requires {
    { A::value } -> std::convertible_to<align_source>;
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
