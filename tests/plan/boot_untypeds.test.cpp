// Stage 2's initial untyped list on riscv64 and aarch64: the kernel device
// frames reserved whole (2 MiB on riscv64), the boot-only kernel part handed
// back as RAM, and the bootinfo limit. Every expected entry is worked out by
// hand from create_untypeds_for_region's rule: in kernel-virtual space take the
// largest power of two that fits in what is left, capped by the start's
// alignment (pptr 0 is aligned to anything) and seL4_MaxUntypedBits (38 on
// riscv64, 47 on aarch64). riscv64's PPTR_BASE_OFFSET is 2^64 - 2^38, so below
// paddr 2^38 a paddr has its own alignment, and paddr 2^38 is pptr 0.
#include <retype/plan/boot_stages.hpp>
#include <retype/plan/examples.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>

using namespace retype;
using namespace retype::plan;
using kernel::untyped_desc;

namespace {

constexpr untyped_desc dev(paddr_t p, std::uint8_t bits) { return untyped_desc{p, bits, true}; }
constexpr untyped_desc ram(paddr_t p, std::uint8_t bits) { return untyped_desc{p, bits, false}; }

// qemu-riscv-virt as seL4 builds it (src/plat/qemu-riscv-virt): QEMU -m 3072,
// so RAM [0x80000000, 0x140000000); the overlay's sbi@80000000 no-map
// [0x80000000, 0x80200000); kernel devices CLINT (reg 0x2000000 + 0x10000, no
// kernel_size: one 2 MiB frame) and PLIC (reg 0xc000000 + 0x600000, under its
// kernel_size 0x4000000: three 2 MiB frames), as devices_gen.h lists them in
// kernel_device_frames. The images are a representative build: a 256 KiB
// kernel whose boot-only part is 12 KiB (ki_boot_end = 0x80203000), a 4 KiB
// DTB and a 768 KiB root task linked at 0x10000.
constexpr platform qemu_riscv_virt() {
    platform p{};
    p.name = "qemu-riscv-virt";
    p.kernel.target = kernel::arch::riscv64;
    p.add_ram(0x80000000, 0xc0000000);
    p.add_reserved(0x80000000, 0x200000, true, "sbi");
    p.add_kernel_device(0x2000000); // CLINT
    p.add_kernel_device(0xc000000); // PLIC, three frames
    p.add_kernel_device(0xc200000);
    p.add_kernel_device(0xc400000);
    p.kernel_image = image{0, 0x40000};
    p.kernel_boot_size = 0x3000;
    p.dtb = image{0, 0x1000};
    p.rootserver = image{0, 0xc0000};
    p.rootserver_vaddr = 0x10000;
    return p;
}

// The 59 untypeds, in bootinfo order.
//
// Reserved (ndks_boot.reserved, merged): the frames [0x2000000, 0x2200000) and
// [0xc000000, 0xc600000), and RAM [0x80200000, 0x140000000) with the images in it.
// Stage 1 puts the kernel at the first RAM, 0x80200000 (2 MiB aligned), the DTB
// at 0x80240000 and the root task at 0x80241000, so free RAM starts at 0x80301000.
//
// Root-server block: CNode 2^(12+5) + TCB 2^11 (riscv64 with FPU) + IPC buffer,
// bootinfo and ASID pool pages + extra bootinfo 2^13 (the DTB and a 16-byte
// header) + the root page table + 2 PTs (it_v_reg [0x10000, 0x10000 + 0xc0000 +
// 2 pages + 2^13) touches one 2 MiB and one 1 GiB block) = 0x28800, aligned to
// 2^17: round_down(0x140000000 - 0x28800, 2^17) = 0x13ffc0000.
constexpr std::array<untyped_desc, 59> riscv_expected = {
    // [0, 0x2000000): pptr 0xffffffc000000000 is 2^38-aligned, 2^25 left.
    dev(0x0, 25),
    // [0x2200000, 0xc000000): up from 2^21 to 0x4000000, then two 2^26.
    dev(0x2200000, 21),
    dev(0x2400000, 22),
    dev(0x2800000, 23),
    dev(0x3000000, 24),
    dev(0x4000000, 26),
    dev(0x8000000, 26),
    // [0xc600000, 0x80200000): up from 2^21 to 2^30, then the 2 MiB below the kernel RAM.
    dev(0xc600000, 21),
    dev(0xc800000, 23),
    dev(0xd000000, 24),
    dev(0xe000000, 25),
    dev(0x10000000, 28),
    dev(0x20000000, 29),
    dev(0x40000000, 30),
    dev(0x80000000, 21),
    // [0x140000000, 2^39): up to 2^37; paddr 2^38 is pptr 0, with 2^38 left.
    dev(0x140000000, 30),
    dev(0x180000000, 31),
    dev(0x200000000, 33),
    dev(0x400000000, 34),
    dev(0x800000000, 35),
    dev(0x1000000000, 36),
    dev(0x2000000000, 37),
    dev(0x4000000000, 38),
    // The boot-only kernel part [0x80200000, 0x80203000): 8 KiB, then 4 KiB.
    ram(0x80200000, 13),
    ram(0x80202000, 12),
    // Free RAM below the root server, [0x80301000, 0x13ffc0000): up from 2^12 to
    // 2^19 at 0x80380000 (0x80400000 is 2^22-aligned), up to 2^30, then down.
    ram(0x80301000, 12),
    ram(0x80302000, 13),
    ram(0x80304000, 14),
    ram(0x80308000, 15),
    ram(0x80310000, 16),
    ram(0x80320000, 17),
    ram(0x80340000, 18),
    ram(0x80380000, 19),
    ram(0x80400000, 22),
    ram(0x80800000, 23),
    ram(0x81000000, 24),
    ram(0x82000000, 25),
    ram(0x84000000, 26),
    ram(0x88000000, 27),
    ram(0x90000000, 28),
    ram(0xa0000000, 29),
    ram(0xc0000000, 30),
    ram(0x100000000, 29),
    ram(0x120000000, 28),
    ram(0x130000000, 27),
    ram(0x138000000, 26),
    ram(0x13c000000, 25),
    ram(0x13e000000, 24),
    ram(0x13f000000, 23),
    ram(0x13f800000, 22),
    ram(0x13fc00000, 21),
    ram(0x13fe00000, 20),
    ram(0x13ff00000, 19),
    ram(0x13ff80000, 18),
    // Above it, [0x13ffe8800, 0x140000000): 0x800, 0x1000, 0x2000, 0x4000, 0x10000.
    ram(0x13ffe8800, 11),
    ram(0x13ffe9000, 12),
    ram(0x13ffea000, 13),
    ram(0x13ffec000, 14),
    ram(0x13fff0000, 16),
};

struct booted {
    stage_report elf{};
    stage_report boot{};
    boot_outcome out{};
};

constexpr booted boot(const platform& p) {
    booted b{};
    placed_images img{};
    b.elf = stage_elf_loader(p, img);
    b.boot = stage_kernel_boot(p, img, b.out);
    return b;
}

// Stages 1 and 2 at compile time.
constexpr booted riscv = boot(qemu_riscv_virt());
static_assert(riscv.elf.state == status::ok && riscv.boot.state == status::ok);
static_assert(riscv.out.untypeds.count == 59 && riscv.out.untypeds.device_count == 23);
static_assert(riscv.out.untypeds.rootserver == kernel::region{0x13ffc0000, 0x13ffe8800});

} // namespace

