// TEST DOUBLE: the configuration header libsel4 includes (<sel4/config.h> -> <autoconf.h>),
// one per kernel configuration of the double: aarch64 at EL2 (hypervisor) on a Cortex-A53 (40-bit PA: seL4_VSpaceBits
// 13), MCS.
#pragma once

#include <kernel/gen_config.h>
#include <sel4/gen_config.h>
