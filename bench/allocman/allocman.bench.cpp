// retype bench: seed 001's 2 GiB guest (2^19 pages at 4 KiB, 1:1, ascending,
// alloc at paddr with canBeDev) through allocman's utspace API, for
// retype_allocman (the utspace_split symbols) and for the allocman-style
// baseline (bench/baselines/split_allocator.hpp), in the same run.
//
// Counters per case: bytes (the allocator's memory: for retype_allocman the
// utspace_split_t bootstrap allocates plus the static area's descriptors in use
// at the peak; for the baseline the K&R mempool's peak), static_bytes (the
// static area as reserved at build time), kernel_calls (Untyped_Retype and
// CNode_Delete) and slots (CSpace slots held by the allocator itself, beyond one
// per object). Kernel calls go to counting stubs: the C tests check the same
// stream on the kernel model. Each case runs once: the state it builds is the
// measurement (retype_allocman's static area is not reset between runs).
#include <retype_allocman/allocman.h>

// slot_table.hpp keeps a field clang finds unused in this TU (-Wunused-private-field);
// the baselines belong to bench/baselines, so the warning is silenced here only.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-private-field"
#endif
#include <split_allocator.hpp>
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#include <retype/backend/concept.hpp>
#include <retype/kernel/arch.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using namespace retype;

constexpr kernel::config cfg{.target = kernel::arch::aarch64_hyp}; // seed 001: qemu-arm-virt, hyp
constexpr std::size_t pages = std::size_t{1} << 19;
constexpr std::uint64_t guest_base = 0x40000000;
constexpr std::uintptr_t frame_type = 7; // seL4_ARM_SmallPageObject on aarch64 hyp (non-MCS)

// ---- retype_allocman's environment: kernel calls and allocman's cspace ----
std::size_t g_calls = 0;
std::size_t g_next_slot = 1024;
std::vector<std::uintptr_t> g_free_slots;
std::size_t g_slots_out = 0;

retype_allocman_path_t path_of(std::uintptr_t slot) { return retype_allocman_path_t{slot, 64, 2, 0, 0, slot, 1}; }

} // namespace

extern "C" int retype_allocman_kernel_retype(retype_allocman_word_t, retype_allocman_word_t, retype_allocman_word_t,
                                             retype_allocman_word_t, retype_allocman_word_t, retype_allocman_word_t,
                                             retype_allocman_word_t) {
    ++g_calls;
    return 0;
}
extern "C" int retype_allocman_kernel_delete(retype_allocman_word_t, retype_allocman_word_t, retype_allocman_word_t) {
    ++g_calls;
    return 0;
}
struct allocman {};
extern "C" int allocman_cspace_alloc(struct allocman*, retype_allocman_path_t* slot) {
    std::uintptr_t s = 0;
    if (!g_free_slots.empty()) {
        s = g_free_slots.back();
        g_free_slots.pop_back();
    } else {
        s = g_next_slot++;
    }
    ++g_slots_out;
    *slot = path_of(s);
    return 0;
}
extern "C" void allocman_cspace_free(struct allocman*, const retype_allocman_path_t* slot) {
    g_free_slots.push_back(slot->capPtr);
    --g_slots_out;
}

