// Boot-time creation of the initial untypeds (src/kernel/boot.c), per
// architecture. Every expected address below is worked out by hand from the
// splitting rule: in pptr space, take the largest power of two that fits in
// what is left, no larger than the start's alignment (pptr 0 is aligned to
// anything) nor seL4_MaxUntypedBits; pieces below 16 bytes are lost.
#include <retype/kernel/boot.hpp>
#include <retype/kernel/x86_boot.hpp>

#include "x86_qemu_log.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <utility>

using namespace retype;
using namespace retype::kernel;

namespace {

using mem_t = boot_memory<16>;
using boot_t = boot_untypeds<230>;

constexpr mem_t make_mem(std::initializer_list<region> ram, std::initializer_list<region> reserved, region kernel_boot,
                         std::uint8_t extra_bi_bits, std::uint64_t n_paging) {
    mem_t m{};
    for (region r : ram) m.add_ram(r);
    for (region r : reserved) m.add_reserved(r);
    m.kernel_boot = kernel_boot;
    m.extra_bi_bits = extra_bi_bits;
    m.n_paging = n_paging;
    return m;
}

constexpr untyped_desc dev(paddr_t p, std::uint8_t bits) { return untyped_desc{p, bits, true}; }
constexpr untyped_desc ram(paddr_t p, std::uint8_t bits) { return untyped_desc{p, bits, false}; }

// ---- x86_64, QEMU, 512 MiB (sel4-untyped.md §5.7) ----------------------------
// A build with a 2^16-slot root CNode. RAM [1 MiB, 0x1ffe0000); kernel + user
// image [0x100000, 0xa2b000), of which [0x100000, 0x800000) is boot-only; IOAPIC
// 0xfec00000 and LAPIC 0xfee00000 (4 KiB each); MSI window [0xfffffff8, 2^32).
// Extra bootinfo is one page, and the user image needs a PDPT, a PD and a PT.
constexpr config x86_qemu{.target = arch::x86_64, .root_cnode_bits = 16};
constexpr mem_t x86_qemu_mem =
    make_mem({{0x100000, 0x1ffe0000}},
             {{0x100000, 0xa2b000}, {0xfec00000, 0xfec01000}, {0xfee00000, 0xfee01000}, {0xfffffff8, 0x100000000}},
             {0x100000, 0x800000}, 12, 3);

// The whole boot evaluated by the compiler.
constexpr auto x86_boot = create_boot_untypeds<230>(x86_qemu, x86_qemu_mem);
static_assert(x86_boot.has_value());
// Root server: 2^(16+5) CNode + 2^11 TCB + 8 pages = 0x208800, aligned to 2^21:
// round_down(0x1ffe0000 - 0x208800 = 0x1fdd7800, 2^21) = 0x1fc00000.
static_assert(x86_boot->rootserver == region{0x1fc00000, 0x1fe08800});
static_assert(x86_boot->rootserver_align_bits == 21);
// 65 device + 3 boot-kernel + 17 below + 11 above the root server (counted below).
static_assert(x86_boot->count == 96 && x86_boot->device_count == 65);
static_assert(x86_boot->list[0] == dev(0x0, 20));
static_assert(x86_boot->list[95] == ram(0x1ffc0000, 17));

// The untyped list, worked out gap by gap.
constexpr std::array<untyped_desc, 96> x86_expected = {
    // [0, 0x100000): the low MiB is never RAM on x86.
    dev(0x0, 20),
    // [0x1ffe0000, 0xfec00000)
    dev(0x1ffe0000, 17),
    dev(0x20000000, 29),
    dev(0x40000000, 30),
    dev(0x80000000, 30),
    dev(0xc0000000, 29),
    dev(0xe0000000, 28),
    dev(0xf0000000, 27),
    dev(0xf8000000, 26),
    dev(0xfc000000, 25),
    dev(0xfe000000, 23),
    dev(0xfe800000, 22),
    // [0xfec01000, 0xfee00000): up by one bit from 2^12 to 2^20.
    dev(0xfec01000, 12),
    dev(0xfec02000, 13),
    dev(0xfec04000, 14),
    dev(0xfec08000, 15),
    dev(0xfec10000, 16),
    dev(0xfec20000, 17),
    dev(0xfec40000, 18),
    dev(0xfec80000, 19),
    dev(0xfed00000, 20),
    // [0xfee01000, 0xfffffff8): up to 2^20, then down from 2^23 to 2^4; 8 bytes lost.
    dev(0xfee01000, 12),
    dev(0xfee02000, 13),
    dev(0xfee04000, 14),
    dev(0xfee08000, 15),
    dev(0xfee10000, 16),
    dev(0xfee20000, 17),
    dev(0xfee40000, 18),
    dev(0xfee80000, 19),
    dev(0xfef00000, 20),
    dev(0xff000000, 23),
    dev(0xff800000, 22),
    dev(0xffc00000, 21),
    dev(0xffe00000, 20),
    dev(0xfff00000, 19),
    dev(0xfff80000, 18),
    dev(0xfffc0000, 17),
    dev(0xfffe0000, 16),
    dev(0xffff0000, 15),
    dev(0xffff8000, 14),
    dev(0xffffc000, 13),
    dev(0xffffe000, 12),
    dev(0xfffff000, 11),
    dev(0xfffff800, 10),
    dev(0xfffffc00, 9),
    dev(0xfffffe00, 8),
    dev(0xffffff00, 7),
    dev(0xffffff80, 6),
    dev(0xffffffc0, 5),
    dev(0xffffffe0, 4),
    // [2^32, 2^47): pptr 0xffffff8100000000 upwards, aligned by its own bits to 2^38...
    dev(0x100000000, 32),
    dev(0x200000000, 33),
    dev(0x400000000, 34),
    dev(0x800000000, 35),
    dev(0x1000000000, 36),
    dev(0x2000000000, 37),
    dev(0x4000000000, 38),
    // ...then pptr wraps to 0 at paddr 2^39, and 2^47 - 2^39 is left: 46, 45, ..., 39.
    dev(0x8000000000, 46),
    dev(0x408000000000, 45),
    dev(0x608000000000, 44),
    dev(0x708000000000, 43),
    dev(0x788000000000, 42),
    dev(0x7c8000000000, 41),
    dev(0x7e8000000000, 40),
    dev(0x7f8000000000, 39),
    // The boot-only kernel part [0x100000, 0x800000).
    ram(0x100000, 20),
    ram(0x200000, 21),
    ram(0x400000, 22),
    // Free RAM below the root server, [0xa2b000, 0x1fc00000).
    ram(0xa2b000, 12),
    ram(0xa2c000, 14),
    ram(0xa30000, 16),
    ram(0xa40000, 18),
    ram(0xa80000, 19),
    ram(0xb00000, 20),
    ram(0xc00000, 22),
    ram(0x1000000, 24),
    ram(0x2000000, 25),
    ram(0x4000000, 26),
    ram(0x8000000, 27),
    ram(0x10000000, 27),
    ram(0x18000000, 26),
    ram(0x1c000000, 25),
    ram(0x1e000000, 24),
    ram(0x1f000000, 23),
    ram(0x1f800000, 22),
    // Above it, [0x1fe08800, 0x1ffe0000).
    ram(0x1fe08800, 11),
    ram(0x1fe09000, 12),
    ram(0x1fe0a000, 13),
    ram(0x1fe0c000, 14),
    ram(0x1fe10000, 16),
    ram(0x1fe20000, 17),
    ram(0x1fe40000, 18),
    ram(0x1fe80000, 19),
    ram(0x1ff00000, 19),
    ram(0x1ff80000, 18),
    ram(0x1ffc0000, 17),
};

constexpr std::uint64_t bytes(const untyped_desc& d) { return std::uint64_t{1} << d.size_bits; }

/// Everything below the device top is accounted for exactly once: kept or
/// dropped untypeds, lost slivers, the root server, and reserved memory that
/// is not handed back. Requires all reserved regions below the device top.
template <std::size_t N, std::size_t D>
constexpr std::uint64_t accounted(const boot_untypeds<N, D>& b, const mem_t& m) {
    std::uint64_t sum = b.sliver_bytes + b.rootserver.size() + b.dropped_device_bytes + b.dropped_ram_bytes;
    for (std::size_t i = 0; i < b.count; ++i) sum += bytes(b.list[i]);
    for (std::size_t i = 0; i < m.reserved_count; ++i) sum += m.reserved[i].size();
    return sum - m.kernel_boot.size();
}

// Every untyped is a naturally aligned block in pptr space that ends at or
// below 2^word_bits; RAM ones lie in the kernel window.
template <std::size_t N>
void expect_kernel_acceptable(const config& cfg, const boot_untypeds<N>& b) {
    const arch_traits t = traits(cfg);
    for (std::size_t i = 0; i < b.count; ++i) {
        const untyped_desc& d = b.list[i];
        SCOPED_TRACE(i);
        EXPECT_GE(d.size_bits, t.min_untyped_bits);
        EXPECT_LE(d.size_bits, t.max_untyped_bits);
        EXPECT_EQ(t.to_pptr(d.paddr) % bytes(d), 0u);
        EXPECT_LE(d.paddr + (bytes(d) - 1), t.word_mask());
        if (!d.device) {
            EXPECT_TRUE(t.in_window(d.paddr, d.size_bits));
        }
        EXPECT_EQ(d.device, i < b.device_count);
    }
}

} // namespace

