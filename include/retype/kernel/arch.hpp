// retype: the architectures the kernel model covers, the kernel configuration
// values that change its answers, and the physical <-> kernel-virtual map.
//
// Sources (seL4 16.0.0-dev): libsel4/sel4_arch_include/*/sel4/sel4_arch/constants.h
// (word, untyped and slot bits), include/plat/pc99/plat/64/plat_mode/machine/hardware.h,
// include/arch/arm/arch/{32,64}/mode/hardware.h, include/arch/riscv/arch/64/mode/hardware.h
// (kernel window), config.cmake and src/arch/*/config.cmake (device top, fan-out,
// bootinfo untyped limit, reset chunk).
#pragma once

#include <cstdint>
#include <string_view>

namespace retype::kernel {

using paddr_t = std::uint64_t; // a physical address; wide enough for every architecture
using pptr_t = std::uint64_t;  // a kernel-window virtual address, reduced modulo 2^word_bits

enum class arch : std::uint8_t {
    x86_64,      // pc99, 4-level paging
    aarch64,     // kernel at EL1
    aarch64_hyp, // kernel at EL2 (CONFIG_ARM_HYPERVISOR_SUPPORT): a different kernel window
    riscv64,     // Sv39
    aarch32,     // 32-bit Arm; `hyp` in config selects arm_hyp object sizes
};

[[nodiscard]] constexpr std::string_view name(arch a) noexcept {
    switch (a) {
    case arch::x86_64: return "x86_64";
    case arch::aarch64: return "aarch64";
    case arch::aarch64_hyp: return "aarch64_hyp"; // one spelling in C++, TOML and traces (arch_names.hpp)
    case arch::riscv64: return "riscv64";
    case arch::aarch32: return "aarch32";
    }
    return "?";
}

/// Parses the names used by the replay format and the planner, and the
/// deprecated `aarch64-hyp` (kernel::parse_spelling says which was used).
[[nodiscard]] constexpr bool parse_arch(std::string_view s, arch& out) noexcept {
    if (s == "aarch64-hyp") {
        out = arch::aarch64_hyp;
        return true;
    }
    constexpr arch all[] = {arch::x86_64, arch::aarch64, arch::aarch64_hyp, arch::riscv64, arch::aarch32};
    for (arch a : all) {
        if (name(a) == s) {
            out = a;
            return true;
        }
    }
    return false;
}

/// Marks a config field left at the platform's default where 0 is a meaningful value.
inline constexpr std::uint64_t platform_default = ~std::uint64_t{0};

/// Kernel build configuration that changes what the model answers. Every field
/// has seL4's default; zero in a "0 = default" field means "the architecture's
/// default". A structural aggregate; target<> takes one by reference (kernel/configs.hpp).
struct config {
    arch target = arch::x86_64;
    std::uint8_t tcb_bits = 0;                 // 0: the architecture's default TCB size (x86_64: 12 when XSAVE >= 832)
    bool mcs = false;                          // CONFIG_KERNEL_MCS: SchedContext and Reply exist, notifications grow
    bool huge_page = true;                     // x86_64 CONFIG_HUGE_PAGE: 1 GiB frames
    bool vtx = false;                          // x86_64 CONFIG_VTX: VCPU and EPT objects
    bool fpu = true;                           // riscv64 / aarch32: the FPU context is part of the TCB
    bool hyp = false;                          // aarch32 only: arm_hyp object sizes and VCPU (aarch64: use aarch64_hyp)
    std::uint32_t fan_out_limit = 256;         // CONFIG_RETYPE_FAN_OUT_LIMIT
    std::uint32_t max_bootinfo_untypeds = 230; // CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS
    std::uint8_t reset_chunk_bits = 8;         // CONFIG_RESET_CHUNK_BITS
    std::uint8_t root_cnode_bits = 12;         // CONFIG_ROOT_CNODE_SIZE_BITS
    std::uint64_t device_top = 0;              // CONFIG_PADDR_USER_DEVICE_TOP; 0: the architecture's default
    std::uint64_t phys_base = platform_default; // aarch32: the platform's physBase (0 is a real one, e.g. zynq7000)
    std::uint64_t user_top = 0;                 // aarch32: seL4_UserTop (= PPTR_BASE); 0: qemu-arm-virt's value
    bool iommu = false; // x86_64 CONFIG_IOMMU (seL4's pc99 default is on): IOPageTable objects, numbered before VCPU
    std::uint8_t arm_pa_bits = 0; // aarch64 CONFIG_ARM_PA_SIZE_BITS_40/_44; 0: 40 iff device_top is 2^40

