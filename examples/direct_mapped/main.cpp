// Seed 004 (xen-devel, Feb 2015): a driver domain without an IOMMU needs its
// RAM mapped 1:1, one contiguous chunk, even after ordinary domains were
// created and destroyed. Host: bank 0 = 1 GiB at 0x80000000, bank 1 = 256 MiB
// at 0x880000000; granule 2 MiB. The numbers are worked by hand in
// docs/direct-mapped.md. Exits 0 when every outcome matches the document.
#include <retype/banks/contiguous_allocator.hpp>
#include <retype/banks/domain.hpp>

#include <array>
#include <cinttypes>
#include <cstdio>

namespace {
using namespace retype;
using namespace retype::banks;

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr limits host_limits{.max_banks = 2, .granule_bits = 21, .max_size_bits = 30};
constexpr std::array<bank, 2> host_ram{{{0x80000000, 1024 * MiB}, {0x880000000, 256 * MiB}}};

void print_error(const error& e) {
    if (e.code == error_code::no_fit) {
        std::printf("  no_fit: bank %#" PRIx64 "..%#" PRIx64 " misses %" PRIu64 " MiB of contiguous memory; "
                    "its largest free block is %" PRIu64 " MiB, %" PRIu64 " MiB free in all\n",
                    e.range_min, e.range_max, e.value / MiB, e.limit / MiB, e.memory_left / MiB);
    } else if (e.code == error_code::range_error) {
        std::printf("  %s: size must be %" PRIu64 " MiB .. %" PRIu64 " MiB (no bank holds more in one block)\n",
                    std::string_view(name(e.code)).data(), e.range_min / MiB, e.range_max / MiB);
    } else {
        std::printf("  %s value=%#" PRIx64 " limit=%#" PRIx64 "\n", std::string_view(name(e.code)).data(), e.value,
                    e.limit);
    }
}

// dom0 256 MiB, domU1 128, domU2 64, domU3 128; domU2 destroyed; domU4 32;
// then domd, 512 MiB in one chunk. Returns domd's paddr, 0 if it did not fit,
// 1 if anything else went wrong.
template <class Placement>
std::uint64_t seed_004(const char* title) {
    static contiguous_allocator<host_limits, Placement, policy::out_of_band<64>> xen;
    xen = {};
    if (!xen.init(host_ram)) return 1;
    std::printf("%s\n", title);
    const std::uint64_t sizes[] = {256, 128, 64, 128};
    const char* names[] = {"dom0", "domU1", "domU2", "domU3"};
    std::array<chunk, 4> dom{};
    for (std::size_t i = 0; i < 4; ++i) {
        auto c = xen.allocate_bytes(sizes[i] * MiB);
        if (!c) return 1;
        dom[i] = *c;
        std::printf("  %-5s %4" PRIu64 " MiB at %#" PRIx64 "\n", names[i], sizes[i], c->paddr);
    }
    if (!xen.free(dom[2])) return 1;
    auto u4 = xen.allocate_bytes(32 * MiB);
    if (!u4) return 1;
    std::printf("  domU2 destroyed; domU4 32 MiB at %#" PRIx64 "\n", u4->paddr);
    auto domd = allocate_one_chunk(xen, 512 * MiB);
    if (!domd) {
        std::printf("  domd  512 MiB 1:1: failed\n");
        print_error(domd.error());
        const shortfall s = xen.explain(512 * MiB);
        std::printf("  (largest contiguous free run in that bank: %" PRIu64 " MiB)\n", s.largest_run / MiB);
        return 0;
    }
    const std::uint64_t at = domd->banks[0].paddr;
    std::printf("  domd  512 MiB 1:1 at %#" PRIx64 "\n", at);
    // Destroy and recreate: the same range comes back (the seed's "always the same mfn").
    if (!free_domain(xen, *domd)) return 1;
    auto again = allocate_one_chunk(xen, 512 * MiB);
    std::printf("  domd destroyed and recreated: %s\n", again && again->banks[0].paddr == at ? "same range" : "MOVED");
    if (!again || again->banks[0].paddr != at) return 1;
    // A 1:1 domain is capped by the largest bank.
    auto huge = allocate_one_chunk(xen, 1536 * MiB);
    std::printf("  domd 1536 MiB 1:1:\n");
    if (huge) return 1;
    print_error(huge.error());
    return at;
}

} // namespace

int main() {
    const std::uint64_t low = seed_004<policy::lowest_first>("lowest_first (plain buddy, lowest address first):");
    const std::uint64_t ends = seed_004<policy::split_ends<27>>("split_ends<27> (128 MiB and up from the top):");
    // docs/direct-mapped.md: lowest_first cannot place domd; split_ends places it at 0x80000000.
    return low == 0 && ends == 0x80000000 ? 0 : 1;
}