TEST(Boot, X86QemuMatchesTheObservedBootinfo) {
    const auto& b = *x86_boot;
    ASSERT_EQ(b.count, x86_expected.size());
    for (std::size_t i = 0; i < b.count; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(b.list[i], x86_expected[i]);
    }
    EXPECT_EQ(b.sliver_bytes, 8u); // [0xfffffff0, 0xfffffff8)
    EXPECT_EQ(b.dropped_count, 0u);
    EXPECT_EQ(b.freemem_count, 1u);
    expect_kernel_acceptable(x86_qemu, b);
    EXPECT_EQ(accounted(b, x86_qemu_mem), std::uint64_t{1} << 47);
}

// The same boot read back from the kernel's console: the log's memory map,
// images and APICs give exactly x86_qemu_mem (reserved list and kernel-device
// pages, one-page extra bootinfo, 3 paging structures for [0x400000, 0x488000)),
// so the list is x86_expected. Evaluated by the compiler.
constexpr auto x86_log_boot = [] {
    auto log = x86::parse_boot_log(retype_test::x86_qemu_512m_log);
    Expects(log.has_value());
    log->kernel_boot_end = 0x800000;
    auto mem = x86::layout(x86_qemu, *log);
    Expects(mem.has_value());
    return create_boot_untypeds<230>(x86_qemu, *mem);
}();
static_assert(x86_log_boot.has_value() && x86_log_boot->count == 96);

