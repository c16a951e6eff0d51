// retype: stages 4 and 5 of the planner, the VMM building its guest and the RAM
// the guest ends up with. Arithmetic, not simulation: the counts follow from
// how libsel4vm builds guest RAM (one frame per page, each with a CSpace slot,
// stage-2 paging structures) and how the allocator keeps books (peers.md §2).
//
// allocman's utspace_split (today's CAmkES VMM) splits an untyped in halves down
// to the frame size; every split creates two nodes, each holding an untyped cap
// in a slot and a 112-byte node that costs 128 bytes of the K&R mempool (16-byte
// header, 16-byte units: peers.md "How the numbers were obtained"). Allocating n
// consecutive leaves of 2^p from a 2^k block splits, at each level L in [p, k),
// ceil(n * 2^p / 2^(L+1)) parents, i.e. creates 2 * that many nodes. A whole
// block: sum over L of 2 * 2^(k-L-1) = 2^(k-p+1) - 2 nodes.
// retype's range allocator retypes frames straight from the untyped: no split
// nodes, no per-page metadata; its books are one descriptor per untyped.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/plan/boot_stages.hpp>
#include <retype/plan/description.hpp>
#include <retype/plan/diagnostic.hpp>

#include <cstddef>
#include <cstdint>

namespace retype::plan {

inline constexpr std::uint64_t split_node_bytes = 128; // sizeof(utspace_split_node) 112 + K&R header, rounded to 16
inline constexpr std::uint64_t range_descriptor_bytes = 64; // retype range allocator: one descriptor per untyped
inline constexpr std::uint64_t range_allocator_base = 4096; // and its fixed tables

/// Nodes utspace_split creates to hand out n consecutive 2^leaf_bits leaves of one 2^block_bits untyped.
[[nodiscard]] constexpr std::uint64_t split_nodes(unsigned block_bits, unsigned leaf_bits, std::uint64_t n) noexcept {
    if (n == 0 || block_bits <= leaf_bits) return 0;
    std::uint64_t nodes = 0;
    for (unsigned level = leaf_bits; level < block_bits; ++level) {
        const unsigned shift = level + 1 - leaf_bits; // leaves per parent at this level = 2^shift
        nodes += 2 * ((n + (std::uint64_t{1} << shift) - 1) >> shift);
    }
    return nodes;
}

/// What the VMM needs to give the guest `pages` pages (all of them by default).
struct vmm_need {
    std::uint64_t pages = 0;         // guest frames
    std::uint64_t paging = 0;        // stage-2 paging structures (tables and the root)
    std::uint64_t pool_bytes = 0;    // from the simple_untyped pools: paging, VCPUs, TCBs (+ RAM if not 1:1)
    std::uint64_t nodes = 0;         // allocator split nodes
    std::uint64_t mempool_bytes = 0; // allocator metadata in allocator_mempool_size
    std::uint64_t slots = 0;         // CNode slots
    std::uint64_t covered = 0;       // 1:1: bytes of guest RAM from its base covered by untyped_mmios
};

namespace detail {

/// Bytes of [base, base+size) covered contiguously from base by the component's exact untypeds.
[[nodiscard]] constexpr std::uint64_t covered_prefix(const component& c, paddr_t base, std::uint64_t size) noexcept {
    paddr_t cur = base;
    bool moved = true;
    while (moved && cur < base + size) {
        moved = false;
        for (std::size_t i = 0; i < c.n_mmios; ++i) {
            const range r{c.mmios[i].paddr, std::uint64_t{1} << c.mmios[i].size_bits};
            if (r.base <= cur && cur < r.end()) {
                cur = r.end();
                moved = true;
            }
        }
    }
    return (cur < base + size ? cur : base + size) - base;
}

/// Split nodes for `pages` guest frames taken in address order from the exact untypeds covering guest RAM.
[[nodiscard]] constexpr std::uint64_t one_to_one_nodes(const component& c, unsigned page_bits,
                                                       std::uint64_t pages) noexcept {
    const guest_config& g = c.guest;
    std::uint64_t nodes = 0;
    paddr_t cur = g.ram_base;
    std::uint64_t left = pages;
    for (std::size_t guard = 0; guard < max_mmios && left; ++guard) {
        for (std::size_t i = 0; i < c.n_mmios; ++i) {
            const range r{c.mmios[i].paddr, std::uint64_t{1} << c.mmios[i].size_bits};
            if (!(r.base <= cur && cur < r.end())) continue;
            const std::uint64_t in_block = (r.end() - cur) >> page_bits;
            const std::uint64_t n = left < in_block ? left : in_block;
            nodes += split_nodes(c.mmios[i].size_bits, page_bits, n + ((cur - r.base) >> page_bits));
            left -= n;
            cur += n << page_bits;
            break;
        }
    }
    return nodes;
}

/// Split nodes for `bytes` of 2^leaf_bits objects packed into the pools from the first one.
[[nodiscard]] constexpr std::uint64_t pool_nodes(const component& c, unsigned leaf_bits,
                                                 std::uint64_t leaves) noexcept {
    std::uint64_t nodes = 0;
    for (std::size_t i = 0; i < c.n_pools && leaves; ++i) {
        const unsigned bits = c.pools[i].size_bits;
        if (bits < leaf_bits) continue;
        const std::uint64_t per = std::uint64_t{1} << (bits - leaf_bits);
        for (std::uint32_t k = 0; k < c.pools[i].count && leaves; ++k) {
            const std::uint64_t n = leaves < per ? leaves : per;
            nodes += split_nodes(bits, leaf_bits, n);
            leaves -= n;
        }
    }
    return nodes;
}

} // namespace detail

/// Blocks of 2^bits touched by [base, base + size).
[[nodiscard]] constexpr std::uint64_t blocks_touched(paddr_t base, std::uint64_t size, unsigned bits) noexcept {
    return size == 0 ? 0 : ((base + size - 1) >> bits) - (base >> bits) + 1;
}

/// The VMM's needs for the first `pages` guest pages (the guest's whole RAM by default).
[[nodiscard]] constexpr vmm_need vmm_needs(const kernel::config& cfg, const component& c,
                                           std::uint64_t pages = ~std::uint64_t{0}) noexcept {
    const guest_config& g = c.guest;
    vmm_need n{};
    const unsigned pb = g.page_bits;
    const std::uint64_t all = g.ram_size >> pb;
    n.pages = pages < all ? pages : all;
    const std::uint64_t mapped = n.pages << pb;
    // Stage-2 tables: one per 2 MiB below 2 MiB pages, one per GiB below 1 GiB pages, and the root.
    if (pb < 21) n.paging += blocks_touched(g.ram_base, mapped, 21);
    if (pb < 30) n.paging += blocks_touched(g.ram_base, mapped, 30);
    n.paging += 1;
    const unsigned pt_bits = kernel::fixed_object_bits(cfg, kernel::object_type::page_table);
    std::uint64_t vcpu_bytes = 0;
    if (kernel::exists(cfg, kernel::object_type::vcpu))
        vcpu_bytes = std::uint64_t{1} << kernel::fixed_object_bits(cfg, kernel::object_type::vcpu);
    const std::uint64_t tcb_bytes = std::uint64_t{1} << kernel::fixed_object_bits(cfg, kernel::object_type::tcb);
    const std::uint64_t object_bytes = (n.paging << pt_bits) + g.vcpus * (vcpu_bytes + tcb_bytes);
    n.pool_bytes = object_bytes + (g.one_to_one ? 0 : mapped);
    n.covered = g.one_to_one ? detail::covered_prefix(c, g.ram_base, g.ram_size) : g.ram_size;
    const std::uint64_t objects = n.paging + 2 * std::uint64_t{g.vcpus};
    if (g.policy == allocator_policy::allocman_split) {
        // Frames of RAM (1:1: from the exact untypeds; else from the pools), then the 4 KiB objects from the pools.
        const std::uint64_t object_leaves = detail::round_up(object_bytes, detail::page) / detail::page;
        if (g.one_to_one)
            n.nodes = detail::one_to_one_nodes(c, pb, n.pages) + detail::pool_nodes(c, 12, object_leaves);
        else
            n.nodes = detail::pool_nodes(c, pb, n.pages) + detail::pool_nodes(c, 12, object_leaves);
        n.mempool_bytes = n.nodes * split_node_bytes;
    } else {
        std::uint64_t untypeds = c.n_mmios;
        for (std::size_t i = 0; i < c.n_pools; ++i) untypeds += c.pools[i].count;
        n.mempool_bytes = range_allocator_base + untypeds * range_descriptor_bytes;
    }
    n.slots = c.cap_slots_used + n.nodes + n.pages + objects;
    return n;
}

/// 1/8 headroom, for recommended values.
[[nodiscard]] constexpr std::uint64_t with_headroom(std::uint64_t v) noexcept { return v + v / 8; }

/// Stage 4 for one component with a guest: its first failing check is the cause.
[[nodiscard]] constexpr stage_report stage_vmm_component(const kernel::config& cfg, const component& c,
                                                         std::uint16_t id) noexcept {
    stage_report r{};
    r.id = stage::vmm;
    r.state = status::ok;
    const guest_config& g = c.guest;
    const std::uint64_t page = std::uint64_t{1} << g.page_bits;
    const bool has_frame = g.page_bits == 12 ||
                           (g.page_bits == 21 && kernel::exists(cfg, kernel::object_type::frame_2m)) ||
                           (g.page_bits == 30 && kernel::exists(cfg, kernel::object_type::frame_1g));
    const auto failed = [&](problem p, std::uint64_t needed, std::uint64_t available, std::uint64_t shortfall) {
        if (r.state == status::ok) {
            r.state = status::failed;
            r.shortfall = shortfall;
            r.cause = finding{.what = p,
                              .component = id,
                              .needed = needed,
                              .available = available,
                              .paddr = g.ram_base,
                              .size = g.ram_size};
        }
    };
    if (!has_frame || g.ram_base % page != 0 || g.ram_size % page != 0 || g.ram_size == 0) {
        failed(problem::guest_ram_misaligned, detail::round_up(g.ram_size, page), g.ram_size,
               detail::round_up(g.ram_size, page) - g.ram_size);
        r.add_fix(fix{.what = setting::guest_ram_size,
                      .component = id,
                      .from = g.ram_size,
                      .to = detail::round_up(g.ram_size ? g.ram_size : page, page)});
        return r;
    }
    const vmm_need n = vmm_needs(cfg, c);
    if (g.one_to_one && n.covered < g.ram_size) {
        failed(problem::guest_ram_not_covered, g.ram_size, n.covered, g.ram_size - n.covered);
        // The exact untypeds that would cover the rest: maximal aligned blocks.
        paddr_t cur = g.ram_base + n.covered;
        const paddr_t end = g.ram_base + g.ram_size;
        while (cur < end && r.n_fixes < max_fixes) {
            unsigned bits = 63u - static_cast<unsigned>(std::countl_zero(end - cur));
            if (cur != 0 && static_cast<unsigned>(std::countr_zero(cur)) < bits)
                bits = static_cast<unsigned>(std::countr_zero(cur));
            r.add_fix(fix{.what = setting::untyped_mmios, .component = id, .from = 0, .to = cur, .aux = bits});
            cur += std::uint64_t{1} << bits;
        }
    }
    const std::uint64_t pool = c.pool_bytes();
    if (n.pool_bytes > pool) {
        failed(problem::pool_too_small, n.pool_bytes, pool, n.pool_bytes - pool);
        unsigned bits = 24;
        std::uint64_t count = 0;
        for (std::size_t i = 0; i < c.n_pools; ++i)
            if (c.pools[i].size_bits >= bits || count == 0) {
                bits = c.pools[i].size_bits;
                count = c.pools[i].count;
            }
        const std::uint64_t other = pool - (count << bits);
        const std::uint64_t want = with_headroom(n.pool_bytes);
        const std::uint64_t to =
            want > other ? detail::round_up(want - other, std::uint64_t{1} << bits) >> bits : count;
        r.add_fix(fix{.what = setting::untyped_pool,
                      .component = id,
                      .index = static_cast<std::uint8_t>(bits),
                      .from = count,
                      .to = to});
    }
    const std::uint64_t slots = std::uint64_t{1} << c.cnode_size_bits;
    if (n.slots > slots) {
        failed(problem::cnode_too_small, n.slots, slots, (n.slots - slots) << kernel::traits(cfg).slot_bits);
        r.add_fix(fix{.what = setting::cnode_size_bits,
                      .component = id,
                      .from = c.cnode_size_bits,
                      .to = detail::ceil_log2(with_headroom(n.slots))});
    }
    if (n.mempool_bytes > c.mempool_size) {
        failed(problem::mempool_too_small, n.mempool_bytes, c.mempool_size, n.mempool_bytes - c.mempool_size);
        // The bigger frame first: it removes the cause instead of feeding it.
        if (g.page_bits == 12 && kernel::exists(cfg, kernel::object_type::frame_2m) &&
            g.ram_base % (std::uint64_t{1} << 21) == 0 && g.ram_size % (std::uint64_t{1} << 21) == 0) {
            component big = c;
            big.guest.page_bits = 21;
            const vmm_need nb = vmm_needs(cfg, big);
            r.add_fix(fix{.what = setting::guest_page_bits,
                          .component = id,
                          .from = 12,
                          .to = 21,
                          .effect_from = n.mempool_bytes,
                          .effect_to = nb.mempool_bytes});
        }
        r.add_fix(fix{.what = setting::allocator_mempool_size,
                      .component = id,
                      .from = c.mempool_size,
                      .to = detail::round_up(with_headroom(n.mempool_bytes), detail::mib)});
    }
    return r;
}

/// The RAM the guest ends up with: the VMM maps pages in address order until
/// coverage, the mempool, the CNode or the pool runs out (seed 001: "Failed to
/// allocate page", then the guest faults at the first unbacked address).
[[nodiscard]] constexpr std::uint64_t guest_ram_obtained(const kernel::config& cfg, const component& c) noexcept {
    const guest_config& g = c.guest;
    const unsigned pb = g.page_bits;
    const std::uint64_t all = g.ram_size >> pb;
    const std::uint64_t slots = std::uint64_t{1} << c.cnode_size_bits;
    const std::uint64_t covered = g.one_to_one ? detail::covered_prefix(c, g.ram_base, g.ram_size) >> pb : all;
    const auto fits = [&](std::uint64_t pages) {
        if (pages > covered) return false;
        const vmm_need n = vmm_needs(cfg, c, pages);
        return n.mempool_bytes <= c.mempool_size && n.slots <= slots && n.pool_bytes <= c.pool_bytes();
    };
    if (fits(all)) return all << pb;
    std::uint64_t lo = 0;
    std::uint64_t hi = all; // fits(lo) may be false when even the fixed objects do not fit
    if (!fits(0)) return 0;
    while (hi - lo > 1) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        (fits(mid) ? lo : hi) = mid;
    }
    return lo << pb;
}

