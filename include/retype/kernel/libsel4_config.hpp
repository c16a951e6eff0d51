// retype: kernel::config from libsel4's generated configuration, at compile time.
//
//   #include <retype/kernel/libsel4_config.hpp>
//   using A = retype::allocator<retype::backend::sel4_backend, retype::target<retype::kernel::libsel4_config>>;
//
// Where libsel4's <sel4/config.h> is on the include path (a seL4 build: it
// includes <autoconf.h>, hence <kernel/gen_config.h>), `libsel4_config` is the
// kernel::config of the kernel being built, and `have_libsel4_config` is true.
// Elsewhere `have_libsel4_config` is false and `libsel4_config` does not exist.
//
// The macros, and what they decide (seL4: config.cmake, configs/seL4Config.cmake,
// src/arch/*/config.cmake; libsel4/sel4_arch_include/*/sel4/sel4_arch/constants.h):
//   CONFIG_ARCH_X86_64 / _AARCH64 / _AARCH32 / _RISCV64   target (ia32 and riscv32 are refused)
//   CONFIG_ARM_HYPERVISOR_SUPPORT                        aarch64 -> aarch64_hyp; aarch32 -> hyp
//   CONFIG_KERNEL_MCS                                    mcs
//   CONFIG_RETYPE_FAN_OUT_LIMIT                          fan_out_limit
//   CONFIG_XSAVE_SIZE (x86_64, >= 832: 12)               tcb_bits, as seL4_TCBBits
//   CONFIG_HARDWARE_DEBUG_API, CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE,
//   CONFIG_ENABLE_SMP_SUPPORT, CONFIG_BENCHMARK_TRACK_UTILISATION (Arm), CONFIG_HAVE_FPU
//                                                        tcb_bits, as seL4_TCBBits; fpu
//   CONFIG_ARM_PA_SIZE_BITS_40 / _44                     arm_pa_bits (aarch64 hyp + 40: seL4_VSpaceBits 13)
//   CONFIG_PADDR_USER_DEVICE_TOP                         device_top
//   CONFIG_IOMMU, CONFIG_VTX, CONFIG_HUGE_PAGE (x86_64)  iommu, vtx, huge_page
//   CONFIG_ROOT_CNODE_SIZE_BITS                          root_cnode_bits
//   CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS                 max_bootinfo_untypeds
//   CONFIG_RESET_CHUNK_BITS                              reset_chunk_bits
//   CONFIG_PT_LEVELS (riscv64: must be 3, Sv39)
// The aarch32 kernel window (phys_base, user_top) is the platform's, not in
// gen_config.h: set them on a copy when the platform is not qemu-arm-virt.
//
// Where libsel4's <sel4/sel4.h> is present too, this header checks at compile
// time that every object type retype knows has, in this configuration, libsel4's
// number (seL4_*Object) and size (seL4_*Bits): a mismatch is a static_assert
// naming the type.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>

#include <cstdint>

#if __has_include(<sel4/config.h>)
#include <sel4/config.h>
#endif

#if defined(CONFIG_ARCH_X86_64) || defined(CONFIG_ARCH_AARCH64) || defined(CONFIG_ARCH_AARCH32) ||                     \
    defined(CONFIG_ARCH_RISCV64)
#define RETYPE_HAVE_LIBSEL4_CONFIG 1
#elif defined(CONFIG_ARCH_IA32) || defined(CONFIG_ARCH_RISCV32)
#error "retype: libsel4 configures ia32 or riscv32, which retype does not model"
#else
#define RETYPE_HAVE_LIBSEL4_CONFIG 0
#endif

#if RETYPE_HAVE_LIBSEL4_CONFIG
#if (defined(CONFIG_ARCH_X86_64) + defined(CONFIG_ARCH_AARCH64) + defined(CONFIG_ARCH_AARCH32) +                       \
     defined(CONFIG_ARCH_RISCV64)) != 1
#error "retype: libsel4's configuration names more than one architecture (CONFIG_ARCH_*)"
#endif
#if defined(CONFIG_ARCH_RISCV64) && defined(CONFIG_PT_LEVELS) && CONFIG_PT_LEVELS != 3
#error "retype: riscv64 with CONFIG_PT_LEVELS other than 3 (Sv39) is not modelled"
#endif
#endif

