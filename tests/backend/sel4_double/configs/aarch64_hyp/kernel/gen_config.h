// TEST DOUBLE: a kernel configuration (aarch64_hyp) written for retype's tests in the
// format of the gen_config.h that seL4's build generates (one #define per enabled
// option, a comment per disabled one).
#pragma once

#define CONFIG_ARCH_ARM 1
#define CONFIG_ARCH_AARCH64 1
#define CONFIG_ARM_CORTEX_A53 1
#define CONFIG_WORD_SIZE 64
#define CONFIG_KERNEL_MCS 1
#define CONFIG_ROOT_CNODE_SIZE_BITS 12
#define CONFIG_RETYPE_FAN_OUT_LIMIT 256
#define CONFIG_RESET_CHUNK_BITS 8
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 50
#define CONFIG_HAVE_FPU 1
#define CONFIG_ARM_PA_SIZE_BITS_40 1
/* disabled: CONFIG_ARM_PA_SIZE_BITS_44 */
#define CONFIG_PADDR_USER_DEVICE_TOP 1099511627776
#define CONFIG_ARM_HYPERVISOR_SUPPORT 1
#define CONFIG_AARCH64_VSPACE_S2_START_L1 1
/* disabled: CONFIG_HARDWARE_DEBUG_API */
/* disabled: CONFIG_ARM_HYP_ENABLE_VCPU_CP14_SAVE_AND_RESTORE */
#define CONFIG_PRINTING 1