TEST(Boot, X86BootLogGivesTheObservedBootinfo) {
    ASSERT_TRUE(x86_log_boot.has_value());
    ASSERT_EQ(x86_log_boot->count, x86_expected.size());
    for (std::size_t i = 0; i < x86_expected.size(); ++i) EXPECT_EQ(x86_log_boot->list[i], x86_expected[i]) << i;
    EXPECT_EQ(x86_log_boot->rootserver, x86_boot->rootserver);

    // Without the "Available phys memory regions" / "Reserved virt address space
    // regions" blocks and the "Adding physical memory region" line, the raw
    // multiboot map and the user-image line give the same map.
    std::string_view text = retype_test::x86_qemu_512m_log;
    std::string_view raw = text.substr(0, text.find("Available phys memory regions"));
    auto log = x86::parse_boot_log(raw);
    ASSERT_TRUE(log.has_value());
    EXPECT_FALSE(log->available_seen);
    EXPECT_FALSE(log->reserved_seen);
    log->n_added = 0;
    log->kernel_boot_end = 0x800000;
    auto mem = x86::layout(x86_qemu, *log);
    ASSERT_TRUE(mem.has_value());
    ASSERT_EQ(mem->ram_count, x86_qemu_mem.ram_count);
    EXPECT_EQ(mem->ram[0], x86_qemu_mem.ram[0]);
    ASSERT_EQ(mem->reserved_count, x86_qemu_mem.reserved_count);
    for (std::size_t i = 0; i < mem->reserved_count; ++i) EXPECT_EQ(mem->reserved[i], x86_qemu_mem.reserved[i]) << i;
    EXPECT_EQ(mem->kernel_boot, x86_qemu_mem.kernel_boot);
    EXPECT_EQ(mem->extra_bi_bits, x86_qemu_mem.extra_bi_bits);
    EXPECT_EQ(mem->n_paging, x86_qemu_mem.n_paging);
}

TEST(Boot, RootserverSizeAndAlignment) {
    EXPECT_EQ(rootserver_size(x86_qemu, x86_qemu_mem), 0x208800u);
    // MCS adds a 2^7 SchedContext; no extra bootinfo removes a page.
    mem_t m = x86_qemu_mem;
    m.extra_bi_bits = 0;
    EXPECT_EQ(rootserver_size(config{.target = arch::x86_64, .mcs = true, .root_cnode_bits = 16}, m),
              0x208800u - 0x1000 + 0x80);
    // A 2^22 extra bootinfo region raises the alignment above the CNode's 2^21.
    m.extra_bi_bits = 22;
    EXPECT_EQ(rootserver_align_bits(x86_qemu, m), 22u);
    // calculate_extra_bi_size_bits: at least a page, else the next power of two.
    static_assert(extra_bi_size_bits(0) == 0 && extra_bi_size_bits(1) == 12 && extra_bi_size_bits(0x1000) == 12);
    static_assert(extra_bi_size_bits(0x1001) == 13 && extra_bi_size_bits(0x10001) == 17);
}

TEST(Boot, BootinfoCutOffDropsRamFirstAndReportsIt) {
    // Keep 70: the 65 device untypeds, the 3 boot-kernel ones, 0xa2b000/12, 0xa2c000/14.
    config cfg = x86_qemu;
    cfg.max_bootinfo_untypeds = 70;
    const auto b = create_boot_untypeds<230, 4>(cfg, x86_qemu_mem);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->count, 70u);
    EXPECT_EQ(b->list[69], ram(0xa2c000, 14));
    EXPECT_EQ(b->dropped_count, 26u);
    EXPECT_EQ(b->dropped_listed(), 4u);
    EXPECT_EQ(b->dropped[0], ram(0xa30000, 16));
    EXPECT_EQ(b->dropped[3], ram(0xb00000, 20));
    EXPECT_EQ(b->dropped_device_bytes, 0u);
    // All free RAM from 0xa30000 except the root server: [0xa30000, 0x1fc00000) and [0x1fe08800, 0x1ffe0000).
    EXPECT_EQ(b->dropped_ram_bytes, (0x1fc00000u - 0xa30000u) + (0x1ffe0000u - 0x1fe08800u));
    EXPECT_EQ(accounted(*b, x86_qemu_mem), std::uint64_t{1} << 47);

    // Keep 60: the last five device untypeds go too.
    cfg.max_bootinfo_untypeds = 60;
    const auto c = create_boot_untypeds<230>(cfg, x86_qemu_mem);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->count, 60u);
    EXPECT_EQ(c->device_count, 60u);
    EXPECT_EQ(c->dropped_count, 36u);
    EXPECT_EQ(c->dropped[0], dev(0x708000000000, 43));
    EXPECT_EQ(c->dropped_device_bytes, (std::uint64_t{1} << 43) + (std::uint64_t{1} << 42) + (std::uint64_t{1} << 41) +
                                           (std::uint64_t{1} << 40) + (std::uint64_t{1} << 39));
}

