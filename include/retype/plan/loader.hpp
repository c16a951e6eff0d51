// retype: stage 3 of the planner, the capDL loader. Every component's objects,
// pools and exact untypeds are retyped from the initial untypeds in the kernel
// model, the way seL4/capdl's capdl-loader-app does it (peers.md §3.1), in the
// order capDL-tool writes them (capDL-tool/CapDL/PrintUtils.hs sortObjects):
// objects with a paddr first, by (paddr, descending size, name), each inside one
// initial untyped, reached by retyping filler below it (main.c
// find_device_object); then the rest largest first into the RAM untypeds sorted
// largest first (sort_untypeds), greedily, never going back. Each object created
// takes one root-CNode slot (next_free_slot: "Ran out of free slots!"), after the
// 16 the loader skips; CNodes and TCBs take one more (duplicate_caps); a debug
// loader asserts CapDLLoaderMaxObjects free slots before it starts
// (parse_bootinfo).
#pragma once

#include <retype/error.hpp>
#include <retype/kernel/boot.hpp>
#include <retype/kernel/machine.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/plan/boot_stages.hpp>
#include <retype/plan/description.hpp>
#include <retype/plan/diagnostic.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace retype::plan {

/// What a range of memory became, for the map.
enum class extent_kind : std::uint8_t { cnode, pool, exact, objects, filler };

[[nodiscard]] constexpr std::string_view name(extent_kind k) noexcept {
    switch (k) {
    case extent_kind::cnode: return "cnode";
    case extent_kind::pool: return "pool";
    case extent_kind::exact: return "untyped_mmio";
    case extent_kind::objects: return "objects";
    case extent_kind::filler: return "filler";
    }
    return "?";
}

struct extent {
    paddr_t base = 0;
    std::uint64_t size = 0;
    std::uint16_t component = no_component;
    extent_kind kind = extent_kind::objects;
};

inline constexpr std::size_t max_extents = 512;

struct loader_outcome {
    std::array<extent, max_extents> extents{};
    std::size_t n_extents = 0;
    std::uint64_t ram_used = 0;        // bytes retyped from RAM untypeds (fillers included)
    std::uint64_t root_slots_used = 0; // root-CNode slots in use when the loader has created every object

    /// Appends, merging with the previous extent when contiguous and alike; past
    /// the capacity the last extent grows (the map gets coarser, nothing is lost).
    constexpr void record(paddr_t base, std::uint64_t size, std::uint16_t c, extent_kind k) noexcept {
        if (n_extents) {
            extent& last = extents[n_extents - 1];
            if (last.component == c && last.kind == k && last.base + last.size == base) {
                last.size += size;
                return;
            }
        }
        if (n_extents < max_extents) extents[n_extents++] = extent{base, size, c, k};
    }
};

/// One kind of object a component needs, expanded from its description.
struct loader_item {
    std::uint16_t component = no_component;
    kernel::object_type type = kernel::object_type::untyped;
    std::uint8_t size_bits = 0;
    std::uint8_t object_bits = 0;
    std::uint64_t count = 0;
    extent_kind kind = extent_kind::objects;
};

inline constexpr std::size_t items_per_component = max_pools + max_objects + 6;

