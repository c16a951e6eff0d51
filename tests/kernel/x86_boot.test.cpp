// The x86_64 boot layout from the kernel's console (kernel/x86_boot.hpp): each
// rule of parse_mem_map / add_mem_p_regs (boot_sys.c), arch_init_freemem
// (boot.c), map_kernel_window_devices (vspace.c) and platAddDevices
// (pc99 hardware.c), with expected values worked out by hand.
#include <retype/kernel/boot.hpp>
#include <retype/kernel/x86_boot.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using namespace retype;
using namespace retype::kernel;

namespace {

constexpr config pc99{.target = arch::x86_64};

// What every layout below needs besides the memory map.
constexpr std::string_view tail = "ACPI: MADT apic_addr=0xfee00000\n"
                                  "size=0x5000 v_entry=0x401000 v_start=0x400000 v_end=0x405000 p_start=0x600000 "
                                  "p_end=0x605000\n"
                                  "Moving loaded userland images to final location: from=0x600000 to=0x300000 "
                                  "size=0x5000\n";

result<boot_memory<32>> layout_of(const std::string& text, paddr_t boot_end = 0x200000) {
    auto log = x86::parse_boot_log(text);
    if (!log) return failure(log.error());
    log->kernel_boot_end = boot_end;
    return x86::layout(pc99, *log);
}

} // namespace

TEST(X86Boot, MultibootMapRules) {
    const std::string text =
        std::string("\tPhysical Memory Region from 0 size 9fc00 type 1\n"        // below 1 MiB: never RAM
                    "\tPhysical Memory Region from 100800 size 3ff800 type 1\n"  // -> [0x101000, 0x500000)
                    "\tPhysical Memory Region from 500000 size 800 type 1\n"     // under a page: skipped
                    "\tPhysical Memory Region from 600000 size 1fff type 1\n"    // -> [0x600000, 0x601000)
                    "\tPhysical Memory Region from 700400 size 1000 type 1\n"    // rounds to nothing
                    "\tPhysical Memory Region from 200000000 size 1000 type 2\n" // reserved type
                    "\tPhysical Memory Region from 100000000 size 40000000 type 1\n"
                    "\tPhysical Memory Region from 7f00000000 size 100000000 type 1\n" // clamped
                    "\tPhysical Memory Region from 7f80000000 size 1000 type 1\n") +   // at PADDR_TOP
        std::string(tail);
    auto mem = layout_of(text);
    ASSERT_TRUE(mem.has_value());
    // Rounded inwards to 4 KiB, empty and sub-page entries dropped, the one that
    // crosses PADDR_TOP (0x7f80000000) clamped, the one at it left to the devices.
    ASSERT_EQ(mem->ram_count, 4u);
    EXPECT_EQ(mem->ram[0], (region{0x101000, 0x500000}));
    EXPECT_EQ(mem->ram[1], (region{0x600000, 0x601000}));
    EXPECT_EQ(mem->ram[2], (region{0x100000000, 0x140000000}));
    EXPECT_EQ(mem->ram[3], (region{0x7f00000000, 0x7f80000000}));
    EXPECT_EQ(mem->max_freemem, 16u);
}

TEST(X86Boot, ReservedRegionsAndKernelDevices) {
    const std::string text = std::string("Adding physical memory region 0x100000-0x1ff00000\n"
                                         "ACPI: MADT_IOAPIC ioapic_id=0 ioapic_addr=0xfec00000 gsib=0\n"
                                         "ACPI: MADT_IOAPIC ioapic_id=1 ioapic_addr=0xfec01000 gsib=24\n"
                                         "ACPI: MADT_IOAPIC ioapic_id=2 ioapic_addr=0xfec02000 gsib=48\n"
                                         "ACPI: Not recording this IOAPIC, only support 2\n"
                                         "ACPI: 1 IOMMUs detected\n") +
                             std::string(tail);
    auto log = x86::parse_boot_log(text);
    ASSERT_TRUE(log.has_value());
    EXPECT_EQ(log->n_ioapic, 2u); // the third was not recorded
    log->kernel_boot_end = 0x200000;
    // The kernel does not print the IOMMU's register page: without it, no layout.
    EXPECT_EQ(x86::layout(pc99, *log).error(),
              make_error(error_code::failed_lookup, static_cast<std::uint64_t>(x86::item::drhu)));
    ASSERT_TRUE(log->add_drhu(0xfed90000));
    auto mem = x86::layout(pc99, *log);
    ASSERT_TRUE(mem.has_value());
    // [KERNEL_ELF_PADDR_BASE, end of the moved user image 0x300000 + 0x5000), the
    // two IOAPIC pages (touching: merged), the DRHU page, the LAPIC page, and the
    // MSI window because the device top 2^47 lies above 0xfffffff8.
    ASSERT_EQ(mem->reserved_count, 5u);
    EXPECT_EQ(mem->reserved[0], (region{0x100000, 0x305000}));
    EXPECT_EQ(mem->reserved[1], (region{0xfec00000, 0xfec02000}));
    EXPECT_EQ(mem->reserved[2], (region{0xfed90000, 0xfed91000}));
    EXPECT_EQ(mem->reserved[3], (region{0xfee00000, 0xfee01000}));
    EXPECT_EQ(mem->reserved[4], (region{0xfffffff8, 0x100000000}));
    EXPECT_EQ(mem->kernel_boot, (region{0x100000, 0x200000}));
    // it_v_reg [0x400000, 0x405000 + 3 pages): one PT, one PD, one PDPT.
    EXPECT_EQ(mem->n_paging, 3u);
    EXPECT_EQ(mem->extra_bi_bits, 12u);

    // With a device top at or below the MSI window, it is not reserved.
    config low = pc99;
    low.device_top = 0xfffff000;
    auto m2 = x86::layout(low, *log);
    ASSERT_TRUE(m2.has_value());
    EXPECT_EQ(m2->reserved_count, 4u);

    // The boot list begins with the first MiB and ends with the boot part, then RAM.
    auto b = create_boot_untypeds<230>(pc99, *mem);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->list[0], (untyped_desc{0x0, 20, true}));
    EXPECT_EQ(b->list[b->device_count], (untyped_desc{0x100000, 20, false})); // [0x100000, 0x200000)
    EXPECT_EQ(b->list[b->device_count + 1], (untyped_desc{0x305000, 12, false}));
}

