// retype: the planner. Runs the five stages on a system description and returns
// a report: each stage's verdict, the cause with its numbers, fixes whose
// values were checked by planning the changed system again, and warnings for
// settings far too high. constexpr throughout: usable in a static_assert
// (plan/check.hpp), by tools at run time, and by `retype plan`.
#pragma once

#include <retype/plan/boot_stages.hpp>
#include <retype/plan/description.hpp>
#include <retype/plan/diagnostic.hpp>
#include <retype/plan/loader.hpp>
#include <retype/plan/vmm.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace retype::plan {

inline constexpr std::size_t max_warnings = 16;
inline constexpr std::size_t max_guests = 8;

/// The VMM numbers of one guest, for reports.
struct guest_summary {
    std::uint16_t component = no_component;
    vmm_need need{};
    std::uint64_t obtained = 0; // guest RAM bytes the VMM manages to map
};

struct report {
    std::array<stage_report, 5> stages{};
    std::array<warning, max_warnings> warnings{};
    std::size_t n_warnings = 0;
    // What the stages computed, for the memory map and tools.
    placed_images images{};
    boot_list boot{};
    std::uint64_t root_slots_needed = 0;
    loader_outcome loaded{};
    std::array<guest_summary, max_guests> guests{};
    std::size_t n_guests = 0;

    [[nodiscard]] constexpr bool ok() const noexcept {
        // A raw loop, as elsewhere in retype (cppcheck's useStlAlgorithm is off too):
        // the plan headers do not pull in <algorithm> for one loop.
        for (const stage_report& s : stages) // NOLINT(readability-use-anyofallof)
            if (s.state != status::ok) return false;
        return true;
    }
    /// The first stage that failed, or nullptr.
    [[nodiscard]] constexpr const stage_report* first_failure() const noexcept {
        for (const stage_report& s : stages)
            if (s.state == status::failed) return &s;
        return nullptr;
    }
    [[nodiscard]] constexpr const stage_report& at(stage s) const noexcept {
        return stages[static_cast<std::size_t>(s) - 1];
    }
    constexpr void warn(const finding& f, const fix& x) noexcept {
        if (n_warnings < warnings.size()) warnings[n_warnings++] = warning{f, x};
    }
};

/// The kernel-model nodes a system needs (loader_nodes over its components, pools bounded by its RAM).
template <std::size_t N>
[[nodiscard]] constexpr std::size_t model_nodes(const system<N>& sys) noexcept {
    std::uint64_t ram = 0;
    for (std::size_t i = 0; i < sys.plat.n_ram; ++i)
        ram = sys.plat.ram[i].size > ~std::uint64_t{0} - ram ? ~std::uint64_t{0} : ram + sys.plat.ram[i].size;
    return loader_nodes(std::span<const component>(sys.components.data(), sys.n_components), ram);
}

namespace detail {

/// Stage 4 and 5 over every guest: the first failing guest is the stage's verdict.
constexpr void vmm_and_guest(const kernel::config& cfg, std::span<const component> comps, report& out) noexcept {
    stage_report vmm{.id = stage::vmm, .state = status::ok};
    stage_report guest{.id = stage::guest, .state = status::ok};
    for (std::size_t i = 0; i < comps.size(); ++i) {
        const component& c = comps[i];
        if (!c.guest.present) continue;
        const auto id = static_cast<std::uint16_t>(i);
        const stage_report v = stage_vmm_component(cfg, c, id);
        if (vmm.state == status::ok && v.state != status::ok) vmm = v;
        // A guest with no RAM, or RAM no frame size fits, never starts: stage 5 has nothing to report for it.
        if (v.state != status::ok &&
            (v.cause.what == problem::guest_ram_empty || v.cause.what == problem::guest_ram_misaligned)) {
            if (guest.state == status::ok) guest.state = status::not_reached;
            continue;
        }
        const stage_report g = stage_guest_component(cfg, c, id);
        if (guest.state != status::failed && g.state != status::ok) guest = g;
        if (out.n_guests < out.guests.size())
            out.guests[out.n_guests++] = guest_summary{id, vmm_needs(cfg, c), guest_ram_obtained(cfg, c)};
    }
    out.stages[3] = vmm;
    out.stages[4] = guest;
}

} // namespace detail

