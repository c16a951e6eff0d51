// retype: the kernel's boot-time creation of the initial untypeds.
//
// Given the physical memory map the kernel boots with, this computes the
// bootinfo untyped list the root task receives: which untypeds, in which order,
// which ones the bootinfo limit drops, and where the root-server objects went.
// It follows init_freemem, create_untypeds, create_untypeds_for_region and
// provide_untyped_cap in src/kernel/boot.c (seL4 16.0.0-dev), with the reserved
// regions each architecture passes in src/arch/{x86,arm,riscv}/kernel/boot.c.
//
// The kernel drops untypeds past CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS with one
// console line and keeps booting; this model reports the cut-off instead
// (count, bytes, and the first descriptors dropped).
//
// Errors (all as values; the kernel would fail to boot, or the input is one the
// kernel never gets):
//   out_of_window      a region that is empty (RAM), inverted, or reaches past
//                      2^word_bits (value = base, limit = end); the boot-only
//                      kernel part outside the kernel window (value = base,
//                      limit = PADDR_TOP)
//   overlap            regions unsorted or overlapping (value = base, limit = the
//                      previous end); the boot-only kernel part not covered by a
//                      reserved region (value = base)
//   capacity_exhausted more RAM regions or freemem pieces than the kernel's
//                      MAX_NUM_FREEMEM_REG allows (value = count, limit = the
//                      most allowed), or more kept untypeds than MaxUntypeds
//                      (value = MaxUntypeds + 1, limit = MaxUntypeds)
//   no_fit             no freemem piece holds the root-server block (value =
//                      its size, limit = the largest piece; the block is also
//                      aligned to 2^rootserver_align_bits)
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/machine.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace retype::kernel {

/// A physical range [base, end). 64-bit exact: on aarch32 `end` may be 2^32.
struct region {
    paddr_t base = 0;
    paddr_t end = 0;

    [[nodiscard]] constexpr std::uint64_t size() const noexcept { return end - base; }
    [[nodiscard]] constexpr bool empty() const noexcept { return base == end; }
    friend constexpr bool operator==(const region&, const region&) = default;
};

/// One entry of bootinfo's untypedList (seL4_UntypedDesc).
struct untyped_desc {
    paddr_t paddr = 0;
    std::uint8_t size_bits = 0;
    bool device = false;

    friend constexpr bool operator==(const untyped_desc&, const untyped_desc&) = default;
};

/// The memory map the kernel boots with, after the architecture's own
/// preprocessing, which the caller applies:
/// * x86: multiboot "usable" entries at or above 1 MiB, rounded inwards to 4 KiB
///   (boot_sys.c); reserved = [0x100000, end of user image), each IOAPIC, the
///   LAPIC, IOMMU DRHUs and the MSI window [0xfffffff8, 2^32) (hardware.c).
/// * ARM / RISC-V: DT memory merged, reserved-memory `no-map` removed, the
///   first base aligned up to KERNEL_PHYS_ALIGN (tools/hardware/utils/memory.py);
///   reserved = kernel image, DTB, user image, aarch32's mode-reserved region
///   and the kernel's own device frames.
/// Both lists must be sorted by address and disjoint (adjacent is fine).
/// Reserved regions are compared with RAM in physical space: the kernel compares
/// kernel-virtual addresses, which orders the same way inside the window.
template <std::size_t MaxRegions = 32>
struct boot_memory {
    std::array<region, MaxRegions> ram{}; // available memory, physical (avail_p_regs / mem_p_regs)
    std::size_t ram_count = 0;
    std::array<region, MaxRegions> reserved{}; // never free RAM, never device untyped
    std::size_t reserved_count = 0;
    region kernel_boot{};           // [KERNEL_ELF_PADDR_BASE, phys(ki_boot_end)): freed after boot
    std::uint8_t extra_bi_bits = 0; // calculate_extra_bi_size_bits(extra bootinfo bytes); 0: none
    std::uint64_t n_paging = 0;     // arch_get_n_paging(user image): paging structures below the root
    std::size_t max_freemem = 0;    // MAX_NUM_FREEMEM_REG; 0: the architecture's

    /// Appends; returns false when the fixed capacity is full (nothing changes).
    constexpr bool add_ram(region r) noexcept { return push(ram, ram_count, r); }
    constexpr bool add_reserved(region r) noexcept { return push(reserved, reserved_count, r); }

private:
    static constexpr bool push(std::array<region, MaxRegions>& a, std::size_t& n, region r) noexcept {
        if (n >= MaxRegions) return false;
        a[n++] = r;
        return true;
    }
};

/// The untyped caps the kernel hands to the root task, in bootinfo order:
/// device gaps, the boot-only kernel part, then free RAM by address.
template <std::size_t MaxUntypeds, std::size_t MaxDropped = 16>
struct boot_untypeds {
    config cfg{};                                 // what they were computed for
    std::array<untyped_desc, MaxUntypeds> list{}; // untypedList[0 .. count)
    std::size_t count = 0;
    std::size_t device_count = 0;  // list[0 .. device_count) are device untypeds
    std::size_t dropped_count = 0; // past max_bootinfo_untypeds: no cap, memory lost
    std::uint64_t dropped_device_bytes = 0;
    std::uint64_t dropped_ram_bytes = 0;
    std::array<untyped_desc, MaxDropped> dropped{}; // the first min(dropped_count, MaxDropped) dropped
    std::uint64_t sliver_bytes = 0;                 // pieces below 2^MinUntypedBits, lost by splitting
    region rootserver{};                            // physical range of the root-server objects
    unsigned rootserver_align_bits = 0;             // rootserver.base is aligned to this in pptr space
    std::size_t freemem_count = 0;                  // RAM pieces before the root-server carve-out

    [[nodiscard]] constexpr std::size_t dropped_listed() const noexcept {
        return dropped_count < MaxDropped ? dropped_count : MaxDropped;
    }
};

namespace detail {

/// MAX_NUM_FREEMEM_REG: 16 on x86 and RISC-V (include/arch/{x86,riscv}/arch/bootinfo.h);
/// on ARM #avail_p_regs + MODE_RESERVED + 2, MODE_RESERVED being 1 on aarch32 and
/// 0 on aarch64 (include/arch/arm/arch/bootinfo.h, include/arch/arm/arch/{32,64}/mode/kernel/vspace.h).
[[nodiscard]] constexpr std::size_t max_freemem_regions(const config& cfg, std::size_t ram_count) noexcept {
    switch (cfg.target) {
    case arch::x86_64:
    case arch::riscv64: return 16;
    case arch::aarch64:
    case arch::aarch64_hyp: return ram_count + 2;
    case arch::aarch32: return ram_count + 3;
    }
    return 16;
}

/// Fixed-capacity list of regions for the intermediate steps.
template <std::size_t N>
struct region_list {
    std::array<region, N> at{};
    std::size_t count = 0;
    constexpr void push(region r) noexcept {
        Expects(count < N);
        at[count++] = r;
    }
};

/// Checks a list is sorted, disjoint, inside [0, 2^word_bits), and (for RAM) non-empty.
template <std::size_t N>
[[nodiscard]] constexpr result<void> check_regions(const arch_traits& t, const std::array<region, N>& a, std::size_t n,
                                                   bool allow_empty) noexcept {
    Expects(n <= N);
    for (std::size_t i = 0; i < n; ++i) {
        const region& r = a[i];
        if (r.end < r.base || (!allow_empty && r.empty()) || r.base > t.word_mask() ||
            (!r.empty() && r.end - 1 > t.word_mask()))
            return failure(make_error(error_code::out_of_window, r.base, r.end));
        if (i > 0 && r.base < a[i - 1].end) return failure(make_error(error_code::overlap, r.base, a[i - 1].end));
    }
    return {};
}

/// Collects the untypeds provide_untyped_cap creates, applying the bootinfo limit.
template <std::size_t MaxUntypeds, std::size_t MaxDropped>
struct emitter {
    const arch_traits& t;
    std::uint32_t bootinfo_limit = 0;
    boot_untypeds<MaxUntypeds, MaxDropped>& out;
    std::size_t emitted = 0;

    // create_untypeds_for_region: maximal naturally aligned blocks of the pptr
    // range [s, e), which may wrap; pptr 0 counts as aligned to anything.
    [[nodiscard]] constexpr result<void> split(pptr_t s, pptr_t e, bool device) noexcept {
        const std::uint64_t mask = t.word_mask();
        s &= mask;
        e &= mask;
        while (s != e) {
            const std::uint64_t remaining = (e - s) & mask;
            unsigned bits = 63u - static_cast<unsigned>(std::countl_zero(remaining));
            if (bits > t.max_untyped_bits) bits = t.max_untyped_bits;
            if (s != 0) {
                const auto align = static_cast<unsigned>(std::countr_zero(s));
                if (bits > align) bits = align;
            }
            if (bits >= t.min_untyped_bits) {
                auto r = provide(untyped_desc{t.to_paddr(s), static_cast<std::uint8_t>(bits), device});
                if (!r) return r;
            } else {
                out.sliver_bytes += std::uint64_t{1} << bits;
            }
            s = (s + (std::uint64_t{1} << bits)) & mask;
        }
        return {};
    }

    // provide_untyped_cap past its sanity checks, which hold by construction
    // (split keeps blocks aligned and in range; RAM was checked to be in the window).
    [[nodiscard]] constexpr result<void> provide(untyped_desc d) noexcept {
        const std::size_t i = emitted++;
        const std::uint64_t bytes = std::uint64_t{1} << d.size_bits;
        if (i < bootinfo_limit) {
            if (out.count >= MaxUntypeds)
                return failure(make_error(error_code::capacity_exhausted, MaxUntypeds + 1, MaxUntypeds));
            out.list[out.count++] = d;
            if (d.device) ++out.device_count;
            return {};
        }
        // "Kernel init: Too many untyped regions for boot info": no cap, memory lost.
        if (out.dropped_count < MaxDropped) out.dropped[out.dropped_count] = d;
        ++out.dropped_count;
        (d.device ? out.dropped_device_bytes : out.dropped_ram_bytes) += bytes;
        return {};
    }
};

} // namespace detail

/// calculate_extra_bi_size_bits (src/kernel/boot.c): 0 for no extra bootinfo,
/// else log2 of the extra bootinfo region rounded up to a power of two, at least a page.
[[nodiscard]] constexpr std::uint8_t extra_bi_size_bits(std::uint64_t extra_bytes) noexcept {
    if (extra_bytes == 0) return 0;
    unsigned bits = 12;
    while (bits < 63 && (std::uint64_t{1} << bits) < extra_bytes) ++bits;
    return static_cast<std::uint8_t>(bits);
}

/// arch_get_n_paging (src/arch/x86/64/kernel/vspace.c, src/arch/arm/64/kernel/vspace.c,
/// src/arch/riscv/kernel/vspace.c, src/arch/arm/32/kernel/vspace.c): the paging
/// structures below the root that map the root task's virtual range [vstart, vend),
/// one per 2^level block touched at each level a structure covers (get_n_paging).
/// x86_64 with CONFIG_IOMMU adds the IO page tables of the ACPI RMRR regions
/// (vtd_get_n_paging), which this does not count.
[[nodiscard]] constexpr std::uint64_t initial_paging_structures(arch a, std::uint64_t vstart,
                                                                std::uint64_t vend) noexcept {
    unsigned levels[3] = {21, 30, 39};
    std::size_t n = 3;
    switch (a) {
    case arch::x86_64:
    case arch::aarch64: n = 3; break; // PT, PD, PUD/PDPT below the 4-level root
    case arch::aarch64_hyp:           // 3-level stage-2 tables (40-bit IPA)
    case arch::riscv64: n = 2; break; // Sv39: two levels below the root
    case arch::aarch32:
        levels[0] = 20;
        n = 1;
        break; // a second-level table maps 1 MiB
    }
    if (vend <= vstart) return 0;
    std::uint64_t count = 0;
    for (std::size_t i = 0; i < n; ++i) count += ((vend - 1) >> levels[i]) - (vstart >> levels[i]) + 1;
    return count;
}

/// calculate_rootserver_size (src/kernel/boot.c): root CNode, TCB, IPC buffer,
/// bootinfo, ASID pool, extra bootinfo, VSpace root, MCS SchedContext, and the
/// user image's paging structures.
template <std::size_t MaxRegions>
[[nodiscard]] constexpr std::uint64_t rootserver_size(const config& cfg, const boot_memory<MaxRegions>& mem) noexcept {
    const arch_traits t = traits(cfg);
    std::uint64_t size = std::uint64_t{1} << (cfg.root_cnode_bits + t.slot_bits);
    size += std::uint64_t{1} << fixed_object_bits(cfg, object_type::tcb);
    size += std::uint64_t{1} << 12; // IPC buffer (seL4_PageBits)
    size += std::uint64_t{1} << 12; // bootinfo frame (seL4_BootInfoFrameBits)
    size += std::uint64_t{1} << 12; // ASID pool (seL4_ASIDPoolBits)
    if (mem.extra_bi_bits) size += std::uint64_t{1} << mem.extra_bi_bits;
    size += std::uint64_t{1} << fixed_object_bits(cfg, object_type::vspace);
    if (cfg.mcs) size += std::uint64_t{1} << 7; // seL4_MinSchedContextBits
    return size + mem.n_paging * (std::uint64_t{1} << fixed_object_bits(cfg, object_type::page_table));
}

/// rootserver_max_size_bits: the block is aligned to its largest object.
template <std::size_t MaxRegions>
[[nodiscard]] constexpr unsigned rootserver_align_bits(const config& cfg, const boot_memory<MaxRegions>& mem) noexcept {
    unsigned m = cfg.root_cnode_bits + traits(cfg).slot_bits;
    const unsigned vspace = fixed_object_bits(cfg, object_type::vspace);
    if (vspace > m) m = vspace;
    if (mem.extra_bi_bits > m) m = mem.extra_bi_bits;
    return m;
}

/// The kernel's boot: init_freemem (clip RAM to the kernel window, remove the
/// reserved regions, carve the root-server block from the highest piece that
/// fits), then create_untypeds (device gaps up to CONFIG_PADDR_USER_DEVICE_TOP,
/// the boot-only kernel part, free RAM), split in kernel-virtual space, with the
/// bootinfo limit applied and reported. Pure: no state, nothing on the heap.
/// Complexity: O(R^2 + U) for R regions and U untypeds.
template <std::size_t MaxUntypeds, std::size_t MaxDropped = 16, std::size_t MaxRegions>
[[nodiscard]] constexpr result<boot_untypeds<MaxUntypeds, MaxDropped>>
create_boot_untypeds(const config& cfg, const boot_memory<MaxRegions>& mem) noexcept {
    Expects(mem.ram_count <= MaxRegions && mem.reserved_count <= MaxRegions);
    const arch_traits t = traits(cfg);
    const std::uint64_t mask = t.word_mask();

    // check_available_memory / check_reserved_memory.
    if (auto r = detail::check_regions(t, mem.ram, mem.ram_count, false); !r) return failure(r.error());
    if (auto r = detail::check_regions(t, mem.reserved, mem.reserved_count, true); !r) return failure(r.error());

    // init_avail_reg: clip to [PADDR_BASE, PADDR_TOP); outside is left to the device gaps.
    const std::size_t max_freemem = mem.max_freemem ? mem.max_freemem : detail::max_freemem_regions(cfg, mem.ram_count);
    detail::region_list<MaxRegions> avail;
    for (std::size_t i = 0; i < mem.ram_count; ++i) {
        const region& r = mem.ram[i];
        if (r.base >= t.paddr_top || r.end <= t.paddr_base) continue;
        avail.push(region{r.base > t.paddr_base ? r.base : t.paddr_base, r.end < t.paddr_top ? r.end : t.paddr_top});
    }
    if (avail.count > max_freemem) return failure(make_error(error_code::capacity_exhausted, avail.count, max_freemem));

    // Subtract the reserved regions; both lists are sorted and disjoint, so each
    // RAM region is cut by the reserved ones that overlap it, in order.
    detail::region_list<2 * MaxRegions + 2> freemem;
    for (std::size_t a = 0; a < avail.count; ++a) {
        paddr_t cur = avail.at[a].base;
        const paddr_t end = avail.at[a].end;
        for (std::size_t r = 0; r < mem.reserved_count && cur < end; ++r) {
            const region& res = mem.reserved[r];
            if (res.empty() || res.end <= cur || res.base >= end) continue;
            if (res.base > cur) freemem.push(region{cur, res.base});
            cur = res.end < end ? res.end : end;
        }
        if (cur < end) freemem.push(region{cur, end});
    }
    // insert_region fails past MAX_NUM_FREEMEM_REG, and init_freemem insists the
    // last slot stays free for the piece above the root server.
    if (freemem.count + 1 > max_freemem)
        return failure(make_error(error_code::capacity_exhausted, freemem.count, max_freemem - 1));

    // The boot-only kernel part becomes RAM untypeds: it must be in the window
    // (provide_untyped_cap) and reserved (otherwise it is offered twice).
    if (!mem.kernel_boot.empty()) {
        const region& kb = mem.kernel_boot;
        if (kb.end < kb.base || kb.base < t.paddr_base || kb.end > t.paddr_top)
            return failure(make_error(error_code::out_of_window, kb.base, t.paddr_top));
        paddr_t covered = kb.base;
        for (std::size_t r = 0; r < mem.reserved_count; ++r)
            if (mem.reserved[r].base <= covered && mem.reserved[r].end > covered) covered = mem.reserved[r].end;
        if (covered < kb.end) return failure(make_error(error_code::overlap, kb.base, covered));
    }

    // The root-server block: highest piece first, top-most 2^align-aligned fit, in pptr space.
    const std::uint64_t rs_size = rootserver_size(cfg, mem);
    const unsigned rs_align = rootserver_align_bits(cfg, mem);
    const std::uint64_t rs_mask = ~((std::uint64_t{1} << rs_align) - 1);
    std::size_t chosen = freemem.count;
    pptr_t rs_start = 0;
    for (std::size_t i = freemem.count; i-- > 0;) {
        const pptr_t s = t.to_pptr(freemem.at[i].base);
        const pptr_t e = t.to_pptr(freemem.at[i].end - 1) + 1; // the window does not wrap
        const pptr_t unaligned = (e - rs_size) & mask;
        const pptr_t start = unaligned & rs_mask;
        if (unaligned <= e && start >= s) {
            chosen = i;
            rs_start = start;
            break;
        }
    }
    if (chosen == freemem.count) {
        std::uint64_t largest = 0;
        for (std::size_t i = 0; i < freemem.count; ++i)
            if (freemem.at[i].size() > largest) largest = freemem.at[i].size();
        return failure(make_error(error_code::no_fit, rs_size, largest));
    }

    boot_untypeds<MaxUntypeds, MaxDropped> out{};
    out.cfg = cfg;
    out.rootserver_align_bits = rs_align;
    out.rootserver = region{t.to_paddr(rs_start), t.to_paddr(rs_start) + rs_size};
    out.freemem_count = freemem.count;

    // ndks_boot.reserved: every reserved region and all RAM inside the window,
    // merged. Its gaps are the device memory.
    detail::region_list<2 * MaxRegions> held;
    {
        std::size_t a = 0;
        std::size_t r = 0;
        while (a < avail.count || r < mem.reserved_count) {
            region next{};
            if (r < mem.reserved_count && mem.reserved[r].empty()) {
                ++r;
                continue;
            }
            if (r >= mem.reserved_count || (a < avail.count && avail.at[a].base < mem.reserved[r].base))
                next = avail.at[a++];
            else
                next = mem.reserved[r++];
            if (held.count > 0 && next.base <= held.at[held.count - 1].end) {
                if (next.end > held.at[held.count - 1].end) held.at[held.count - 1].end = next.end;
            } else {
                held.push(next);
            }
        }
    }

    detail::emitter<MaxUntypeds, MaxDropped> emit{t, cfg.max_bootinfo_untypeds, out};
    // 1. Device gaps below each reserved region.
    paddr_t start = 0;
    for (std::size_t i = 0; i < held.count; ++i) {
        if (start < held.at[i].base)
            if (auto r = emit.split(t.to_pptr(start), t.to_pptr(held.at[i].base), true); !r) return failure(r.error());
        start = held.at[i].end;
    }
    // 2. The top device region, up to CONFIG_PADDR_USER_DEVICE_TOP (2^32 on aarch32 wraps to 0 in the kernel).
    if (start <= t.device_top - 1)
        if (auto r = emit.split(t.to_pptr(start), t.to_pptr(t.device_top), true); !r) return failure(r.error());
    // 3. The boot-only part of the kernel image, as RAM.
    if (!mem.kernel_boot.empty())
        if (auto r = emit.split(t.to_pptr(mem.kernel_boot.base), t.to_pptr(mem.kernel_boot.end), false); !r)
            return failure(r.error());
    // 4. Free RAM in freemem[] order: below the root server stays in its slot,
    //    above it moves to the next one, so the order stays ascending.
    for (std::size_t i = 0; i < freemem.count; ++i) {
        pptr_t s = t.to_pptr(freemem.at[i].base);
        pptr_t e = t.to_pptr(freemem.at[i].end - 1) + 1;
        if (i == chosen) {
            if (auto r = emit.split(s, rs_start, false); !r) return failure(r.error());
            s = rs_start + rs_size;
        }
        if (auto r = emit.split(s, e, false); !r) return failure(r.error());
    }
    return out;
}

/// Declares every kept boot untyped in a kernel model, in bootinfo order, so a
/// planner retypes from exactly what the kernel hands over. Check-then-commit:
/// every descriptor is checked as machine::add_untyped would (size range, pptr
/// alignment, RAM in the window, no overlap with each other or with untypeds
/// already in `m`, enough nodes) before the first is added; on error `m` is
/// unchanged. Element i of the answer is the object_ref of list[i].
/// Requires: m.cfg() == b.cfg. Complexity: O(count * (count + Capacity)).
template <std::size_t Capacity, std::size_t MaxUntypeds, std::size_t MaxDropped>
[[nodiscard]] constexpr result<std::array<object_ref, MaxUntypeds>>
load_boot_untypeds(machine<Capacity>& m, const boot_untypeds<MaxUntypeds, MaxDropped>& b) noexcept {
    Expects(m.cfg() == b.cfg && b.count <= MaxUntypeds);
    const arch_traits t = m.arch();
    if (b.count > m.free_nodes()) return failure(make_error(error_code::capacity_exhausted, b.count, m.free_nodes()));
    const auto last = [](paddr_t p, unsigned bits) { return p + ((std::uint64_t{1} << bits) - 1); };
    for (std::size_t i = 0; i < b.count; ++i) {
        const untyped_desc& d = b.list[i];
        if (d.size_bits < t.min_untyped_bits || d.size_bits > t.max_untyped_bits)
            return failure(range_error(t.min_untyped_bits, t.max_untyped_bits));
        const std::uint64_t size = std::uint64_t{1} << d.size_bits;
        if ((t.to_pptr(d.paddr) & (size - 1)) != 0)
            return failure(make_error(error_code::misaligned, d.paddr, d.size_bits));
        if (d.paddr > t.word_mask() || size - 1 > t.word_mask() - d.paddr)
            return failure(make_error(error_code::out_of_window, d.paddr, t.word_mask()));
        if (!d.device && !t.in_window(d.paddr, d.size_bits))
            return failure(make_error(error_code::out_of_window, d.paddr, t.paddr_top));
        for (std::size_t j = 0; j < i; ++j) {
            const untyped_desc& o = b.list[j];
            if (d.paddr <= last(o.paddr, o.size_bits) && o.paddr <= last(d.paddr, d.size_bits))
                return failure(make_error(error_code::overlap, d.paddr, o.paddr));
        }
        for (const auto& n : m.nodes()) {
            if (!n.live || n.parent != no_node) continue;
            if (d.paddr <= n.paddr + (n.ut.size() - 1) && n.paddr <= last(d.paddr, d.size_bits))
                return failure(make_error(error_code::overlap, d.paddr, n.paddr));
        }
    }
    // Commit: every check above is one add_untyped makes, so none can fail.
    std::array<object_ref, MaxUntypeds> refs{};
    for (std::size_t i = 0; i < b.count; ++i) {
        auto r = m.add_untyped(b.list[i].paddr, b.list[i].size_bits, b.list[i].device);
        Ensures(r.has_value());
        refs[i] = *r;
    }
    return refs;
}

} // namespace retype::kernel
