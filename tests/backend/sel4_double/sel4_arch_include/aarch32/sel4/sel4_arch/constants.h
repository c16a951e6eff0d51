// TEST DOUBLE of libsel4's aarch32 <sel4/sel4_arch/constants.h>: object sizes (log2 bytes).
#pragma once

#include <sel4/config.h>

#define seL4_PageBits 12
#define seL4_LargePageBits 16
#define seL4_SlotBits 4
#if defined(CONFIG_HAVE_FPU) &&                                                                                        \
    ((defined(CONFIG_ARM_HYPERVISOR_SUPPORT) && defined(CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE)) ||          \
     defined(CONFIG_HARDWARE_DEBUG_API))
#define seL4_TCBBits 11
#elif defined(CONFIG_HAVE_FPU) ||                                                                                      \
    (defined(CONFIG_ARM_HYPERVISOR_SUPPORT) && defined(CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE)) ||           \
    defined(CONFIG_HARDWARE_DEBUG_API)
#define seL4_TCBBits 10
#else
#define seL4_TCBBits 9
#endif
#define seL4_EndpointBits 4
#ifdef CONFIG_KERNEL_MCS
#define seL4_NotificationBits 5
#define seL4_ReplyBits 4
#else
#define seL4_NotificationBits 4
#endif
#ifdef CONFIG_ARM_HYPERVISOR_SUPPORT
#define seL4_PageTableBits 12
#define seL4_SectionBits 21
#define seL4_SuperSectionBits 25
#define seL4_VCPUBits 12
#else
#define seL4_PageTableBits 10
#define seL4_SectionBits 20
#define seL4_SuperSectionBits 24
#endif
#define seL4_PageDirBits 14
#define seL4_VSpaceBits seL4_PageDirBits
#define seL4_ARM_VCPUBits 12
#define seL4_WordBits (sizeof(seL4_Word) * 8)
#define seL4_MinUntypedBits 4
#define seL4_MaxUntypedBits 29