/// The five stages, no fixes verified, no warnings. Capacity bounds the kernel
/// model (see loader_nodes); a system that needs more gets model_capacity.
template <std::size_t Capacity, std::size_t N>
[[nodiscard]] constexpr report run_stages(const system<N>& sys) noexcept {
    report out{};
    for (std::size_t i = 0; i < 5; ++i) out.stages[i] = stage_report{.id = static_cast<stage>(i + 1)};
    const std::span<const component> comps(sys.components.data(), sys.n_components);
    out.stages[0] = stage_elf_loader(sys.plat, out.images);
    if (out.stages[0].state != status::ok) return out;
    boot_outcome boot{};
    out.stages[1] = stage_kernel_boot(sys.plat, out.images, boot);
    out.boot = boot.untypeds;
    out.root_slots_needed = boot.root_slots_needed;
    if (out.stages[1].state != status::ok) return out;
    out.stages[2] = stage_loader<Capacity>(sys.plat, comps, out.boot, out.images, boot.root_slots_needed, out.loaded);
    if (out.stages[2].state != status::ok) return out;
    detail::vmm_and_guest(sys.plat.kernel, comps, out);
    return out;
}

namespace detail {

/// Applies a fix to a copy of the system.
template <std::size_t N>
[[nodiscard]] constexpr system<N> apply(system<N> s, const fix& f) noexcept {
    component* c = f.component < s.n_components ? &s.components[f.component] : nullptr;
    switch (f.what) {
    case setting::platform_ram:
        if (s.plat.n_ram) s.plat.ram[s.plat.n_ram - 1].size = f.to;
        break;
    case setting::reserved_memory: s.plat.add_reserved(f.aux, f.to, true, "planner"); break;
    case setting::kernel_root_cnode_bits: s.plat.kernel.root_cnode_bits = static_cast<std::uint8_t>(f.to); break;
    case setting::kernel_max_bootinfo_untypeds:
        s.plat.kernel.max_bootinfo_untypeds = static_cast<std::uint32_t>(f.to);
        break;
    case setting::untyped_pool:
        if (c) {
            bool found = false;
            for (std::size_t i = 0; i < c->n_pools; ++i)
                if (c->pools[i].size_bits == f.index) {
                    c->pools[i].count = static_cast<std::uint32_t>(f.to);
                    found = true;
                }
            if (!found) c->add_pool(f.index, static_cast<std::uint32_t>(f.to));
        }
        break;
    case setting::untyped_mmios:
        if (c) {
            bool moved = false;
            for (std::size_t i = 0; i < c->n_mmios && f.from != 0; ++i)
                if (c->mmios[i].paddr == f.from) {
                    c->mmios[i].paddr = f.to;
                    moved = true;
                }
            if (!moved) c->add_mmio(f.to, static_cast<unsigned>(f.aux));
        }
        break;
    case setting::cnode_size_bits:
        if (c) c->cnode_size_bits = static_cast<std::uint8_t>(f.to);
        break;
    case setting::allocator_mempool_size:
        if (c) c->mempool_size = f.to;
        break;
    case setting::guest_page_bits:
        if (c) c->guest.page_bits = static_cast<std::uint8_t>(f.to);
        break;
    case setting::guest_allocator:
        if (c) c->guest.policy = static_cast<allocator_policy>(f.to);
        break;
    case setting::loader_max_objects: s.plat.loader_max_objects = static_cast<std::uint32_t>(f.to); break;
    case setting::guest_ram_size:
        if (c) c->guest.ram_size = f.to;
        break;
    case setting::guest_ram_base:
        if (c) {
            for (std::size_t i = 0; i < c->n_mmios; ++i)
                if (c->mmios[i].paddr >= f.from && c->mmios[i].paddr < f.from + c->guest.ram_size)
                    c->mmios[i].paddr = c->mmios[i].paddr - f.from + f.to;
            for (std::size_t i = 0; i < c->guest.n_images; ++i)
                c->guest.images[i].where.base = c->guest.images[i].where.base - f.from + f.to;
            c->guest.ram_base = f.to;
        }
        break;
    case setting::none: break;
    }
    return s;
}

/// Does the whole system pass with this fix? `[checked]` means exactly this: the changed system planned
/// again through all five stages, every one ok. (A fix for an early stage that lets a later one fail is
/// not checked; the report shows it unchecked.) The changed system must fit the same kernel model.
template <std::size_t Capacity, std::size_t N>
[[nodiscard]] constexpr bool fixes_system(const system<N>& s, const fix& f) noexcept {
    const system<N> changed = apply(s, f);
    if (model_nodes(changed) > Capacity) return false;
    return run_stages<Capacity>(changed).ok();
}

/// Does stage `upto` (and every stage before it) pass with this fix? For searches that bracket a value
/// (largest pool count, smallest RAM) before the whole-system check.
template <std::size_t Capacity, std::size_t N>
[[nodiscard]] constexpr bool fixes_stage(const system<N>& s, const fix& f, stage upto) noexcept {
    const system<N> changed = apply(s, f);
    if (model_nodes(changed) > Capacity) return false;
    const report r = run_stages<Capacity>(changed);
    for (std::size_t i = 0; i < static_cast<std::size_t>(upto); ++i)
        if (r.stages[i].state != status::ok) return false;
    return true;
}

/// Grows the last RAM region until the whole system passes (doubling the step, 8 tries).
template <std::size_t Capacity, std::size_t N>
[[nodiscard]] constexpr fix grow_ram(const system<N>& s, std::uint64_t shortfall) noexcept {
    fix f{.what = setting::platform_ram};
    if (s.plat.n_ram == 0) return f;
    const std::uint64_t have = s.plat.ram[s.plat.n_ram - 1].size;
    f.from = have;
    std::uint64_t step = round_up(shortfall ? shortfall : mib, 64 * mib);
    for (int i = 0; i < 8; ++i, step *= 2) {
        f.to = have + step;
        if (fixes_system<Capacity>(s, f)) {
            f.verified = true;
            return f;
        }
    }
    f.to = have + round_up(shortfall, 64 * mib);
    return f;
}

/// True when [base, base + size) lies inside a no-map reserved region (a window the platform keeps out of
/// the kernel's RAM: what a guest moved there takes from nobody).
[[nodiscard]] constexpr bool in_reserved_window(const platform& p, paddr_t base, std::uint64_t size) noexcept {
    for (std::size_t i = 0; i < p.n_reserved; ++i)
        if (p.reserved[i].no_map && p.reserved[i].where.contains(range{base, size})) return true;
    return false;
}

/// Does any component other than `self` list an untyped or frames overlapping [base, base + size)?
template <std::size_t N>
[[nodiscard]] constexpr bool used_by_other(const system<N>& s, std::uint16_t self, paddr_t base,
                                           std::uint64_t size) noexcept {
    const range want{base, size};
    for (std::size_t c = 0; c < s.n_components; ++c) {
        if (c == self) continue;
        const component& o = s.components[c];
        for (std::size_t i = 0; i < o.n_mmios; ++i)
            if (o.mmios[i].size_bits < 64 &&
                range{o.mmios[i].paddr, std::uint64_t{1} << o.mmios[i].size_bits}.overlaps(want))
                return true;
        for (std::size_t i = 0; i < o.n_frames; ++i)
            if (range{o.frames[i].paddr, o.frames[i].size}.overlaps(want)) return true;
        if (o.guest.present && range{o.guest.phys_base(), o.guest.ram_size}.overlaps(want)) return true;
    }
    return false;
}

/// Fixes for the first failing stage; each is marked verified only when the whole system, changed by it,
/// passes all five stages.
template <std::size_t Capacity, std::size_t N>
constexpr void find_fixes(const system<N>& s, stage_report& st) noexcept {
    const finding& f = st.cause;
    const auto verify = [&](fix x) {
        x.verified = fixes_system<Capacity>(s, x);
        return x;
    };
    // Stage 4 already proposed its candidates; verify them in place.
    for (std::size_t i = 0; i < st.n_fixes; ++i) st.fixes[i] = verify(st.fixes[i]);
    if (st.n_fixes) return;
    const std::uint64_t root_used = [&] {
        placed_images img{};
        boot_outcome b{};
        if (stage_elf_loader(s.plat, img).state != status::ok) return std::uint64_t{0};
        (void)stage_kernel_boot(s.plat, img, b);
        return b.root_slots_needed;
    }();
    switch (f.what) {
    case problem::no_ram_for_kernel:
    case problem::image_outside_ram:
    case problem::rootserver_no_fit: st.add_fix(grow_ram<Capacity>(s, st.shortfall)); break;
    case problem::root_cnode_full:
    case problem::loader_slots_asserted:
    case problem::loader_out_of_slots: {
        // The root CNode must hold the boot caps (stage 2), then the capDL loader's 16, and both
        // CapDLLoaderMaxObjects (a debug loader's assertion) and every object created plus the CNode / TCB
        // duplicates (stage 3): the smallest radix, from the first that holds what failed, with which the
        // whole system passes.
        const unsigned from = s.plat.kernel.root_cnode_bits;
        const std::uint64_t floor = f.what == problem::root_cnode_full ? f.needed : root_used + 16 + f.needed;
        fix x{.what = setting::kernel_root_cnode_bits, .from = from, .to = ceil_log2(floor)};
        for (unsigned bits = from + 1; bits <= 30 && bits <= from + 8; ++bits) {
            if (bits < x.to) continue;
            const fix y = verify(fix{.what = setting::kernel_root_cnode_bits, .from = from, .to = bits});
            if (y.verified) {
                x = y;
                break;
            }
        }
        if (x.to > from) st.add_fix(x);
        break;
    }
    case problem::loader_too_many_objects:
        st.add_fix(verify(fix{.what = setting::loader_max_objects,
                              .from = s.plat.loader_max_objects,
                              .to = round_up(with_headroom(f.needed), 1000)}));
        break;
    case problem::exact_untyped_missing:
    case problem::exact_untyped_taken: {
        const component& c = s.components[f.component];
        const std::uint64_t size = f.size;
        const bool guest_ram =
            c.guest.present && range{c.guest.ram_base, c.guest.ram_size}.contains(range{f.paddr, size});
        // Keep the kernel's hands off the range: a no-map reserved-memory node, where the kernel put RAM.
        // (Over the kernel's images it moves them: the ELF loader places them after the reserved region.)
        if (f.why != blocker::outside_device_top && f.why != blocker::other_component)
            st.add_fix(verify(fix{.what = setting::reserved_memory, .to = size, .aux = f.paddr}));
        // A device register range (a GIC interface, a UART) stays where the hardware is: moving it is no
        // fix. Guest RAM may move, but only into a free no-map reserved window: never onto RAM the kernel
        // and the loader use, never onto another component's memory.
        if (!guest_ram || f.object != kernel::object_type::untyped) break;
        boot_outcome b{};
        placed_images img{};
        if (stage_elf_loader(s.plat, img).state == status::ok &&
            stage_kernel_boot(s.plat, img, b).state == status::ok) {
            for (std::size_t i = 0; i < b.untypeds.count; ++i) {
                const kernel::untyped_desc& d = b.untypeds.list[i];
                if (d.size_bits < f.object_bits || !d.device) continue;
                const std::uint64_t span = c.guest.ram_base == f.paddr ? c.guest.ram_size : size;
                if (!in_reserved_window(s.plat, d.paddr, span) || used_by_other(s, f.component, d.paddr, span))
                    continue;
                if (d.paddr == f.paddr) continue;
                fix x{.what = setting::untyped_mmios,
                      .component = f.component,
                      .from = f.paddr,
                      .to = d.paddr,
                      .aux = f.object_bits};
                if (c.guest.ram_base == f.paddr)
                    x = fix{.what = setting::guest_ram_base, .component = f.component, .from = f.paddr, .to = d.paddr};
                x = verify(x);
                if (x.verified) {
                    st.add_fix(x);
                    break;
                }
            }
        }
        break;
    }
    case problem::out_of_untyped: {
        // Shrink the biggest request of the component that ran out, to the largest value that fits.
        const component& c = s.components[f.component];
        if (f.object == kernel::object_type::untyped) {
            for (std::size_t i = 0; i < c.n_pools; ++i) {
                if (c.pools[i].size_bits != f.object_bits) continue;
                std::uint64_t lo = 0;
                std::uint64_t hi = c.pools[i].count; // hi fails
                fix x{.what = setting::untyped_pool,
                      .component = f.component,
                      .index = c.pools[i].size_bits,
                      .from = c.pools[i].count};
                x.to = 0;
                if (fixes_stage<Capacity>(s, x, stage::loader)) {
                    while (hi - lo > 1) {
                        x.to = lo + (hi - lo) / 2;
                        (fixes_stage<Capacity>(s, x, stage::loader) ? lo : hi) = x.to;
                    }
                    x.to = lo;
                    st.add_fix(verify(x));
                }
            }
        }
        if (f.object == kernel::object_type::cnode && c.cnode_size_bits > 1) {
            for (unsigned b = c.cnode_size_bits; b-- > 1;) {
                fix x = verify(fix{
                    .what = setting::cnode_size_bits, .component = f.component, .from = c.cnode_size_bits, .to = b});
                if (x.verified) {
                    st.add_fix(x);
                    break;
                }
            }
        }
        st.add_fix(grow_ram<Capacity>(s, st.shortfall));
        break;
    }
    case problem::guest_ram_short: {
        // The VMM's own fixes make the guest whole too.
        const stage_report v = stage_vmm_component(s.plat.kernel, s.components[f.component], f.component);
        for (std::size_t i = 0; i < v.n_fixes; ++i) st.add_fix(verify(v.fixes[i]));
        break;
    }
    default: break; // input errors (sizes out of range, an empty guest), kernel errors, the program's own limit
    }
}

/// Settings far too high: at least 4x what the VMM needs and a MiB or more to spare.
template <std::size_t N>
constexpr void find_warnings(const system<N>& s, report& r) noexcept {
    if (r.boot.dropped_count)
        r.warn(finding{.what = problem::bootinfo_untypeds_dropped,
                       .count = r.boot.dropped_count,
                       .needed = r.boot.dropped_ram_bytes + r.boot.dropped_device_bytes},
               fix{.what = setting::kernel_max_bootinfo_untypeds,
                   .from = s.plat.kernel.max_bootinfo_untypeds,
                   .to = s.plat.kernel.max_bootinfo_untypeds + r.boot.dropped_count});
    for (std::size_t i = 0; i < r.n_guests; ++i) {
        const guest_summary& g = r.guests[i];
        const component& c = s.components[g.component];
        const vmm_need& n = g.need;
        const auto too_high = [](std::uint64_t have, std::uint64_t need) {
            return have >= 4 * need && have - need >= mib;
        };
        // libsel4vm's guest_ram.c maps guest RAM with seL4_PageBits frames: another size is a patched VMM.
        if (c.guest.page_bits != 12)
            r.warn(finding{.what = problem::guest_pages_need_patch,
                           .component = g.component,
                           .object_bits = c.guest.page_bits},
                   fix{});
        const std::uint64_t slots = std::uint64_t{1} << c.cnode_size_bits;
        const unsigned slot_bits = kernel::traits(s.plat.kernel).slot_bits;
        if (too_high(slots << slot_bits, n.slots << slot_bits))
            r.warn(finding{.what = problem::cnode_too_large,
                           .component = g.component,
                           .needed = n.slots,
                           .available = slots,
                           .size = slots << slot_bits}, // the CNode's bytes of untyped (2^slot_bits B per slot)
                   fix{.what = setting::cnode_size_bits,
                       .component = g.component,
                       .from = c.cnode_size_bits,
                       .to = ceil_log2(with_headroom(n.slots))});
        const std::uint64_t mempool = allocator_mempool(c);
        if (too_high(mempool, n.mempool_bytes))
            r.warn(finding{.what = problem::mempool_too_large,
                           .component = g.component,
                           .needed = n.mempool_bytes,
                           .available = mempool},
                   fix{.what = setting::allocator_mempool_size,
                       .component = g.component,
                       .from = mempool,
                       .to = round_up(with_headroom(n.mempool_bytes), mib)});
        const std::uint64_t pool = c.pool_bytes();
        if (c.n_pools == 1 && too_high(pool, n.pool_bytes)) {
            const unsigned bits = c.pools[0].size_bits;
            const std::uint64_t to = round_up(with_headroom(n.pool_bytes), std::uint64_t{1} << bits) >> bits;
            if (to < c.pools[0].count)
                r.warn(finding{.what = problem::pool_too_large,
                               .component = g.component,
                               .needed = n.pool_bytes,
                               .available = pool},
                       fix{.what = setting::untyped_pool,
                           .component = g.component,
                           .index = static_cast<std::uint8_t>(bits),
                           .from = c.pools[0].count,
                           .to = to});
        }
    }
}

} // namespace detail

/// Plans a system: the five stages, fixes for the first failing one (each value
/// verified by planning the changed system), warnings.
template <std::size_t Capacity, std::size_t N>
[[nodiscard]] constexpr report run(const system<N>& sys) noexcept {
    report r = run_stages<Capacity>(sys);
    for (stage_report& st : r.stages) {
        if (st.state == status::failed) {
            detail::find_fixes<Capacity>(sys, st);
            break;
        }
    }
    detail::find_warnings(sys, r);
    return r;
}

} // namespace retype::plan
