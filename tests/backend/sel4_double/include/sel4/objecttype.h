// TEST DOUBLE of libsel4's <sel4/objecttype.h>: the architecture-independent
// object types, numbered from 0; the MCS types exist only with CONFIG_KERNEL_MCS.
// The mode (sel4_arch) types continue from seL4_NonArchObjectTypeCount, the
// architecture's from seL4_ModeObjectTypeCount.
#pragma once

#include <sel4/config.h>

typedef enum api_object {
    seL4_UntypedObject,
    seL4_TCBObject,
    seL4_EndpointObject,
    seL4_NotificationObject,
    seL4_CapTableObject,
#ifdef CONFIG_KERNEL_MCS
    seL4_SchedContextObject,
    seL4_ReplyObject,
#endif
    seL4_NonArchObjectTypeCount,
} seL4_ObjectType;
