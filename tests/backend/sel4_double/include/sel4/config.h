// TEST DOUBLE of libsel4's <sel4/config.h>: the kernel configuration, through
// the <autoconf.h> of the configuration directory on the include path
// (tests/backend/sel4_double/configs/<name>/).
#pragma once

#include <autoconf.h>
