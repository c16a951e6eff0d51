// libFuzzer target: random operation sequences on the allocators, each against
// the kernel-model backend. The same input drives three allocators (watermark,
// buddy with the Boost.Intrusive free list, binary_search with the array free
// list). After every operation:
// - a failed call left the allocator (snapshot) and the kernel model exactly
//   as they were (check-then-commit);
// - a successful allocation is where the allocator says: every object's slot is
//   occupied in the model, the model put object 0 at the predicted paddr with
//   the predicted size, the memory kind is the one asked for, and it overlaps
//   no other live allocation;
// - a freed allocation is no longer live and its slots are empty in the model;
// - the allocator's count of live allocations matches ours.
#include <fuzz_input.hpp>

#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

using namespace retype;
using kernel::object_type;

// Names the broken property, then aborts (libFuzzer keeps the input).
[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "property broken: %s\n", what);
    std::abort();
}

constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<96, 512>;

template <class Split, class FreeList>
using alloc_t = allocator<model_t, target<x86>, split<Split>, align_on::pptr, max_untypeds<64>, max_slots<256>,
                          free_list<FreeList>>;

// Every type name, including ones x86_64 lacks (sched_context without MCS, vcpu
// without VT-x, aarch32's sections): asking for them must fail cleanly.
constexpr object_type types[] = {
    object_type::untyped,        object_type::tcb,           object_type::endpoint,
    object_type::notification,   object_type::cnode,         object_type::frame_4k,
    object_type::frame_2m,       object_type::frame_1g,      object_type::page_table,
    object_type::page_directory, object_type::pdpt,          object_type::pml4,
    object_type::vspace,         object_type::sched_context, object_type::vcpu,
    object_type::section,
};

constexpr backend::slot_t first_slot = 1024;
struct boot_untyped {
    backend::slot_t slot;
    kernel::paddr_t paddr;
    unsigned size_bits;
    bool device;
};
// Size-aligned, inside x86_64's kernel window (RAM) or above it (device).
constexpr boot_untyped boot[] = {
    {1, 0x400000, 22, false},
    {2, 0x1000000, 16, false},
    {3, 0x80000000, 12, false},
    {4, 0xfe000000, 20, true},
};

bool overlaps(const allocation& a, const allocation& b) {
    const std::uint64_t a_end = a.paddr + (a.count << a.object_bits);
    const std::uint64_t b_end = b.paddr + (b.count << b.object_bits);
    return a.paddr < b_end && b.paddr < a_end;
}

template <class Split, class FreeList>
void run(fuzz::input in) {
    auto m = std::make_unique<model_t>(x86);
    auto a = std::make_unique<alloc_t<Split, FreeList>>(*m);
    if (!a->add_slots(first_slot, 256)) fail("setup: add_slots");
    for (const auto& u : boot)
        if (!a->add_untyped(u.slot, u.paddr, u.size_bits, u.device)) fail("setup: add_untyped");

    std::vector<allocation> live;
    auto before = a->snapshot();
    auto m_before = std::make_unique<model_t>(*m);

    // An allocation that claims success must match the model.
    const auto check_new = [&](const allocation& x, memory mem) {
        if (!a->live(x.id) || x.count == 0) fail("allocation not live or empty");
        for (std::uint64_t i = 0; i < x.count; ++i)
            if (!m->occupied(x.slot + i)) fail("object slot empty in the model");
        if (m->paddr(x.slot) != x.paddr || m->object(x.slot).object_bits != x.object_bits)
            fail("model placed object 0 elsewhere or at another size");
        if (x.device != (mem == memory::device)) fail("wrong memory kind");
        for (const auto& y : live)
            if (overlaps(x, y)) fail("overlaps a live allocation");
        live.push_back(x);
    };

    int ops = 0;
    while (!in.empty() && ops++ < 128) {
        before = a->snapshot();
        *m_before = *m;
        bool ok = true;
        const std::uint8_t op = in.u8() % 8;
        const object_type type = types[in.below(std::size(types))];
        const std::uint64_t size_bits = in.below(26);
        const memory mem = in.below(4) == 0 ? memory::device : memory::ram;
        switch (op) {
        case 0:
        case 1: {
            auto r = a->allocate(type, size_bits, in.below(6), mem);
            ok = r.has_value();
            if (ok) check_new(*r, mem);
            break;
        }
        case 2: {
            const auto& u = boot[in.below(std::size(boot))];
            const kernel::paddr_t at = u.paddr + (in.below(std::uint64_t{1} << (u.size_bits - 8)) << 8);
            auto r = a->allocate_at(type, size_bits, at, u.device ? memory::device : memory::ram);
            ok = r.has_value();
            if (ok) check_new(*r, u.device ? memory::device : memory::ram);
            break;
        }
        case 3: {
            const std::uint64_t bytes = in.below(16) << (in.below(2) ? 12 : 11);
            auto r = a->allocate_range(bytes, mem);
            ok = r.has_value();
            if (ok) check_new(*r, mem);
            break;
        }
        case 4:
        case 5: {
            if (live.empty()) continue;
            const std::size_t k = in.below(live.size());
            const allocation x = live[k];
            auto r = a->free(x.id);
            ok = r.has_value();
            if (ok) {
                if (a->live(x.id)) fail("freed allocation still live");
                for (std::uint64_t i = 0; i < x.count; ++i)
                    if (m->occupied(x.slot + i)) fail("freed object still in its slot");
                live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
                // Freeing it again is an error that changes nothing.
                before = a->snapshot();
                *m_before = *m;
                if (a->free(x.id).has_value()) fail("double free succeeded");
                ok = false;
            }
            break;
        }
        case 6: {
            const allocation_id bogus{static_cast<std::uint32_t>(in.below(300)),
                                      static_cast<std::uint32_t>(in.below(4))};
            bool known = false;
            for (const auto& y : live) known = known || y.id == bogus;
            auto r = a->free(bogus);
            ok = r.has_value();
            if (ok && !known) fail("freed an id nobody allocated"); // freed something nobody allocated
            if (ok) std::erase_if(live, [&](const allocation& y) { return y.id == bogus; });
            break;
        }
        case 7: {
            if (in.below(4) != 0) continue;               // resets are rare, so allocations pile up
            const backend::slot_t slot = 1 + in.below(5); // slot 5 is no bootinfo untyped
            auto r = a->reset(slot);
            ok = r.has_value();
            if (ok) {
                std::erase_if(live, [&](const allocation& y) { return !a->live(y.id); });
                for (const auto& y : live)
                    if (!m->occupied(y.slot)) fail("reset emptied a slot of a surviving allocation");
            }
            break;
        }
        default: break;
        }
        if (!ok && (!(a->snapshot() == before) || !(*m == *m_before))) fail("failed call changed the state");
        if (a->stats().allocations != live.size()) fail("live allocation count differs");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run<watermark, array>(fuzz::input(data, size));
    run<buddy, intrusive>(fuzz::input(data, size));
    run<binary_search, array>(fuzz::input(data, size));
    return 0;
}