// ---- aarch64 (EL1 and EL2), QEMU virt, 1 GiB at 0x40000000 -------------------
// Kernel image [0x40000000, 0x40200000) with boot-only [0x40000000, 0x40100000),
// user image [0x40200000, 0x40300000). Root server: 2^(12+5) CNode + 2^11 TCB +
// IPC, bootinfo, ASID pool + 2^12 VSpace + 3 page tables = 0x27800, aligned to 2^17.
constexpr mem_t arm64_mem = make_mem({{0x40000000, 0x80000000}}, {{0x40000000, 0x40200000}, {0x40200000, 0x40300000}},
                                     {0x40000000, 0x40100000}, 0, 3);

constexpr std::array<untyped_desc, 23> arm64_ram_expected = {
    ram(0x40000000, 20), // boot-only kernel part
    // [0x40300000, 0x7ffc0000)
    ram(0x40300000, 20),
    ram(0x40400000, 22),
    ram(0x40800000, 23),
    ram(0x41000000, 24),
    ram(0x42000000, 25),
    ram(0x44000000, 26),
    ram(0x48000000, 27),
    ram(0x50000000, 28),
    ram(0x60000000, 28),
    ram(0x70000000, 27),
    ram(0x78000000, 26),
    ram(0x7c000000, 25),
    ram(0x7e000000, 24),
    ram(0x7f000000, 23),
    ram(0x7f800000, 22),
    ram(0x7fc00000, 21),
    ram(0x7fe00000, 20),
    ram(0x7ff00000, 19),
    ram(0x7ff80000, 18),
    // above the root server [0x7ffc0000, 0x7ffe7800): [0x7ffe7800, 0x80000000)
    ram(0x7ffe7800, 11),
    ram(0x7ffe8000, 15),
    ram(0x7fff0000, 16),
};

TEST(Boot, Aarch64El1Cortex53) {
    constexpr config cfg{.target = arch::aarch64};
    constexpr auto b = create_boot_untypeds<230>(cfg, arm64_mem);
    static_assert(b.has_value() && b->rootserver == region{0x7ffc0000, 0x7ffe7800});
    // Device: [0, 2^30) is one block; [2^31, 2^40) runs up from 2^31 to 2^38, then
    // pptr wraps to 0 at paddr 2^39 with 2^39 left (sel4-untyped.md §3.4: "only 0x8000000000/39").
    constexpr std::array<untyped_desc, 10> device = {
        dev(0x0, 30),          dev(0x80000000, 31),   dev(0x100000000, 32),  dev(0x200000000, 33),
        dev(0x400000000, 34),  dev(0x800000000, 35),  dev(0x1000000000, 36), dev(0x2000000000, 37),
        dev(0x4000000000, 38), dev(0x8000000000, 39),
    };
    ASSERT_EQ(b->device_count, device.size());
    ASSERT_EQ(b->count, device.size() + arm64_ram_expected.size());
    for (std::size_t i = 0; i < device.size(); ++i) EXPECT_EQ(b->list[i], device[i]) << i;
    for (std::size_t i = 0; i < arm64_ram_expected.size(); ++i)
        EXPECT_EQ(b->list[device.size() + i], arm64_ram_expected[i]) << i;
    expect_kernel_acceptable(cfg, *b);
    EXPECT_EQ(accounted(*b, arm64_mem), std::uint64_t{1} << 40);
}

