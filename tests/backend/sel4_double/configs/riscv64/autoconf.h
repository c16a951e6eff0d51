// TEST DOUBLE: the configuration header libsel4 includes (<sel4/config.h> -> <autoconf.h>),
// one per kernel configuration of the double: riscv64 Sv39 (3 page-table levels) with the D extension (FPU), MCS.
#pragma once

#include <kernel/gen_config.h>
#include <sel4/gen_config.h>
