// retype bench: the suite. Every comparison runs in this one binary, so the
// report can quote ratios measured side by side on the same machine.
//
//   GuestRam2GiB/<allocator>/<granule>  footprint of a 2 GiB guest (user counters)
//   Boot/<allocator>/<backend>          capDL-like boot, largest first
//   GuestRam/<allocator>/<backend>      the 2 GiB guest at 4 KiB, fixed paddr, ascending
//   Churn/<allocator>/<backend>         seeded random allocate/free of mixed sizes
//   ChurnBooted/<allocator>/null        the same churn beside the boot's 4,064 live objects
//   ChurnVmm/<allocator>/null           the same churn after a 2 GiB guest was backed at 4 KiB
//   DeviceFrames/<allocator>/<backend>  fixed-address 4 KiB device frames, random order
//   Scaling/<allocator>/<log2 bytes>    allocate/free as the memory managed grows, 1 GiB to 1 TiB
//   Range64MiB/<allocator>/counted      a 64 MiB range at 4 KiB from a 512 MiB untyped (kernel calls only)
//
// <backend> "counted": the workload once over backend::counting<model> (the
// kernel model, so zeroed bytes are known; std::map over counting<null_backend>,
// since it cannot make the kernel put objects where it decided). Its time is the
// model's and means nothing; its counters k_* are the kernel calls, objects and
// bytes zeroed on reset per pass of the measured part, and k_ops the allocator
// operations in that part.
//
// Benchmarks are not tests: nothing here asserts a time. A failed allocation
// where none is expected stops the case with SkipWithError.
#include "adapters.hpp"
#include "retype_adapters.hpp"
#include "workloads.hpp"

#include <retype/backend/concept.hpp>
#include <retype/backend/counting.hpp>
#include <retype/backend/model.hpp>