    friend constexpr bool operator==(const config&, const config&) = default;
};

/// What makes a config describe no kernel seL4 can be configured as.
enum class config_problem : std::uint8_t {
    none,
    hyp_on_aarch64,    // the aarch64 hypervisor kernel is arch::aarch64_hyp (CONFIG_ARM_HYPERVISOR_SUPPORT)
    hyp_not_aarch32,   // hyp is an aarch32 flag; x86_64 has vtx, riscv64 no hypervisor mode
    vtx_not_x86_64,    // CONFIG_VTX (VCPU, EPT objects) depends on KernelArchX86
    iommu_not_x86_64,  // CONFIG_IOMMU (IOPageTable objects) depends on KernelPlatPC99
    no_huge_page,      // only x86_64 may lack 1 GiB pages (CONFIG_HUGE_PAGE)
    tcb_bits,          // seL4_TCBBits is 9..12 on every architecture
    fan_out_limit,     // CONFIG_RETYPE_FAN_OUT_LIMIT of 0: no retype could create anything
    bootinfo_untypeds, // CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS of 0
    root_cnode_bits,   // CONFIG_ROOT_CNODE_SIZE_BITS: 7..26 on 64-bit, 8..27 on 32-bit (config.cmake)
    aarch32_only,      // phys_base and user_top describe an aarch32 kernel window
    arm_pa_bits,       // CONFIG_ARM_PA_SIZE_BITS_40 / _44 exist on aarch64 only
};

/// The first problem of `c`, or config_problem::none.
[[nodiscard]] constexpr config_problem check(const config& c) noexcept {
    const arch a = c.target;
    const bool a32 = a == arch::aarch32;
    if (c.hyp && a == arch::aarch64) return config_problem::hyp_on_aarch64;
    if (c.hyp && !a32) return config_problem::hyp_not_aarch32;
    if (c.vtx && a != arch::x86_64) return config_problem::vtx_not_x86_64;
    if (c.iommu && a != arch::x86_64) return config_problem::iommu_not_x86_64;
    if (!c.huge_page && a != arch::x86_64) return config_problem::no_huge_page;
    if (c.tcb_bits != 0 && (c.tcb_bits < 9 || c.tcb_bits > 12)) return config_problem::tcb_bits;
    if (c.fan_out_limit == 0) return config_problem::fan_out_limit;
    if (c.max_bootinfo_untypeds == 0) return config_problem::bootinfo_untypeds;
    if (c.root_cnode_bits < (a32 ? 8 : 7) || c.root_cnode_bits > (a32 ? 27 : 26))
        return config_problem::root_cnode_bits;
    if (!a32 && (c.phys_base != platform_default || c.user_top != 0)) return config_problem::aarch32_only;
    if (c.arm_pa_bits != 0 &&
        ((c.arm_pa_bits != 40 && c.arm_pa_bits != 44) || (a != arch::aarch64 && a != arch::aarch64_hyp)))
        return config_problem::arm_pa_bits;
    return config_problem::none;
}

[[nodiscard]] constexpr std::string_view describe(config_problem p) noexcept {
    switch (p) {
    case config_problem::none: return "";
    case config_problem::hyp_on_aarch64: return "hyp on aarch64: use arch::aarch64_hyp";
    case config_problem::hyp_not_aarch32: return "hyp on an architecture other than aarch32";
    case config_problem::vtx_not_x86_64: return "vtx on an architecture other than x86_64";
    case config_problem::iommu_not_x86_64: return "iommu on an architecture other than x86_64";
    case config_problem::no_huge_page: return "huge_page off on an architecture other than x86_64";
    case config_problem::tcb_bits: return "tcb_bits outside 9..12";
    case config_problem::fan_out_limit: return "fan_out_limit 0";
    case config_problem::bootinfo_untypeds: return "max_bootinfo_untypeds 0";
    case config_problem::root_cnode_bits: return "root_cnode_bits outside 7..26 (64-bit) or 8..27 (32-bit)";
    case config_problem::aarch32_only: return "phys_base or user_top on an architecture other than aarch32";
    case config_problem::arm_pa_bits: return "arm_pa_bits other than 40 or 44, or not on aarch64";
    }
    return "?";
}

/// Never defined: a call in a constant expression is a compile error whose
/// text names the conflict (static_assert cannot print a computed message in C++20).
namespace config_conflict {
void hyp_on_aarch64_use_arch_aarch64_hyp() noexcept;
void hyp_is_an_aarch32_flag() noexcept;
void vtx_needs_x86_64() noexcept;
void iommu_needs_x86_64() noexcept;
void huge_page_off_needs_x86_64() noexcept;
void tcb_bits_outside_9_to_12() noexcept;
void fan_out_limit_is_0() noexcept;
void max_bootinfo_untypeds_is_0() noexcept;
void root_cnode_bits_outside_the_kernels_range() noexcept;
void phys_base_and_user_top_are_aarch32_settings() noexcept;
void arm_pa_bits_is_40_or_44_on_aarch64() noexcept;
} // namespace config_conflict

/// True for a consistent config; otherwise not a constant expression, and the
/// compiler's error names the conflict: `static_assert(kernel::valid(cfg))`.
consteval bool valid(const config& c) noexcept {
    switch (check(c)) {
    case config_problem::none: return true;
    case config_problem::hyp_on_aarch64: config_conflict::hyp_on_aarch64_use_arch_aarch64_hyp(); break;
    case config_problem::hyp_not_aarch32: config_conflict::hyp_is_an_aarch32_flag(); break;
    case config_problem::vtx_not_x86_64: config_conflict::vtx_needs_x86_64(); break;
    case config_problem::iommu_not_x86_64: config_conflict::iommu_needs_x86_64(); break;
    case config_problem::no_huge_page: config_conflict::huge_page_off_needs_x86_64(); break;
    case config_problem::tcb_bits: config_conflict::tcb_bits_outside_9_to_12(); break;
    case config_problem::fan_out_limit: config_conflict::fan_out_limit_is_0(); break;
    case config_problem::bootinfo_untypeds: config_conflict::max_bootinfo_untypeds_is_0(); break;
    case config_problem::root_cnode_bits: config_conflict::root_cnode_bits_outside_the_kernels_range(); break;
    case config_problem::aarch32_only: config_conflict::phys_base_and_user_top_are_aarch32_settings(); break;
    case config_problem::arm_pa_bits: config_conflict::arm_pa_bits_is_40_or_44_on_aarch64(); break;
    }
    return false;
}

/// The fixed facts of one configured architecture.
struct arch_traits {
    arch target;
    unsigned word_bits;
    unsigned min_untyped_bits;       // seL4_MinUntypedBits
    unsigned max_untyped_bits;       // seL4_MaxUntypedBits
    unsigned slot_bits;              // seL4_SlotBits: a CNode slot is 2^slot_bits bytes
    paddr_t paddr_base;              // PADDR_BASE: lowest RAM the kernel window maps
    pptr_t pptr_base;                // PPTR_BASE
    pptr_t pptr_top;                 // PPTR_TOP: end of the kernel window
    std::uint64_t pptr_base_offset;  // PPTR_BASE - PADDR_BASE, modulo 2^word_bits
    paddr_t paddr_top;               // PADDR_TOP: RAM at or above is outside the window and becomes device memory
    paddr_t device_top;              // CONFIG_PADDR_USER_DEVICE_TOP (2^32 on aarch32 is kept exact in 64 bits)
    unsigned page_bits;              // seL4_PageBits
    unsigned kernel_phys_align_bits; // first RAM region is aligned up to this (ARM/RISC-V tools)