namespace retype::kernel {

inline constexpr bool have_libsel4_config = RETYPE_HAVE_LIBSEL4_CONFIG;

#if RETYPE_HAVE_LIBSEL4_CONFIG
namespace detail {
[[nodiscard]] consteval config from_libsel4() noexcept {
    config c{};
#if defined(CONFIG_ARCH_X86_64)
    c.target = arch::x86_64;
#elif defined(CONFIG_ARCH_AARCH64) && defined(CONFIG_ARM_HYPERVISOR_SUPPORT)
    c.target = arch::aarch64_hyp;
#elif defined(CONFIG_ARCH_AARCH64)
    c.target = arch::aarch64;
#elif defined(CONFIG_ARCH_AARCH32)
    c.target = arch::aarch32;
#else
    c.target = arch::riscv64;
#endif
#if defined(CONFIG_ARCH_AARCH32) && defined(CONFIG_ARM_HYPERVISOR_SUPPORT)
    c.hyp = true;
#endif
#if defined(CONFIG_KERNEL_MCS)
    c.mcs = true;
#endif
    // Switches that exist only on x86: taken as given, so that a contradictory
    // configuration (e.g. CONFIG_VTX on Arm) fails the check below.
#if defined(CONFIG_VTX)
    c.vtx = true;
#endif
#if defined(CONFIG_IOMMU)
    c.iommu = true;
#endif
#if defined(CONFIG_ARCH_X86_64) && !defined(CONFIG_HUGE_PAGE)
    c.huge_page = false;
#endif
#if defined(CONFIG_HAVE_FPU)
    c.fpu = true;
#else
    c.fpu = false;
#endif
    // seL4_TCBBits, by the conditions of libsel4's sel4_arch/constants.h.
#if defined(CONFIG_ARCH_X86_64)
#if defined(CONFIG_XSAVE_SIZE) && CONFIG_XSAVE_SIZE >= 832
    c.tcb_bits = 12;
#else
    c.tcb_bits = 11;
#endif
#elif defined(CONFIG_ARCH_AARCH64)
#if defined(CONFIG_HARDWARE_DEBUG_API) || defined(CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE) ||                 \
    (defined(CONFIG_ARM_HYPERVISOR_SUPPORT) && defined(CONFIG_ENABLE_SMP_SUPPORT) &&                                   \
     defined(CONFIG_BENCHMARK_TRACK_UTILISATION) && !defined(CONFIG_KERNEL_MCS))
    c.tcb_bits = 12;
#else
    c.tcb_bits = 11;
#endif
#elif defined(CONFIG_ARCH_AARCH32)
#if defined(CONFIG_HAVE_FPU) &&                                                                                        \
    ((defined(CONFIG_ARM_HYPERVISOR_SUPPORT) && defined(CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE)) ||          \
     defined(CONFIG_HARDWARE_DEBUG_API))
    c.tcb_bits = 11;
#elif defined(CONFIG_HAVE_FPU) ||                                                                                      \
    (defined(CONFIG_ARM_HYPERVISOR_SUPPORT) && defined(CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE)) ||           \
    defined(CONFIG_HARDWARE_DEBUG_API)
    c.tcb_bits = 10;
#else
    c.tcb_bits = 9;
#endif
#elif defined(CONFIG_HAVE_FPU) // riscv: 11 with the FPU's state, else 10
    c.tcb_bits = 11;
#else
    c.tcb_bits = 10;
#endif
#if defined(CONFIG_ARM_PA_SIZE_BITS_40)
    c.arm_pa_bits = 40;
#elif defined(CONFIG_ARM_PA_SIZE_BITS_44)
    c.arm_pa_bits = 44;
#endif
#if defined(CONFIG_PADDR_USER_DEVICE_TOP)
    c.device_top = static_cast<std::uint64_t>(CONFIG_PADDR_USER_DEVICE_TOP);
#endif
#if defined(CONFIG_RETYPE_FAN_OUT_LIMIT)
    c.fan_out_limit = CONFIG_RETYPE_FAN_OUT_LIMIT;
#endif
#if defined(CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS)
    c.max_bootinfo_untypeds = CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS;
#endif
#if defined(CONFIG_RESET_CHUNK_BITS)
    c.reset_chunk_bits = CONFIG_RESET_CHUNK_BITS;
#endif
#if defined(CONFIG_ROOT_CNODE_SIZE_BITS)
    c.root_cnode_bits = CONFIG_ROOT_CNODE_SIZE_BITS;
#endif
    return c;
}
} // namespace detail

/// The configuration of the kernel libsel4 was generated for.
inline constexpr config libsel4_config = detail::from_libsel4();
static_assert(valid(libsel4_config)); // a contradictory gen_config.h: the error names the conflict
#endif

} // namespace retype::kernel

// ---- retype's object types against libsel4's ----------------------------------
#if RETYPE_HAVE_LIBSEL4_CONFIG && __has_include(<sel4/sel4.h>)
#include <sel4/sel4.h>

