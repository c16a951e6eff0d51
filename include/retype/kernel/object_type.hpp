// retype: the retypeable kernel objects, their sizes per architecture and
// configuration, and their seL4 type numbers.
//
// Sources: getObjectSize in src/object/objecttype.c, Arch_getObjectSize and
// Mode_getObjectSize in src/arch/*/object/objecttype.c, Arch_isFrameType,
// libsel4/{include,arch_include,sel4_arch_include}/**/objecttype.h and constants.h.
#pragma once

#include <retype/kernel/arch.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace retype::kernel {

/// Architecture-neutral names. Each architecture creates a subset; frame names
/// give the size, except the aarch32 section and supersection whose size
/// depends on `hyp`.
enum class object_type : std::uint8_t {
    untyped,
    tcb,
    endpoint,
    notification,
    cnode,
    sched_context, // MCS only
    reply,         // MCS only
    frame_4k,
    frame_64k,    // aarch32 large page
    frame_2m,     // x86_64, aarch64, riscv64 large page
    frame_1g,     // x86_64 (CONFIG_HUGE_PAGE), aarch64, riscv64 huge page
    section,      // aarch32: 1 MiB, 2 MiB with hyp
    supersection, // aarch32: 16 MiB, 32 MiB with hyp
    page_table,
    page_directory, // x86_64, aarch32
    pdpt,           // x86_64
    pml4,           // x86_64 (its VSpace root)
    vspace,         // the architecture's VSpace root: x86_64 PML4, aarch64 VSpace, riscv64 page table, aarch32 PD
    vcpu,           // x86_64 with vtx, aarch64_hyp, aarch32 with hyp
    io_page_table,  // x86_64 with iommu (VT-d): seL4_X86_IOPageTableObject
    ept_pml4,       // x86_64 with vtx: the EPT structures of a guest
    ept_pdpt,
    ept_pd,
    ept_pt,
};

inline constexpr object_type all_object_types[] = {
    object_type::untyped,      object_type::tcb,           object_type::endpoint,       object_type::notification,
    object_type::cnode,        object_type::sched_context, object_type::reply,          object_type::frame_4k,
    object_type::frame_64k,    object_type::frame_2m,      object_type::frame_1g,       object_type::section,
    object_type::supersection, object_type::page_table,    object_type::page_directory, object_type::pdpt,
    object_type::pml4,         object_type::vspace,        object_type::vcpu,           object_type::io_page_table,
    object_type::ept_pml4,     object_type::ept_pdpt,      object_type::ept_pd,         object_type::ept_pt,
};

[[nodiscard]] constexpr std::string_view name(object_type t) noexcept {
    switch (t) {
    case object_type::untyped: return "untyped";
    case object_type::tcb: return "tcb";
    case object_type::endpoint: return "endpoint";
    case object_type::notification: return "notification";
    case object_type::cnode: return "cnode";
    case object_type::sched_context: return "sched_context";
    case object_type::reply: return "reply";
    case object_type::frame_4k: return "frame_4k";
    case object_type::frame_64k: return "frame_64k";
    case object_type::frame_2m: return "frame_2m";
    case object_type::frame_1g: return "frame_1g";
    case object_type::section: return "section";
    case object_type::supersection: return "supersection";
    case object_type::page_table: return "page_table";
    case object_type::page_directory: return "page_directory";
    case object_type::pdpt: return "pdpt";
    case object_type::pml4: return "pml4";
    case object_type::vspace: return "vspace";
    case object_type::vcpu: return "vcpu";
    case object_type::io_page_table: return "io_page_table";
    case object_type::ept_pml4: return "ept_pml4";
    case object_type::ept_pdpt: return "ept_pdpt";
    case object_type::ept_pd: return "ept_pd";
    case object_type::ept_pt: return "ept_pt";
    }
    return "?";
}

[[nodiscard]] constexpr std::optional<object_type> parse_object_type(std::string_view s) noexcept {
    for (object_type t : all_object_types)
        if (name(t) == s) return t;
    return std::nullopt;
}

