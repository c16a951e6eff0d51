// TEST DOUBLE of libsel4's x86 <sel4/arch/constants.h>: the VT-x object sizes.
#pragma once

#define seL4_VCPUBits 14
#define seL4_X86_VCPUBits seL4_VCPUBits
// An EPT table: 2^9 entries of 2^3 bytes.
#define seL4_X86_EPTPML4Bits (3 + 9)
#define seL4_X86_EPTPDPTBits (3 + 9)
#define seL4_X86_EPTPDBits (3 + 9)
#define seL4_X86_EPTPTBits (3 + 9)
