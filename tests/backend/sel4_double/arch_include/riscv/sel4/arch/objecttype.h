// TEST DOUBLE of libsel4's RISC-V <sel4/arch/objecttype.h>: the architecture types.
#pragma once

typedef enum _object {
    seL4_RISCV_4K_Page = seL4_ModeObjectTypeCount,
    seL4_RISCV_Mega_Page,
    seL4_RISCV_PageTableObject,
    seL4_ObjectTypeCount
} seL4_ArchObjectType;