/// Arch_isFrameType: the only objects (with untyped) that device memory may become.
[[nodiscard]] constexpr bool is_frame(object_type t) noexcept {
    switch (t) {
    case object_type::frame_4k:
    case object_type::frame_64k:
    case object_type::frame_2m:
    case object_type::frame_1g:
    case object_type::section:
    case object_type::supersection: return true;
    default: return false;
    }
}

/// Types whose size the caller chooses through size_bits.
[[nodiscard]] constexpr bool is_variable_size(object_type t) noexcept {
    return t == object_type::untyped || t == object_type::cnode || t == object_type::sched_context;
}

/// Does `cfg.target` under `cfg` create this object through Untyped_Retype?
[[nodiscard]] constexpr bool exists(const config& cfg, object_type t) noexcept {
    const arch a = cfg.target;
    const bool is64 = a != arch::aarch32;
    switch (t) {
    case object_type::untyped:
    case object_type::tcb:
    case object_type::endpoint:
    case object_type::notification:
    case object_type::cnode:
    case object_type::frame_4k:
    case object_type::page_table:
    case object_type::vspace: return true;
    case object_type::sched_context:
    case object_type::reply: return cfg.mcs;
    case object_type::frame_64k:
    case object_type::section:
    case object_type::supersection: return a == arch::aarch32;
    case object_type::frame_2m: return is64;
    case object_type::frame_1g: return a == arch::x86_64 ? cfg.huge_page : is64;
    case object_type::page_directory: return a == arch::x86_64 || a == arch::aarch32;
    case object_type::pdpt:
    case object_type::pml4: return a == arch::x86_64;
    case object_type::vcpu:
        return (a == arch::x86_64 && cfg.vtx) || a == arch::aarch64_hyp || (a == arch::aarch32 && cfg.hyp);
    case object_type::io_page_table: return a == arch::x86_64 && cfg.iommu;
    case object_type::ept_pml4:
    case object_type::ept_pdpt:
    case object_type::ept_pd:
    case object_type::ept_pt: return a == arch::x86_64 && cfg.vtx;
    }
    return false;
}

/// The size in bits of one object of a fixed-size type (ignores size_bits).
/// Requires exists(cfg, t) and !is_variable_size(t).
[[nodiscard]] constexpr unsigned fixed_object_bits(const config& cfg, object_type t) noexcept {
    const arch a = cfg.target;
    const bool a32 = a == arch::aarch32;
    switch (t) {
    case object_type::tcb:
        if (cfg.tcb_bits) return cfg.tcb_bits;
        if (a == arch::riscv64) return cfg.fpu ? 11 : 10;
        if (a32) return cfg.fpu ? 10 : 9; // 11 needs FPU and (hyp + CP14 or the debug API): set tcb_bits
        return 11;
    case object_type::endpoint: return 4;
    case object_type::notification: return a32 ? (cfg.mcs ? 5 : 4) : (cfg.mcs ? 6 : 5);
    case object_type::reply: return a32 ? 4 : 5;
    case object_type::frame_4k: return 12;
    case object_type::frame_64k: return 16;
    case object_type::frame_2m: return 21;
    case object_type::frame_1g: return 30;
    case object_type::section: return cfg.hyp ? 21 : 20;
    case object_type::supersection: return cfg.hyp ? 25 : 24;
    case object_type::page_table: return a32 ? (cfg.hyp ? 12 : 10) : 12;
    case object_type::page_directory: return a32 ? 14 : 12;
    case object_type::pdpt:
    case object_type::pml4: return 12;
    case object_type::vspace:
        // aarch64 hyp with a 40-bit PA (Cortex-A35/A53/A55/A76, whose device top is 2^40) concatenates two
        // root tables for a 3-level stage-2 walk: seL4_VSpaceBits = 13 (sel4_arch/constants.h, arm/config.cmake).
        // CONFIG_ARM_PA_SIZE_BITS_40 where known (arm_pa_bits), else inferred from the device top.
        if (a == arch::aarch64_hyp &&
            (cfg.arm_pa_bits == 40 || (cfg.arm_pa_bits == 0 && traits(cfg).device_top == (std::uint64_t{1} << 40))))
            return 13;
        return a32 ? 14 : 12;
    case object_type::vcpu: return a == arch::x86_64 ? 14 : 12;
    // seL4_IOPageTableBits; seL4_X86_EPT*Bits = 3-bit entries x 9-bit index.
    case object_type::io_page_table:
    case object_type::ept_pml4:
    case object_type::ept_pdpt:
    case object_type::ept_pd:
    case object_type::ept_pt: return 12;
    default: return 0;
    }
}

