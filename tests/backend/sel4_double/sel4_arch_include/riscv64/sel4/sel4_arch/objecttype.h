// TEST DOUBLE of libsel4's riscv64 <sel4/sel4_arch/objecttype.h>: the mode types.
#pragma once

#include <sel4/config.h>

typedef enum _mode_object {
    seL4_RISCV_Giga_Page = seL4_NonArchObjectTypeCount,
#if CONFIG_PT_LEVELS > 3
    seL4_RISCV_Tera_Page,
#endif
    seL4_ModeObjectTypeCount
} seL4_ModeObjectType;
