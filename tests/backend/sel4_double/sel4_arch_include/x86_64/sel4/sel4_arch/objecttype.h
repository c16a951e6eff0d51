// TEST DOUBLE of libsel4's x86_64 <sel4/sel4_arch/objecttype.h>: the mode types.
#pragma once

#include <sel4/config.h>

typedef enum _mode_object {
    seL4_X86_PDPTObject = seL4_NonArchObjectTypeCount,
    seL4_X64_PML4Object,
#ifdef CONFIG_HUGE_PAGE
    seL4_X64_HugePageObject,
#endif
    seL4_ModeObjectTypeCount
} seL4_seL4ArchObjectType;