    /// 2^word_bits - 1.
    [[nodiscard]] constexpr std::uint64_t word_mask() const noexcept {
        return word_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << word_bits) - 1;
    }
    /// ptrFromPAddr: paddr + PPTR_BASE_OFFSET, wrapping modulo 2^word_bits.
    [[nodiscard]] constexpr pptr_t to_pptr(paddr_t p) const noexcept { return (p + pptr_base_offset) & word_mask(); }
    /// addrFromPPtr: pptr - PPTR_BASE_OFFSET, wrapping modulo 2^word_bits.
    [[nodiscard]] constexpr paddr_t to_paddr(pptr_t v) const noexcept { return (v - pptr_base_offset) & word_mask(); }
    /// True iff [p, p + 2^size_bits) lies inside the kernel window, where RAM untypeds must be.
    [[nodiscard]] constexpr bool in_window(paddr_t p, unsigned size_bits) const noexcept {
        if (p < paddr_base || p >= paddr_top) return false;
        return size_bits < 64 && (paddr_top - p) >= (std::uint64_t{1} << size_bits);
    }
};

namespace detail {
inline constexpr std::uint64_t bit(unsigned n) noexcept { return n >= 64 ? 0 : std::uint64_t{1} << n; }
} // namespace detail

namespace detail {
/// A 64-bit kernel window with PADDR_BASE = 0: PPTR_BASE_OFFSET = PPTR_BASE and
/// PADDR_TOP = PPTR_TOP - PPTR_BASE.
inline constexpr arch_traits window64(arch a, unsigned max_untyped_bits, std::uint64_t pptr_base,
                                      std::uint64_t pptr_top, std::uint64_t device_top) noexcept {
    return arch_traits{a,          64, 4, max_untyped_bits, 5, 0, pptr_base, pptr_top, pptr_base, pptr_top - pptr_base,
                       device_top, 12, 21};
}
} // namespace detail

