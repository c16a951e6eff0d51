// A boot log of an x86_64 seL4 kernel under QEMU with 512 MiB (-m 512,
// multiboot 1), written line by line in the kernel's own printf formats
// (boot_sys.c, src/kernel/boot.c, acpi.c) for the boot behind
// tests/kernel/boot.test.cpp's x86_qemu map: QEMU's e820 map gives RAM
// [0x100000, 0x1ffe0000) above 1 MiB, the kernel ends at 0x9a6000 and the
// 0x85000-byte user image is moved right behind it, so arch_init_freemem
// reserves [0x100000, 0xa2b000); one IOAPIC at 0xfec00000 and the local APIC
// at 0xfee00000. The module, ACPI table and entry addresses are illustrative;
// ki_boot_end (not printed) is 0xffffffff80800000. Lines that do not matter
// to the layout are kept to show they are ignored.
#pragma once

#include <string_view>

namespace retype_test {

inline constexpr std::string_view x86_qemu_512m_log = R"(Boot config: debug_port = 0x3f8
Boot config: disable_iommu = false
Detected 1 boot module(s):
  module #0: start=0x9c6000 end=0xa4b148 size=0x85148 name='images/sel4test-driver-image-x86_64-pc99'
Parsing GRUB physical memory map
	Physical Memory Region from 0 size 9fc00 type 1
	Physical Memory Region from 9fc00 size 400 type 2
	Physical Memory Region from f0000 size 10000 type 2
	Physical Memory Region from 100000 size 1fee0000 type 1
Adding physical memory region 0x100000-0x1ffe0000
	Physical Memory Region from 1ffe0000 size 20000 type 2
	Physical Memory Region from fffc0000 size 40000 type 2
Multiboot gave us no video information
ACPI: RSDP paddr=0xf5a40
ACPI: RSDP vaddr=0xf5a40
ACPI: RSDT paddr=0x1ffe1d6e
ACPI: RSDT vaddr=0x1ffe1d6e
Kernel loaded to: start=0x100000 end=0x9a6000 size=0x8a6000 entry=0x10000b
ACPI: RSDT paddr=0x1ffe1d6e
ACPI: RSDT vaddr=0x1ffe1d6e
ACPI: FADT paddr=0x1ffe1b5a
ACPI: FADT vaddr=0x1ffe1b5a
ACPI: FADT flags=0x80a5
ACPI: 0 IOMMUs detected
ACPI: MADT paddr=0x1ffe1c4e
ACPI: MADT vaddr=0x1ffe1c4e
ACPI: MADT apic_addr=0xfee00000
ACPI: MADT flags=0x1
ACPI: MADT_APIC apic_id=0x0
ACPI: MADT_IOAPIC ioapic_id=0 ioapic_addr=0xfec00000 gsib=0
ACPI: MADT_ISO bus=0 source=0 gsi=2 flags=0x0
ACPI: MADT_ISO bus=0 source=5 gsi=5 flags=0xd
ACPI: 1 CPU(s) detected
ELF-loading userland images from boot modules:
size=0x85000 v_entry=0x408c1a v_start=0x400000 v_end=0x485000 p_start=0xa4c000 p_end=0xad1000
Moving loaded userland images to final location: from=0xa4c000 to=0x9a6000 size=0x85000
Starting node #0 with APIC ID 0
Mapping kernel window is done
Available phys memory regions: 1
  [100000..1ffe0000)
Reserved virt address space regions: 1
  [ffffff8000100000..ffffff8000a2b000)
Booting all finished, dropped to user space
)";

} // namespace retype_test
