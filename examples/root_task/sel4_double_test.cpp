// Compiles the seL4 branch of examples/root_task/main.cpp (the one a real root
// task runs: libsel4, sel4runtime, sel4_backend) against the libsel4 test double
// of tests/backend, boots the double with the bootinfo of QEMU arm-virt, runs
// the example's main, and checks the root CNode afterwards.
//
// Include paths (examples/CMakeLists.txt): test_double/ for <sel4runtime.h>,
// tests/backend/sel4_double for <sel4/sel4.h> in its aarch64_hyp configuration
// (Cortex-A53, 40-bit PA, MCS, CONFIG_PRINTING): the example's configuration
// comes from there through retype::kernel::libsel4_config.

// Everything main.cpp includes, first, so that the rename below touches only
// the example's own main.
#include "root_task.hpp"

#include <retype/backend/model.hpp>
#include <retype/backend/sel4.hpp>
#include <sel4runtime.h>

#include <cstdio>
#include <memory>

#if !__has_include(<sel4/sel4.h>) || !__has_include(<sel4runtime.h>)
#error "the seL4 branch of main.cpp needs <sel4/sel4.h> and <sel4runtime.h> on the include path"
#endif

#define main root_task_main
#include "main.cpp"
#undef main

namespace {
int failures = 0;

void check(bool ok, const char* what, unsigned long long got = 0, unsigned long long want = 0) {
    if (ok) return;
    ++failures;
    std::printf("FAILED: %s (got 0x%llx, expected 0x%llx)\n", what, got, want);
}

using retype::kernel::object_type;
using sel4_double::cnode_slots;

// The bootinfo: the initial caps and the image's caps below slot 0x100, the
// untypeds in 0x100..0x102, the empty slots after them up to the end of the
// double's 2^12-slot root CNode (seL4's boot.c: empty = [slot after the last
// untyped, BIT(CONFIG_ROOT_CNODE_SIZE_BITS))).
constexpr seL4_Word untyped_start = 0x100;
struct boot_ut {
    seL4_Word paddr;
    unsigned size_bits;
    bool device;
};
constexpr boot_ut boot_uts[] = {{0x40000000, 30, false}, {0x80000000, 31, false}, {0x9000000, 12, true}};
constexpr seL4_Word n_uts = sizeof(boot_uts) / sizeof(boot_uts[0]);
} // namespace

int main() {
    static sel4_double::kernel_state kernel(example::cfg);
    sel4_double::current = &kernel;
    seL4_BootInfo& bi = sel4_test::bootinfo;
    bi.untyped = {untyped_start, untyped_start + n_uts};
    bi.empty = {untyped_start + n_uts, cnode_slots};
    bi.initThreadCNodeSizeBits = sel4_double::cnode_radix;
    for (seL4_Word i = 0; i < n_uts; ++i) {
        const boot_ut& u = boot_uts[i];
        bi.untypedList[i].paddr = u.paddr;
        bi.untypedList[i].sizeBits = static_cast<seL4_Uint8>(u.size_bits);
        bi.untypedList[i].isDevice = u.device ? 1 : 0;
        if (!kernel.boot_untyped(untyped_start + i, u.paddr, u.size_bits, u.device)) {
            std::printf("FAILED: the double refused boot untyped %llu\n", static_cast<unsigned long long>(i));
            return 1;
        }
    }
    const auto boot_cnode = kernel.root();

    const int rc = root_task_main();
    check(rc == 0, "the example's main returned 0", static_cast<unsigned long long>(rc), 0);
    check(kernel.anomalies == 0, "the double saw no call it could not answer", kernel.anomalies, 0);
    check(kernel.calls > 0, "the example made system calls", kernel.calls, 1);
    // Its output, through seL4_DebugPutChar: the guest RAM's paddr (below).
    check(kernel.debug_output == "retype: guest RAM at 0x60000000\n", "the example printed its result");
    static_assert(example::cfg == retype::kernel::libsel4_config);
    static_assert(example::cfg.target == retype::kernel::arch::aarch64_hyp && example::cfg.mcs);

    // Nothing below the empty range changed: the initial caps and the untypeds
    // are where boot put them.
    for (seL4_Word s = 0; s < bi.empty.start; ++s)
        check(kernel.root()[s] == boot_cnode[s], "a slot below the empty range is as boot left it", s, s);

    // What the example asked for, placed by hand from the buddy rules
    // (lists searched from the request's size upwards, halves kept low, every
    // other half filed free):
    // - TCB (2^11 on aarch64): the 1 GiB untyped at 0x40000000 is the smallest
    //   RAM block; halved 30 -> 11, the TCB is at 0x40000000, and free halves of
    //   2^11 .. 2^29 remain at 0x40000800, 0x40001000, ..., 0x60000000.
    // - VCPU (2^12): the free 2^12 half at 0x40001000.
    // - VSpace (2^12, or 2^13 with a 40-bit IPA): no free 2^12 block is left, so
    //   the 2^13 half at 0x40002000 (halved once if the VSpace is 2^12).
    // - 512 MiB of 2 MiB frames: a 2^29 block, the free half at 0x60000000;
    //   256 frames in consecutive slots, frame i at 0x60000000 + i * 2 MiB.
    unsigned tcbs = 0, vcpus = 0, vspaces = 0, frames = 0;
    seL4_Word first_frame = cnode_slots;
    for (seL4_Word s = bi.empty.start; s < cnode_slots; ++s) {
        const sel4_double::cap& c = kernel.root()[s];
        if (!c.present) continue;
        const retype::kernel::paddr_t p = kernel.machine.paddr(c.obj);
        switch (c.type) {
        case object_type::tcb:
            ++tcbs;
            check(p == 0x40000000, "TCB paddr", p, 0x40000000);
            break;
        case object_type::vcpu:
            ++vcpus;
            check(p == 0x40001000, "VCPU paddr", p, 0x40001000);
            break;
        case object_type::vspace:
            ++vspaces;
            check(p == 0x40002000, "VSpace paddr", p, 0x40002000);
            break;
        case object_type::frame_2m:
            if (frames == 0) first_frame = s;
            check(s == first_frame + frames, "frames in consecutive slots", s, first_frame + frames);
            check(p == 0x60000000 + frames * 0x200000ULL, "frame paddr", p, 0x60000000 + frames * 0x200000ULL);
            ++frames;
            break;
        case object_type::untyped: break; // the buddy's halves
        default: check(false, "an object of a type the example never asked for", static_cast<unsigned>(c.type), 0);
        }
    }
    check(tcbs == 1, "one TCB", tcbs, 1);
    check(vcpus == 1, "one VCPU", vcpus, 1);
    check(vspaces == 1, "one VSpace", vspaces, 1);
    check(frames == 256, "256 frames of 2 MiB", frames, 256);

    sel4_double::current = nullptr;
    if (failures == 0) std::printf("root task (seL4 branch, libsel4 test double): ok\n");
    return failures == 0 ? 0 : 1;
}
