// TEST DOUBLE: the configuration header libsel4 includes (<sel4/config.h> -> <autoconf.h>),
// one per kernel configuration of the double: x86_64 pc99, the kernel's defaults (IOMMU on, VT-x off, 1 GiB pages,
// FXSAVE/XSAVE 576 bytes).
#pragma once

#include <kernel/gen_config.h>
#include <sel4/gen_config.h>