TEST(Boot, Aarch64DeviceTop44El1AndEl2DifferOnlyAboveTwoTo39) {
    // Cortex-A57/A72: device top 2^44. Derived in sel4-untyped.md §3.4.
    constexpr config el1{.target = arch::aarch64, .device_top = std::uint64_t{1} << 44};
    constexpr config el2{.target = arch::aarch64_hyp, .device_top = std::uint64_t{1} << 44};
    const auto a = create_boot_untypeds<230>(el1, arm64_mem);
    const auto h = create_boot_untypeds<230>(el2, arm64_mem);
    ASSERT_TRUE(a && h);
    // EL1: pptr 0 at 2^39, then 2^44 - 2^39 is left: 43, 42, 41, 40, 39.
    const std::array<untyped_desc, 5> el1_top = {dev(0x8000000000, 43), dev(0x88000000000, 42), dev(0xc8000000000, 41),
                                                 dev(0xe8000000000, 40), dev(0xf8000000000, 39)};
    // EL2: pptr = paddr + 2^39, so pptr 2^40 is paddr 2^39; up from 40 to 43, then 39 to reach 2^44 + 2^39.
    const std::array<untyped_desc, 5> el2_top = {dev(0x8000000000, 40), dev(0x18000000000, 41), dev(0x38000000000, 42),
                                                 dev(0x78000000000, 43), dev(0xf8000000000, 39)};
    ASSERT_EQ(a->device_count, 14u); // 0x0/30, 31 ... 38 (8), then these 5
    ASSERT_EQ(h->device_count, 14u);
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(a->list[9 + i], el1_top[i]) << i;
        EXPECT_EQ(h->list[9 + i], el2_top[i]) << i;
    }
    // Below 2^39 and in the RAM, both kernel windows are offset by a multiple of 2^39: same blocks.
    for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(a->list[i], h->list[i]) << i;
    ASSERT_EQ(a->count, h->count);
    for (std::size_t i = 14; i < a->count; ++i) EXPECT_EQ(a->list[i], h->list[i]) << i;
    EXPECT_EQ(h->rootserver, (region{0x7ffc0000, 0x7ffe7800}));
    expect_kernel_acceptable(el1, *a);
    expect_kernel_acceptable(el2, *h);
    EXPECT_EQ(accounted(*h, arm64_mem), std::uint64_t{1} << 44);
}

// ---- riscv64 (Sv39), QEMU virt ----------------------------------------------
TEST(Boot, Riscv64) {
    // RAM from 0x80200000 (OpenSBI below is reserved-memory no-map) to 3 GiB.
    // Kernel [0x80200000, 0x80600000), boot-only [0x80200000, 0x80300000); user
    // image [0x80600000, 0x80800000). Root server 2^17 + 2^11 + 3 pages + 2^12
    // root PT + 2 PTs = 0x26800 at round_down(0xc0000000 - 0x26800, 2^17) = 0xbffc0000.
    constexpr config cfg{.target = arch::riscv64};
    constexpr mem_t m = make_mem({{0x80200000, 0xc0000000}}, {{0x80200000, 0x80600000}, {0x80600000, 0x80800000}},
                                 {0x80200000, 0x80300000}, 0, 2);
    constexpr auto b = create_boot_untypeds<230>(cfg, m);
    static_assert(b.has_value() && b->rootserver == region{0xbffc0000, 0xbffe6800});
    constexpr std::array<untyped_desc, 32> expected = {
        // [0, 0x80200000): pptr 0xffffffc000000000 is 2^38-aligned; 2^31, then 2^21.
        dev(0x0, 31),
        dev(0x80000000, 21),
        // [3 GiB, 2^39): up to 2^37, then pptr 0 at paddr 2^38 with 2^38 (= MaxUntypedBits) left.
        dev(0xc0000000, 30),
        dev(0x100000000, 32),
        dev(0x200000000, 33),
        dev(0x400000000, 34),
        dev(0x800000000, 35),
        dev(0x1000000000, 36),
        dev(0x2000000000, 37),
        dev(0x4000000000, 38),
        ram(0x80200000, 20),
        ram(0x80800000, 23),
        ram(0x81000000, 24),
        ram(0x82000000, 25),
        ram(0x84000000, 26),
        ram(0x88000000, 27),
        ram(0x90000000, 28),
        ram(0xa0000000, 28),
        ram(0xb0000000, 27),
        ram(0xb8000000, 26),
        ram(0xbc000000, 25),
        ram(0xbe000000, 24),
        ram(0xbf000000, 23),
        ram(0xbf800000, 22),
        ram(0xbfc00000, 21),
        ram(0xbfe00000, 20),
        ram(0xbff00000, 19),
        ram(0xbff80000, 18),
        ram(0xbffe6800, 11),
        ram(0xbffe7000, 12),
        ram(0xbffe8000, 15),
        ram(0xbfff0000, 16),
    };
    ASSERT_EQ(b->count, expected.size());
    EXPECT_EQ(b->device_count, 10u);
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(b->list[i], expected[i]) << i;
    expect_kernel_acceptable(cfg, *b);
    EXPECT_EQ(accounted(*b, m), std::uint64_t{1} << 39);
}

TEST(Boot, SliversBelowSixteenBytesAreLost) {
    // A boot-only kernel part ending 8 bytes past 2^19: one 2^19 block and 8 lost bytes.
    constexpr config cfg{.target = arch::riscv64};
    constexpr mem_t m =
        make_mem({{0x80200000, 0xc0000000}}, {{0x80200000, 0x80600000}}, {0x80200000, 0x80280008}, 0, 2);
    const auto b = create_boot_untypeds<230>(cfg, m);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->sliver_bytes, 8u);
    EXPECT_EQ(b->list[b->device_count], ram(0x80200000, 19));
    EXPECT_EQ(b->list[b->device_count + 1], ram(0x80600000, 21)); // freemem starts right after
}

