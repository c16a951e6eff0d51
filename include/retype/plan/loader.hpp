// retype: stage 3 of the planner, the capDL loader. Every component's objects,
// pools and exact untypeds are retyped from the initial untypeds in the kernel
// model, the way seL4/capdl's capdl-loader-app does it (peers.md §3.1):
// objects with a paddr first (each must lie inside one initial untyped, reached
// by retyping filler below it), then the rest largest first into the RAM
// untypeds sorted largest first, greedily, never going back.
#pragma once

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
    std::uint64_t ram_used = 0; // bytes retyped from RAM untypeds (fillers included)

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
    const std::uint64_t image =
        detail::round_up(c.image_size, detail::page) + detail::round_up(c.mempool_size, detail::page);
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

/// Stage 3. `ut` is stage 2's list. Capacity bounds the kernel model's nodes.
template <std::size_t Capacity>
[[nodiscard]] constexpr stage_report stage_loader(const platform& p, std::span<const component> comps,
                                                  const boot_list& ut, const placed_images& img,
                                                  loader_outcome& out) noexcept {
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

    kernel::machine<Capacity> m(cfg);
    auto refs = kernel::load_boot_untypeds(m, ut);
    if (!refs) return fail(finding{.what = problem::model_capacity, .needed = ut.count, .available = Capacity}, 0);

    // 1. Exact untypeds, largest first, then by address (capDL's sort: paddr
    //    objects first, by size, then name; CAmkES names follow the address).
    struct mmio_ref {
        std::uint16_t component = 0;
        std::uint8_t index = 0;
        exact_untyped e{};
    };
    std::array<mmio_ref, 64 * max_mmios> mm{};
    std::size_t n_mm = 0;
    for (std::size_t c = 0; c < comps.size(); ++c)
        for (std::size_t i = 0; i < comps[c].n_mmios && n_mm < mm.size(); ++i)
            mm[n_mm++] = mmio_ref{static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(i), comps[c].mmios[i]};
    const auto before = [](const mmio_ref& a, const mmio_ref& b) {
        return a.e.size_bits != b.e.size_bits ? a.e.size_bits > b.e.size_bits : a.e.paddr < b.e.paddr;
    };
    for (std::size_t i = 1; i < n_mm; ++i)
        for (std::size_t j = i; j > 0 && before(mm[j], mm[j - 1]); --j) {
            const mmio_ref x = mm[j];
            mm[j] = mm[j - 1];
            mm[j - 1] = x;
        }
    for (std::size_t k = 0; k < n_mm; ++k) {
        const exact_untyped e = mm[k].e;
        const std::uint64_t size = std::uint64_t{1} << e.size_bits;
        finding f{.component = mm[k].component,
                  .object = object_type::untyped,
                  .object_bits = e.size_bits,
                  .count = mm[k].index,
                  .needed = size,
                  .paddr = e.paddr,
                  .size = size};
        if (e.size_bits < t.min_untyped_bits || e.size_bits > t.max_untyped_bits || (e.paddr & (size - 1)) != 0) {
            f.what = problem::exact_untyped_misaligned;
            return fail(f, 0);
        }
        const range want{e.paddr, size};
        std::size_t u = ut.count;
        for (std::size_t i = 0; i < ut.count; ++i)
            if (range{ut.list[i].paddr, std::uint64_t{1} << ut.list[i].size_bits}.contains(want)) u = i;
        if (u == ut.count) {
            // Why not: what the kernel put there instead.
            f.what = problem::exact_untyped_missing;
            f.why = blocker::ram_split;
            for (std::size_t c = 0; c < k; ++c)
                if (range{mm[c].e.paddr, std::uint64_t{1} << mm[c].e.size_bits}.overlaps(want)) {
                    f.why = blocker::other_component;
                    f.other = mm[c].component;
                }
            if (want.end() > t.device_top) f.why = blocker::outside_device_top;
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
            f.what = problem::exact_untyped_taken;
            f.why = blocker::other_component;
            for (std::size_t c = 0; c < k; ++c)
                if (mm[c].e.paddr >= ut.list[u].paddr &&
                    mm[c].e.paddr < ut.list[u].paddr + (std::uint64_t{1} << ut.list[u].size_bits))
                    f.other = mm[c].component;
            return fail(f, cur - offset);
        }
        // Filler untypeds up to the address (the C loader retypes and deletes
        // objects until the address matches; the watermark ends up the same).
        while (cur < offset) {
            unsigned bits = 63u - static_cast<unsigned>(std::countl_zero(offset - cur));
            if (cur != 0 && static_cast<unsigned>(std::countr_zero(cur)) < bits)
                bits = static_cast<unsigned>(std::countr_zero(cur));
            if (bits < t.min_untyped_bits) bits = t.min_untyped_bits; // offsets are 16-byte multiples
            auto fr = m.retype(ref, kernel::retype_args{.type = object_type::untyped, .size_bits = bits});
            if (!fr)
                return fail(finding{.what = problem::model_capacity, .component = mm[k].component, .needed = Capacity},
                            0);
            out.record(fr->plan.paddr, std::uint64_t{1} << bits, no_component, extent_kind::filler);
            cur = fr->plan.new_used;
        }
        auto er = m.retype(ref, kernel::retype_args{.type = object_type::untyped, .size_bits = e.size_bits});
        if (!er)
            return fail(finding{.what = problem::model_capacity, .component = mm[k].component, .needed = Capacity}, 0);
        Ensures(er->plan.paddr == e.paddr);
        out.record(e.paddr, size, mm[k].component, extent_kind::exact);
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

    std::size_t cur = 0;
    for (std::size_t it = 0; it < n_items; ++it) {
        const loader_item& o = items[by_size[it]];
        std::uint64_t remaining = o.count;
        while (remaining) {
            if (cur == n_order) {
                std::uint64_t left = remaining << o.object_bits;
                for (std::size_t j = it + 1; j < n_items; ++j)
                    left += items[by_size[j]].count << items[by_size[j]].object_bits;
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
            if (k > cfg.fan_out_limit) k = cfg.fan_out_limit;
            if (k == 0) {
                ++cur;
                continue;
            }
            auto rr = m.retype(ref, kernel::retype_args{.type = o.type, .size_bits = o.size_bits, .count = k});
            if (!rr)
                return fail(finding{.what = problem::model_capacity,
                                    .component = o.component,
                                    .needed = Capacity,
                                    .available = m.free_nodes()},
                            0);
            out.record(rr->plan.paddr, k << o.object_bits, o.component, o.kind);
            out.ram_used += k << o.object_bits;
            remaining -= k;
        }
    }
    return r;
}

/// A bound on the kernel-model nodes stage 3 needs (so callers can size Capacity).
[[nodiscard]] constexpr std::size_t loader_nodes(std::span<const component> comps) noexcept {
    std::size_t n = 3 * max_boot_untypeds + 64; // boot untypeds, and one split batch per untyped switch
    for (const component& c : comps) {
        for (std::size_t i = 0; i < c.n_pools; ++i) n += c.pools[i].count;
        n += c.n_mmios * 64; // fillers: at most one per address bit
        n += items_per_component;
        const std::uint64_t frames = (c.image_size + c.mempool_size) / detail::page;
        n += static_cast<std::size_t>(frames / kernel::batch_objects) + 1;
        for (std::size_t i = 0; i < c.n_objects; ++i) n += c.objects[i].count / kernel::batch_objects + 1;
    }
    return n;
}

} // namespace retype::plan
