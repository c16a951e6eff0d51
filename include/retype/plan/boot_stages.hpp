// retype: stages 1 and 2 of the planner. Stage 1 places the images the ELF
// loader loads (kernel, DTB, rootserver) and checks they sit in RAM; stage 2 runs
// the kernel's boot-time untyped creation (kernel/boot.hpp) on the memory map the
// kernel would get and checks the root CNode can hold every initial cap.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/boot.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/kernel/x86_boot.hpp>
#include <retype/plan/description.hpp>
#include <retype/plan/diagnostic.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace retype::plan {

inline constexpr std::size_t max_boot_untypeds = 256;
using boot_list = kernel::boot_untypeds<max_boot_untypeds, 16>;

namespace detail {

[[nodiscard]] constexpr std::uint64_t round_up(std::uint64_t v, std::uint64_t granule) noexcept {
    return (v + granule - 1) / granule * granule;
}
/// Smallest b with 2^b >= v (v >= 1).
[[nodiscard]] constexpr unsigned ceil_log2(std::uint64_t v) noexcept {
    return v <= 1 ? 0u : 64u - static_cast<unsigned>(std::countl_zero(v - 1));
}
inline constexpr std::uint64_t kib = 1024;
inline constexpr std::uint64_t mib = 1024 * kib;
inline constexpr std::uint64_t page = 4096;

/// A small sorted list of ranges.
struct range_list {
    std::array<range, 2 * (max_ram_regions + max_reserved_regions)> at{};
    std::size_t count = 0;
    constexpr void push(range r) noexcept {
        if (r.size != 0 && count < at.size()) at[count++] = r;
    }
    constexpr void sort() noexcept {
        for (std::size_t i = 1; i < count; ++i)
            for (std::size_t j = i; j > 0 && at[j].base < at[j - 1].base; --j) {
                const range t = at[j];
                at[j] = at[j - 1];
                at[j - 1] = t;
            }
    }
};

/// x86_64's parse_mem_map / add_mem_p_regs (src/arch/x86/kernel/boot_sys.c) on
/// one multiboot "usable" entry: dropped if it starts below HIGHMEM_PADDR
/// (1 MiB) or is shorter than a page, else rounded inwards to 4 KiB, and
/// clamped to PADDR_TOP (dropped at or above it). Returns an empty range if dropped.
[[nodiscard]] constexpr range x86_usable(const range& r, paddr_t paddr_top) noexcept {
    if (r.base < kernel::x86::highmem_paddr || r.size < page) return range{};
    const paddr_t b = round_up(r.base, page);
    paddr_t e = (r.base + r.size) / page * page;
    if (b >= e || b >= paddr_top) return range{};
    if (e > paddr_top) e = paddr_top;
    return range{b, e - b};
}

/// The RAM the kernel boots with. Arm and RISC-V: DT memory, merged, minus no-map
/// reserved regions, the first base aligned up to KERNEL_PHYS_ALIGN on Arm
/// (seL4's tools/hardware/utils/memory.py; tools/hardware/config.py gives RISC-V
/// no alignment). x86_64: each RAM region as a multiboot entry (x86_usable),
/// minus no-map regions, not merged (add_mem_p_regs keeps entries apart).
[[nodiscard]] constexpr range_list kernel_ram(const platform& p) noexcept {
    const bool x86 = p.kernel.target == kernel::arch::x86_64;
    range_list ram;
    for (std::size_t i = 0; i < p.n_ram; ++i)
        ram.push(x86 ? x86_usable(p.ram[i], kernel::traits(p.kernel).paddr_top) : p.ram[i]);
    ram.sort();
    range_list out;
    for (std::size_t i = 0; i < ram.count; ++i) {
        paddr_t cur = ram.at[i].base;
        const paddr_t end = ram.at[i].end();
        // Reserved no-map regions are few; scan them in address order each time.
        range_list cuts;
        for (std::size_t r = 0; r < p.n_reserved; ++r)
            if (p.reserved[r].no_map) cuts.push(p.reserved[r].where);
        cuts.sort();
        for (std::size_t r = 0; r < cuts.count && cur < end; ++r) {
            const range& c = cuts.at[r];
            if (c.end() <= cur || c.base >= end) continue;
            if (c.base > cur) out.push(range{cur, c.base - cur});
            if (c.end() > cur) cur = c.end() < end ? c.end() : end;
        }
        if (cur < end) out.push(range{cur, end - cur});
    }
    if (x86) return out;
    // Merge adjacent pieces (memory.py merges DT memory nodes).
    range_list merged;
    for (std::size_t i = 0; i < out.count; ++i) {
        if (merged.count && merged.at[merged.count - 1].end() == out.at[i].base)
            merged.at[merged.count - 1].size += out.at[i].size;
        else
            merged.push(out.at[i]);
    }
    const bool arm = p.kernel.target != kernel::arch::riscv64;
    if (merged.count && arm) {
        const std::uint64_t align = std::uint64_t{1} << kernel::traits(p.kernel).kernel_phys_align_bits;
        range& first = merged.at[0];
        const paddr_t b = round_up(first.base, align);
        if (b >= first.end()) {
            for (std::size_t i = 1; i < merged.count; ++i) merged.at[i - 1] = merged.at[i];
            --merged.count;
        } else {
            first.size -= b - first.base;
            first.base = b;
        }
    }
    return merged;
}

[[nodiscard]] constexpr std::uint64_t total(const range_list& l) noexcept {
    std::uint64_t t = 0;
    for (std::size_t i = 0; i < l.count; ++i) t += l.at[i].size;
    return t;
}

} // namespace detail

