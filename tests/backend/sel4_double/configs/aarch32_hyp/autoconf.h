// TEST DOUBLE: the configuration header libsel4 includes (<sel4/config.h> -> <autoconf.h>),
// one per kernel configuration of the double: arm_hyp (aarch32 at HYP) on a Cortex-A15 with FPU.
#pragma once

#include <kernel/gen_config.h>
#include <sel4/gen_config.h>