/// getObjectSize(type, size_bits) without overflow: the result is exact for any
/// size_bits up to 255, so that the kernel's range check can be evaluated on it.
/// Requires exists(cfg, t).
[[nodiscard]] constexpr std::uint64_t object_bits(const config& cfg, object_type t, std::uint64_t size_bits) noexcept {
    switch (t) {
    case object_type::untyped:
    case object_type::sched_context: return size_bits;
    case object_type::cnode: return size_bits + traits(cfg).slot_bits;
    default: return fixed_object_bits(cfg, t);
    }
}

/// The seL4 object type number (seL4_ObjectType) passed to seL4_Untyped_Retype,
/// or nullopt when the configuration lacks the type. The numbering follows
/// libsel4: the common types, then the mode types, then the arch types.
[[nodiscard]] constexpr std::optional<std::uint32_t> sel4_type_number(const config& cfg, object_type t) noexcept {
    if (!exists(cfg, t)) return std::nullopt;
    switch (t) {
    case object_type::untyped: return 0;
    case object_type::tcb: return 1;
    case object_type::endpoint: return 2;
    case object_type::notification: return 3;
    case object_type::cnode: return 4;
    case object_type::sched_context: return 5;
    case object_type::reply: return 6;
    default: break;
    }
    std::uint32_t n = cfg.mcs ? 7 : 5;
    const auto seq = [&](std::initializer_list<object_type> order) -> std::optional<std::uint32_t> {
        for (object_type o : order) {
            if (o == t) return n;
            if (exists(cfg, o)) ++n;
        }
        return std::nullopt;
    };
    switch (cfg.target) {
    case arch::x86_64: {
        if (t == object_type::vspace) t = object_type::pml4;
        // X86_PDPT, X64_PML4, [X64_HugePage], X86_4K, X86_LargePage, X86_PageTable, X86_PageDirectory,
        // [X86_IOPageTable with IOMMU], [X86_VCPU, X86_EPTPML4, X86_EPTPDPT, X86_EPTPD, X86_EPTPT with VTX].
        return seq({object_type::pdpt, object_type::pml4, object_type::frame_1g, object_type::frame_4k,
                    object_type::frame_2m, object_type::page_table, object_type::page_directory,
                    object_type::io_page_table, object_type::vcpu, object_type::ept_pml4, object_type::ept_pdpt,
                    object_type::ept_pd, object_type::ept_pt});
    }
    case arch::aarch64:
    case arch::aarch64_hyp:
        return seq({object_type::frame_1g, object_type::vspace, object_type::frame_4k, object_type::frame_2m,
                    object_type::page_table, object_type::vcpu});
    case arch::riscv64:
        if (t == object_type::vspace) t = object_type::page_table;
        return seq({object_type::frame_1g, object_type::frame_4k, object_type::frame_2m, object_type::page_table});
    case arch::aarch32:
        if (t == object_type::vspace) t = object_type::page_directory;
        return seq({object_type::page_directory, object_type::frame_4k, object_type::frame_64k, object_type::section,
                    object_type::supersection, object_type::page_table, object_type::vcpu});
    }
    return std::nullopt;
}

} // namespace retype::kernel
