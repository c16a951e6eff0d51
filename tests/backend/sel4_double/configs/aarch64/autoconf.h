// TEST DOUBLE: the configuration header libsel4 includes (<sel4/config.h> -> <autoconf.h>),
// one per kernel configuration of the double: aarch64 at EL1 on a Cortex-A57 (44-bit PA), root CNode 2^16 slots.
#pragma once

#include <kernel/gen_config.h>
#include <sel4/gen_config.h>