#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace retype::bench {
namespace {

constexpr std::uint64_t GiB = std::uint64_t{1} << 30;
constexpr std::uint64_t slot_bytes = 32; // 2^seL4_SlotBits on 64-bit

// The kernel model, sized for the largest case (allocman's 2 GiB guest at 4 KiB:
// about 1.05 M untypeds + 0.52 M frame retypes, and as many slots).
using big_model = backend::model<std::size_t{1} << 21, std::size_t{1} << 21>;
// Boot, churn and device frames: up to ~12,000 objects and halves at once. The
// model's revoke scans every node and slot (O(capacity x depth)), so it is kept
// as small as the cases allow and those cases run a fixed number of iterations.
using mid_model = backend::model<std::size_t{1} << 14, std::size_t{1} << 14>;

// ChurnBooted's kernel model: the boot's 4,064 objects and allocman-style's
// ~8,400 split nodes beside the churn, in its 2^16-slot CNode.
using booted_model = backend::model<std::size_t{1} << 16, std::size_t{1} << 16>;

using counted_null = backend::counting<backend::null_backend>;
using counted_mid = backend::counting<mid_model>;
using counted_booted = backend::counting<booted_model>;
using counted_big = backend::counting<big_model>;

template <class B>
inline constexpr bool is_counted = false;
template <class Inner>
inline constexpr bool is_counted<backend::counting<Inner>> = true;

/// The kernel work of the measured part of each pass: a no-op unless B counts.
template <class B>
struct kernel_meter {
    backend::kernel_counts total{};
    backend::kernel_counts start{};
    void begin(B& b) {
        if constexpr (is_counted<B>) start = b.counts();
    }
    void end(B& b) {
        if constexpr (is_counted<B>) {
            const backend::kernel_counts d = b.counts() - start;
            total.retypes += d.retypes;
            total.deletes += d.deletes;
            total.revokes += d.revokes;
            total.refused += d.refused;
            total.objects += d.objects;
            total.resets += d.resets;
            total.zeroed_bytes += d.zeroed_bytes;
        }
    }
    /// Per pass; `ops`: allocator operations in one pass's measured part.
    void report(benchmark::State& st, double ops) const {
        if constexpr (is_counted<B>) {
            const double n = st.iterations() ? static_cast<double>(st.iterations()) : 1.0;
            st.counters["k_retypes"] = static_cast<double>(total.retypes) / n;
            st.counters["k_deletes"] = static_cast<double>(total.deletes) / n;
            st.counters["k_revokes"] = static_cast<double>(total.revokes) / n;
            st.counters["k_refused"] = static_cast<double>(total.refused) / n;
            st.counters["k_calls"] = static_cast<double>(total.calls()) / n;
            st.counters["k_objects"] = static_cast<double>(total.objects) / n;
            st.counters["k_resets"] = static_cast<double>(total.resets) / n;
            st.counters["k_zeroed_bytes"] = static_cast<double>(total.zeroed_bytes) / n;
            st.counters["k_zeroed_known"] = B::zeroed_known() ? 1.0 : 0.0;
            st.counters["k_ops"] = ops;
        } else {
            (void)st;
            (void)ops;
        }
    }
};

/// The single-level CNode allocman-style manages in boot, churn and device
/// frames: 2^15 slots, but never more than the kernel model's CSpace table
/// (2^14), because allocman's cspace roves over every slot of its CNode.
template <class B>
constexpr std::size_t cnode_slots() {
    if constexpr (std::is_same_v<B, mid_model> || std::is_same_v<B, counted_mid>)
        return std::size_t{1} << 14;
    else
        return std::size_t{1} << 15;
}

/// Owns one backend for one benchmark case; the model lives on the heap.
template <class B>
struct backend_box {
    std::unique_ptr<B> b = std::make_unique<B>(bench_cfg);
    B& get() { return *b; }
};
template <>
struct backend_box<backend::null_backend> {
    backend::null_backend b;
    backend::null_backend& get() { return b; }
};
template <>
struct backend_box<counted_null> {
    counted_null b;
    counted_null& get() { return b; }
};

template <class B>
constexpr const char* backend_name() {
    if constexpr (std::is_same_v<B, backend::null_backend>)
        return "null";
    else if constexpr (is_counted<B>)
        return "counted";
    else
        return "model";
}

void check(benchmark::State& st, bool ok, const char* what) {
    if (!ok) st.SkipWithError(what);
}

/// Frees what a pass allocated, newest first, outside the timed region.
template <class Adapter, class Handle>
void free_all_untimed(benchmark::State& st, Adapter& a, std::vector<Handle>& live) {
    st.PauseTiming();
    while (!live.empty()) {
        check(st, a.free(live.back()).has_value(), "free");
        live.pop_back();
    }
    st.ResumeTiming();
}

// ---- 1. Footprint -----------------------------------------------------------

/// seed 001: the guest's 2 GiB as two 1 GiB untypeds (untyped_mmios
/// 0x40000000:30 and 0x80000000:30), mapped 1:1, one frame per granule at its paddr.
template <class Adapter>
void guest_ram_footprint(benchmark::State& st, unsigned granule_bits) {
    const std::uint64_t base = 0x40000000, size = 2 * GiB;
    const std::uint64_t frames = size >> granule_bits;
    const request frame{granule_bits == 12   ? kernel::object_type::frame_4k
                        : granule_bits == 21 ? kernel::object_type::frame_2m
                                             : kernel::object_type::frame_1g,
                        0};
    sizing s;
    s.heap_bytes = static_cast<std::size_t>(frames * 2 * 128 + (1 << 20));
    s.slots = static_cast<std::size_t>(frames * 3 + 64);
    for (auto _ : st) {
        backend::null_backend nb;
        auto a = std::make_unique<Adapter>(nb, s);
        check(st, a->add_untyped(base, 30, false).has_value(), "add_untyped");
        check(st, a->add_untyped(base + GiB, 30, false).has_value(), "add_untyped");
        auto handles = a->map_range(frame, base, size);
        check(st, handles.has_value(), "guest RAM allocation failed");
        st.counters["metadata_bytes"] = static_cast<double>(a->metadata_bytes());
        st.counters["cslot_bytes"] = static_cast<double>(a->slots_used() * slot_bytes);
        st.counters["paging_bytes"] = static_cast<double>(paging_bytes(base, size, granule_bits));
        st.counters["frames"] = static_cast<double>(frames);
    }
}

// ---- 2. Speed ---------------------------------------------------------------

template <class Adapter, class B>
void boot(benchmark::State& st) {
    const auto objects = capdl_boot_objects();
    backend_box<B> box;
    sizing s;
    s.heap_bytes = std::size_t{4} << 20;
    s.slots = cnode_slots<B>();
    auto a = std::make_unique<Adapter>(box.get(), s);
    check(st, a->add_untyped(0x40000000, 28, false).has_value(), "add_untyped");
    std::vector<typename Adapter::handle> live;
    live.reserve(objects.size());
    kernel_meter<B> km;
    for (auto _ : st) {
        km.begin(box.get());
        for (const request& r : objects) {
            auto h = a->alloc(r);
            if (!h) {
                st.SkipWithError("boot allocation failed");
                break;
            }
            live.push_back(*h);
        }
        km.end(box.get());
        free_all_untimed(st, *a, live);
        // Each pass is a first boot: from whole untypeds (allocman-style's frees merge them whole).
        if constexpr (requires { a->reset_untypeds(); }) {
            st.PauseTiming();
            check(st, a->reset_untypeds().has_value(), "reset");
            st.ResumeTiming();
        }
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * objects.size()));
    km.report(st, static_cast<double>(objects.size()));
}

