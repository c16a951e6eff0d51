// TEST DOUBLE of libsel4's aarch32 <sel4/sel4_arch/objecttype.h>: the mode types.
#pragma once

typedef enum _mode_object {
    seL4_ARM_PageDirectoryObject = seL4_NonArchObjectTypeCount,
    seL4_ModeObjectTypeCount,
} seL4_ModeObjectType;