/// Stage 5 for one guest.
[[nodiscard]] constexpr stage_report stage_guest_component(const kernel::config& cfg, const component& c,
                                                           std::uint16_t id) noexcept {
    stage_report r{};
    r.id = stage::guest;
    r.state = status::ok;
    const guest_config& g = c.guest;
    const std::uint64_t got = guest_ram_obtained(cfg, c);
    if (got < g.ram_size) {
        r.state = status::failed;
        r.shortfall = g.ram_size - got;
        r.cause = finding{.what = problem::guest_ram_short,
                          .component = id,
                          .count = got >> g.page_bits,
                          .needed = g.ram_size,
                          .available = got,
                          .paddr = g.ram_base + got,
                          .size = g.ram_size};
        return r;
    }
    for (std::size_t i = 0; i < g.n_images; ++i) {
        const range& im = g.images[i].where;
        if (!range{g.ram_base, g.ram_size}.contains(im)) {
            r.state = status::failed;
            r.shortfall = im.end() > g.ram_base + g.ram_size ? im.end() - (g.ram_base + g.ram_size) : im.size;
            r.cause = finding{.what = problem::guest_image_outside_ram,
                              .component = id,
                              .count = i,
                              .needed = im.end() - g.ram_base,
                              .available = g.ram_size,
                              .paddr = im.base,
                              .size = im.size};
            // Enough RAM for every image, in whole MiB and whole pages.
            paddr_t top = 0;
            bool below = false;
            for (std::size_t k = 0; k < g.n_images; ++k) {
                top = g.images[k].where.end() > top ? g.images[k].where.end() : top;
                below = below || g.images[k].where.base < g.ram_base;
            }
            if (!below) {
                const std::uint64_t granule = std::uint64_t{1} << (g.page_bits > 20 ? g.page_bits : 20);
                r.add_fix(fix{.what = setting::guest_ram_size,
                              .component = id,
                              .from = g.ram_size,
                              .to = detail::round_up(top - g.ram_base, granule)});
            }
            return r;
        }
    }
    return r;
}

} // namespace retype::plan