template <class Adapter, class B>
void guest_ram(benchmark::State& st) {
    const std::uint64_t base = 0x40000000, size = 2 * GiB;
    const std::uint64_t frames = size >> 12;
    backend_box<B> box;
    sizing s;
    s.heap_bytes = static_cast<std::size_t>(frames * 2 * 128 + (1 << 20));
    s.slots = static_cast<std::size_t>(frames * 3 + 64);
    auto a = std::make_unique<Adapter>(box.get(), s);
    check(st, a->add_untyped(base, 30, false).has_value(), "add_untyped");
    check(st, a->add_untyped(base + GiB, 30, false).has_value(), "add_untyped");
    const request frame{kernel::object_type::frame_4k, 0};
    kernel_meter<B> km;
    for (auto _ : st) {
        // Each allocator's own way to back guest RAM: frame by frame at its paddr
        // for the baselines (libsel4vm), the range path for retype.
        km.begin(box.get());
        auto handles = a->map_range(frame, base, size);
        km.end(box.get());
        if (!handles) {
            st.SkipWithError("guest RAM allocation failed");
            break;
        }
        st.PauseTiming();
        while (!handles->empty()) {
            check(st, a->free(handles->back()).has_value(), "free");
            handles->pop_back();
        }
        st.ResumeTiming();
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * frames));
    km.report(st, static_cast<double>(frames));
}

/// Range64MiB (counted only): 64 MiB at 4 KiB from the base of a 512 MiB
/// untyped. 16,384 frames: at best ceil(16,384 / 256) = 64 retypes of 256
/// frames, after 3 halvings (512 -> 256 -> 128 -> 64 MiB).
template <class Adapter, class B>
void range_64mib(benchmark::State& st) {
    const std::uint64_t base = 0x40000000, size = std::uint64_t{64} << 20;
    backend_box<B> box;
    sizing s;
    s.heap_bytes = std::size_t{8} << 20;
    s.slots = std::size_t{1} << 16;
    auto a = std::make_unique<Adapter>(box.get(), s);
    check(st, a->add_untyped(base, 29, false).has_value(), "add_untyped");
    const request frame{kernel::object_type::frame_4k, 0};
    kernel_meter<B> km;
    for (auto _ : st) {
        km.begin(box.get());
        auto handles = a->map_range(frame, base, size);
        km.end(box.get());
        if (!handles) {
            st.SkipWithError("range allocation failed");
            break;
        }
        st.PauseTiming();
        while (!handles->empty()) {
            check(st, a->free(handles->back()).has_value(), "free");
            handles->pop_back();
        }
        st.ResumeTiming();
    }
    km.report(st, static_cast<double>(size >> 12));
}

