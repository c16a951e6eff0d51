#pragma once

/* disabled: CONFIG_LIB_SEL4_PRINT_INVOCATION_ERRORS */