/// The objects CAmkES asks the loader for: the CNode, the pools, a TCB, the
/// VSpace and its paging structures, and 4 KiB frames for the ELF image and the
/// static mempool (it is .bss), then the listed objects.
[[nodiscard]] constexpr std::size_t component_items(const kernel::config& cfg, const component& c, std::uint16_t id,
                                                    std::span<loader_item> out) noexcept {
    using kernel::object_type;
    std::size_t n = 0;
    const auto add = [&](object_type t, std::uint64_t size_bits, std::uint64_t count, extent_kind k) {
        if (count == 0 || n >= out.size() || !kernel::exists(cfg, t)) return;
        out[n++] = loader_item{id,
                               t,
                               static_cast<std::uint8_t>(size_bits),
                               static_cast<std::uint8_t>(kernel::object_bits(cfg, t, size_bits)),
                               count,
                               k};
    };
    add(object_type::cnode, c.cnode_size_bits, 1, extent_kind::cnode);
    for (std::size_t i = 0; i < c.n_pools; ++i)
        add(object_type::untyped, c.pools[i].size_bits, c.pools[i].count, extent_kind::pool);
    const std::uint64_t image = detail::round_up(c.image_size, detail::page) + allocator_mempool(c);
    add(object_type::tcb, 0, 1, extent_kind::objects);
    add(object_type::vspace, 0, 1, extent_kind::objects);
    // Mapped from the bottom of the address space: one table per 2 MiB, one directory per GiB (+1 each for the edge).
    add(object_type::page_table, 0, image / (std::uint64_t{1} << 21) + 1, extent_kind::objects);
    // The next level up: x86_64 calls it a page directory, aarch64 and riscv64 another page table.
    if (cfg.target != kernel::arch::aarch32)
        add(cfg.target == kernel::arch::x86_64 ? object_type::page_directory : object_type::page_table, 0,
            image / (std::uint64_t{1} << 30) + 1, extent_kind::objects);
    add(object_type::frame_4k, 0, image / detail::page, extent_kind::objects);
    for (std::size_t i = 0; i < c.n_objects; ++i)
        add(c.objects[i].type, c.objects[i].size_bits, c.objects[i].count, extent_kind::objects);
    return n;
}

/// The frame object for a CAmkES `mmios` entry's bits (camkes-tool component.simple.c bits_to_frame_type:
/// 12 a small frame, 20 / 21 a section), or nullopt when the architecture has no frame of that size.
[[nodiscard]] constexpr std::optional<kernel::object_type> frame_type_for(const kernel::config& cfg,
                                                                          unsigned bits) noexcept {
    using kernel::object_type;
    if (bits == 12) return object_type::frame_4k;
    if (cfg.target == kernel::arch::aarch32) {
        if (bits == (cfg.hyp ? 21u : 20u)) return object_type::section;
        return std::nullopt;
    }
    if (bits == 21 && kernel::exists(cfg, object_type::frame_2m)) return object_type::frame_2m;
    return std::nullopt;
}

/// Objects the capDL spec holds for these components (what CapDLLoaderMaxObjects bounds), shared `mmios`
/// frames counted once.
[[nodiscard]] constexpr std::uint64_t spec_objects(const kernel::config& cfg,
                                                   std::span<const component> comps) noexcept {
    std::uint64_t n = 0;
    std::array<loader_item, items_per_component> items{};
    for (std::size_t c = 0; c < comps.size(); ++c) {
        const std::size_t k = component_items(cfg, comps[c], static_cast<std::uint16_t>(c), items);
        for (std::size_t i = 0; i < k; ++i) n += items[i].count;
        n += comps[c].n_mmios;
        for (std::size_t f = 0; f < comps[c].n_frames; ++f) {
            const frame_mmio& fr = comps[c].frames[f];
            const std::uint64_t frames = fr.size >> fr.bits;
            // Frames an earlier component already lists are the same objects.
            std::uint64_t shared = 0;
            for (std::size_t e = 0; e < c && shared == 0; ++e)
                for (std::size_t g = 0; g < comps[e].n_frames; ++g) {
                    const frame_mmio& o = comps[e].frames[g];
                    if (o.bits != fr.bits) continue;
                    const paddr_t lo = o.paddr > fr.paddr ? o.paddr : fr.paddr;
                    const paddr_t hi = o.paddr + o.size < fr.paddr + fr.size ? o.paddr + o.size : fr.paddr + fr.size;
                    if (hi > lo) shared += (hi - lo) >> fr.bits;
                }
            n += frames > shared ? frames - shared : 0;
        }
    }
    return n;
}