/// The churn loop over an allocator already set up by the caller (the variants
/// differ only in what the allocator holds before the clock starts).
template <class Adapter, class B>
void churn_loop(benchmark::State& st, Adapter& a, B& b, const std::vector<churn_step>& steps) {
    std::vector<typename Adapter::handle> live;
    live.reserve(steps.size());
    std::int64_t failed = 0;
    kernel_meter<B> km;
    for (auto _ : st) {
        km.begin(b);
        for (const churn_step& c : steps) {
            if (c.allocate) {
                auto h = a.alloc(c.what);
                if (h)
                    live.push_back(*h);
                else
                    ++failed; // watermark: memory returns only when an untyped empties
            } else if (!live.empty()) {
                const std::size_t i = c.victim % live.size();
                if (!a.free(live[i])) {
                    st.SkipWithError("free failed");
                    break;
                }
                live[i] = live.back();
                live.pop_back();
            }
        }
        km.end(b);
        st.PauseTiming();
        // What allocman-style's O(n) paths walk, at the end of a pass (before teardown).
        if constexpr (requires { a.heap_free_chunks(); }) {
            st.counters["heap_free_chunks"] = static_cast<double>(a.heap_free_chunks());
            st.counters["heap_nodes"] = static_cast<double>(a.heap_nodes());
        }
        while (!live.empty()) {
            check(st, a.free(live.back()).has_value(), "free");
            live.pop_back();
        }
        st.ResumeTiming();
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * steps.size()));
    st.counters["failed_allocations_per_pass"] =
        static_cast<double>(failed) / static_cast<double>(st.iterations() ? st.iterations() : 1);
    km.report(st, static_cast<double>(steps.size()));
}

template <class Adapter, class B>
void churn(benchmark::State& st) {
    const auto steps = churn_steps(20000);
    backend_box<B> box;
    sizing s;
    s.heap_bytes = std::size_t{4} << 20;
    s.slots = cnode_slots<B>();
    auto a = std::make_unique<Adapter>(box.get(), s);
    check(st, a->add_untyped(0x40000000, 28, false).has_value(), "add_untyped");
    churn_loop(st, *a, box.get(), steps);
}

/// ChurnVmm: the same churn steps, run by the allocator of a VMM that has
/// already backed seed 001's 2 GiB guest at 4 KiB (two 1 GiB untypeds at
/// 0x40000000, mapped 1:1 the allocator's own way, never freed: libsel4vm's
/// vm_ram_free is empty). The churn comes from a separate 256 MiB untyped above
/// the guest. allocman-style's mempool then holds the guest's ~1.05 M nodes
/// (140 MiB pool: what the reporter of seL4_projects_libs#126 needed) and its
/// single-level CNode is camkes-vm's 2^23 slots (vm_common.camkes), with the
/// guest's ~1.57 M slots in use. Setup is outside the clock.
template <class Adapter, class B>
void churn_vmm(benchmark::State& st) {
    const auto steps = churn_steps(20000);
    const std::uint64_t guest = 0x40000000, guest_size = 2 * GiB;
    backend_box<B> box;
    sizing s;
    s.heap_bytes = std::size_t{140} << 20;
    // Counted: the kernel model's CSpace (2^21 slots, room for the guest's ~1.57 M).
    s.slots = is_counted<B> ? std::size_t{1} << 21 : std::size_t{1} << 23;
    auto a = std::make_unique<Adapter>(box.get(), s);
    check(st, a->add_untyped(guest, 30, false).has_value(), "add_untyped");
    check(st, a->add_untyped(guest + GiB, 30, false).has_value(), "add_untyped");
    auto frames = a->map_range(request{kernel::object_type::frame_4k, 0}, guest, guest_size);
    check(st, frames.has_value(), "guest RAM allocation failed");
    check(st, a->add_untyped(guest + guest_size, 28, false).has_value(), "add_untyped");
    churn_loop(st, *a, box.get(), steps);
}

/// ChurnBooted: the same churn steps on top of the capDL-like boot's 4,064
/// objects, which stay live (a long-running dynamic system churns beside what
/// it created at boot, so its lists and heap hold the boot's split nodes).
/// 512 MiB, because the boot's objects take about 60 MiB of the churn's room.
template <class Adapter, class B>
void churn_booted(benchmark::State& st) {
    const auto steps = churn_steps(20000);
    const auto objects = capdl_boot_objects();
    backend_box<B> box;
    sizing s;
    s.heap_bytes = std::size_t{8} << 20;
    s.slots = std::size_t{1} << 16;
    auto a = std::make_unique<Adapter>(box.get(), s);
    check(st, a->add_untyped(0x40000000, 29, false).has_value(), "add_untyped");
    std::vector<typename Adapter::handle> boot_live;
    boot_live.reserve(objects.size());
    for (const request& r : objects) {
        auto h = a->alloc(r);
        check(st, h.has_value(), "boot allocation failed");
        if (h) boot_live.push_back(*h);
    }
    churn_loop(st, *a, box.get(), steps);
}

