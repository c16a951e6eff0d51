// TEST DOUBLE: a kernel configuration (aarch64) written for retype's tests in the
// format of the gen_config.h that seL4's build generates (one #define per enabled
// option, a comment per disabled one).
#pragma once

#define CONFIG_ARCH_ARM 1
#define CONFIG_ARCH_AARCH64 1
#define CONFIG_ARM_CORTEX_A57 1
#define CONFIG_WORD_SIZE 64
/* disabled: CONFIG_KERNEL_MCS */
#define CONFIG_ROOT_CNODE_SIZE_BITS 16
#define CONFIG_RETYPE_FAN_OUT_LIMIT 256
#define CONFIG_RESET_CHUNK_BITS 8
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 230
#define CONFIG_HAVE_FPU 1
/* disabled: CONFIG_ARM_PA_SIZE_BITS_40 */
#define CONFIG_ARM_PA_SIZE_BITS_44 1
#define CONFIG_PADDR_USER_DEVICE_TOP 17592186044416
/* disabled: CONFIG_ARM_HYPERVISOR_SUPPORT */
/* disabled: CONFIG_HARDWARE_DEBUG_API */