TEST(X86Boot, TheAvailableBlockWinsOverTheMultibootMap) {
    // init_freemem's own print of its input is what the kernel used.
    const std::string text = std::string("\tPhysical Memory Region from 100000 size 1fee0000 type 1\n"
                                         "Available phys memory regions: 2\n"
                                         "  [100000..8000000)\n"
                                         "  [100000000..140000000)\n"
                                         "Reserved virt address space regions: 1\n"
                                         "  [ffffff8000100000..ffffff8000400000)\n") +
                             std::string(tail);
    auto mem = layout_of(text);
    ASSERT_TRUE(mem.has_value());
    ASSERT_EQ(mem->ram_count, 2u);
    EXPECT_EQ(mem->ram[1], (region{0x100000000, 0x140000000}));
    // The printed reserved region is kernel-virtual: pptr - 0xffffff8000000000.
    EXPECT_EQ(mem->reserved[0], (region{0x100000, 0x400000}));
}

TEST(X86Boot, TheKernelsSixteenRegionLimit) {
    // add_mem_p_regs: "Dropping memory region ..., try increasing MAX_NUM_FREEMEM_REG", boot fails.
    std::string text;
    for (int i = 0; i < 17; ++i) {
        char line[96];
        std::snprintf(line, sizeof line, "\tPhysical Memory Region from %x size 1000 type 1\n", 0x200000 + i * 0x2000);
        text += line;
    }
    EXPECT_EQ(layout_of(text + std::string(tail)).error(), make_error(error_code::capacity_exhausted, 17, 16));
}

TEST(X86Boot, MissingAndMalformedLines) {
    const auto missing = [](x86::item i) {
        return make_error(error_code::failed_lookup, static_cast<std::uint64_t>(i));
    };
    EXPECT_EQ(layout_of(std::string(tail)).error(), missing(x86::item::memory_map));
    EXPECT_EQ(layout_of("Adding physical memory region 0x100000-0x200000\n").error(), missing(x86::item::user_image));
    EXPECT_EQ(layout_of("Adding physical memory region 0x100000-0x200000\n"
                        "Moving loaded userland images to final location: from=0x600000 to=0x300000 size=0x5000\n")
                  .error(),
              missing(x86::item::lapic));
    EXPECT_EQ(layout_of("Adding physical memory region 0x100000-0x200000\n"
                        "Moving loaded userland images to final location: from=0x600000 to=0x300000 size=0x5000\n"
                        "ACPI: MADT apic_addr=0xfee00000\n")
                  .error(),
              missing(x86::item::user_vrange));
    // A recognised line with a broken number: its line number.
    const auto bad = x86::parse_boot_log("hello\n\tPhysical Memory Region from 10q000 size 1000 type 1\n");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, error_code::invalid_argument);
    EXPECT_EQ(bad.error().argument, 2u);
    EXPECT_EQ(x86::parse_boot_log("Kernel loaded to: start=0x100000 end=\n").error().argument, 1u);
    // Seventeen hex digits overflow.
    EXPECT_EQ(x86::parse_boot_log("Adding physical memory region 0x100000-0x10000000000000000\n").error().code,
              error_code::invalid_argument);
    // CRLF line ends, as a serial capture may have them.
    auto crlf = x86::parse_boot_log("Available phys memory regions: 1\r\n  [100000..200000)\r\n");
    ASSERT_TRUE(crlf.has_value());
    EXPECT_EQ(crlf->available[0], (region{0x100000, 0x200000}));
}
