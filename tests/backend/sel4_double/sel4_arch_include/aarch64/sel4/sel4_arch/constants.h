// TEST DOUBLE of libsel4's aarch64 <sel4/sel4_arch/constants.h>: object sizes (log2 bytes).
#pragma once

#include <sel4/config.h>

#define seL4_PageBits 12
#define seL4_LargePageBits 21
#define seL4_HugePageBits 30
#define seL4_SlotBits 5
#if defined(CONFIG_HARDWARE_DEBUG_API) || defined(CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE) ||                 \
    (defined(CONFIG_ARM_HYPERVISOR_SUPPORT) && defined(CONFIG_ENABLE_SMP_SUPPORT) &&                                   \
     defined(CONFIG_BENCHMARK_TRACK_UTILISATION) && !defined(CONFIG_KERNEL_MCS))
#define seL4_TCBBits 12
#else
#define seL4_TCBBits 11
#endif
#define seL4_EndpointBits 4
#ifdef CONFIG_KERNEL_MCS
#define seL4_NotificationBits 6
#define seL4_ReplyBits 5
#else
#define seL4_NotificationBits 5
#endif
#define seL4_PageTableBits 12
// A hypervisor with a 40-bit PA starts its stage-2 walk one level down, on two
// concatenated tables.
#if defined(CONFIG_ARM_HYPERVISOR_SUPPORT) && defined(CONFIG_ARM_PA_SIZE_BITS_40)
#define seL4_VSpaceBits 13
#else
#define seL4_VSpaceBits 12
#endif
#define seL4_ARM_VCPUBits 12
#define seL4_VCPUBits 12
#define seL4_WordBits (sizeof(seL4_Word) * 8)
#define seL4_MinUntypedBits 4
#define seL4_MaxUntypedBits 47
