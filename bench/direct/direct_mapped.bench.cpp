// Direct-mapped (1:1) guest memory under churn. Each run creates and destroys
// ordinary domains of mixed sizes (seeded, the same sequence for every
// policy), then asks for one large 1:1 domain in one chunk. User counters:
// whether it fit, the largest free block and run left before it, free memory.
// Benchmarks assert nothing; the outcomes are data for docs/direct-mapped.md.
#include <retype/banks/contiguous_allocator.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace {
using namespace retype;
using namespace retype::banks;

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr limits lim{.max_banks = 4, .granule_bits = 21, .max_size_bits = 30};

struct host_layout {
    const char* name;
    std::array<bank, 4> banks;
    std::size_t count;
    std::uint64_t large; // the 1:1 request
};
// Several memory sizes and bank layouts; the 1:1 request is half the largest bank.
const std::array<host_layout, 5> layouts{{
    {"1x256MiB", {{{0x80000000, 256 * MiB}}}, 1, 128 * MiB},
    {"1x1GiB", {{{0x80000000, 1024 * MiB}}}, 1, 512 * MiB},
    {"2x512MiB", {{{0x80000000, 512 * MiB}, {0x880000000, 512 * MiB}}}, 2, 256 * MiB},
    {"1GiB+256MiB", {{{0x80000000, 1024 * MiB}, {0x880000000, 256 * MiB}}}, 2, 512 * MiB},
    {"4x1GiB",
     {{{0x40000000, 1024 * MiB}, {0x80000000, 1024 * MiB}, {0x880000000, 1024 * MiB}, {0x8c0000000, 1024 * MiB}}},
     4,
     512 * MiB},
}};

template <class Placement>
using allocator = contiguous_allocator<lim, Placement, policy::out_of_band<8192>>;

// Churn: 4000 steps keeping about half the memory in use by domains of
// 2..64 MiB; the generator is seeded, so every policy sees the same requests.
template <class Placement>
void churn_then_direct_mapped(benchmark::State& state) {
    const host_layout& h = layouts[static_cast<std::size_t>(state.range(0))];
    static allocator<Placement> a; // 128 KiB of nodes: not on the stack
    std::vector<chunk> live;
    bool fits = false;
    std::uint64_t largest_block = 0;
    std::uint64_t largest_run = 0;
    std::uint64_t free_before = 0;
    std::uint64_t total = 0;
    for (const bank& b : std::span(h.banks.data(), h.count)) total += b.size;
    constexpr std::array<std::uint64_t, 8> sizes{2, 4, 6, 8, 12, 16, 32, 64};
    for (auto _ : state) {
        a = allocator<Placement>{};
        if (!a.init(std::span(h.banks.data(), h.count))) {
            state.SkipWithError("init failed");
            return;
        }
        live.clear();
        std::mt19937_64 rng(0x5eed004);
        std::uint64_t used = 0;
        for (int step = 0; step < 4000; ++step) {
            const bool create = live.empty() || (used < total / 2 && rng() % 3 != 0) || rng() % 4 == 0;
            if (create) {
                const std::uint64_t size = sizes[rng() % sizes.size()] * MiB;
                if (auto c = a.allocate_bytes(size)) {
                    live.push_back(*c);
                    used += size;
                }
            } else {
                const std::size_t i = rng() % live.size();
                (void)a.free(live[i]);
                used -= live[i].size;
                live[i] = live.back();
                live.pop_back();
            }
        }
        largest_block = 0;
        largest_run = 0;
        for (std::size_t b = 0; b < a.bank_count(); ++b) {
            largest_block = std::max(largest_block, a.largest_free_block(b));
            largest_run = std::max(largest_run, a.largest_free_run(b));
        }
        free_before = a.free_bytes();
        fits = a.allocate_bytes(h.large).has_value();
        benchmark::DoNotOptimize(fits);
    }
    state.SetLabel(h.name);
    state.counters["fits"] = fits ? 1 : 0;
    state.counters["request_MiB"] = static_cast<double>(h.large / MiB);
    state.counters["largest_block_MiB"] = static_cast<double>(largest_block / MiB);
    state.counters["largest_run_MiB"] = static_cast<double>(largest_run / MiB);
    state.counters["free_MiB"] = static_cast<double>(free_before / MiB);
    state.counters["live_domains"] = static_cast<double>(live.size());
}

void layouts_args(benchmark::internal::Benchmark* b) {
    for (std::size_t i = 0; i < layouts.size(); ++i) b->Arg(static_cast<std::int64_t>(i));
    b->ArgName("layout")->Unit(benchmark::kMicrosecond);
}

BENCHMARK_TEMPLATE(churn_then_direct_mapped, policy::lowest_first)->Apply(layouts_args);
BENCHMARK_TEMPLATE(churn_then_direct_mapped, policy::best_fit)->Apply(layouts_args);
BENCHMARK_TEMPLATE(churn_then_direct_mapped, policy::split_ends<26>)->Apply(layouts_args);
// Threshold above every ordinary domain (64 MiB max): only the 1:1 request goes to the top.
BENCHMARK_TEMPLATE(churn_then_direct_mapped, policy::split_ends<27>)->Apply(layouts_args);

// One 2 MiB allocate + free on a fresh bank of 2^N bytes: the cost follows the
// number of orders (bounded by max_size_bits), not the memory size.
void allocate_free_vs_memory(benchmark::State& state) {
    static allocator<policy::split_ends<26>> a;
    a = allocator<policy::split_ends<26>>{};
    const std::array<bank, 1> one{{{0x80000000, static_cast<std::uint64_t>(state.range(0))}}};
    if (!a.init(one)) {
        state.SkipWithError("init failed");
        return;
    }
    for (auto _ : state) {
        auto c = a.allocate(21);
        benchmark::DoNotOptimize(c);
        (void)a.free(*c);
    }
    state.SetComplexityN(state.range(0));
}
BENCHMARK(allocate_free_vs_memory)
    ->RangeMultiplier(4)
    ->Range(std::int64_t{1} << 28, std::int64_t{1} << 34)
    ->Complexity(benchmark::o1);

} // namespace

BENCHMARK_MAIN();