namespace {

struct untyped {
    std::uint64_t paddr;
    unsigned bits;
    int kind;
};
// Seed 001 as camkes-vm's add_uts classifies it: 12 x 2^24 RAM (KERNEL), the GIC
// virtual CPU interface (DEV), the guest-RAM window 0x40000000:30 + 0x80000000:30 (DEV_MEM).
std::vector<untyped> seed001() {
    std::vector<untyped> v;
    for (std::uint64_t k = 0; k < 12; ++k)
        v.push_back({0x100000000ULL + k * (std::uint64_t{1} << 24), 24, RETYPE_ALLOCMAN_UT_KERNEL});
    v.push_back({0x8040000, 12, RETYPE_ALLOCMAN_UT_DEV});
    v.push_back({0x40000000, 30, RETYPE_ALLOCMAN_UT_DEV_MEM});
    v.push_back({0x80000000, 30, RETYPE_ALLOCMAN_UT_DEV_MEM});
    return v;
}

void retype_allocman_guest(benchmark::State& state) {
    static allocman am;
    std::size_t calls = 0;
    std::size_t slots = 0;
    retype_allocman_stats_t st{};
    for (auto _ : state) {
        retype_allocman_utspace_t ut;
        utspace_split_create(&ut);
        std::uintptr_t slot = 16;
        for (const untyped& u : seed001()) {
            retype_allocman_path_t p = path_of(slot++);
            std::size_t bits = u.bits;
            std::uintptr_t pa = u.paddr;
            if (_utspace_split_add_uts(&am, &ut, 1, &p, &bits, &pa, u.kind) != 0) state.SkipWithError("add_uts");
        }
        const std::size_t calls0 = g_calls;
        const std::size_t slots0 = g_slots_out;
        std::uintptr_t dest = std::uintptr_t{1} << 21; // the VMM's own slots for the frames
        for (std::size_t i = 0; i < pages; ++i) {
            const retype_allocman_path_t d = path_of(dest++);
            int err = 1;
            const auto c = _utspace_split_alloc(&am, &ut, 12, frame_type, &d, guest_base + i * 4096, true, &err);
            benchmark::DoNotOptimize(c);
            if (err != 0) {
                state.SkipWithError("page refused");
                break;
            }
        }
        calls = g_calls - calls0;
        slots = g_slots_out - slots0;
        retype_allocman_get_stats(&st);
    }
    state.counters["bytes"] = static_cast<double>(sizeof(retype_allocman_utspace_t) + st.blocks_peak * st.block_bytes);
    state.counters["static_bytes"] = static_cast<double>(st.static_bytes);
    state.counters["kernel_calls"] = static_cast<double>(calls);
    state.counters["slots"] = static_cast<double>(slots);
    state.counters["pages"] = static_cast<double>(pages);
}

// A backend that only counts: the baseline's kernel calls, no model behind them.
struct counting_backend {
    std::size_t calls = 0;
    result<void> declare_untyped(backend::slot_t, kernel::paddr_t, std::uint64_t, bool) { return {}; }
    result<backend::retype_report> untyped_retype(const backend::retype_call&) {
        ++calls;
        return backend::retype_report{};
    }
    result<void> cnode_delete(backend::slot_t) {
        ++calls;
        return {};
    }
    result<void> cnode_revoke(backend::slot_t) {
        ++calls;
        return {};
    }
};
static_assert(backend::backend<counting_backend>);

void allocman_style_guest(benchmark::State& state) {
    std::size_t calls = 0;
    std::size_t heap = 0;
    std::size_t slots = 0;
    for (auto _ : state) {
        counting_backend b;
        // camkes-vm's mempool raised to 256 MiB so the baseline's need can be measured
        bench::split_allocator<counting_backend> a(b, cfg, std::size_t{256} << 20, std::size_t{1} << 22);
        for (const untyped& u : seed001()) {
            const auto fam = u.kind == RETYPE_ALLOCMAN_UT_KERNEL ? bench::ut_family::ram
                             : u.kind == RETYPE_ALLOCMAN_UT_DEV  ? bench::ut_family::device
                                                                 : bench::ut_family::device_ram;
            if (!a.add_untyped(u.paddr, u.bits, fam)) state.SkipWithError("add_untyped");
        }
        const std::size_t slots0 = a.slots_used();
        for (std::size_t i = 0; i < pages; ++i) {
            auto r = a.allocate(kernel::object_type::frame_4k, 0, guest_base + i * 4096, true);
            if (!r) {
                state.SkipWithError("page refused");
                break;
            }
            benchmark::DoNotOptimize(r);
        }
        calls = b.calls;
        heap = a.heap_peak_bytes();
        slots = a.slots_used() - slots0 - pages; // the nodes' own slots, not the frames'
    }
    state.counters["bytes"] = static_cast<double>(heap);
    state.counters["kernel_calls"] = static_cast<double>(calls);
    state.counters["slots"] = static_cast<double>(slots);
    state.counters["pages"] = static_cast<double>(pages);
}

} // namespace

BENCHMARK(retype_allocman_guest)->Name("AllocmanSeed001/retype_allocman")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(allocman_style_guest)->Name("AllocmanSeed001/allocman_style")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