/// The traits of `cfg.target` under `cfg`.
[[nodiscard]] constexpr arch_traits traits(const config& cfg) noexcept {
    using detail::bit;
    const auto top = [&](std::uint64_t arch_default) { return cfg.device_top ? cfg.device_top : arch_default; };
    switch (cfg.target) {
    case arch::x86_64: // PADDR_TOP 0x7f80000000 (510 GiB)
        return detail::window64(arch::x86_64, 47, 0xffffff8000000000ULL, 0xffffffff80000000ULL, top(bit(47)));
    case arch::aarch64: // PADDR_TOP 0x7fc0000000
        return detail::window64(arch::aarch64, 47, 0xffffff8000000000ULL, 0xffffffffc0000000ULL, top(bit(40)));
    case arch::aarch64_hyp: // PADDR_TOP 0x7fc0000000
        return detail::window64(arch::aarch64_hyp, 47, 0x0000008000000000ULL, 0x000000ffc0000000ULL, top(bit(40)));
    case arch::riscv64: // PADDR_TOP 0x3f80000000
        return detail::window64(arch::riscv64, 38, 0xffffffc000000000ULL, 0xffffffff80000000ULL, top(bit(39)));
    case arch::aarch32: {
        const std::uint64_t phys = cfg.phys_base != platform_default ? cfg.phys_base : 0x40000000ULL; // qemu-arm-virt
        const std::uint64_t user_top = cfg.user_top ? cfg.user_top : (cfg.hyp ? 0xe0000000ULL : 0xa0000000ULL);
        const std::uint64_t offset = (user_top - phys) & 0xffffffffULL;
        return arch_traits{arch::aarch32,
                           32,
                           4,
                           29,
                           4,
                           phys,
                           user_top,
                           0xfff00000ULL,
                           offset,
                           (0xfff00000ULL - offset) & 0xffffffffULL,
                           top(bit(32)),
                           12,
                           cfg.hyp ? 25u : 24u};
    }
    }
    return arch_traits{};
}

} // namespace retype::kernel
