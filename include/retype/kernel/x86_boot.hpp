// retype: the memory map an x86_64 seL4 kernel boots with, read from what the
// kernel prints on its console, turned into the input of the boot-time untyped
// creation (kernel/boot.hpp).
//
// Unlike Arm and RISC-V, where the memory map is compiled in from the device
// tree, the x86 kernel learns it at boot from multiboot, so the boot log is
// where it can be read back. The rules come from seL4 16.0.0-dev:
// * RAM: parse_mem_map (src/arch/x86/kernel/boot_sys.c): multiboot entries of
//   type 1 (MULTIBOOT_MMAP_USEABLE_TYPE) starting at or above HIGHMEM_PADDR
//   (1 MiB) and at least a page long, rounded inwards to 4 KiB; add_mem_p_regs
//   skips empty ones and ones at or above PADDR_TOP, clamps the rest to
//   PADDR_TOP and fails the boot past MAX_NUM_FREEMEM_REG (16) regions.
// * init_freemem's reserved list: arch_init_freemem (src/arch/x86/kernel/boot.c)
//   passes one region, [KERNEL_ELF_PADDR_BASE, end of the user image): the
//   kernel image and the user image the kernel moved right behind it
//   (try_boot_sys, boot_sys.c).
// * reserve_region straight into the kernel's reserved list: the local APIC,
//   each IOAPIC and each IOMMU (DRHU) register page, 4 KiB each
//   (map_kernel_window_devices, src/arch/x86/kernel/vspace.c), and the MSI
//   window [0xfffffff8, 2^32) when CONFIG_PADDR_USER_DEVICE_TOP lies above it
//   (platAddDevices, src/plat/pc99/machine/hardware.c).
// * Boot-only kernel part: [KERNEL_ELF_PADDR_BASE, phys(ki_boot_end))
//   (get_p_reg_kernel_img_boot, src/kernel/boot.c; src/plat/pc99/linker.lds).
//   The kernel does not print ki_boot_end; the caller supplies it.
// Everything between these, up to CONFIG_PADDR_USER_DEVICE_TOP (2^47), becomes
// device untypeds, including the first MiB, which is never RAM here.
//
// Errors (as values):
//   invalid_argument   a recognised line whose numbers do not parse
//                      (argument = its 1-based line number)
//   failed_lookup      something the layout needs was not in the log
//                      (value = the missing x86::item)
//   capacity_exhausted more map entries, regions or devices than this reader or
//                      the kernel holds (value = line number or count, limit = the most)
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/boot.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype::kernel::x86 {

inline constexpr paddr_t highmem_paddr = 0x100000;         // HIGHMEM_PADDR (boot_sys.c)
inline constexpr paddr_t kernel_elf_paddr_base = 0x100000; // KERNEL_ELF_PADDR_BASE (pc99 64-bit hardware.h)
inline constexpr std::uint64_t kernel_elf_base_offset =
    0xffffffff80000000ULL;                         // KERNEL_ELF_BASE - KERNEL_ELF_PADDR_BASE
inline constexpr std::uint32_t mmap_usable = 1;    // MULTIBOOT_MMAP_USEABLE_TYPE
inline constexpr paddr_t msi_base = 0xfffffff8;    // platAddDevices
inline constexpr std::size_t max_freemem = 16;     // MAX_NUM_FREEMEM_REG (include/arch/x86/arch/bootinfo.h)
inline constexpr std::size_t max_map_entries = 64; // multiboot entries this reader keeps
inline constexpr std::size_t max_ioapics = 16;
inline constexpr std::size_t max_drhus = 8; // MAX_NUM_DRHU

/// What a layout can miss (failed_lookup's value).
enum class item : std::uint8_t {
    memory_map = 1,  // no "Physical Memory Region", "Adding physical memory region" or "Available phys memory regions"
    user_image = 2,  // no "Moving loaded userland images ..." nor "Reserved virt address space regions"
    user_vrange = 3, // no "... v_start=... v_end=..." line (the root task's virtual range)
    lapic = 4,       // no "ACPI: MADT apic_addr=..."
    drhu = 5,        // "ACPI: N IOMMUs detected" with N > 0, but fewer DRHU addresses supplied
};

[[nodiscard]] constexpr std::string_view describe(item i) noexcept {
    switch (i) {
    case item::memory_map:
        return R"(the memory map ("Physical Memory Region from ..." or "Available phys memory regions"))";
    case item::user_image: return R"(the user image ("Moving loaded userland images to final location: ..."))";
    case item::user_vrange: return R"(the user image's virtual range ("... v_start=... v_end=..."))";
    case item::lapic: return R"(the local APIC address ("ACPI: MADT apic_addr=..."))";
    case item::drhu: return "the IOMMU register addresses (the kernel does not print them)";
    }
    return "?";
}

/// One multiboot memory-map entry as parse_mem_map prints it.
struct mmap_entry {
    std::uint64_t base = 0;
    std::uint64_t length = 0;
    std::uint32_t type = 0;
    friend constexpr bool operator==(const mmap_entry&, const mmap_entry&) = default;
};

/// What the kernel printed (and the two facts it does not print).
struct boot_log {
    std::array<mmap_entry, max_map_entries> mmap{}; // "Physical Memory Region from B size S type T"
    std::size_t n_mmap = 0;
    std::array<region, max_freemem> added{}; // "Adding physical memory region 0xA-0xB"
    std::size_t n_added = 0;
    std::array<region, max_freemem> available{}; // "Available phys memory regions: N", then N "[A..B)"
    std::size_t n_available = 0;
    bool available_seen = false;
    std::array<region, 4> reserved_virt{}; // "Reserved virt address space regions: N": kernel-virtual
    std::size_t n_reserved_virt = 0;
    bool reserved_seen = false;
    region kernel_image{};         // "Kernel loaded to: start=... end=..." (ki_p_reg)
    region user_image{};           // "Moving loaded userland images to final location: from=... to=T size=S": [T, T+S)
    std::uint64_t user_vstart = 0; // load_boot_module's "v_start=... v_end=..."
    std::uint64_t user_vend = 0;
    bool user_vrange_seen = false;
    paddr_t lapic = 0; // "ACPI: MADT apic_addr=..."
    bool lapic_seen = false;
    std::array<paddr_t, max_ioapics> ioapic{}; // "ACPI: MADT_IOAPIC ... ioapic_addr=..." that were recorded
    std::size_t n_ioapic = 0;
    std::size_t iommus_detected = 0; // "ACPI: N IOMMUs detected"
    // Not printed by the kernel:
    std::array<paddr_t, max_drhus> drhu{}; // DMAR DRHD register bases (acpi_dmar_scan)
    std::size_t n_drhu = 0;
    paddr_t kernel_boot_end = 0; // phys(ki_boot_end) = nm's ki_boot_end - 0xffffffff80000000; 0: unknown

    constexpr bool add_drhu(paddr_t p) noexcept {
        if (n_drhu >= drhu.size()) return false;
        drhu[n_drhu++] = p;
        return true;
    }
};

namespace detail {

/// A cursor over one line.
struct scan {
    std::string_view s;
    std::size_t at = 0;
    bool ok = true;

    /// Moves past the first occurrence of `key`; false (and !ok) if absent.
    constexpr bool skip_to(std::string_view key) noexcept {
        const std::size_t p = s.find(key, at);
        if (p == std::string_view::npos) return ok = false;
        at = p + key.size();
        return true;
    }
    constexpr std::uint64_t number(unsigned base) noexcept {
        if (base == 16 && at + 1 < s.size() && s[at] == '0' && (s[at + 1] == 'x' || s[at + 1] == 'X')) at += 2;
        std::uint64_t v = 0;
        std::size_t digits = 0;
        for (; at < s.size(); ++at, ++digits) {
            const char c = s[at];
            unsigned d = 0;
            if (c >= '0' && c <= '9')
                d = static_cast<unsigned>(c - '0');
            else if (base == 16 && c >= 'a' && c <= 'f')
                d = static_cast<unsigned>(c - 'a') + 10;
            else if (base == 16 && c >= 'A' && c <= 'F')
                d = static_cast<unsigned>(c - 'A') + 10;
            else
                break;
            if (v > (~std::uint64_t{0} - d) / base) {
                ok = false;
                return 0;
            }
            v = v * base + d;
        }
        // A number ends at punctuation or a space: "10q000" is not 0x10.
        const bool glued = at < s.size() && ((s[at] >= '0' && s[at] <= '9') || (s[at] >= 'a' && s[at] <= 'z') ||
                                             (s[at] >= 'A' && s[at] <= 'Z'));
        if (digits == 0 || digits > 16 || glued) ok = false;
        return v;
    }
    constexpr std::uint64_t hex_after(std::string_view key) noexcept { return skip_to(key) ? number(16) : 0; }
    constexpr std::uint64_t dec_after(std::string_view key) noexcept { return skip_to(key) ? number(10) : 0; }
};

[[nodiscard]] constexpr bool contains(std::string_view s, std::string_view key) noexcept {
    return s.find(key) != std::string_view::npos;
}

} // namespace detail

/// Reads the lines the kernel prints at boot; every other line is ignored, so a
/// whole serial log can be passed. Complexity: O(length of the log).
[[nodiscard]] constexpr result<boot_log> parse_boot_log(std::string_view text) noexcept {
    boot_log log{};
    enum class block : std::uint8_t { none, available, reserved };
    block in = block::none;
    std::size_t block_left = 0;
    std::size_t line_no = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        detail::scan sc{line};
        const auto bad = [&] { return failure(error{.code = error_code::invalid_argument, .argument = line_no}); };
        const auto full = [&](std::size_t most) {
            return failure(make_error(error_code::capacity_exhausted, line_no, most));
        };

        // The "  [A..B)" lines of the two blocks init_freemem prints.
        if (in != block::none && block_left > 0 && detail::contains(line, "[") && detail::contains(line, "..")) {
            const std::uint64_t a = sc.hex_after("[");
            const std::uint64_t b = sc.hex_after("..");
            if (!sc.ok || !sc.skip_to(")")) return bad();
            if (in == block::available) {
                if (log.n_available >= log.available.size()) return full(log.available.size());
                log.available[log.n_available++] = region{a, b};
            } else {
                if (log.n_reserved_virt >= log.reserved_virt.size()) return full(log.reserved_virt.size());
                log.reserved_virt[log.n_reserved_virt++] = region{a, b};
            }
            if (--block_left == 0) in = block::none;
            continue;
        }
        in = block::none;

        if (detail::contains(line, "Physical Memory Region from ")) {
            mmap_entry e{};
            e.base = sc.hex_after("Physical Memory Region from ");
            e.length = sc.hex_after(" size ");
            e.type = static_cast<std::uint32_t>(sc.dec_after(" type "));
            if (!sc.ok) return bad();
            if (log.n_mmap >= log.mmap.size()) return full(log.mmap.size());
            log.mmap[log.n_mmap++] = e;
        } else if (detail::contains(line, "Adding physical memory region ")) {
            const std::uint64_t a = sc.hex_after("Adding physical memory region ");
            const std::uint64_t b = sc.hex_after("-");
            if (!sc.ok) return bad();
            if (log.n_added >= log.added.size()) return full(log.added.size());
            log.added[log.n_added++] = region{a, b};
        } else if (detail::contains(line, "Available phys memory regions: ")) {
            block_left = sc.dec_after("Available phys memory regions: ");
            if (!sc.ok) return bad();
            log.available_seen = true;
            log.n_available = 0;
            in = block_left ? block::available : block::none;
        } else if (detail::contains(line, "Reserved virt address space regions: ")) {
            block_left = sc.dec_after("Reserved virt address space regions: ");
            if (!sc.ok) return bad();
            log.reserved_seen = true;
            log.n_reserved_virt = 0;
            in = block_left ? block::reserved : block::none;
        } else if (detail::contains(line, "Kernel loaded to: ")) {
            log.kernel_image.base = sc.hex_after("start=");
            log.kernel_image.end = sc.hex_after(" end=");
            if (!sc.ok) return bad();
        } else if (detail::contains(line, "Moving loaded userland images to final location: ")) {
            sc.hex_after("from=");
            const std::uint64_t to = sc.hex_after(" to=");
            const std::uint64_t size = sc.hex_after(" size=");
            if (!sc.ok) return bad();
            log.user_image = region{to, to + size};
        } else if (detail::contains(line, " v_start=") && detail::contains(line, " v_end=")) {
            log.user_vstart = sc.hex_after(" v_start=");
            log.user_vend = sc.hex_after(" v_end=");
            if (!sc.ok) return bad();
            log.user_vrange_seen = true;
        } else if (detail::contains(line, "ACPI: MADT apic_addr=")) {
            log.lapic = sc.hex_after("ACPI: MADT apic_addr=");
            if (!sc.ok) return bad();
            log.lapic_seen = true;
        } else if (detail::contains(line, "ACPI: MADT_IOAPIC ")) {
            const paddr_t a = sc.hex_after(" ioapic_addr=");
            if (!sc.ok) return bad();
            if (log.n_ioapic >= log.ioapic.size()) return full(log.ioapic.size());
            log.ioapic[log.n_ioapic++] = a;
        } else if (detail::contains(line, "ACPI: Not recording this IOAPIC")) {
            // acpi_madt_scan prints the entry, then this, and keeps no address.
            if (log.n_ioapic > 0) --log.n_ioapic;
        } else if (detail::contains(line, " IOMMUs detected")) {
            log.iommus_detected = sc.dec_after("ACPI: ");
            if (!sc.ok) return bad();
        }
    }
    return log;
}