/// Stage 3. `ut` is stage 2's list, `root_slots_used` the root-CNode slots the kernel filled at boot
/// (bootinfo's empty region starts there). Capacity bounds the kernel model's nodes.
template <std::size_t Capacity>
[[nodiscard]] constexpr stage_report stage_loader(const platform& p, std::span<const component> comps,
                                                  const boot_list& ut, const placed_images& img,
                                                  std::uint64_t root_slots_used, loader_outcome& out) noexcept {
    using kernel::object_type;
    stage_report r{};
    r.id = stage::loader;
    r.state = status::ok;
    const kernel::config& cfg = p.kernel;
    const kernel::arch_traits t = kernel::traits(cfg);
    const auto fail = [&](finding f, std::uint64_t shortfall) {
        r.state = status::failed;
        r.cause = f;
        r.shortfall = shortfall;
        return r;
    };
    // A refused retype: the kernel's error and the object, or (only when the model's table is full) the
    // planner's own limit.
    const auto refused = [&](const retype::error& e, std::uint16_t comp, object_type type, unsigned bits,
                             std::uint64_t count) {
        if (e.code == error_code::capacity_exhausted)
            return fail(finding{.what = problem::model_capacity, .component = comp, .needed = Capacity}, 0);
        return fail(finding{.what = problem::kernel_error,
                            .component = comp,
                            .object = type,
                            .object_bits = static_cast<std::uint8_t>(bits),
                            .error = e.code,
                            .count = count,
                            .needed = e.code == error_code::invalid_argument ? e.argument
                                      : e.code == error_code::range_error    ? e.range_max
                                                                             : e.value,
                            .available = e.memory_left},
                    0);
    };

    // 0. The root CNode: bootinfo's empty slots, less the 16 the loader skips (parse_bootinfo).
    const std::uint64_t root = std::uint64_t{1} << cfg.root_cnode_bits;
    const std::uint64_t empty = root > root_slots_used ? root - root_slots_used : 0;
    std::uint64_t slots_left = empty > 16 ? empty - 16 : 0;
    if (p.loader_debug && slots_left < p.loader_max_objects)
        return fail(
            finding{.what = problem::loader_slots_asserted, .needed = p.loader_max_objects, .available = slots_left},
            p.loader_max_objects - slots_left);
    const std::uint64_t total = spec_objects(cfg, comps);
    if (total > p.loader_max_objects)
        return fail(
            finding{.what = problem::loader_too_many_objects, .needed = total, .available = p.loader_max_objects},
            total - p.loader_max_objects);
    const auto take_slots = [&](std::uint64_t n) {
        if (n > slots_left) return false;
        slots_left -= n;
        return true;
    };
    const auto out_of_slots = [&](std::uint16_t comp, object_type type, unsigned bits, std::uint64_t left) {
        return fail(finding{.what = problem::loader_out_of_slots,
                            .component = comp,
                            .object = type,
                            .object_bits = static_cast<std::uint8_t>(bits),
                            .count = left,
                            .needed = left,
                            .available = slots_left},
                    left - slots_left);
    };

    kernel::machine<Capacity> m(cfg);
    auto refs = kernel::load_boot_untypeds(m, ut);
    if (!refs) return fail(finding{.what = problem::model_capacity, .needed = ut.count, .available = Capacity}, 0);

    // 1. Objects with a paddr: untyped_mmios and `mmios` frames, by (paddr, descending size, name). CAmkES
    //    names them after their address (untyped_cap_0x..., mmio_frame_...), so equal (paddr, size) pairs are
    //    the same frame (one object, shared) or a conflict; ties are broken by component order.
    struct paddr_ref {
        std::uint16_t component = 0;
        std::uint8_t index = 0;
        object_type type = object_type::untyped;
        std::uint8_t bits = 0; // object size bits
        paddr_t paddr = 0;
    };
    constexpr std::size_t max_paddr = 64 * max_mmios + 64 * max_frame_mmios * 8;
    std::array<paddr_ref, max_paddr> mm{};
    std::size_t n_mm = 0;
    for (std::size_t c = 0; c < comps.size(); ++c) {
        for (std::size_t i = 0; i < comps[c].n_mmios; ++i) {
            const exact_untyped e = comps[c].mmios[i];
            const auto id = static_cast<std::uint16_t>(c);
            finding f{.component = id,
                      .object = object_type::untyped,
                      .object_bits = e.size_bits,
                      .count = i,
                      .paddr = e.paddr};
            // Range first: 1 << size_bits is only computed for a size the kernel accepts.
            if (e.size_bits < t.min_untyped_bits || e.size_bits > t.max_untyped_bits) {
                f.what = problem::exact_untyped_size;
                f.needed = t.min_untyped_bits;
                f.available = t.max_untyped_bits;
                return fail(f, 0);
            }
            const std::uint64_t size = std::uint64_t{1} << e.size_bits;
            if ((e.paddr & (size - 1)) != 0 || e.paddr + size - 1 < e.paddr) {
                f.what = problem::exact_untyped_misaligned;
                f.size = size;
                return fail(f, 0);
            }
            if (n_mm < mm.size())
                mm[n_mm++] = paddr_ref{id, static_cast<std::uint8_t>(i), object_type::untyped, e.size_bits, e.paddr};
        }
        for (std::size_t i = 0; i < comps[c].n_frames; ++i) {
            const frame_mmio& fr = comps[c].frames[i];
            const auto ty = frame_type_for(cfg, fr.bits);
            if (!ty)
                return fail(finding{.what = problem::exact_untyped_size,
                                    .component = static_cast<std::uint16_t>(c),
                                    .object = object_type::frame_4k,
                                    .object_bits = fr.bits,
                                    .count = i,
                                    .paddr = fr.paddr,
                                    .size = fr.size},
                            0);
            if ((fr.size >> fr.bits) > mm.size() - n_mm)
                return fail(finding{.what = problem::model_capacity,
                                    .component = static_cast<std::uint16_t>(c),
                                    .needed = n_mm + (fr.size >> fr.bits),
                                    .available = mm.size()},
                            0);
            for (std::uint64_t off = 0; off < fr.size; off += std::uint64_t{1} << fr.bits)
                mm[n_mm++] = paddr_ref{static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(i), *ty, fr.bits,
                                       fr.paddr + off};
        }
    }
    const auto before = [](const paddr_ref& a, const paddr_ref& b) {
        if (a.paddr != b.paddr) return a.paddr < b.paddr;
        if (a.bits != b.bits) return a.bits > b.bits;
        return a.component < b.component;
    };
    // Insertion sort, stable: O(n^2) over at most a few thousand paddr objects.
    for (std::size_t i = 1; i < n_mm; ++i)
        for (std::size_t j = i; j > 0 && before(mm[j], mm[j - 1]); --j) {
            const paddr_ref x = mm[j];
            mm[j] = mm[j - 1];
            mm[j - 1] = x;
        }
    for (std::size_t k = 0; k < n_mm; ++k) {
        const paddr_ref& e = mm[k];
        // The same frame listed by an earlier component: capDL copies the cap, no new object.
        if (e.type != object_type::untyped && k > 0 && mm[k - 1].type == e.type && mm[k - 1].paddr == e.paddr &&
            mm[k - 1].bits == e.bits)
            continue;
        const std::uint64_t size = std::uint64_t{1} << e.bits;
        finding f{.component = e.component,
                  .object = e.type,
                  .object_bits = e.bits,
                  .count = e.index,
                  .needed = size,
                  .paddr = e.paddr,
                  .size = size};
        const range want{e.paddr, size};
        std::size_t u = ut.count;
        for (std::size_t i = 0; i < ut.count; ++i)
            if (range{ut.list[i].paddr, std::uint64_t{1} << ut.list[i].size_bits}.contains(want)) u = i;
        if (u == ut.count) {
            // Why not: what the kernel put there instead.
            f.what = problem::exact_untyped_missing;
            f.why = blocker::ram_split;
            for (std::size_t c = 0; c < k; ++c)
                if (range{mm[c].paddr, std::uint64_t{1} << mm[c].bits}.overlaps(want)) {
                    f.why = blocker::other_component;
                    f.other = mm[c].component;
                }
            if (want.end() > t.device_top || want.end() < want.base) f.why = blocker::outside_device_top;
            for (std::size_t i = 0; i < ut.dropped_listed(); ++i)
                if (range{ut.dropped[i].paddr, std::uint64_t{1} << ut.dropped[i].size_bits}.overlaps(want))
                    f.why = blocker::dropped_at_boot;
            if (range{ut.rootserver.base, ut.rootserver.size()}.overlaps(want)) f.why = blocker::rootserver_objects;
            if (img.rootserver.overlaps(want)) f.why = blocker::rootserver_image;
            if (img.dtb.overlaps(want)) f.why = blocker::dtb;
            if (img.kernel.overlaps(want)) f.why = blocker::kernel_image;
            return fail(f, size);
        }
        const kernel::object_ref ref = (*refs)[u];
        const std::uint64_t offset = e.paddr - ut.list[u].paddr;
        std::uint64_t cur = m.untyped(ref).watermark();
        if (cur > offset) {
            // Address order makes this a real overlap: an earlier object in the same untyped reaches past it.
            f.what = problem::exact_untyped_taken;
            f.why = blocker::other_component;
            for (std::size_t c = 0; c < k; ++c)
                if (range{mm[c].paddr, std::uint64_t{1} << mm[c].bits}.overlaps(want)) f.other = mm[c].component;
            return fail(f, cur - offset);
        }
        if (!take_slots(1)) return out_of_slots(e.component, e.type, e.bits, n_mm - k);
        // Filler untypeds up to the address (the C loader retypes and deletes objects in scratch slots until
        // the address matches; the watermark ends up the same, and no slot stays used).
        while (cur < offset) {
            unsigned bits = 63u - static_cast<unsigned>(std::countl_zero(offset - cur));
            if (cur != 0 && static_cast<unsigned>(std::countr_zero(cur)) < bits)
                bits = static_cast<unsigned>(std::countr_zero(cur));
            if (bits < t.min_untyped_bits) bits = t.min_untyped_bits; // offsets are 16-byte multiples
            auto fr = m.retype(ref, kernel::retype_args{.type = object_type::untyped, .size_bits = bits});
            if (!fr) return refused(fr.error(), e.component, object_type::untyped, bits, 1);
            out.record(fr->plan.paddr, std::uint64_t{1} << bits, no_component, extent_kind::filler);
            cur = fr->plan.new_used;
        }
        auto er = m.retype(
            ref, kernel::retype_args{.type = e.type, .size_bits = e.type == object_type::untyped ? e.bits : 0u});
        if (!er) return refused(er.error(), e.component, e.type, e.bits, 1);
        Ensures(er->plan.paddr == e.paddr);
        out.record(e.paddr, size, e.component, extent_kind::exact);
    }

    // 2. Everything else, largest first (stable: component order within a size).
    constexpr std::size_t max_items = 64 * items_per_component;
    std::array<loader_item, max_items> items{};
    std::size_t n_items = 0;
    for (std::size_t c = 0; c < comps.size(); ++c)
        n_items += component_items(cfg, comps[c], static_cast<std::uint16_t>(c),
                                   std::span<loader_item>(items.data() + n_items, max_items - n_items));
    // Stable order by size, largest first: one pass per object size (O(64 n), not O(n^2)).
    std::array<std::uint16_t, max_items> by_size{};
    std::size_t n_sorted = 0;
    for (unsigned bits = 64; bits-- > 0;)
        for (std::size_t i = 0; i < n_items; ++i)
            if (items[i].object_bits == bits) by_size[n_sorted++] = static_cast<std::uint16_t>(i);
    // RAM untypeds, largest first (sort_untypeds: counting sort by size, stable).
    std::array<std::uint16_t, max_boot_untypeds> order{};
    std::size_t n_order = 0;
    for (unsigned bits = t.max_untyped_bits + 1; bits-- > t.min_untyped_bits;)
        for (std::size_t i = 0; i < ut.count; ++i)
            if (!ut.list[i].device && ut.list[i].size_bits == bits) order[n_order++] = static_cast<std::uint16_t>(i);

    const auto saturating_bytes = [](std::uint64_t count, unsigned bits) {
        return bits >= 64 || (count != 0 && count > (~std::uint64_t{0} >> bits)) ? ~std::uint64_t{0} : count << bits;
    };
    std::size_t cur = 0;
    std::uint64_t duplicates = 0; // duplicate_caps: one more slot per CNode and TCB, after creation
    for (std::size_t it = 0; it < n_items; ++it) {
        const loader_item& o = items[by_size[it]];
        if (o.type == object_type::cnode || o.type == object_type::tcb) duplicates += o.count;
        std::uint64_t remaining = o.count;
        while (remaining) {
            if (cur == n_order) {
                std::uint64_t left = saturating_bytes(remaining, o.object_bits);
                for (std::size_t j = it + 1; j < n_items; ++j) {
                    const std::uint64_t more = saturating_bytes(items[by_size[j]].count, items[by_size[j]].object_bits);
                    left = more > ~std::uint64_t{0} - left ? ~std::uint64_t{0} : left + more;
                }
                return fail(finding{.what = problem::out_of_untyped,
                                    .component = o.component,
                                    .object = o.type,
                                    .object_bits = o.object_bits,
                                    .count = remaining,
                                    .needed = left,
                                    .available = 0},
                            left);
            }
            const kernel::object_ref ref = (*refs)[order[cur]];
            const kernel::untyped_state& st = m.untyped(ref);
            const std::uint64_t step = std::uint64_t{1} << o.object_bits;
            const std::uint64_t aligned = detail::round_up(st.watermark(), step);
            const std::uint64_t fit = aligned >= st.size() ? 0 : (st.size() - aligned) >> o.object_bits;
            std::uint64_t k = remaining < fit ? remaining : fit;
            if (k == 0) {
                ++cur;
                continue;
            }
            // At most the fan-out limit per call; with a limit of 0 the kernel refuses every call (its
            // RangeError is the report).
            if (k > cfg.fan_out_limit) k = cfg.fan_out_limit ? cfg.fan_out_limit : 1;
            if (!take_slots(k)) {
                std::uint64_t left = remaining;
                for (std::size_t j = it + 1; j < n_items; ++j) left += items[by_size[j]].count;
                return out_of_slots(o.component, o.type, o.object_bits, left);
            }
            auto rr = m.retype(ref, kernel::retype_args{.type = o.type, .size_bits = o.size_bits, .count = k});
            if (!rr) return refused(rr.error(), o.component, o.type, o.object_bits, k);
            out.record(rr->plan.paddr, k << o.object_bits, o.component, o.kind);
            out.ram_used += k << o.object_bits;
            remaining -= k;
        }
    }
    if (!take_slots(duplicates)) return out_of_slots(no_component, object_type::tcb, 0, duplicates);
    out.root_slots_used = root - slots_left;
    return r;
}

