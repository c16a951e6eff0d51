// retype bench: instructions per request of the suite's Boot and DeviceFrames
// workloads (null backend), for callgrind, as churn_step.cpp does for the churn
// workloads: the setup and one warm-up round run uninstrumented, then one round
// (every CapDL boot object once, or every 4 KiB frame of a 16 MiB device window
// at its address, in the suite's seeded order) runs between
// CALLGRIND_START_INSTRUMENTATION and CALLGRIND_STOP_INSTRUMENTATION; everything
// is freed after each round, uninstrumented. Divide callgrind's Ir total by the
// printed step count (one step = one request).
//
//   valgrind --tool=callgrind --instr-atstart=no bench_request_step <allocator> <workload>
//   <allocator>: floor | allocman_split | retype_buddy | retype_binary_search
//   <workload>:  Boot | DeviceFrames
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

// The suite's capacities (bench/suite/suite.cpp).
using speed_caps = caps<16384, 8192, 32768>;

template <class Adapter>
bool teardown(Adapter& a, std::vector<typename Adapter::handle>& live) {
    while (!live.empty()) {
        if (!a.free(live.back())) return false;
        live.pop_back();
    }
    return true;
}

/// Boot and DeviceFrames (as suite.cpp's boot, device_frames): every request
/// once (a warm-up round, then the measured round), everything freed after
/// each round, uninstrumented, and for Boot retype's untypeds reset, so that
/// the measured round is a first boot. One step is one request.
template <class Adapter>
int run_once_each(std::string_view workload) {
    backend::null_backend nb;
    sizing s;
    s.heap_bytes = std::size_t{4} << 20;
    s.slots = std::size_t{1} << 15;
    auto a = std::make_unique<Adapter>(nb, s);
    const bool boot = workload == "Boot";
    const kernel::paddr_t device_base = 0x10000000;
    if (!(boot ? a->add_untyped(0x40000000, 28, false) : a->add_untyped(device_base, 24, true))) return 3;
    const auto objects = capdl_boot_objects();
    const auto addrs = device_frame_addresses(device_base, 4096);
    const request frame{kernel::object_type::frame_4k, 0};
    std::vector<typename Adapter::handle> live;
    live.reserve(boot ? objects.size() : addrs.size());
    std::size_t steps = 0;
    for (int round = 0; round < 2; ++round) {
        if (round == 1) CALLGRIND_START_INSTRUMENTATION;
        if (boot) {
            for (const request& r : objects) {
                auto h = a->alloc(r);
                if (h) live.push_back(*h);
            }
        } else {
            for (kernel::paddr_t p : addrs) {
                auto h = a->alloc_at(frame, p);
                if (h) live.push_back(*h);
            }
        }
        if (round == 1) CALLGRIND_STOP_INSTRUMENTATION;
        if (round == 1) steps = boot ? objects.size() : addrs.size();
        if (!teardown(*a, live)) return 4;
        // Boot: every round a first boot, from whole untypeds (suite.cpp's boot does the same).
        if constexpr (requires { a->reset_untypeds(); })
            if (boot && !a->reset_untypeds()) return 4;
    }
    std::printf("%zu steps\n", steps);
    return 0;
}

template <class Split>
int run_retype(std::string_view workload) {
    return run_once_each<retype_adapter<Split, 12, speed_caps, backend::null_backend>>(workload);
}

} // namespace
} // namespace retype::bench

int main(int argc, char** argv) {
    using namespace retype::bench;
    if (argc != 3) {
        std::fputs("usage: bench_request_step <allocator> <Boot|DeviceFrames>\n", stderr);
        return 2;
    }
    const std::string_view a = argv[1];
    const std::string_view w = argv[2];
    if (w != "Boot" && w != "DeviceFrames") return 2;
    if (a == "floor") return run_once_each<floor_adapter>(w);
    if (a == "allocman_split") return run_once_each<split_adapter<retype::backend::null_backend>>(w);
    if (a == "retype_buddy") return run_retype<retype::buddy>(w);
    if (a == "retype_binary_search") return run_retype<retype::binary_search>(w);
    std::fputs("bench_request_step: unknown allocator\n", stderr);
    return 2;
}