template <class Adapter, class B>
void device_frames(benchmark::State& st) {
    const kernel::paddr_t base = 0x10000000;
    const auto addrs = device_frame_addresses(base, 4096);
    backend_box<B> box;
    sizing s;
    s.heap_bytes = std::size_t{4} << 20;
    s.slots = cnode_slots<B>();
    auto a = std::make_unique<Adapter>(box.get(), s);
    check(st, a->add_untyped(base, 24, true).has_value(), "add_untyped");
    std::vector<typename Adapter::handle> live;
    live.reserve(addrs.size());
    std::int64_t failed = 0;
    const request frame{kernel::object_type::frame_4k, 0};
    kernel_meter<B> km;
    for (auto _ : st) {
        km.begin(box.get());
        for (kernel::paddr_t p : addrs) {
            auto h = a->alloc_at(frame, p);
            if (h)
                live.push_back(*h);
            else
                ++failed; // watermark: an address behind the watermark cannot be had
        }
        km.end(box.get());
        free_all_untimed(st, *a, live);
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * addrs.size()));
    km.report(st, static_cast<double>(addrs.size()));
    st.counters["failed_allocations_per_pass"] =
        static_cast<double>(failed) / static_cast<double>(st.iterations() ? st.iterations() : 1);
}

// ---- 3. Scaling -------------------------------------------------------------

/// 1024 frames (9 in 10 of 4 KiB, 1 in 10 of 2 MiB, seeded) allocated, then
/// freed in a seeded order, from one untyped of 2^bits: the per-operation
/// cost as the memory managed grows. Device memory, because 1 TiB of RAM is
/// beyond every modelled kernel window; frames are what device memory holds.
template <class Adapter, class B = backend::null_backend>
void scaling(benchmark::State& st) {
    const unsigned bits = static_cast<unsigned>(st.range(0));
    std::mt19937 rng(11);
    std::vector<request> reqs(1024);
    for (auto& r : reqs)
        r = request{rng() % 10 == 0 ? kernel::object_type::frame_2m : kernel::object_type::frame_4k, 0};
    std::vector<std::size_t> order(reqs.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    backend_box<B> box;
    sizing s;
    s.heap_bytes = std::size_t{4} << 20;
    s.slots = cnode_slots<B>();
    auto a = std::make_unique<Adapter>(box.get(), s);
    // At or above 2^bits, aligned to its size in pptr space (the kernel window's
    // offset is only 2^39-aligned on aarch64-hyp, so 1 TiB needs a shifted paddr).
    const std::uint64_t size = std::uint64_t{1} << bits;
    const std::uint64_t off = kernel::traits(bench_cfg).pptr_base_offset & (size - 1);
    check(st, a->add_untyped(2 * size - off, bits, true).has_value(), "add_untyped");
    std::vector<typename Adapter::handle> live(reqs.size());
    kernel_meter<B> km;
    for (auto _ : st) {
        km.begin(box.get());
        for (std::size_t i = 0; i < reqs.size(); ++i) {
            auto h = a->alloc_device(reqs[i]);
            if (!h) {
                st.SkipWithError("scaling allocation failed");
                return;
            }
            live[i] = *h;
        }
        for (std::size_t i : order)
            if (!a->free(live[i])) {
                st.SkipWithError("scaling free failed");
                return;
            }
        km.end(box.get());
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * reqs.size() * 2));
    km.report(st, static_cast<double>(reqs.size() * 2));
}

// ---- registration -----------------------------------------------------------

/// One footprint case; Adapter may differ per granule (retype sized for the case).
template <class Adapter>
void register_footprint(unsigned g) {
    const std::string gran = g == 12 ? "4KiB" : g == 21 ? "2MiB" : "1GiB";
    benchmark::RegisterBenchmark(("GuestRam2GiB/" + std::string(Adapter::name) + "/" + gran).c_str(),
                                 [g](benchmark::State& st) { guest_ram_footprint<Adapter>(st, g); })
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
}

template <class Adapter, class B>
std::string tail_of() {
    return std::string(Adapter::name) + "/" + backend_name<B>();
}

