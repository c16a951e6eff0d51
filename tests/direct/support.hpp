// Shared fixtures for the direct-mapped tests: the same allocator with its free
// lists out of band (a node pool) or in band (inside static buffers standing in
// for the RAM banks), and a full-state snapshot for "upon failure, no change".
#pragma once

#include <retype/banks/contiguous_allocator.hpp>
#include <retype/banks/domain.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <vector>

namespace direct_test {

using namespace retype;
using namespace retype::banks;

inline constexpr limits lim{.max_banks = 3, .granule_bits = 12, .max_size_bits = 16};

// Bank 0: 64 KiB at 1 MiB, one 64 KiB block.
// Bank 1: 28 KiB at 0x203000: pieces 0x203000 (4 KiB), 0x204000 (16 KiB), 0x208000 (8 KiB).
// Bank 2: 32 KiB at 4 MiB, one 32 KiB block.
inline constexpr std::array<bank, 3> three_banks{{{0x100000, 0x10000}, {0x203000, 0x7000}, {0x400000, 0x8000}}};
inline constexpr std::array<bank, 1> one_bank{{{0x100000, 0x10000}}};

template <class Placement>
struct out_of_band_flavour {
    using allocator = contiguous_allocator<lim, Placement, policy::out_of_band<128>>;
    static constexpr bool in_band = false;
};
template <class Placement>
struct in_band_flavour {
    using allocator = contiguous_allocator<lim, Placement, policy::in_band<3>>;
    static constexpr bool in_band = true;
};

struct snapshot {
    std::vector<std::tuple<std::size_t, std::uint64_t, unsigned>> blocks;
    std::vector<std::uint64_t> free_bytes;
    std::vector<std::vector<std::byte>> memory; // in-band only: the banks' bytes
    friend bool operator==(const snapshot&, const snapshot&) = default;
    snapshot lists_only() const {
        snapshot s = *this;
        s.memory.clear();
        return s;
    }
};

// Owns an allocator and, for in-band, the memory standing in for its banks.
template <class Flavour>
struct host {
    using allocator = typename Flavour::allocator;
    allocator a{};
    std::vector<std::vector<std::byte>> ram;

    template <std::size_t N>
    result<void> init(const std::array<bank, N>& layout) {
        if constexpr (Flavour::in_band) {
            for (const bank& b : layout) {
                ram.emplace_back(b.size, std::byte{0xa5});
                auto m = a.metadata().map(b.base, b.size, ram.back().data());
                if (!m) return m;
            }
        }
        return a.init(layout);
    }

    snapshot snap() const {
        snapshot s;
        a.for_each_free([&](std::size_t b, std::uint64_t p, unsigned sb) { s.blocks.emplace_back(b, p, sb); });
        for (std::size_t b = 0; b < a.bank_count(); ++b) s.free_bytes.push_back(a.free_bytes(b));
        s.memory = ram;
        return s;
    }

    // The allocator's state without the bytes of free memory: after a round trip
    // (allocate then free, or a rolled-back domain) in-band links are equal but
    // free blocks may keep stale links from earlier splits, which nothing reads.
    snapshot lists() const {
        snapshot s = snap();
        s.memory.clear();
        return s;
    }

    // All free blocks as (bank, paddr, size_bits), by bank, size, paddr.
    std::vector<std::tuple<std::size_t, std::uint64_t, unsigned>> blocks() const { return snap().blocks; }
};

using block_list = std::vector<std::tuple<std::size_t, std::uint64_t, unsigned>>;

} // namespace direct_test