/// Where stage 1 put each image.
struct placed_images {
    range kernel{};
    range dtb{};
    range rootserver{};
    range elfloader{};
};

/// Stage 1: the ELF loader. Places what has no address (kernel at the first
/// kernel RAM, on x86_64 at 1 MiB; DTB and rootserver page-aligned after it;
/// on x86_64 the kernel moves the user image right behind itself, the same
/// place when there is no DTB) and checks every image
/// lies inside one RAM region, outside no-map regions, and apart from the others.
[[nodiscard]] constexpr stage_report stage_elf_loader(const platform& p, placed_images& out) noexcept {
    stage_report r{};
    r.id = stage::elf_loader;
    r.state = status::ok;
    const detail::range_list kram = detail::kernel_ram(p);
    const std::uint64_t images = detail::round_up(p.kernel_image.size, detail::page) +
                                 detail::round_up(p.dtb.size, detail::page) + p.rootserver.size;
    paddr_t k = p.kernel_image.paddr;
    if (k == 0) {
        if (kram.count == 0) {
            r.state = status::failed;
            r.shortfall = images;
            r.cause = finding{.what = problem::no_ram_for_kernel, .needed = images, .available = 0};
            return r;
        }
        // x86_64: the kernel is linked to load at KERNEL_ELF_PADDR_BASE (src/plat/pc99/linker.lds).
        k = p.kernel.target == kernel::arch::x86_64 ? kernel::x86::kernel_elf_paddr_base : kram.at[0].base;
    }
    out.kernel = range{k, p.kernel_image.size};
    out.dtb = range{p.dtb.paddr ? p.dtb.paddr : detail::round_up(out.kernel.end(), detail::page), p.dtb.size};
    const paddr_t after = p.dtb.size ? out.dtb.end() : out.kernel.end();
    out.rootserver =
        range{p.rootserver.paddr ? p.rootserver.paddr : detail::round_up(after, detail::page), p.rootserver.size};
    out.elfloader = range{p.elfloader.paddr, p.elfloader.size};

    // Indices, not pointers: sanitizer builds of g++ cannot compare those in constant expressions.
    const range all[] = {out.kernel, out.dtb, out.rootserver, out.elfloader};
    for (std::size_t i = 0; i < 4; ++i) {
        const range& img = all[i];
        if (img.size == 0) continue;
        // Inside one RAM region?
        std::size_t in = p.n_ram;
        for (std::size_t j = 0; j < p.n_ram; ++j)
            if (img.base >= p.ram[j].base && img.base < p.ram[j].end()) in = j;
        const bool inside = in < p.n_ram;
        if (!inside || img.end() > p.ram[in].end()) {
            r.state = status::failed;
            r.shortfall = inside ? img.end() - p.ram[in].end() : img.size;
            r.cause = finding{.what = problem::image_outside_ram,
                              .count = i,
                              .needed = img.size,
                              .available = inside ? p.ram[in].end() - img.base : 0,
                              .paddr = img.base,
                              .size = img.size};
            return r;
        }
        for (std::size_t j = 0; j < p.n_reserved; ++j) {
            if (p.reserved[j].no_map && p.reserved[j].where.overlaps(img)) {
                r.state = status::failed;
                r.shortfall = img.size;
                r.cause = finding{.what = problem::image_in_reserved,
                                  .count = i,
                                  .needed = img.size,
                                  .paddr = img.base,
                                  .size = img.size};
                return r;
            }
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (all[j].overlaps(img)) {
                r.state = status::failed;
                r.shortfall = (all[j].end() < img.end() ? all[j].end() : img.end()) -
                              (all[j].base > img.base ? all[j].base : img.base);
                r.cause = finding{
                    .what = problem::images_overlap, .count = i, .needed = j, .paddr = img.base, .size = img.size};
                return r;
            }
        }
    }
    return r;
}

