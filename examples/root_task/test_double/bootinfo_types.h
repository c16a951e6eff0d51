// TEST ONLY: the bootinfo types of libsel4 (libsel4/include/sel4/bootinfo_types.h)
// that the libsel4 test double (tests/backend/sel4_double) lacks, so that the
// seL4 branch of examples/root_task/main.cpp compiles and runs on the host.
// Same names, field order and layout as libsel4 (non-MCS configuration; an MCS
// kernel has `schedcontrol` before `untyped`). Never on a real seL4 build:
// there <sel4/sel4.h> declares these.
#pragma once

#include <sel4/sel4.h> // the double: seL4_Word, seL4_Uint8

#include <cstddef>

#ifndef CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 230 // seL4's default
#endif

typedef seL4_Word seL4_SlotPos;
typedef seL4_Word seL4_NodeId;
typedef seL4_Word seL4_Domain;
typedef struct seL4_IPCBuffer_ seL4_IPCBuffer; // opaque here: only a pointer to it is in bootinfo

typedef struct seL4_SlotRegion {
    seL4_SlotPos start; // first CNode slot position OF region
    seL4_SlotPos end;   // first CNode slot position AFTER region
} seL4_SlotRegion;

typedef struct seL4_UntypedDesc {
    seL4_Word paddr;
    seL4_Uint8 sizeBits;
    seL4_Uint8 isDevice;
    seL4_Uint8 padding[sizeof(seL4_Word) - 2 * sizeof(seL4_Uint8)];
} seL4_UntypedDesc;

typedef struct seL4_BootInfo {
    seL4_Word extraLen;
    seL4_NodeId nodeID;
    seL4_Word numNodes;
    seL4_Word numIOPTLevels;
    seL4_IPCBuffer* ipcBuffer;
    seL4_SlotRegion empty;
    seL4_SlotRegion sharedFrames;
    seL4_SlotRegion userImageFrames;
    seL4_SlotRegion userImagePaging;
    seL4_SlotRegion ioSpaceCaps;
    seL4_SlotRegion extraBIPages;
    seL4_Word initThreadCNodeSizeBits;
    seL4_Domain initThreadDomain;
    seL4_SlotRegion untyped;
    seL4_UntypedDesc untypedList[CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS];
} seL4_BootInfo;

// libsel4's own compile-time checks, plus the layout on a 64-bit word: 5 words,
// 6 regions of 2 words, 2 words, then `untyped` at word 19 and the list at word 21.
static_assert(sizeof(seL4_UntypedDesc) == 2 * sizeof(seL4_Word), "libsel4: invalid_seL4_UntypedDesc");
static_assert(sizeof(seL4_BootInfo) <= 4096, "libsel4: invalid_seL4_BootInfoFrameSize");
static_assert(offsetof(seL4_BootInfo, empty) == 5 * sizeof(seL4_Word));
static_assert(offsetof(seL4_BootInfo, untyped) == 19 * sizeof(seL4_Word));
static_assert(offsetof(seL4_BootInfo, untypedList) == 21 * sizeof(seL4_Word));