/// Boot, churn and device frames share one capacity; GuestRam (the range path) its own.
template <class Adapter, class B>
void register_speed_small() {
    constexpr bool model = !std::is_same_v<B, backend::null_backend>;
    auto fix = [](benchmark::internal::Benchmark* b) {
        b->Unit(benchmark::kMicrosecond);
        if (model) b->Iterations(3); // the untimed teardown through the model dominates otherwise
    };
    fix(benchmark::RegisterBenchmark(("Boot/" + tail_of<Adapter, B>()).c_str(), boot<Adapter, B>));
    fix(benchmark::RegisterBenchmark(("Churn/" + tail_of<Adapter, B>()).c_str(), churn<Adapter, B>));
    fix(benchmark::RegisterBenchmark(("DeviceFrames/" + tail_of<Adapter, B>()).c_str(), device_frames<Adapter, B>));
}
/// The churn variants (null backend: the allocator's cost alone); ChurnVmm needs
/// the guest's capacity, so it is registered with its own adapter type.
template <class Adapter>
void register_churn_booted() {
    benchmark::RegisterBenchmark(("ChurnBooted/" + tail_of<Adapter, backend::null_backend>()).c_str(),
                                 churn_booted<Adapter, backend::null_backend>)
        ->Unit(benchmark::kMicrosecond);
}
template <class Adapter>
void register_churn_vmm() {
    benchmark::RegisterBenchmark(("ChurnVmm/" + tail_of<Adapter, backend::null_backend>()).c_str(),
                                 churn_vmm<Adapter, backend::null_backend>)
        ->Unit(benchmark::kMicrosecond);
}

template <class Adapter, class B>
void register_guest_ram() {
    benchmark::RegisterBenchmark(("GuestRam/" + tail_of<Adapter, B>()).c_str(), guest_ram<Adapter, B>)
        ->Iterations(2)
        ->Unit(benchmark::kMillisecond);
}

template <class Adapter>
void register_scaling() {
    benchmark::RegisterBenchmark(("Scaling/" + std::string(Adapter::name)).c_str(), scaling<Adapter>)
        ->DenseRange(30, 40, 2)
        ->Unit(benchmark::kMicrosecond);
}

template <template <class> class A>
void register_baseline(bool with_model) {
    for (unsigned g : {12u, 21u, 30u}) register_footprint<A<backend::null_backend>>(g);
    register_speed_small<A<backend::null_backend>, backend::null_backend>();
    register_churn_booted<A<backend::null_backend>>();
    register_churn_vmm<A<backend::null_backend>>();
    register_guest_ram<A<backend::null_backend>, backend::null_backend>();
    if (with_model) {
        register_speed_small<A<mid_model>, mid_model>();
        register_guest_ram<A<big_model>, big_model>();
    }
    register_scaling<A<backend::null_backend>>();
}

/// The counted pass of every workload, once each (the counters are per pass).
/// Mid, Booted, Big: the backend for Boot/Churn/DeviceFrames/Scaling, for
/// ChurnBooted/Range64MiB, and for ChurnVmm/GuestRam; Small, Range, Vmm, Guest,
/// Scale: the adapter types over them.
template <class Small, class Mid, class Booted, class BootedB, class Range, class Vmm, class Guest, class Big,
          class Scale>
void register_counted() {
    auto once = [](benchmark::internal::Benchmark* b) { b->Iterations(1)->Unit(benchmark::kMillisecond); };
    once(benchmark::RegisterBenchmark(("Boot/" + tail_of<Small, Mid>()).c_str(), boot<Small, Mid>));
    once(benchmark::RegisterBenchmark(("Churn/" + tail_of<Small, Mid>()).c_str(), churn<Small, Mid>));
    once(benchmark::RegisterBenchmark(("DeviceFrames/" + tail_of<Small, Mid>()).c_str(), device_frames<Small, Mid>));
    once(benchmark::RegisterBenchmark(("ChurnBooted/" + tail_of<Booted, BootedB>()).c_str(),
                                      churn_booted<Booted, BootedB>));
    once(
        benchmark::RegisterBenchmark(("Range64MiB/" + tail_of<Range, BootedB>()).c_str(), range_64mib<Range, BootedB>));
    once(benchmark::RegisterBenchmark(("ChurnVmm/" + tail_of<Vmm, Big>()).c_str(), churn_vmm<Vmm, Big>));
    once(benchmark::RegisterBenchmark(("GuestRam/" + tail_of<Guest, Big>()).c_str(), guest_ram<Guest, Big>));
    once(benchmark::RegisterBenchmark(("Scaling/" + tail_of<Scale, Mid>()).c_str(), scaling<Scale, Mid>)
             ->Arg(30)
             ->Arg(40));
}

