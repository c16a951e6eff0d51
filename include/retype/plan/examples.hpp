// retype: the planner's built-in example, seed 001: camkes-vm-examples'
// vm_minimal on qemu-arm-virt (aarch64, EL2, Cortex-A53) with a 2 GiB Linux
// guest, as the user first configured it (it fails: the VMM's allocman runs out
// of its default 80 MiB mempool), as the planner recommends it (a setting: a
// larger allocator_mempool_size), which passes, and as the seed's user finally
// ran it (a patched libsel4vm with 2 MiB guest frames: a code change).
// examples/systems/*.toml are the same systems as files.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/plan/description.hpp>

namespace retype::plan::examples {

/// qemu-arm-virt as seed 001 booted it: QEMU -m 4096 (RAM at 0x40000000), the
/// overlay reserving [0x40000000, 0xC0000000) no-map for the guest, and the
/// images where the ELF loader's log put them.
[[nodiscard]] constexpr platform qemu_arm_virt_4g() noexcept {
    platform p{};
    p.name = "qemu-arm-virt";
    p.kernel.target = kernel::arch::aarch64_hyp;
    // camkes-vm-examples settings.cmake: KernelRootCNodeSizeBits 18 and CapDLLoaderMaxObjects 90000 (the
    // seed's log is a debug build: the loader asserts 90000 free slots, which 16 bits could not give).
    p.kernel.root_cnode_bits = 18;
    p.loader_max_objects = camkes_vm_loader_max_objects;
    p.loader_debug = true;
    p.add_ram(0x40000000, 0x100000000);                        // -m size=4096
    p.add_reserved(0x40000000, 0x80000000, true, "vm-memory"); // overlay-reserve-vm-memory.dts, as patched
    p.add_kernel_device(0x8000000);                            // GICv2 distributor, kept by the kernel
    p.add_kernel_device(0x8010000);                            // GICv2 CPU interface
    p.kernel_image = image{0, 0x242000};        // "paddr=[c0000000..c0241fff]": placed at the first kernel RAM
    p.dtb = image{0, 0x1ddc};                   // "[80c0242000..80c0243ddc]"
    p.rootserver = image{0, 0x14f9000};         // capdl-loader, "paddr=[c0244000..c173cfff]"
    p.rootserver_vaddr = 0x400000;              // "vaddr=[400000..18f8fff]"
    p.elfloader = image{0xc1b39000, 0x14700d8}; // "paddr=[c1b39000..c2fa90d7]"
    return p;
}

/// vm0 as seed 001 first configured it for a 2 GiB guest.
[[nodiscard]] constexpr component vm0_first_try() noexcept {
    component c{};
    c.name = "vm0";
    c.cnode_size_bits = 23;     // vm_minimal.camkes
    c.add_pool(24, 12);         // simple_untyped24_pool = 12
    c.add_mmio(0x8040000, 12);  // GIC virtual CPU interface
    c.add_mmio(0x40000000, 30); // guest RAM, 1:1
    c.add_mmio(0x80000000, 30);
    // allocator_mempool_size unset: seL4AllocatorMempool.template.c's default, 80 MiB.
    // The VMM's ELF (it carries the guest kernel and initrd) is inside the
    // 0x14f9000-byte rootserver image; 20 MiB is a bound, not a measurement.
    c.image_size = 20 * 1024 * 1024;
    c.cap_slots_used = 15; // the 12 pool untypeds and 3 exact untypeds CAmkES puts in the CNode
    c.guest.present = true;
    c.guest.ram_base = 0x40000000; // VM_RAM_BASE
    c.guest.ram_size = 0x80000000; // VM_RAM_SIZE, 2 GiB
    c.guest.page_bits = 12;        // libsel4vm's ram_ut_alloc_iterator: seL4_PageBits
    c.guest.one_to_one = true;     // linux_image_config on qemu-arm-virt: seL4VMParameters.template.c sets 1
    c.guest.policy = allocator_policy::allocman_split;
    c.guest.add_image("initrd", 0x4D700000, 0x1900000); // VM_INITRD_ADDR, VM_INITRD_MAX_SIZE
    c.guest.add_image("dtb", 0x4F000000, 0x1000);       // VM_DTB_ADDR (size: one page, the address is what matters)
    return c;
}

/// vm0 with the planner's recommendation applied: a setting, allocator_mempool_size raised to the value
/// the planner checked (the need, 129.3 MiB, plus 1/8, in whole MiB: see tests/plan/stages.test.cpp).
[[nodiscard]] constexpr component vm0_recommended() noexcept {
    component c = vm0_first_try();
    c.mempool_size = 146 * 1024 * 1024;
    return c;
}

/// vm0 as the seed's user ran it: libsel4vm patched to map guest RAM with 2 MiB frames (guest_ram.c's
/// iterators and vm_ram_touch; not a setting), a 1 MiB mempool and an 18-bit CNode (the seed's diff).
[[nodiscard]] constexpr component vm0_patched_2m_pages() noexcept {
    component c = vm0_first_try();
    c.guest.page_bits = 21;
    c.mempool_size = 1024 * 1024;
    c.cnode_size_bits = 18;
    return c;
}

[[nodiscard]] constexpr system<4> vm_minimal_first_try() noexcept {
    system<4> s{};
    s.plat = qemu_arm_virt_4g();
    *s.add("vm0") = vm0_first_try();
    return s;
}

[[nodiscard]] constexpr system<4> vm_minimal_recommended() noexcept {
    system<4> s{};
    s.plat = qemu_arm_virt_4g();
    *s.add("vm0") = vm0_recommended();
    return s;
}

} // namespace retype::plan::examples

namespace retype::plan::examples {
[[nodiscard]] constexpr system<4> vm_minimal_patched_2m_pages() noexcept {
    system<4> s{};
    s.plat = qemu_arm_virt_4g();
    *s.add("vm0") = vm0_patched_2m_pages();
    return s;
}
} // namespace retype::plan::examples
