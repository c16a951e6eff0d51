// retype bench: instructions per churn step, for callgrind. One process runs
// one allocator over one churn workload (the suite's setups, null backend):
// the setup and one warm-up pass run uninstrumented, then one pass of the
// 20,000 steps runs between CALLGRIND_START_INSTRUMENTATION and
// CALLGRIND_STOP_INSTRUMENTATION. scripts/bench.sh divides callgrind's Ir
// total by the step count. Instruction counts do not depend on the machine's
// load, unlike the suite's CPU times.
//
//   valgrind --tool=callgrind --instr-atstart=no bench_churn_step <allocator> <workload>
//   <allocator>: floor | allocman_split | retype_buddy | retype_binary_search
//   <workload>:  Churn | ChurnBooted | ChurnVmm
#include "adapters.hpp"
#include "retype_adapters.hpp"
#include "workloads.hpp"

#include <retype/backend/concept.hpp>

#if defined(RETYPE_HAVE_CALLGRIND)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace retype::bench {
namespace {

constexpr std::uint64_t GiB = std::uint64_t{1} << 30;
constexpr std::size_t churn_length = 20000;

// The suite's capacities (bench/suite/suite.cpp).
using speed_caps = caps<16384, 8192, 32768>;
using vmm_caps = caps<16384, 8192, (std::size_t{1} << 19) + 32768>;

/// The live handles: a stack of fixed capacity (one entry per step at most),
/// so that the harness's own work is the same few instructions whatever the
/// compiler inlines around the allocator (a vector's push_back was inlined
/// for one allocator and called for another, which moved its count by ~12).
template <class Handle>
struct live_set {
    std::unique_ptr<Handle[]> v;
    std::size_t n = 0;
    explicit live_set(std::size_t cap) : v(new Handle[cap]) {}
};

/// One pass of the steps. Returns false on a failed free.
template <class Adapter>
bool pass(Adapter& a, const std::vector<churn_step>& steps, live_set<typename Adapter::handle>& live) {
    for (const churn_step& c : steps) {
        if (c.allocate) {
            auto h = a.alloc(c.what);
            if (h) live.v[live.n++] = *h;
        } else if (live.n != 0) {
            const std::size_t i = c.victim % live.n;
            if (!a.free(live.v[i])) return false;
            live.v[i] = live.v[--live.n];
        }
    }
    return true;
}

template <class Adapter>
bool teardown(Adapter& a, live_set<typename Adapter::handle>& live) {
    while (live.n != 0)
        if (!a.free(live.v[--live.n])) return false;
    return true;
}

/// The workload's setup (as suite.cpp's churn, churn_booted, churn_vmm), a warm-up pass, the measured pass.
template <class Adapter>
int run(std::string_view workload) {
    backend::null_backend nb;
    sizing s;
    std::unique_ptr<Adapter> a;
    std::vector<typename Adapter::handle> kept;
    if (workload == "Churn") {
        s.heap_bytes = std::size_t{4} << 20;
        s.slots = std::size_t{1} << 15;
        a = std::make_unique<Adapter>(nb, s);
        if (!a->add_untyped(0x40000000, 28, false)) return 3;
    } else if (workload == "ChurnBooted") {
        s.heap_bytes = std::size_t{8} << 20;
        s.slots = std::size_t{1} << 16;
        a = std::make_unique<Adapter>(nb, s);
        if (!a->add_untyped(0x40000000, 29, false)) return 3;
        for (const request& r : capdl_boot_objects()) {
            auto h = a->alloc(r);
            if (!h) return 3;
            kept.push_back(*h);
        }
    } else if (workload == "ChurnVmm") {
        s.heap_bytes = std::size_t{140} << 20;
        s.slots = std::size_t{1} << 23;
        a = std::make_unique<Adapter>(nb, s);
        const std::uint64_t guest = 0x40000000, guest_size = 2 * GiB;
        if (!a->add_untyped(guest, 30, false) || !a->add_untyped(guest + GiB, 30, false)) return 3;
        auto frames = a->map_range(request{kernel::object_type::frame_4k, 0}, guest, guest_size);
        if (!frames) return 3;
        kept = std::move(*frames);
        if (!a->add_untyped(guest + guest_size, 28, false)) return 3;
    } else {
        return 2;
    }
    const auto steps = churn_steps(churn_length);
    live_set<typename Adapter::handle> live(steps.size());
    if (!pass(*a, steps, live) || !teardown(*a, live)) return 4;
    CALLGRIND_START_INSTRUMENTATION;
    const bool ok = pass(*a, steps, live);
    CALLGRIND_STOP_INSTRUMENTATION;
    if (!ok || !teardown(*a, live)) return 4;
    std::printf("%zu steps\n", steps.size());
    return 0;
}

template <class Split>
int run_retype(std::string_view workload) {
    if (workload == "ChurnVmm") return run<retype_adapter<Split, 12, vmm_caps, backend::null_backend>>(workload);
    return run<retype_adapter<Split, 12, speed_caps, backend::null_backend>>(workload);
}

} // namespace
} // namespace retype::bench

int main(int argc, char** argv) {
    using namespace retype::bench;
    if (argc != 3) {
        std::fputs("usage: bench_churn_step <allocator> <Churn|ChurnBooted|ChurnVmm>\n", stderr);
        return 2;
    }
    const std::string_view a = argv[1];
    const std::string_view w = argv[2];
    if (a == "floor") return run<floor_adapter>(w);
    if (a == "allocman_split") return run<split_adapter<retype::backend::null_backend>>(w);
    if (a == "retype_buddy") return run_retype<retype::buddy>(w);
    if (a == "retype_binary_search") return run_retype<retype::binary_search>(w);
    std::fputs("bench_churn_step: unknown allocator\n", stderr);
    return 2;
}