namespace detail {

[[nodiscard]] constexpr std::uint64_t page_down(std::uint64_t v) noexcept { return v & ~std::uint64_t{0xfff}; }
[[nodiscard]] constexpr std::uint64_t page_up(std::uint64_t v) noexcept { return page_down(v + 0xfff); }

/// Sorts by base and merges overlapping or adjacent regions (reserve_region keeps
/// the kernel's list sorted and merges touching ones).
template <std::size_t N>
constexpr void sort_merge(std::array<region, N>& a, std::size_t& n) noexcept {
    for (std::size_t i = 1; i < n; ++i)
        for (std::size_t j = i; j > 0 && a[j].base < a[j - 1].base; --j) {
            const region t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
    std::size_t out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (out > 0 && a[i].base <= a[out - 1].end) {
            if (a[i].end > a[out - 1].end) a[out - 1].end = a[i].end;
        } else {
            a[out++] = a[i];
        }
    }
    n = out;
}

} // namespace detail

/// The boot memory kernel/boot.hpp's create_boot_untypeds takes, from a parsed
/// log. RAM comes from the most processed form present: the "Available phys
/// memory regions" block (exactly init_freemem's input), else the "Adding
/// physical memory region" lines, else the raw multiboot map with
/// parse_mem_map's rules. Requires cfg.target == x86_64. Complexity: O(R^2) for
/// R regions and devices.
[[nodiscard]] constexpr result<boot_memory<32>> layout(const config& cfg, const boot_log& log) noexcept {
    Expects(cfg.target == arch::x86_64);
    const arch_traits t = traits(cfg);
    boot_memory<32> mem{};
    mem.max_freemem = max_freemem;

    if (log.available_seen) {
        for (std::size_t i = 0; i < log.n_available; ++i) mem.add_ram(log.available[i]);
    } else if (log.n_added > 0) {
        for (std::size_t i = 0; i < log.n_added; ++i) mem.add_ram(log.added[i]);
    } else if (log.n_mmap > 0) {
        for (std::size_t i = 0; i < log.n_mmap; ++i) {
            const mmap_entry& e = log.mmap[i];
            if (e.type != mmap_usable || e.base < highmem_paddr || e.length < 0x1000) continue;
            region r{detail::page_up(e.base), detail::page_down(e.base + e.length)};
            if (r.base >= r.end) continue;       // add_mem_p_regs: empty
            if (r.base >= t.paddr_top) continue; // outside the window: left to the device untypeds
            if (mem.ram_count == max_freemem)    // "Dropping memory region ...": the boot fails
                return failure(make_error(error_code::capacity_exhausted, max_freemem + 1, max_freemem));
            if (r.end > t.paddr_top) r.end = t.paddr_top;
            mem.add_ram(r);
        }
    } else {
        return failure(make_error(error_code::failed_lookup, static_cast<std::uint64_t>(item::memory_map)));
    }

    // init_freemem's reserved list.
    if (log.reserved_seen) {
        for (std::size_t i = 0; i < log.n_reserved_virt; ++i) {
            const region& v = log.reserved_virt[i];
            mem.add_reserved(region{t.to_paddr(v.base), t.to_paddr(v.end)});
        }
    } else if (!log.user_image.empty()) {
        mem.add_reserved(region{kernel_elf_paddr_base, log.user_image.end});
    } else {
        return failure(make_error(error_code::failed_lookup, static_cast<std::uint64_t>(item::user_image)));
    }

    // Kernel devices, 4 KiB each, and the MSI window.
    if (!log.lapic_seen) return failure(make_error(error_code::failed_lookup, static_cast<std::uint64_t>(item::lapic)));
    if (log.iommus_detected > log.n_drhu)
        return failure(make_error(error_code::failed_lookup, static_cast<std::uint64_t>(item::drhu)));
    std::array<region, 1 + max_ioapics + max_drhus + 1> dev{};
    std::size_t n_dev = 0;
    dev[n_dev++] = region{log.lapic, log.lapic + 0x1000};
    for (std::size_t i = 0; i < log.n_ioapic; ++i) dev[n_dev++] = region{log.ioapic[i], log.ioapic[i] + 0x1000};
    for (std::size_t i = 0; i < log.n_drhu; ++i) dev[n_dev++] = region{log.drhu[i], log.drhu[i] + 0x1000};
    if (t.device_top > msi_base) dev[n_dev++] = region{msi_base, msi_base + 8};
    for (std::size_t i = 0; i < n_dev; ++i) mem.add_reserved(dev[i]);
    detail::sort_merge(mem.reserved, mem.reserved_count);

    if (log.kernel_boot_end > kernel_elf_paddr_base)
        mem.kernel_boot = region{kernel_elf_paddr_base, log.kernel_boot_end};

    // Extra bootinfo: VBE, ACPI RSDP, framebuffer, the multiboot map (at most 50
    // entries) and the TSC frequency, with their headers, add up to well under
    // 4 KiB (init_sys_state, src/arch/x86/kernel/boot.c), so it is one page.
    mem.extra_bi_bits = 12;
    if (!log.user_vrange_seen)
        return failure(make_error(error_code::failed_lookup, static_cast<std::uint64_t>(item::user_vrange)));
    // it_v_reg: the image, then the IPC buffer, bootinfo and extra bootinfo pages.
    mem.n_paging = initial_paging_structures(arch::x86_64, log.user_vstart,
                                             detail::page_up(log.user_vend) + std::uint64_t{3} * 0x1000);
    return mem;
}

} // namespace retype::kernel::x86
