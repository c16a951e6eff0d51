// TEST DOUBLE: a kernel configuration (x86_64) written for retype's tests in the
// format of the gen_config.h that seL4's build generates (one #define per enabled
// option, a comment per disabled one).
#pragma once

#define CONFIG_ARCH_X86 1
#define CONFIG_ARCH_X86_64 1
#define CONFIG_PLAT_PC99 1
#define CONFIG_WORD_SIZE 64
/* disabled: CONFIG_KERNEL_MCS */
#define CONFIG_ROOT_CNODE_SIZE_BITS 12
#define CONFIG_RETYPE_FAN_OUT_LIMIT 256
#define CONFIG_RESET_CHUNK_BITS 8
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 230
#define CONFIG_HAVE_FPU 1
#define CONFIG_PADDR_USER_DEVICE_TOP 140737488355328
/* disabled: CONFIG_VTX */
#define CONFIG_IOMMU 1
#define CONFIG_HUGE_PAGE 1
#define CONFIG_XSAVE_SIZE 576