TEST(BootUntypeds, Riscv64QemuVirtIsTheKernelsFiftyNine) {
    const boot_list& b = riscv.out.untypeds;
    ASSERT_EQ(b.count, riscv_expected.size());
    for (std::size_t i = 0; i < b.count; ++i) EXPECT_EQ(b.list[i], riscv_expected[i]) << i;
    EXPECT_EQ(b.dropped_count, 0u);
}

TEST(BootUntypeds, Riscv64KernelDeviceFramesAreTwoMiB) {
    EXPECT_EQ(kernel_device_frame_bits(kernel::arch::riscv64), 21u);
    EXPECT_EQ(kernel_device_frame_bits(kernel::arch::aarch64), 12u);
    placed_images img{};
    const platform p = qemu_riscv_virt();
    ASSERT_EQ(stage_elf_loader(p, img).state, status::ok);
    const kernel::boot_memory<32> mem = kernel_boot_memory(p, img);
    // The three PLIC frames touch and merge; the images touch and merge.
    ASSERT_EQ(mem.reserved_count, 3u);
    EXPECT_EQ(mem.reserved[0], (kernel::region{0x2000000, 0x2200000}));
    EXPECT_EQ(mem.reserved[1], (kernel::region{0xc000000, 0xc600000}));
    EXPECT_EQ(mem.reserved[2], (kernel::region{0x80200000, 0x80301000}));
    EXPECT_EQ(mem.kernel_boot, (kernel::region{0x80200000, 0x80203000}));
    // A frame given by an address inside it is the frame it lies in.
    platform q = p;
    q.kernel_devices[0] = 0x2010000;
    const kernel::boot_memory<32> mq = kernel_boot_memory(q, img);
    EXPECT_EQ(mq.reserved[0], (kernel::region{0x2000000, 0x2200000}));

    // The devices as DT ranges: CLINT 0x10000 bytes rounds up to one frame, the
    // PLIC's 0x600000 is three. Same reservations, same list.
    platform r = p;
    r.n_kernel_devices = 0;
    ASSERT_TRUE(r.add_kernel_device(0x2000000, 0x10000));
    ASSERT_TRUE(r.add_kernel_device(0xc000000, 0x600000));
    const kernel::boot_memory<32> mr = kernel_boot_memory(r, img);
    ASSERT_EQ(mr.reserved_count, 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(mr.reserved[i], mem.reserved[i]) << i;
    const booted br = boot(r);
    ASSERT_EQ(br.out.untypeds.count, 59u);
    for (std::size_t i = 0; i < 59; ++i) EXPECT_EQ(br.out.untypeds.list[i], riscv_expected[i]) << i;

    // rule.py's align_size rounds the size on its own: a 2 MiB device at
    // 0x2001000 becomes the one frame [0x2000000, 0x2200000), which ends below the
    // device's end 0x2201000 (the kernel maps what the build generated).
    platform u = p;
    u.n_kernel_devices = 0;
    ASSERT_TRUE(u.add_kernel_device(0x2001000, 0x200000));
    const kernel::boot_memory<32> mu = kernel_boot_memory(u, img);
    EXPECT_EQ(mu.reserved[0], (kernel::region{0x2000000, 0x2200000}));
}

TEST(BootUntypeds, WithoutTheBootPartTheListHasNoBootUntypeds) {
    platform p = qemu_riscv_virt();
    p.kernel_boot_size = 0;
    const booted b = boot(p);
    ASSERT_EQ(b.boot.state, status::ok);
    // The same list without entries 23 and 24.
    ASSERT_EQ(b.out.untypeds.count, 57u);
    for (std::size_t i = 0; i < 57; ++i) EXPECT_EQ(b.out.untypeds.list[i], riscv_expected[i < 23 ? i : i + 2]) << i;
}

TEST(BootUntypeds, BootinfoLimitDropsTheLastAndNamesThem) {
    // CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS = 50: provide_untyped_cap keeps
    // untypedList[0 .. 50) and prints "Too many untyped regions" for the other 9,
    // the top of the RAM list (bootinfo order), which are lost.
    platform p = qemu_riscv_virt();
    p.kernel.max_bootinfo_untypeds = 50;
    const booted b = boot(p);
    ASSERT_EQ(b.boot.state, status::ok);
    const boot_list& l = b.out.untypeds;
    ASSERT_EQ(l.count, 50u);
    for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(l.list[i], riscv_expected[i]) << i;
    ASSERT_EQ(l.dropped_count, 9u);
    for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(l.dropped[i], riscv_expected[50 + i]) << i;
    // 2^20 + 2^19 + 2^18 + 2^11 + 2^12 + 2^13 + 2^14 + 2^16, plus 2^21.
    EXPECT_EQ(l.dropped_ram_bytes,
              0x200000u + 0x100000u + 0x80000u + 0x40000u + 0x800u + 0x1000u + 0x2000u + 0x4000u + 0x10000u);
    EXPECT_EQ(l.dropped_device_bytes, 0u);
}

// The built-in qemu-arm-virt (aarch64 at EL2): GICv2 distributor and CPU
// interface frames, 4 KiB each; RAM [0xc0000000, 0x140000000) after the guest's
// no-map window [0x40000000, 0xc0000000). aarch64-hyp's PPTR_BASE_OFFSET is
// 2^39, so below 2^39 a paddr has its own alignment.
TEST(BootUntypeds, Aarch64QemuArmVirtDeviceUntypeds) {
    const booted b = boot(examples::qemu_arm_virt_4g());
    ASSERT_EQ(b.boot.state, status::ok);
    const boot_list& l = b.out.untypeds;
    constexpr std::array<untyped_desc, 32> devices = {
        dev(0x0, 27), // [0, 0x8000000)
        // [0x8001000, 0x8010000): up from 2^12 to 2^15.
        dev(0x8001000, 12),
        dev(0x8002000, 13),
        dev(0x8004000, 14),
        dev(0x8008000, 15),
        // [0x8011000, 0xc0000000): up from 2^12 to 2^27 at 0x18000000, then 2^28 .. 2^30.
        dev(0x8011000, 12),
        dev(0x8012000, 13),
        dev(0x8014000, 14),
        dev(0x8018000, 15),
        dev(0x8020000, 17),
        dev(0x8040000, 18),
        dev(0x8080000, 19),
        dev(0x8100000, 20),
        dev(0x8200000, 21),
        dev(0x8400000, 22),
        dev(0x8800000, 23),
        dev(0x9000000, 24),
        dev(0xa000000, 25),
        dev(0xc000000, 26),
        dev(0x10000000, 28),
        dev(0x20000000, 29),
        dev(0x40000000, 30),
        dev(0x80000000, 30),
        // [0x140000000, 2^40): up from 2^30 at 0x140000000 to 2^39.
        dev(0x140000000, 30),
        dev(0x180000000, 31),
        dev(0x200000000, 33),
        dev(0x400000000, 34),
        dev(0x800000000, 35),
        dev(0x1000000000, 36),
        dev(0x2000000000, 37),
        dev(0x4000000000, 38),
        dev(0x8000000000, 39),
    };
    ASSERT_EQ(l.device_count, devices.size());
    for (std::size_t i = 0; i < devices.size(); ++i) EXPECT_EQ(l.list[i], devices[i]) << i;
    // The example gives no boot-only size, so free RAM follows at once. The
    // kernel reserves the DTB byte-exact (try_init_kernel's dtb_p_reg, not page
    // rounded), so the rest of its page, [0xc0243ddc, 0xc0244000), is free RAM:
    // 4 bytes below 16-byte alignment are lost, then 0x20 and 0x200. Then the
    // RAM after the root task: 0xc0244000 + 0x14f9000 = 0xc173d000.
    EXPECT_EQ(l.list[32], ram(0xc0243de0, 5));
    EXPECT_EQ(l.list[33], ram(0xc0243e00, 9));
    EXPECT_EQ(l.list[34], ram(0xc173d000, 12));
    EXPECT_EQ(l.sliver_bytes, 4u);
}