/// What stage 2 computed, for stage 3 and the report.
struct boot_outcome {
    boot_list untypeds{};
    std::uint64_t root_slots_needed = 0;
};

/// seL4_NumInitialCaps: the fixed slots of the root CNode (seL4_CapNull ..
/// seL4_CapSMC, libsel4/include/sel4/bootinfo_types.h).
inline constexpr std::uint64_t initial_caps = 16;

/// arch_get_n_paging (kernel/boot.hpp's initial_paging_structures).
[[nodiscard]] constexpr std::uint64_t n_paging(kernel::arch a, std::uint64_t start, std::uint64_t end) noexcept {
    return kernel::initial_paging_structures(a, start, end);
}

/// seL4_LargePageBits on RISC-V (21 on riscv64), seL4_PageBits elsewhere: the
/// size of one kernel device frame. seL4's build maps each kernel device
/// (devices_gen.h's kernel_device_frames, tools/hardware/outputs/c_header.py)
/// in frames of this size, and map_kernel_devices reserves each frame whole
/// (src/arch/riscv/machine/hardware.c: BIT(seL4_LargePageBits);
/// src/arch/arm/machine/hardware.c: BIT(PAGE_BITS)).
[[nodiscard]] constexpr unsigned kernel_device_frame_bits(kernel::arch a) noexcept {
    return a == kernel::arch::riscv64 ? 21u : 12u;
}

