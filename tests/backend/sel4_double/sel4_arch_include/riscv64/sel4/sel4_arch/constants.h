// TEST DOUBLE of libsel4's riscv64 <sel4/sel4_arch/constants.h>: object sizes (log2 bytes).
#pragma once

#include <sel4/config.h>

#define seL4_WordBits 64
#define seL4_SlotBits 5
#ifdef CONFIG_KERNEL_MCS
#define seL4_NotificationBits 6
#define seL4_ReplyBits 5
#else
#define seL4_NotificationBits 5
#endif
#define seL4_EndpointBits 4
#ifdef CONFIG_HAVE_FPU
#define seL4_TCBBits 11
#else
#define seL4_TCBBits 10
#endif
#define seL4_PageBits 12
#define seL4_LargePageBits 21
#define seL4_HugePageBits 30
#define seL4_PageTableBits 12
#define seL4_VSpaceBits seL4_PageTableBits
#define seL4_MinUntypedBits 4
#define seL4_MaxUntypedBits 38