template <template <class> class A>
void register_counted_baseline() {
    register_counted<A<counted_mid>, counted_mid, A<counted_booted>, counted_booted, A<counted_booted>, A<counted_big>,
                     A<counted_big>, counted_big, A<counted_mid>>();
}
/// std::map decides addresses the kernel would not honour, so its calls are counted over the null backend.
template <template <class> class A>
void register_counted_null() {
    using N = counted_null;
    register_counted<A<N>, N, A<N>, N, A<N>, A<N>, A<N>, N, A<N>>();
}

// Capacities per case, each the case's need (derived in the comments):
// footprint: 2 bootinfo untypeds, 2 ranges, one slot per frame (2 GiB >> granule).
template <unsigned G>
using footprint_caps = caps<2, 2, ((std::size_t{1} << 31) >> G)>;
// boot (4,064 objects), churn (at most a few thousand live), device frames (4,096):
// one record per allocation, up to two halves per allocation plus a split path,
// a slot per object and per half.
using speed_caps = caps<16384, 8192, 32768>;
// guest RAM at 4 KiB by the range path: 2 untypeds, 2 ranges, 524,288 frame slots.
using guest_caps = caps<2, 2, std::size_t{1} << 19>;
// ChurnVmm: the guest's 2 untypeds and 2 ranges plus the churn's (as speed_caps),
// and the guest's 524,288 frame slots plus the churn's 32,768.
using vmm_caps = caps<16384, 8192, (std::size_t{1} << 19) + 32768>;
// scaling: 1,024 live frames, halves for each, one root.
using scaling_caps = caps<4096, 1024, 8192>;

template <class Split>
void register_retype() {
    register_footprint<retype_adapter<Split, 12, footprint_caps<12>, backend::null_backend>>(12);
    register_footprint<retype_adapter<Split, 21, footprint_caps<21>, backend::null_backend>>(21);
    register_footprint<retype_adapter<Split, 30, footprint_caps<30>, backend::null_backend>>(30);
    register_speed_small<retype_adapter<Split, 12, speed_caps, backend::null_backend>, backend::null_backend>();
    register_churn_booted<retype_adapter<Split, 12, speed_caps, backend::null_backend>>();
    register_churn_vmm<retype_adapter<Split, 12, vmm_caps, backend::null_backend>>();
    register_guest_ram<retype_adapter<Split, 12, guest_caps, backend::null_backend>, backend::null_backend>();
    register_speed_small<retype_adapter<Split, 12, speed_caps, mid_model>, mid_model>();
    register_guest_ram<retype_adapter<Split, 12, guest_caps, big_model>, big_model>();
    register_scaling<retype_adapter<Split, 12, scaling_caps, backend::null_backend>>();
    register_counted<retype_adapter<Split, 12, speed_caps, counted_mid>, counted_mid,
                     retype_adapter<Split, 12, speed_caps, counted_booted>, counted_booted,
                     retype_adapter<Split, 12, speed_caps, counted_booted>,
                     retype_adapter<Split, 12, vmm_caps, counted_big>,
                     retype_adapter<Split, 12, guest_caps, counted_big>, counted_big,
                     retype_adapter<Split, 12, scaling_caps, counted_mid>>();
}

/// The harness floor: the speed workloads whose ratios the targets name.
void register_floor() {
    using F = floor_adapter;
    using N = backend::null_backend;
    auto us = [](benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMicrosecond); };
    us(benchmark::RegisterBenchmark(("Boot/" + tail_of<F, N>()).c_str(), boot<F, N>));
    us(benchmark::RegisterBenchmark(("Churn/" + tail_of<F, N>()).c_str(), churn<F, N>));
    register_churn_booted<F>();
    register_churn_vmm<F>();
}

} // namespace
} // namespace retype::bench

int main(int argc, char** argv) {
    using namespace retype::bench;
    register_floor();
    register_baseline<split_adapter>(true);
    register_baseline<map_adapter>(false); // decides addresses only: see map_allocator.hpp
    register_counted_baseline<split_adapter>();
    register_counted_null<map_adapter>();
    register_retype<retype::watermark>();
    register_retype<retype::buddy>();
    register_retype<retype::binary_search>();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