// ---- aarch32, qemu-arm-virt: physBase 0x40000000, PPTR_BASE 0xa0000000 ------
// PPTR_BASE_OFFSET = 0x60000000, PADDR_TOP = 0xfff00000 - 0x60000000 = 0x9ff00000,
// device top 2^32 (16.0.0). Kernel [0x40000000, 0x40200000) (boot-only first MiB),
// user image [0x40200000, 0x40300000), the mode-reserved PD_ASID_SLOT section
// pptr [0xff000000, 0xff100000) = paddr [0x9f000000, 0x9f100000).
constexpr config arm32{.target = arch::aarch32};
constexpr mem_t arm32_mem =
    make_mem({{0x40000000, 0x80000000}}, {{0x40000000, 0x40200000}, {0x40200000, 0x40300000}, {0x9f000000, 0x9f100000}},
             {0x40000000, 0x40100000}, 0, 1);

TEST(Boot, Aarch32EndsExactlyAtTwoTo32) {
    // Root server: 2^(12+4) CNode + 2^10 TCB + 3 pages + 2^14 PD + one 2^10 PT =
    // 0x17800 at round_down(pptr 0xe0000000 - 0x17800, 2^16) = pptr 0xdffe0000 = paddr 0x7ffe0000.
    constexpr auto b = create_boot_untypeds<230>(arm32, arm32_mem);
    static_assert(b.has_value() && b->rootserver == region{0x7ffe0000, 0x7fff7800});
    // The very last untyped ends at 2^32 without wrapping.
    static_assert(b->list[b->device_count - 1] == dev(0xe0000000, 29));
    constexpr std::array<untyped_desc, 37> expected = {
        // [0, 2^30): pptr [0x60000000, 0xa0000000), MaxUntypedBits 29.
        dev(0x0, 29),
        dev(0x20000000, 29),
        // [2^31, 0x9f000000): pptr [0xe0000000, 0xff000000).
        dev(0x80000000, 28),
        dev(0x90000000, 27),
        dev(0x98000000, 26),
        dev(0x9c000000, 25),
        dev(0x9e000000, 24),
        // [0x9f100000, 2^32): pptr 0xff100000 up to 2^32 wraps to 0 at paddr 0xa0000000, then 3 x 2^29.
        dev(0x9f100000, 20),
        dev(0x9f200000, 21),
        dev(0x9f400000, 22),
        dev(0x9f800000, 23),
        dev(0xa0000000, 29),
        dev(0xc0000000, 29),
        dev(0xe0000000, 29),
        ram(0x40000000, 20),
        // [0x40300000, 0x7ffe0000)
        ram(0x40300000, 20),
        ram(0x40400000, 22),
        ram(0x40800000, 23),
        ram(0x41000000, 24),
        ram(0x42000000, 25),
        ram(0x44000000, 26),
        ram(0x48000000, 27),
        ram(0x50000000, 28),
        ram(0x60000000, 28),
        ram(0x70000000, 27),
        ram(0x78000000, 26),
        ram(0x7c000000, 25),
        ram(0x7e000000, 24),
        ram(0x7f000000, 23),
        ram(0x7f800000, 22),
        ram(0x7fc00000, 21),
        ram(0x7fe00000, 20),
        ram(0x7ff00000, 19),
        ram(0x7ff80000, 18),
        ram(0x7ffc0000, 17),
        // [0x7fff7800, 0x80000000)
        ram(0x7fff7800, 11),
        ram(0x7fff8000, 15),
    };
    ASSERT_EQ(b->count, expected.size());
    EXPECT_EQ(b->device_count, 14u);
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(b->list[i], expected[i]) << i;
    expect_kernel_acceptable(arm32, *b);
    EXPECT_EQ(accounted(*b, arm32_mem), std::uint64_t{1} << 32);
}

TEST(Boot, Aarch32RamBeyondTheWindowAndAReservationAtTheVeryTop) {
    // RAM up to 2^32: above PADDR_TOP (0x9ff00000) it is device memory. A
    // reservation ending at 2^32 leaves no top device region at all.
    constexpr mem_t m =
        make_mem({{0x40000000, 0x100000000}}, {{0x40000000, 0x40200000}, {0xfffff000, 0x100000000}}, {}, 0, 1);
    const auto b = create_boot_untypeds<230>(arm32, m);
    ASSERT_TRUE(b);
    // Device: [0, 2^30) as before, then [0x9ff00000, 0xfffff000): pptr [0xfff00000, 0x5ffff000) wrapping.
    ASSERT_GE(b->device_count, 4u);
    EXPECT_EQ(b->list[2], dev(0x9ff00000, 20));
    EXPECT_EQ(b->list[3], dev(0xa0000000, 29)); // pptr 0
    EXPECT_EQ(b->list[b->device_count - 1], dev(0xffffe000, 12));
    // Free RAM is [0x40200000, 0x9ff00000) minus the root server.
    for (std::size_t i = b->device_count; i < b->count; ++i) {
        EXPECT_FALSE(b->list[i].device);
        EXPECT_GE(b->list[i].paddr, 0x40200000u);
        EXPECT_LE(b->list[i].paddr + bytes(b->list[i]), 0x9ff00000u);
    }
    expect_kernel_acceptable(arm32, *b);
    EXPECT_EQ(accounted(*b, m), std::uint64_t{1} << 32);
}

