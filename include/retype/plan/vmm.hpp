// retype: stages 4 and 5 of the planner, the VMM building its guest and the RAM
// the guest ends up with. Arithmetic, not simulation: the counts follow from
// how libsel4vm builds guest RAM (one frame per page, each with a CSpace slot,
// stage-2 paging structures) and how the allocator keeps books (peers.md §2).
//
// Upstream sources (docs/planner.md "Semantics" cites each rule):
// - seL4/seL4_projects_libs libsel4vm/src/guest_ram.c: ram_ut_alloc_iterator (1:1: vka_utspace_alloc_at of a
//   seL4_PageBits frame at the guest address) and ram_alloc_iterator (not 1:1:
//   vka_alloc_frame_maybe_device(vka, seL4_PageBits, true)); both hard-code 4 KiB.
// - seL4/camkes-vm components/VM_Arm/src/main.c: vmm_init (bootstrap_use_current_1level over the component's
//   CNode and the static mempool), add_uts (device untypeds inside [ram.phys_base, + ram.size) are
//   ALLOCMAN_UT_DEV_MEM, other device untypeds ALLOCMAN_UT_DEV, RAM ALLOCMAN_UT_KERNEL).
// - seL4/seL4_libs libsel4allocman: utspace/split.c (_insert_new_node: one node per untyped added;
//   _new_node: two per split; _utspace_split_alloc: canBeDev refills from DEV_MEM before KERNEL),
//   cspace/single_level.c (the slot bitmap, from the mempool), mspace/k_r_malloc.c (a header per allocation,
//   sizes in header units).
//
// allocman's utspace_split splits an untyped in halves down to the frame size;
// every split creates two nodes, each holding an untyped cap in a slot and a
// 14-word node (112 B on 64-bit, 56 B on 32-bit) that costs one K&R header more,
// in header units: 128 B, or 64 B on aarch32. Allocating n consecutive leaves of
// 2^p from a 2^k block splits, at each level L in [p, k), ceil(n * 2^p / 2^(L+1))
// parents, i.e. creates 2 * that many nodes. A whole block: sum over L of
// 2 * 2^(k-L-1) = 2^(k-p+1) - 2 nodes.
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

/// retype_allocman (lib/allocman), linked in place of utspace_split: bootstrap allocates
/// sizeof(utspace_split_t) from the mempool for its state, three arrays of CONFIG_WORD_SIZE pointers
/// (1,536 B on 64-bit, 384 B on 32-bit); its block descriptors live in a static area of the VMM's
/// image (RETYPE_ALLOCMAN_BLOCKS x 48 B), not in the mempool, and guest pages cost nothing.
[[nodiscard]] constexpr std::uint64_t retype_allocman_state_bytes(const kernel::config& cfg) noexcept {
    const std::uint64_t word_bits = kernel::traits(cfg).word_bits;
    return 3 * word_bits * (word_bits / 8);
}

/// Bytes the K&R mspace (libsel4allocman mspace/k_r_malloc.c) takes for an n-byte allocation:
/// nunits = (n + sizeof(header) - 1) / sizeof(header) + 1, the header being a pointer and a size_t aligned
/// to a long long: 16 B on 64-bit, 8 B on 32-bit.
[[nodiscard]] constexpr std::uint64_t kr_alloc_bytes(const kernel::config& cfg, std::uint64_t n) noexcept {
    const std::uint64_t header = kernel::traits(cfg).word_bits == 32 ? 8 : 16;
    return ((n + header - 1) / header + 1) * header;
}

/// One utspace_split node in the mempool: struct utspace_split_node is a cspacepath_t (7 words) and 7 more
/// words (split.h): 112 B + 16 = 128 B on 64-bit, 56 B + 8 = 64 B on aarch32.
[[nodiscard]] constexpr std::uint64_t split_node_bytes(const kernel::config& cfg) noexcept {
    return kr_alloc_bytes(cfg, std::uint64_t{14} * (kernel::traits(cfg).word_bits / 8));
}

