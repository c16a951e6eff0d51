// TEST DOUBLE of libsel4's aarch64 <sel4/sel4_arch/objecttype.h>: the mode types.
#pragma once

typedef enum _mode_object {
    seL4_ARM_HugePageObject = seL4_NonArchObjectTypeCount,
    seL4_ARM_VSpaceObject,
    seL4_ModeObjectTypeCount
} seL4_ModeObjectType;