// ---- errors -------------------------------------------------------------------
TEST(Boot, RejectsBadMaps) {
    constexpr config cfg{.target = arch::x86_64};
    const region none{};
    // Unsorted RAM, overlapping reservations.
    auto e = create_boot_untypeds<230>(cfg, make_mem({{0x200000, 0x300000}, {0x100000, 0x180000}}, {}, none, 0, 0));
    EXPECT_EQ(e.error(), make_error(error_code::overlap, 0x100000, 0x300000));
    e = create_boot_untypeds<230>(
        cfg, make_mem({{0x100000, 0x8000000}}, {{0x100000, 0x300000}, {0x200000, 0x400000}}, none, 0, 0));
    EXPECT_EQ(e.error(), make_error(error_code::overlap, 0x200000, 0x300000));
    // An inverted region, an empty RAM region, and (aarch32) a region past 2^32.
    e = create_boot_untypeds<230>(cfg, make_mem({{0x300000, 0x200000}}, {}, none, 0, 0));
    EXPECT_EQ(e.error(), make_error(error_code::out_of_window, 0x300000, 0x200000));
    e = create_boot_untypeds<230>(cfg, make_mem({{0x300000, 0x300000}}, {}, none, 0, 0));
    EXPECT_EQ(e.error().code, error_code::out_of_window);
    e = create_boot_untypeds<230>(arm32, make_mem({{0x40000000, 0x100001000}}, {}, none, 0, 1));
    EXPECT_EQ(e.error(), make_error(error_code::out_of_window, 0x40000000, 0x100001000));
    // The boot-only kernel part must be reserved and in the window.
    e = create_boot_untypeds<230>(
        cfg, make_mem({{0x100000, 0x8000000}}, {{0x100000, 0x200000}}, {0x100000, 0x300000}, 0, 0));
    EXPECT_EQ(e.error(), make_error(error_code::overlap, 0x100000, 0x200000));
    e = create_boot_untypeds<230>(cfg, make_mem({{0x100000, 0x8000000}},
                                                {{0x100000, 0x200000}, {0x8000000000, 0x8000100000}},
                                                {0x8000000000, 0x8000100000}, 0, 0));
    EXPECT_EQ(e.error(), make_error(error_code::out_of_window, 0x8000000000, 0x7f80000000));
}

TEST(Boot, RootServerThatDoesNotFitIsReported) {
    // Needs 0x208800 bytes at a 2^21 boundary.
    const region none{};
    auto e = create_boot_untypeds<230>(x86_qemu, make_mem({{0x100000, 0x180000}}, {}, none, 12, 3));
    EXPECT_EQ(e.error(), make_error(error_code::no_fit, 0x208800, 0x80000));
    // 3 MiB is enough bytes, but round_down(0x600000 - 0x208800, 2^21) = 0x200000 < 0x300000.
    e = create_boot_untypeds<230>(x86_qemu, make_mem({{0x300000, 0x600000}}, {}, none, 12, 3));
    EXPECT_EQ(e.error(), make_error(error_code::no_fit, 0x208800, 0x300000));
    // The highest piece that fits wins, even when a lower one is larger.
    auto ok = create_boot_untypeds<230>(x86_qemu,
                                        make_mem({{0x1000000, 0x8000000}, {0x10000000, 0x10400000}}, {}, none, 12, 3));
    ASSERT_TRUE(ok);
    // round_down(0x10400000 - 0x208800, 2^21) = 0x10000000.
    EXPECT_EQ(ok->rootserver, (region{0x10000000, 0x10208800}));
    // No RAM inside the window (x86_64 PADDR_TOP is 0x7f80000000).
    e = create_boot_untypeds<230>(x86_qemu, make_mem({{0x8000000000, 0x9000000000}}, {}, none, 12, 3));
    EXPECT_EQ(e.error(), make_error(error_code::no_fit, 0x208800, 0));
}