namespace retype::kernel::detail {
[[nodiscard]] consteval bool libsel4_number_is(object_type t, std::uint64_t number) noexcept {
    const auto n = sel4_type_number(libsel4_config, t);
    return n && *n == number;
}
[[nodiscard]] consteval bool libsel4_bits_are(object_type t, std::uint64_t bits) noexcept {
    return exists(libsel4_config, t) && fixed_object_bits(libsel4_config, t) == bits;
}
} // namespace retype::kernel::detail

// One type: its number is libsel4's enumerator, and (fixed-size types) its size is seL4_*Bits.
#define RETYPE_LIBSEL4_NUMBER(type, enumerator)                                                                        \
    static_assert(::retype::kernel::detail::libsel4_number_is(::retype::kernel::object_type::type, (enumerator)),      \
                  "retype: object_type::" #type ": its seL4 type number differs from libsel4's " #enumerator)
#define RETYPE_LIBSEL4_TYPE(type, enumerator, bits)                                                                    \
    RETYPE_LIBSEL4_NUMBER(type, enumerator);                                                                           \
    static_assert(::retype::kernel::detail::libsel4_bits_are(::retype::kernel::object_type::type, (bits)),             \
                  "retype: object_type::" #type ": its size differs from libsel4's " #bits)

static_assert(::retype::kernel::traits(::retype::kernel::libsel4_config).slot_bits == seL4_SlotBits,
              "retype: the CNode slot size differs from libsel4's seL4_SlotBits");
static_assert(::retype::kernel::traits(::retype::kernel::libsel4_config).min_untyped_bits == seL4_MinUntypedBits,
              "retype: the smallest untyped differs from libsel4's seL4_MinUntypedBits");
static_assert(::retype::kernel::traits(::retype::kernel::libsel4_config).max_untyped_bits == seL4_MaxUntypedBits,
              "retype: the largest untyped differs from libsel4's seL4_MaxUntypedBits");
static_assert(::retype::kernel::traits(::retype::kernel::libsel4_config).page_bits == seL4_PageBits,
              "retype: the page size differs from libsel4's seL4_PageBits");
RETYPE_LIBSEL4_NUMBER(untyped, seL4_UntypedObject);
RETYPE_LIBSEL4_TYPE(tcb, seL4_TCBObject, seL4_TCBBits);
RETYPE_LIBSEL4_TYPE(endpoint, seL4_EndpointObject, seL4_EndpointBits);
RETYPE_LIBSEL4_TYPE(notification, seL4_NotificationObject, seL4_NotificationBits);
RETYPE_LIBSEL4_NUMBER(cnode, seL4_CapTableObject);
#if defined(CONFIG_KERNEL_MCS)
RETYPE_LIBSEL4_NUMBER(sched_context, seL4_SchedContextObject);
RETYPE_LIBSEL4_TYPE(reply, seL4_ReplyObject, seL4_ReplyBits);
#endif
// Preprocessor conditionals cannot sit inside a macro's arguments: the
// per-architecture names first.
#if defined(CONFIG_ARCH_X86_64)
#define RETYPE_LIBSEL4_SMALL_PAGE seL4_X86_4K
#define RETYPE_LIBSEL4_PAGE_TABLE seL4_X86_PageTableObject
#elif defined(CONFIG_ARCH_ARM)
#define RETYPE_LIBSEL4_SMALL_PAGE seL4_ARM_SmallPageObject
#define RETYPE_LIBSEL4_PAGE_TABLE seL4_ARM_PageTableObject
#else
#define RETYPE_LIBSEL4_SMALL_PAGE seL4_RISCV_4K_Page
#define RETYPE_LIBSEL4_PAGE_TABLE seL4_RISCV_PageTableObject
#endif
RETYPE_LIBSEL4_TYPE(frame_4k, RETYPE_LIBSEL4_SMALL_PAGE, seL4_PageBits);
RETYPE_LIBSEL4_TYPE(page_table, RETYPE_LIBSEL4_PAGE_TABLE, seL4_PageTableBits);
#undef RETYPE_LIBSEL4_SMALL_PAGE
#undef RETYPE_LIBSEL4_PAGE_TABLE
static_assert(::retype::kernel::fixed_object_bits(::retype::kernel::libsel4_config,
                                                  ::retype::kernel::object_type::vspace) == seL4_VSpaceBits,
              "retype: object_type::vspace: its size differs from libsel4's seL4_VSpaceBits");
#if defined(CONFIG_ARCH_X86_64)
RETYPE_LIBSEL4_TYPE(pdpt, seL4_X86_PDPTObject, seL4_PDPTBits);
RETYPE_LIBSEL4_TYPE(pml4, seL4_X64_PML4Object, seL4_PML4Bits);
RETYPE_LIBSEL4_NUMBER(vspace, seL4_X64_PML4Object);
#if defined(CONFIG_HUGE_PAGE)
RETYPE_LIBSEL4_TYPE(frame_1g, seL4_X64_HugePageObject, seL4_HugePageBits);
#endif
RETYPE_LIBSEL4_TYPE(frame_2m, seL4_X86_LargePageObject, seL4_LargePageBits);
RETYPE_LIBSEL4_TYPE(page_directory, seL4_X86_PageDirectoryObject, seL4_PageDirBits);
#if defined(CONFIG_IOMMU)
RETYPE_LIBSEL4_TYPE(io_page_table, seL4_X86_IOPageTableObject, seL4_IOPageTableBits);
#endif
#if defined(CONFIG_VTX)
RETYPE_LIBSEL4_TYPE(vcpu, seL4_X86_VCPUObject, seL4_X86_VCPUBits);
RETYPE_LIBSEL4_TYPE(ept_pml4, seL4_X86_EPTPML4Object, seL4_X86_EPTPML4Bits);
RETYPE_LIBSEL4_TYPE(ept_pdpt, seL4_X86_EPTPDPTObject, seL4_X86_EPTPDPTBits);
RETYPE_LIBSEL4_TYPE(ept_pd, seL4_X86_EPTPDObject, seL4_X86_EPTPDBits);
RETYPE_LIBSEL4_TYPE(ept_pt, seL4_X86_EPTPTObject, seL4_X86_EPTPTBits);
#endif
#elif defined(CONFIG_ARCH_AARCH64)
RETYPE_LIBSEL4_TYPE(frame_1g, seL4_ARM_HugePageObject, seL4_HugePageBits);
RETYPE_LIBSEL4_NUMBER(vspace, seL4_ARM_VSpaceObject);
RETYPE_LIBSEL4_TYPE(frame_2m, seL4_ARM_LargePageObject, seL4_LargePageBits);
#if defined(CONFIG_ARM_HYPERVISOR_SUPPORT)
RETYPE_LIBSEL4_TYPE(vcpu, seL4_ARM_VCPUObject, seL4_VCPUBits);
#endif
#elif defined(CONFIG_ARCH_AARCH32)
RETYPE_LIBSEL4_TYPE(page_directory, seL4_ARM_PageDirectoryObject, seL4_PageDirBits);
RETYPE_LIBSEL4_NUMBER(vspace, seL4_ARM_PageDirectoryObject);
RETYPE_LIBSEL4_TYPE(frame_64k, seL4_ARM_LargePageObject, seL4_LargePageBits);
RETYPE_LIBSEL4_TYPE(section, seL4_ARM_SectionObject, seL4_SectionBits);
RETYPE_LIBSEL4_TYPE(supersection, seL4_ARM_SuperSectionObject, seL4_SuperSectionBits);
#if defined(CONFIG_ARM_HYPERVISOR_SUPPORT)
RETYPE_LIBSEL4_TYPE(vcpu, seL4_ARM_VCPUObject, seL4_VCPUBits);
#endif
#else
RETYPE_LIBSEL4_TYPE(frame_1g, seL4_RISCV_Giga_Page, seL4_HugePageBits);
RETYPE_LIBSEL4_TYPE(frame_2m, seL4_RISCV_Mega_Page, seL4_LargePageBits);
RETYPE_LIBSEL4_NUMBER(vspace, seL4_RISCV_PageTableObject);
#endif
#undef RETYPE_LIBSEL4_TYPE
#undef RETYPE_LIBSEL4_NUMBER

namespace retype::kernel::detail {
/// How many distinct type numbers retype gives out in this configuration (the
/// VSpace is an alias of the root table except on aarch64).
[[nodiscard]] consteval std::uint64_t libsel4_type_count() noexcept {
    std::uint64_t seen = 0; // a bit per number; libsel4 has fewer than 64 types
    for (object_type t : all_object_types)
        if (const auto n = sel4_type_number(libsel4_config, t)) seen |= std::uint64_t{1} << *n;
    std::uint64_t count = 0;
    for (; seen != 0; seen &= seen - 1) ++count;
    return count;
}
} // namespace retype::kernel::detail
static_assert(::retype::kernel::detail::libsel4_type_count() == seL4_ObjectTypeCount,
              "retype: libsel4 has object types (seL4_ObjectTypeCount) that retype does not model, or fewer");
#endif
