// retype bench: the workloads, generated from fixed seeds so every allocator in
// one run sees the same requests in the same order.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace retype::bench {

/// seed 001's board: qemu-arm-virt, kernel as hypervisor (aarch64, 4 KiB, 2 MiB, 1 GiB frames).
inline constexpr kernel::config bench_cfg{.target = kernel::arch::aarch64_hyp};

struct request {
    kernel::object_type type = kernel::object_type::frame_4k;
    std::uint64_t size_bits = 0; // seL4's size_bits (CNode radix, untyped size)
};

[[nodiscard]] inline std::uint64_t bits_of(const request& r) noexcept {
    return kernel::object_bits(bench_cfg, r.type, r.size_bits);
}

/// A capDL-like system: thousands of mixed objects, sorted largest first as
/// capDL-tool emits them (ties keep generation order).
[[nodiscard]] inline std::vector<request> capdl_boot_objects() {
    using kernel::object_type;
    std::vector<request> v;
    auto add = [&](object_type t, std::uint64_t sb, int n) {
        for (int i = 0; i < n; ++i) v.push_back({t, sb});
    };
    add(object_type::frame_2m, 0, 24); // 48 MiB: large buffers
    add(object_type::cnode, 12, 8);    // 2^12 slots x 32 B = 128 KiB
    add(object_type::cnode, 8, 64);    // 8 KiB
    add(object_type::vspace, 0, 32);   // one per protection domain
    add(object_type::page_table, 0, 256);
    add(object_type::tcb, 0, 256);
    add(object_type::endpoint, 0, 512);
    add(object_type::notification, 0, 512);
    add(object_type::frame_4k, 0, 2400); // stacks, IPC buffers, ELF pages
    std::stable_sort(v.begin(), v.end(), [](const request& a, const request& b) { return bits_of(a) > bits_of(b); });
    return v;
}

/// One churn step: allocate a request, or free the live allocation at `victim` (an index into the live set).
struct churn_step {
    bool allocate = true;
    request what{};
    std::uint32_t victim = 0;
};

/// Random allocate/free of mixed sizes (seeded), about half and half once warm.
[[nodiscard]] inline std::vector<churn_step> churn_steps(std::size_t n, std::uint32_t seed = 4) {
    using kernel::object_type;
    const request mix[] = {
        {object_type::frame_4k, 0}, {object_type::frame_4k, 0}, {object_type::frame_4k, 0},
        {object_type::frame_4k, 0}, {object_type::endpoint, 0}, {object_type::notification, 0},
        {object_type::tcb, 0},      {object_type::cnode, 6},    {object_type::page_table, 0},
        {object_type::untyped, 16}, {object_type::frame_2m, 0}, {object_type::cnode, 10},
    };
    std::mt19937 rng(seed);
    std::vector<churn_step> v;
    v.reserve(n);
    std::size_t live = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const bool alloc = live < 64 || (rng() % 100) < 50;
        if (alloc) {
            v.push_back({true, mix[rng() % std::size(mix)], 0});
            ++live;
        } else {
            v.push_back({false, {}, static_cast<std::uint32_t>(rng() % live)});
            --live;
        }
    }
    return v;
}

/// Fixed-address device frames: every 4 KiB page of a device window, in a seeded random order.
[[nodiscard]] inline std::vector<kernel::paddr_t> device_frame_addresses(kernel::paddr_t base, std::size_t pages,
                                                                         std::uint32_t seed = 7) {
    std::vector<kernel::paddr_t> v(pages);
    for (std::size_t i = 0; i < pages; ++i) v[i] = base + (std::uint64_t{i} << 12);
    std::shuffle(v.begin(), v.end(), std::mt19937(seed));
    return v;
}

/// Bytes of translation tables (4 KiB each, 512 entries) below a VSpace root
/// covering 2^root_bits, needed to map [base, base + size) with frames of
/// 2^granule_bits: the same for every allocator, reported for completeness.
[[nodiscard]] constexpr std::uint64_t paging_bytes(std::uint64_t base, std::uint64_t size, unsigned granule_bits,
                                                   unsigned root_bits = 39) noexcept {
    std::uint64_t tables = 0;
    // A table of level k maps 2^(granule_bits + 9) at the lowest level it is needed, then x512 per level up.
    for (unsigned span = granule_bits + 9; span < root_bits; span += 9) {
        const std::uint64_t first = base >> span;
        const std::uint64_t last = (base + size - 1) >> span;
        tables += last - first + 1;
    }
    return tables * 4096;
}
static_assert(paging_bytes(0x40000000, std::uint64_t{1} << 31, 12) == (1024 + 2) * 4096ULL); // 1024 L3 + 2 L2
static_assert(paging_bytes(0x40000000, std::uint64_t{1} << 31, 21) == 2 * 4096ULL);          // 2 L2
static_assert(paging_bytes(0x40000000, std::uint64_t{1} << 31, 30) == 0);                    // blocks in the root

} // namespace retype::bench
