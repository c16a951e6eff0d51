// The policy matrix every conformance and differential test runs over.
#pragma once

#include "../../examples/custom_strategy/address_ordered.hpp"

#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

namespace retype::test {

inline constexpr kernel::config x86{.target = kernel::arch::x86_64};
inline constexpr kernel::config a32{.target = kernel::arch::aarch32};
inline constexpr kernel::config rv{.target = kernel::arch::riscv64, .mcs = true};

// Nodes: every cap the allocator can make (448 slots) and the bootinfo
// untypeds, so the model never runs out before the allocator does.
using small_model = backend::model<512, 512>;

template <const kernel::config& Cfg, class Split, class Align, class FreeList>
struct composition {
    static constexpr const kernel::config& cfg = Cfg;
    using model_type = small_model;
    using type = allocator<small_model, target<Cfg>, Split, Align, FreeList, max_untypeds<96>, max_slots<448>,
                           max_allocations<48>>;
    static constexpr bool pptr = std::is_same_v<Align, align_on::pptr>;
};

using matrix =
    ::testing::Types<composition<x86, split<watermark>, align_on::pptr, free_list<intrusive>>,
                     composition<x86, split<watermark>, align_on::pptr, free_list<array>>,
                     composition<x86, split<watermark>, align_on::paddr, free_list<intrusive>>,
                     composition<x86, split<watermark>, align_on::paddr, free_list<array>>,
                     composition<x86, split<buddy>, align_on::pptr, free_list<intrusive>>,
                     composition<x86, split<buddy>, align_on::pptr, free_list<array>>,
                     composition<x86, split<buddy>, align_on::paddr, free_list<intrusive>>,
                     composition<x86, split<buddy>, align_on::paddr, free_list<array>>,
                     composition<x86, split<binary_search>, align_on::pptr, free_list<intrusive>>,
                     composition<x86, split<binary_search>, align_on::pptr, free_list<array>>,
                     composition<x86, split<binary_search>, align_on::paddr, free_list<intrusive>>,
                     composition<x86, split<binary_search>, align_on::paddr, free_list<array>>,
                     composition<a32, split<watermark>, align_on::pptr, free_list<array>>,
                     composition<a32, split<buddy>, align_on::pptr, free_list<intrusive>>,
                     composition<rv, split<watermark>, align_on::pptr, free_list<intrusive>>,
                     composition<rv, split<binary_search>, align_on::pptr, free_list<array>>,
                     // A user-written strategy (examples/custom_strategy), unchanged suite.
                     composition<x86, split<example::address_ordered>, align_on::pptr, free_list<array>>,
                     composition<a32, split<example::address_ordered>, align_on::paddr, free_list<intrusive>>>;

/// The bootinfo of each target: a few RAM untypeds and one device untyped,
/// aligned to their size in pptr space (what the kernel hands out).
struct boot_untyped {
    kernel::paddr_t paddr;
    unsigned size_bits;
    bool device;
};
template <const kernel::config& Cfg>
constexpr std::array<boot_untyped, 4> bootinfo() {
    if constexpr (Cfg.target == kernel::arch::aarch32) // RAM from physBase 0x40000000, pptr = paddr + 0x60000000
        return {{{0x40000000, 20, false}, {0x40200000, 21, false}, {0x40400000, 18, false}, {0x10000000, 24, true}}};
    else // x86_64 / riscv64: low RAM, and device memory far above
        return {{{0x100000, 20, false}, {0x400000, 21, false}, {0x800000, 16, false}, {0xfe000000, 24, true}}};
}

} // namespace retype::test