/// The single-level CSpace's slot bitmap (cspace/single_level.c cspace_single_level_create): one bit per
/// slot in [first_slot, 2^cnode_size_bits), in whole words, from the mempool.
[[nodiscard]] constexpr std::uint64_t cspace_bitmap_bytes(const kernel::config& cfg, unsigned cnode_size_bits,
                                                          std::uint64_t first_slot) noexcept {
    const std::uint64_t word_bits = kernel::traits(cfg).word_bits;
    const std::uint64_t slots = cnode_size_bits >= 64 ? ~std::uint64_t{0} : std::uint64_t{1} << cnode_size_bits;
    const std::uint64_t n = slots > first_slot ? slots - first_slot : 0;
    return kr_alloc_bytes(cfg, (n + word_bits - 1) / word_bits * (word_bits / 8));
}

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
    std::uint64_t nodes = 0;         // allocator split nodes (and one per untyped handed to allocman)
    std::uint64_t bitmap_bytes = 0;  // the single-level CSpace's slot bitmap, in the mempool
    std::uint64_t mempool_bytes = 0; // allocator metadata in allocator_mempool_size (nodes and bitmap)
    std::uint64_t dev_mem_bytes = 0; // not 1:1: guest RAM backed by ALLOCMAN_UT_DEV_MEM untypeds
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
            if (c.mmios[i].size_bits >= 64) continue; // stage 3 reports it (exact_untyped_size)
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
            if (c.mmios[i].size_bits >= 64) continue; // stage 3 reports it (exact_untyped_size)
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

/// Not 1:1: a device untyped the VMM files as ALLOCMAN_UT_DEV_MEM (main.c add_uts: only its paddr is tested
/// against the window [phys_base, phys_base + ram_size)).
[[nodiscard]] constexpr bool is_dev_mem(const guest_config& g, const exact_untyped& e) noexcept {
    return e.paddr >= g.phys_base() && e.paddr - g.phys_base() < g.ram_size;
}

/// Not 1:1: guest pages served from the DEV_MEM untypeds (canBeDev = true refills DEV_MEM first, split.c),
/// smallest list first as _refill_pool takes them; returns the pages placed and adds their split nodes.
[[nodiscard]] constexpr std::uint64_t dev_mem_pages(const component& c, unsigned page_bits, std::uint64_t pages,
                                                    std::uint64_t& nodes) noexcept {
    std::uint64_t placed = 0;
    for (unsigned bits = page_bits; bits < 64 && placed < pages; ++bits) {
        for (std::size_t i = 0; i < c.n_mmios && placed < pages; ++i) {
            if (c.mmios[i].size_bits != bits || !is_dev_mem(c.guest, c.mmios[i])) continue;
            const std::uint64_t per = std::uint64_t{1} << (bits - page_bits);
            const std::uint64_t n = pages - placed < per ? pages - placed : per;
            nodes += split_nodes(bits, page_bits, n);
            placed += n;
        }
    }
    return placed;
}

} // namespace detail

/// Blocks of 2^bits touched by [base, base + size).
[[nodiscard]] constexpr std::uint64_t blocks_touched(paddr_t base, std::uint64_t size, unsigned bits) noexcept {
    return size == 0 ? 0 : ((base + size - 1) >> bits) - (base >> bits) + 1;
}