TEST(Boot, FreememLimitOfTheKernel) {
    // aarch64: MAX_NUM_FREEMEM_REG = 1 RAM region + 0 + 2 = 3; one slot stays free for the root server split.
    constexpr config cfg{.target = arch::aarch64};
    const region none{};
    auto two =
        create_boot_untypeds<230>(cfg, make_mem({{0x40000000, 0x80000000}}, {{0x50000000, 0x50001000}}, none, 0, 3));
    EXPECT_TRUE(two);
    auto three = create_boot_untypeds<230>(
        cfg, make_mem({{0x40000000, 0x80000000}}, {{0x50000000, 0x50001000}, {0x60000000, 0x60001000}}, none, 0, 3));
    EXPECT_EQ(three.error(), make_error(error_code::capacity_exhausted, 3, 2));
    // x86: 16 slots. Seventeen RAM regions do not even fit avail_reg.
    boot_memory<20> m{};
    for (std::uint64_t i = 0; i < 17; ++i) m.add_ram(region{0x1000000 * (i + 1), 0x1000000 * (i + 1) + 0x800000});
    m.n_paging = 3;
    auto e = create_boot_untypeds<230>(x86_qemu, m);
    EXPECT_EQ(e.error(), make_error(error_code::capacity_exhausted, 17, 16));
    // Sixteen regions fill the last slot that init_freemem needs free.
    m.ram_count = 16;
    e = create_boot_untypeds<230>(x86_qemu, m);
    EXPECT_EQ(e.error(), make_error(error_code::capacity_exhausted, 16, 15));
    m.ram_count = 15;
    EXPECT_TRUE(create_boot_untypeds<230>(x86_qemu, m));
}

TEST(Boot, OwnCapacityExhausted) {
    auto e = create_boot_untypeds<10>(x86_qemu, x86_qemu_mem);
    EXPECT_EQ(e.error(), make_error(error_code::capacity_exhausted, 11, 10));
}

// ---- handing the untypeds to the kernel model ---------------------------------
namespace {
constexpr bool boot_and_retype_at_compile_time() {
    machine<128> m(x86_qemu);
    auto refs = load_boot_untypeds(m, *x86_boot);
    if (!refs) return false;
    // The first free RAM untyped, 0xa2b000/12, is "full" but childless: the first retype resets it.
    const object_ref first_ram = (*refs)[68];
    if (!(m.untyped(first_ram) == boot_untyped(0xa2b000, 12, false))) return false;
    auto f = m.retype(first_ram, retype_args{.type = object_type::frame_4k});
    return f && f->plan.reset && f->plan.paddr == 0xa2b000 && m.free_nodes() == 128 - 96 - 1;
}
static_assert(boot_and_retype_at_compile_time());
} // namespace

TEST(Boot, EveryUntypedIsAcceptedByTheMachine) {
    for (const auto& [cfg, mem] :
         {std::pair{x86_qemu, x86_qemu_mem}, std::pair{config{.target = arch::aarch64}, arm64_mem},
          std::pair{config{.target = arch::aarch64_hyp, .device_top = std::uint64_t{1} << 44}, arm64_mem},
          std::pair{arm32, arm32_mem}}) {
        const auto b = create_boot_untypeds<230>(cfg, mem);
        ASSERT_TRUE(b);
        auto m = std::make_unique<machine<256>>(cfg);
        auto refs = load_boot_untypeds(*m, *b);
        ASSERT_TRUE(refs);
        EXPECT_EQ(m->free_nodes(), 256 - b->count);
        for (std::size_t i = 0; i < b->count; ++i) {
            const untyped_state& u = m->untyped((*refs)[i]);
            EXPECT_EQ(u, boot_untyped(b->list[i].paddr, b->list[i].size_bits, b->list[i].device)) << i;
        }
        // Each one is also accepted on its own (add_untyped's own checks).
        auto fresh = std::make_unique<machine<256>>(cfg);
        for (std::size_t i = 0; i < b->count; ++i)
            EXPECT_TRUE(fresh->add_untyped(b->list[i].paddr, b->list[i].size_bits, b->list[i].device)) << i;
    }
}

TEST(Boot, LoadFailureLeavesTheMachineUnchanged) {
    // Something already at 0x1000/12 overlaps the boot untyped 0x0/20.
    auto m = std::make_unique<machine<256>>(x86_qemu);
    ASSERT_TRUE(m->add_untyped(0x1000, 12, true));
    auto before = std::make_unique<machine<256>>(*m);
    auto r = load_boot_untypeds(*m, *x86_boot);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error(error_code::overlap, 0x0, 0x1000));
    EXPECT_TRUE(*m == *before);

    // Too few nodes.
    auto small = std::make_unique<machine<50>>(x86_qemu);
    auto small_before = std::make_unique<machine<50>>(*small);
    auto s = load_boot_untypeds(*small, *x86_boot);
    EXPECT_EQ(s.error(), make_error(error_code::capacity_exhausted, 96, 50));
    EXPECT_TRUE(*small == *small_before);

    // A hand-edited list whose last entry is misaligned in pptr space: nothing is added.
    auto edited = *x86_boot;
    edited.list[95] = ram(0x1ffc0000, 19); // 0x1ffc0000 is only 2^18-aligned
    auto fresh = std::make_unique<machine<256>>(x86_qemu);
    auto fresh_before = std::make_unique<machine<256>>(*fresh);
    auto t = load_boot_untypeds(*fresh, edited);
    EXPECT_EQ(t.error(), make_error(error_code::misaligned, 0x1ffc0000, 19));
    EXPECT_TRUE(*fresh == *fresh_before);
}
