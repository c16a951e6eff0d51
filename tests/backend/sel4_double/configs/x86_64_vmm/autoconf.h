// TEST DOUBLE: the configuration header libsel4 includes (<sel4/config.h> -> <autoconf.h>),
// one per kernel configuration of the double: x86_64 pc99 for a VMM: IOMMU and VT-x on, MCS, XSAVE 832 bytes (AVX:
// seL4_TCBBits 12), no 1 GiB pages.
#pragma once

#include <kernel/gen_config.h>
#include <sel4/gen_config.h>