/// The VMM's needs for the first `pages` guest pages (the guest's whole RAM by default).
[[nodiscard]] constexpr vmm_need vmm_needs(const kernel::config& cfg, const component& c,
                                           std::uint64_t pages = ~std::uint64_t{0}) noexcept {
    using kernel::object_type;
    const guest_config& g = c.guest;
    vmm_need n{};
    const unsigned pb = g.page_bits;
    const std::uint64_t all = pb < 64 ? g.ram_size >> pb : 0;
    n.pages = pages < all ? pages : all;
    const std::uint64_t mapped = pb < 64 ? n.pages << pb : 0;
    // Stage-2 paging: a table per 2 MiB below 2 MiB pages; on 64-bit Arm a directory per GiB below 1 GiB
    // pages (arm_hyp's LPAE root maps 2 MiB entries over 4 GiB: no such level); the root, which is the
    // architecture's VSpace object (8 KiB on aarch64_hyp with a 40-bit PA, 16 KiB on arm_hyp).
    const bool a32 = cfg.target == kernel::arch::aarch32;
    std::uint64_t tables = 0;
    if (pb < 21) tables += blocks_touched(g.ram_base, mapped, 21);
    if (pb < 30 && !a32) tables += blocks_touched(g.ram_base, mapped, 30);
    const unsigned root_bits = kernel::fixed_object_bits(cfg, object_type::vspace);
    // A 4-level stage 2 (aarch64_hyp, 44-bit PA: a 4 KiB root) has one more level, a table per 512 GiB.
    if (cfg.target == kernel::arch::aarch64_hyp && root_bits == 12) tables += blocks_touched(g.ram_base, mapped, 39);
    n.paging = tables + 1;
    const unsigned pt_bits = kernel::fixed_object_bits(cfg, object_type::page_table);
    std::uint64_t vcpu_bytes = 0;
    if (kernel::exists(cfg, object_type::vcpu))
        vcpu_bytes = std::uint64_t{1} << kernel::fixed_object_bits(cfg, object_type::vcpu);
    const std::uint64_t tcb_bytes = std::uint64_t{1} << kernel::fixed_object_bits(cfg, object_type::tcb);
    const std::uint64_t object_bytes =
        (tables << pt_bits) + (std::uint64_t{1} << root_bits) + g.vcpus * (vcpu_bytes + tcb_bytes);
    n.covered = g.one_to_one ? detail::covered_prefix(c, g.ram_base, g.ram_size) : g.ram_size;
    const std::uint64_t objects = n.paging + 2 * std::uint64_t{g.vcpus};
    std::uint64_t from_pools = g.one_to_one ? 0 : mapped; // guest RAM the pools must hold
    if (g.policy == allocator_policy::allocman_split) {
        // One node per untyped handed to allocman (split.c _insert_new_node), then the splits: frames of
        // RAM (1:1: from the exact untypeds; else DEV_MEM first, then the pools), then the 4 KiB-granular
        // objects from the pools.
        n.nodes = c.untyped_count();
        const std::uint64_t object_leaves = detail::round_up(object_bytes, detail::page) / detail::page;
        if (g.one_to_one) {
            n.nodes += detail::one_to_one_nodes(c, pb, n.pages);
        } else {
            const std::uint64_t dm = detail::dev_mem_pages(c, pb, n.pages, n.nodes);
            n.dev_mem_bytes = dm << pb;
            from_pools = (n.pages - dm) << pb;
            n.nodes += detail::pool_nodes(c, pb, n.pages - dm);
        }
        n.nodes += detail::pool_nodes(c, 12, object_leaves);
        n.bitmap_bytes = cspace_bitmap_bytes(cfg, c.cnode_size_bits, c.cap_slots_used);
        n.mempool_bytes = n.nodes * split_node_bytes(cfg) + n.bitmap_bytes;
    } else {
        if (!g.one_to_one) {
            std::uint64_t dm = 0;
            for (std::size_t i = 0; i < c.n_mmios; ++i)
                if (detail::is_dev_mem(g, c.mmios[i]) && c.mmios[i].size_bits >= pb && c.mmios[i].size_bits < 64)
                    dm += std::uint64_t{1} << c.mmios[i].size_bits;
            n.dev_mem_bytes = dm < mapped ? dm : mapped;
            from_pools = mapped - n.dev_mem_bytes;
        }
        // The utspace state and, as with allocman_split, the single-level CSpace's bitmap: the
        // drop-in replaces the utspace allocator only.
        n.bitmap_bytes = cspace_bitmap_bytes(cfg, c.cnode_size_bits, c.cap_slots_used);
        n.mempool_bytes = kr_alloc_bytes(cfg, retype_allocman_state_bytes(cfg)) + n.bitmap_bytes;
    }
    n.pool_bytes = object_bytes + from_pools;
    n.slots = c.cap_slots_used + n.nodes + n.pages + objects;
    return n;
}

/// 1/8 headroom, for recommended values.
[[nodiscard]] constexpr std::uint64_t with_headroom(std::uint64_t v) noexcept { return v + v / 8; }

