// retype: named kernel configurations, one per architecture, with every other
// field at kernel::config's default (seL4's defaults where kernel::config says
// so: no MCS, fan-out limit 256, root CNode 2^12, the architecture's TCB size
// and device top; aarch32: qemu-arm-virt's kernel window; x86_64: huge pages,
// no VT-x, no IOMMU). target<> takes a configuration by reference, so that the
// compiler names it in diagnostics; these are objects to name:
//
//   using A = retype::allocator<Backend, retype::target<retype::kernel::configs::aarch64_hyp>>;
//
// A configuration of one's own is `inline constexpr kernel::config mine{...};`
// at namespace scope (inline: one object in every translation unit, so one
// allocator type), or a `static constexpr` member or local.
#pragma once

#include <retype/kernel/arch.hpp>

namespace retype::kernel::configs {

inline constexpr config x86_64{.target = arch::x86_64};
inline constexpr config aarch64{.target = arch::aarch64};
inline constexpr config aarch64_hyp{.target = arch::aarch64_hyp};
inline constexpr config riscv64{.target = arch::riscv64};
inline constexpr config aarch32{.target = arch::aarch32};

static_assert(valid(x86_64) && valid(aarch64) && valid(aarch64_hyp) && valid(riscv64) && valid(aarch32));

} // namespace retype::kernel::configs
