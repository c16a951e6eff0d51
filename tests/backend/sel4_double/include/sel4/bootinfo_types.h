// TEST DOUBLE of libsel4's <sel4/bootinfo_types.h>: the initial thread's CNode
// slots and seL4_BootInfo, with libsel4's names, field order and layout
// (`schedcontrol` only with CONFIG_KERNEL_MCS, the untyped list last).
#pragma once

#include <sel4/config.h>
#include <sel4/types.h>

#include <cstddef>

enum seL4_RootCNodeCapSlots {
    seL4_CapNull = 0,
    seL4_CapInitThreadTCB = 1,
    seL4_CapInitThreadCNode = 2,
    seL4_CapInitThreadVSpace = 3,
    seL4_CapIRQControl = 4,
    seL4_CapASIDControl = 5,
    seL4_CapInitThreadASIDPool = 6,
    seL4_CapIOPortControl = 7,
    seL4_CapIOSpace = 8,
    seL4_CapBootInfoFrame = 9,
    seL4_CapInitThreadIPCBuffer = 10,
    seL4_CapDomain = 11,
    seL4_CapSMMUSIDControl = 12,
    seL4_CapSMMUCBControl = 13,
    seL4_CapInitThreadSC = 14,
    seL4_CapSMC = 15,
    seL4_NumInitialCaps = 16
};

typedef seL4_Word seL4_SlotPos;

typedef struct seL4_SlotRegion {
    seL4_SlotPos start; // first slot of the region
    seL4_SlotPos end;   // first slot after it
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
#ifdef CONFIG_KERNEL_MCS
    seL4_SlotRegion schedcontrol;
#endif
    seL4_SlotRegion untyped;
    seL4_UntypedDesc untypedList[CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS];
} seL4_BootInfo;

// libsel4's own checks, and the layout: 5 words, 6 regions of 2 words, 2 words,
// [schedcontrol: 2 words], then `untyped` and the list (where a pointer is a
// word: not for a 32-bit configuration compiled on a 64-bit host).
static_assert(sizeof(seL4_UntypedDesc) == 2 * sizeof(seL4_Word), "libsel4: invalid_seL4_UntypedDesc");
static_assert(sizeof(seL4_BootInfo) <= 4096, "libsel4: invalid_seL4_BootInfoFrameSize");
static_assert(sizeof(void*) != sizeof(seL4_Word) || offsetof(seL4_BootInfo, empty) == 5 * sizeof(seL4_Word));
#ifdef CONFIG_KERNEL_MCS
static_assert(sizeof(void*) != sizeof(seL4_Word) || offsetof(seL4_BootInfo, untyped) == 21 * sizeof(seL4_Word));
#else
static_assert(sizeof(void*) != sizeof(seL4_Word) || offsetof(seL4_BootInfo, untyped) == 19 * sizeof(seL4_Word));
#endif
