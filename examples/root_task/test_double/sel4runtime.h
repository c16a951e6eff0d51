// TEST ONLY: the one sel4runtime function the root-task example calls, for the
// host build that runs the example's seL4 branch on the libsel4 test double.
// The test (examples/root_task/sel4_double_test.cpp) fills `sel4_test::bootinfo`
// as the kernel would at boot, before the example's main runs.
#pragma once

#include <sel4/sel4.h> // the double: seL4_BootInfo

namespace sel4_test {
inline seL4_BootInfo bootinfo{};
} // namespace sel4_test

// sel4runtime's signature: seL4_BootInfo *sel4runtime_bootinfo(void).
inline seL4_BootInfo* sel4runtime_bootinfo(void) { return &sel4_test::bootinfo; }