/// A bound on the kernel-model nodes stage 3 needs (so callers can size Capacity). `ram_bytes` (the
/// platform's RAM) bounds what pools can take: past it the loader runs out of untypeds, whatever the count.
[[nodiscard]] constexpr std::size_t loader_nodes(std::span<const component> comps,
                                                 std::uint64_t ram_bytes = ~std::uint64_t{0}) noexcept {
    std::uint64_t n = 3 * max_boot_untypeds + 64; // boot untypeds, and one split batch per untyped switch
    for (const component& c : comps) {
        for (std::size_t i = 0; i < c.n_pools; ++i) {
            const std::uint64_t fit = c.pools[i].size_bits >= 64 ? 0 : (ram_bytes >> c.pools[i].size_bits) + 1;
            n += c.pools[i].count < fit ? c.pools[i].count : fit;
        }
        n += c.n_mmios * 64; // fillers: at most one per address bit
        for (std::size_t i = 0; i < c.n_frames; ++i) n += 64 + (c.frames[i].size >> c.frames[i].bits);
        n += items_per_component;
        const std::uint64_t frames = (c.image_size / detail::page) + allocator_mempool(c) / detail::page;
        n += frames / kernel::batch_objects + 1;
        for (std::size_t i = 0; i < c.n_objects; ++i) n += c.objects[i].count / kernel::batch_objects + 1;
    }
    return n > ~std::size_t{0} ? ~std::size_t{0} : static_cast<std::size_t>(n);
}

} // namespace retype::plan
