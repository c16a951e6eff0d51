// TEST DOUBLE: a kernel configuration (riscv64) written for retype's tests in the
// format of the gen_config.h that seL4's build generates (one #define per enabled
// option, a comment per disabled one).
#pragma once

#define CONFIG_ARCH_RISCV 1
#define CONFIG_ARCH_RISCV64 1
#define CONFIG_WORD_SIZE 64
#define CONFIG_PT_LEVELS 3
#define CONFIG_KERNEL_MCS 1
#define CONFIG_ROOT_CNODE_SIZE_BITS 13
#define CONFIG_RETYPE_FAN_OUT_LIMIT 128
#define CONFIG_RESET_CHUNK_BITS 10
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 100
#define CONFIG_HAVE_FPU 1
#define CONFIG_PADDR_USER_DEVICE_TOP 549755813888