/// Stage 4 for one component with a guest: its first failing check is the cause.
/// Fixes proposed here are candidates; the planner verifies each by planning the changed system through all
/// five stages (planner.hpp find_fixes).
[[nodiscard]] constexpr stage_report stage_vmm_component(const kernel::config& cfg, const component& c,
                                                         std::uint16_t id) noexcept {
    stage_report r{};
    r.id = stage::vmm;
    r.state = status::ok;
    const guest_config& g = c.guest;
    const bool a32 = cfg.target == kernel::arch::aarch32;
    const bool has_frame =
        g.page_bits == 12 ||
        (g.page_bits == 21 && (kernel::exists(cfg, kernel::object_type::frame_2m) || (a32 && cfg.hyp))) ||
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
    // A guest without RAM is an input error: nothing to fix, nothing for stage 5 to say.
    if (g.ram_size == 0) {
        failed(problem::guest_ram_empty, 0, 0, 0);
        return r;
    }
    if (!has_frame) {
        failed(problem::guest_ram_misaligned, 0, 0, 0);
        return r;
    }
    const std::uint64_t page = std::uint64_t{1} << g.page_bits;
    if (g.ram_base % page != 0 || g.ram_size % page != 0 || g.ram_size > ~std::uint64_t{0} - g.ram_base) {
        const std::uint64_t to = detail::round_up(g.ram_size, page);
        failed(problem::guest_ram_misaligned, to, g.ram_size, to - g.ram_size);
        if (g.ram_base % page == 0 && to != g.ram_size)
            r.add_fix(fix{.what = setting::guest_ram_size, .component = id, .from = g.ram_size, .to = to});
        return r;
    }
    const vmm_need n = vmm_needs(cfg, c);
    if (g.one_to_one && n.covered < g.ram_size) {
        failed(problem::guest_ram_not_covered, g.ram_size, n.covered, g.ram_size - n.covered);
        // The exact untypeds that would cover the rest: maximal aligned blocks, never one already listed
        // (a listed range that does not extend the coverage is not the cure; the finding says where it stops).
        paddr_t cur = g.ram_base + n.covered;
        const paddr_t end = g.ram_base + g.ram_size;
        while (cur < end && r.n_fixes < max_fixes) {
            unsigned bits = 63u - static_cast<unsigned>(std::countl_zero(end - cur));
            if (cur != 0 && static_cast<unsigned>(std::countr_zero(cur)) < bits)
                bits = static_cast<unsigned>(std::countr_zero(cur));
            bool listed = false;
            for (std::size_t i = 0; i < c.n_mmios; ++i)
                listed = listed || (c.mmios[i].paddr == cur && c.mmios[i].size_bits == bits);
            if (!listed)
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
        if (to > count && to <= max_count)
            r.add_fix(fix{.what = setting::untyped_pool,
                          .component = id,
                          .index = static_cast<std::uint8_t>(bits),
                          .from = count,
                          .to = to});
    }
    const std::uint64_t slots = std::uint64_t{1} << c.cnode_size_bits;
    if (n.slots > slots) {
        failed(problem::cnode_too_small, n.slots, slots, n.slots - slots); // slots, not bytes
        const std::uint64_t to = detail::ceil_log2(with_headroom(n.slots));
        if (to > c.cnode_size_bits)
            r.add_fix(fix{.what = setting::cnode_size_bits, .component = id, .from = c.cnode_size_bits, .to = to});
    }
    const std::uint64_t mempool = allocator_mempool(c);
    if (n.mempool_bytes > mempool) {
        failed(problem::mempool_too_small, n.mempool_bytes, mempool, n.mempool_bytes - mempool);
        // The causes first, as code changes (never settings): 2 MiB guest frames need a patched libsel4vm
        // (guest_ram.c hard-codes seL4_PageBits in both iterators and in vm_ram_touch); retype's allocator
        // needs the VMM linked against retype_allocman in place of allocman's utspace_split.
        if (g.policy == allocator_policy::allocman_split && g.page_bits == 12 &&
            (kernel::exists(cfg, kernel::object_type::frame_2m) || (a32 && cfg.hyp)) &&
            g.ram_base % (std::uint64_t{1} << 21) == 0 && g.ram_size % (std::uint64_t{1} << 21) == 0) {
            component big = c;
            big.guest.page_bits = 21;
            const vmm_need nb = vmm_needs(cfg, big);
            r.add_fix(fix{.what = setting::guest_page_bits,
                          .kind = fix_kind::code_change,
                          .component = id,
                          .from = 12,
                          .to = 21,
                          .effect_from = n.mempool_bytes,
                          .effect_to = nb.mempool_bytes});
        }
        if (g.policy == allocator_policy::allocman_split) {
            component ranged = c;
            ranged.guest.policy = allocator_policy::retype_range;
            r.add_fix(fix{.what = setting::guest_allocator,
                          .kind = fix_kind::code_change,
                          .component = id,
                          .from = static_cast<std::uint64_t>(allocator_policy::allocman_split),
                          .to = static_cast<std::uint64_t>(allocator_policy::retype_range),
                          .effect_from = n.mempool_bytes,
                          .effect_to = vmm_needs(cfg, ranged).mempool_bytes});
        }
        r.add_fix(fix{.what = setting::allocator_mempool_size,
                      .component = id,
                      .from = mempool,
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
        return n.mempool_bytes <= allocator_mempool(c) && n.slots <= slots && n.pool_bytes <= c.pool_bytes();
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