/// The memory map the kernel boots with on this platform. Arm and RISC-V:
/// kernel RAM, and reserved the kernel image, DTB, rootserver image and each
/// kernel device frame (merged where they touch, as reserve_region merges).
/// x86_64 (kernel/x86_boot.hpp has the rules and sources): RAM by
/// parse_mem_map's rules, reserved [KERNEL_ELF_PADDR_BASE, end of the user
/// image), each kernel device page (LAPIC, IOAPICs, IOMMUs) and the MSI
/// window, a one-page extra bootinfo. Both: the boot-only kernel part and the
/// root task's paging. Requires stage 1's placements. Complexity: O(R^2) for R regions.
[[nodiscard]] constexpr kernel::boot_memory<32> kernel_boot_memory(const platform& p,
                                                                   const placed_images& img) noexcept {
    const kernel::config& cfg = p.kernel;
    const kernel::arch_traits t = kernel::traits(cfg);
    const bool x86 = cfg.target == kernel::arch::x86_64;
    kernel::boot_memory<32> mem{};
    const detail::range_list kram = detail::kernel_ram(p);
    for (std::size_t i = 0; i < kram.count; ++i) mem.add_ram(kernel::region{kram.at[i].base, kram.at[i].end()});
    detail::range_list res;
    if (x86) {
        // arch_init_freemem's one region: from the kernel's base to the end of the user image.
        const paddr_t end =
            detail::round_up(img.rootserver.size ? img.rootserver.end() : img.kernel.end(), detail::page);
        res.push(range{img.kernel.base, end - img.kernel.base});
        if (t.device_top > kernel::x86::msi_base) res.push(range{kernel::x86::msi_base, 8});
    } else {
        res.push(range{img.kernel.base, img.kernel.size});
        res.push(range{img.dtb.base, img.dtb.size});
        res.push(range{img.rootserver.base, detail::round_up(img.rootserver.size, detail::page)});
    }
    // seL4's build (KernelRegionGroup, tools/hardware/utils/rule.py) aligns a
    // device's base down to a frame and rounds its size up to whole frames (the
    // size on its own, not the end), and map_kernel_devices reserves every frame whole.
    const std::uint64_t frame = std::uint64_t{1} << kernel_device_frame_bits(cfg.target);
    for (std::size_t i = 0; i < p.n_kernel_devices; ++i) {
        const std::uint64_t size = p.kernel_device_sizes[i] ? detail::round_up(p.kernel_device_sizes[i], frame) : frame;
        res.push(range{p.kernel_devices[i] & ~(frame - 1), size});
    }
    res.sort();
    detail::range_list merged;
    for (std::size_t i = 0; i < res.count; ++i) {
        const range& next = res.at[i];
        if (merged.count > 0 && next.base <= merged.at[merged.count - 1].end()) {
            range& last = merged.at[merged.count - 1];
            if (next.end() > last.end()) last.size = next.end() - last.base;
        } else {
            merged.push(next);
        }
    }
    for (std::size_t i = 0; i < merged.count; ++i)
        mem.add_reserved(kernel::region{merged.at[i].base, merged.at[i].end()});
    // get_p_reg_kernel_img_boot: [KERNEL_ELF_PADDR_BASE, phys(ki_boot_end)), handed
    // back as RAM untypeds after the device untypeds (create_untypeds).
    if (p.kernel_boot_size != 0)
        mem.kernel_boot = kernel::region{img.kernel.base, img.kernel.base + p.kernel_boot_size};
    if (x86) {
        mem.max_freemem = kernel::x86::max_freemem;
        mem.extra_bi_bits = 12; // see kernel/x86_boot.hpp's layout
    } else {
        // Extra bootinfo on ARM and RISC-V carries the DTB behind a seL4_BootInfoHeader (two words).
        const std::uint64_t header = std::uint64_t{t.word_bits} / 8 * 2;
        mem.extra_bi_bits = kernel::extra_bi_size_bits(p.dtb.size ? p.dtb.size + header : 0);
    }
    // The rootserver's virtual range: image, IPC buffer, bootinfo, extra bootinfo.
    const std::uint64_t ui_end = p.rootserver_vaddr + detail::round_up(p.rootserver.size, detail::page);
    const std::uint64_t extra = mem.extra_bi_bits ? std::uint64_t{1} << mem.extra_bi_bits : 0;
    const std::uint64_t it_end = ui_end + 2 * detail::page + extra;
    mem.n_paging = n_paging(cfg.target, p.rootserver_vaddr, it_end);
    return mem;
}

/// Stage 2: the kernel's boot. Requires stage 1's placements.
[[nodiscard]] constexpr stage_report stage_kernel_boot(const platform& p, const placed_images& img,
                                                       boot_outcome& out) noexcept {
    stage_report r{};
    r.id = stage::kernel_boot;
    r.state = status::ok;
    const kernel::config& cfg = p.kernel;
    const kernel::boot_memory<32> mem = kernel_boot_memory(p, img);
    const std::uint64_t extra = mem.extra_bi_bits ? std::uint64_t{1} << mem.extra_bi_bits : 0;

    auto b = kernel::create_boot_untypeds<max_boot_untypeds, 16>(cfg, mem);
    if (!b) {
        r.state = status::failed;
        const error& e = b.error();
        if (e.code == error_code::no_fit) {
            r.shortfall = e.value > e.limit ? e.value - e.limit : e.value;
            r.cause = finding{.what = problem::rootserver_no_fit, .needed = e.value, .available = e.limit};
        } else if (e.code == error_code::capacity_exhausted) {
            r.cause = finding{.what = problem::model_capacity, .needed = e.value, .available = e.limit};
        } else {
            r.cause = finding{
                .what = problem::boot_memory_invalid, .needed = e.value, .available = e.limit, .paddr = e.value};
        }
        return r;
    }
    out.untypeds = *b;
    // Root CNode: fixed caps, paging caps, extra bootinfo frames, image frames, untypeds.
    const std::uint64_t slots = initial_caps + mem.n_paging + extra / detail::page +
                                detail::round_up(p.rootserver.size, detail::page) / detail::page + b->count;
    out.root_slots_needed = slots;
    const std::uint64_t have = std::uint64_t{1} << cfg.root_cnode_bits;
    if (slots > have) {
        r.state = status::failed;
        r.shortfall = slots - have; // slots (counts_slots): a slot shortfall is never given in bytes
        r.cause = finding{.what = problem::root_cnode_full, .needed = slots, .available = have};
    }
    return r;
}

} // namespace retype::plan
