// TEST DOUBLE of libsel4's <sel4/constants.h>: the architecture-independent sizes.
#pragma once

#include <sel4/config.h>

#ifdef CONFIG_KERNEL_MCS
#define seL4_MinSchedContextBits 7 // the smallest SchedContext: 2^7 bytes
#endif
