// libFuzzer target: random operation sequences on the allocators, each against
// the kernel-model backend behind a wrapper that refuses chosen calls. The same
// input drives three allocators (watermark, buddy with the Boost.Intrusive free
// list, binary_search with the array free list) and reaches every public
// operation: add_slots (a second range), add_untyped, allocate (positional and
// request), allocate_at, allocate_range, allocate_range_at,
// allocate_range_across, free, reset, reserve, unreserve and the queries.
// After every operation:
// - a failed call that met no refused backend call left the allocator
//   (snapshot) and the kernel model exactly as they were (check-then-commit);
// - whatever happened (refused calls included), the allocator and the model
//   describe the same objects: every slot the allocator would hand out is
//   empty in the model, and every live record's objects are in their slots;
// - a successful allocation is where the allocator says: every object's slot is
//   occupied in the model, the model put object 0 at the predicted paddr with
//   the predicted size, the memory kind is the one asked for, and it overlaps
//   no other live allocation, and one placed anywhere (not at an address)
//   meets no live reservation, while one at an address meets only a
//   reservation that holds it whole;
// - a freed allocation is no longer live and its slots are empty in the model;
// - the allocator's count of live allocations matches ours.
#include <fuzz_input.hpp>

#include "../policy/faulty_backend.hpp"

#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
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
using faulty_t = test::faulty<model_t>;

template <class Split, class FreeList>
using alloc_t = allocator<faulty_t, target<x86>, split<Split>, align_on::pptr, max_untypeds<64>, max_slots<256>,
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

constexpr backend::slot_t first_slot = 200; // [200, 400), then [420, 476) when op 12 adds it
struct boot_untyped {
    backend::slot_t slot;
    kernel::paddr_t paddr;
    unsigned size_bits;
    bool device;
};
// Size-aligned, inside x86_64's kernel window (RAM) or above it (device); the
// first two RAM untypeds are adjacent, so a range can span them.
constexpr boot_untyped boot[] = {
    {1, 0x400000, 22, false},
    {2, 0x800000, 16, false},
    {3, 0x80000000, 12, false},
    {4, 0xfe000000, 20, true},
};

bool overlaps(const allocation& a, const allocation& b) {
    const std::uint64_t a_end = a.paddr + (a.count << a.object_bits);
    const std::uint64_t b_end = b.paddr + (b.count << b.object_bits);
    return a.paddr < b_end && b.paddr < a_end;
}

/// The slots the allocator would hand out now: its runs and its two caches.
template <class S>
std::vector<backend::slot_t> free_slots(const S& s) {
    const auto slot = [&](std::uint64_t off) {
        for (std::size_t i = 0; i < s.slot_ranges_n; ++i)
            if (off - s.slot_ranges[i].base < s.slot_ranges[i].count)
                return s.slot_ranges[i].first + (off - s.slot_ranges[i].base);
        fail("a free slot offset outside every range");
    };
    std::vector<backend::slot_t> out;
    for (std::size_t i = 0; i < s.slot_runs_n; ++i)
        for (std::uint64_t k = 0; k < s.slot_runs[i].count; ++k) out.push_back(slot(s.slot_runs[i].first + k));
    for (std::size_t i = 0; i < s.singles.n; ++i) out.push_back(s.singles.entries[i]); // the caches hold slot numbers
    for (std::size_t i = 0; i < s.pairs.n; ++i) {
        out.push_back(s.pairs.entries[i]);
        out.push_back(s.pairs.entries[i] + 1);
    }
    return out;
}

template <class Split, class FreeList>
void run(fuzz::input in) {
    auto m = std::make_unique<model_t>(x86);
    auto f = std::make_unique<faulty_t>(*m);
    auto a = std::make_unique<alloc_t<Split, FreeList>>(*f);
    if (!a->add_slots(first_slot, 200)) fail("setup: add_slots");
    for (const auto& u : boot)
        if (!a->add_untyped(u.slot, u.paddr, u.size_bits, u.device)) fail("setup: add_untyped");

    std::vector<allocation> live;
    struct held {
        reservation_id id;
        kernel::paddr_t paddr;
        std::uint64_t bytes;
        bool device;
    };
    std::vector<held> reserved;
    auto before = a->snapshot();
    auto m_before = std::make_unique<model_t>(*m);

    // An allocation that claims success must match the model.
    const auto check_new = [&](const allocation& x, memory mem, bool fixed = false) {
        if (!a->live(x.id) || x.count == 0) fail("allocation not live or empty");
        for (std::uint64_t i = 0; i < x.count; ++i)
            if (!m->occupied(x.slot + i)) fail("object slot empty in the model");
        if (m->paddr(x.slot) != x.paddr || m->object(x.slot).object_bits != x.object_bits)
            fail("model placed object 0 elsewhere or at another size");
        if (x.device != (mem == memory::device)) fail("wrong memory kind");
        for (const auto& y : live)
            if (overlaps(x, y)) fail("overlaps a live allocation");
        const std::uint64_t end = x.paddr + (x.count << x.object_bits);
        for (const auto& r : reserved) {
            if (r.device != x.device || x.paddr >= r.paddr + r.bytes || r.paddr >= end) continue;
            if (!fixed) fail("an allocation placed anywhere meets a reservation");
            if (x.paddr < r.paddr || end > r.paddr + r.bytes)
                fail("an allocation at an address runs out of its reservation");
        }
        live.push_back(x);
    };
    // Whatever the backend refused: both sides describe the same objects.
    const auto check_consistent = [&] {
        const auto s = a->snapshot();
        for (backend::slot_t slot : free_slots(s))
            if (m->occupied(slot)) fail("a slot the allocator would hand out is occupied");
        for (const auto& r : s.records)
            if (r.live)
                for (std::uint64_t i = 0; i < r.count; ++i)
                    if (!m->occupied(r.slot + i)) fail("a live record's object is gone from the model");
        // Allocations a refused delete shrank (watermark keeps the caps still there).
        std::erase_if(live, [&](const allocation& y) { return !a->live(y.id); });
        for (auto& y : live) y.count = s.records[y.id.index].count; // 0: only its paddings are left
    };

    int ops = 0;
    bool second_range = false;
    while (!in.empty() && ops++ < 128) {
        before = a->snapshot();
        *m_before = *m;
        const std::uint64_t refused = f->refused + f->inner_refused;
        bool ok = true;
        const std::uint8_t op = in.u8() % 15;
        const object_type type = types[in.below(std::size(types))];
        const std::uint64_t size_bits = in.below(26);
        const memory mem = in.below(4) == 0 ? memory::device : memory::ram;
        switch (op) {
        case 0:
        case 1: {
            auto r =
                op == 0
                    ? a->allocate(type, size_bits, in.below(6), mem)
                    : a->allocate(request{
                          .type = type, .size_bits = in.below(2) ? size_bits : 0, .count = in.below(6), .mem = mem});
            ok = r.has_value();
            if (ok) check_new(*r, mem);
            break;
        }
        case 2: {
            const auto& u = boot[in.below(std::size(boot))];
            const kernel::paddr_t at = u.paddr + (in.below(std::uint64_t{1} << (u.size_bits - 8)) << 8);
            auto r = a->allocate_at(type, size_bits, at, u.device ? memory::device : memory::ram);
            ok = r.has_value();
            if (ok) check_new(*r, u.device ? memory::device : memory::ram, true);
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
            if (ok && !known) fail("freed an id nobody allocated");
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
                std::erase_if(reserved, [&](const held& h) { return !a->live(h.id); });
                // Every object still counted (a refused delete may have left only paddings: count 0).
                for (const auto& y : live)
                    for (std::uint64_t i = 0; i < y.count; ++i)
                        if (!m->occupied(y.slot + i)) fail("reset emptied a slot of a surviving allocation");
            }
            break;
        }
        case 8: { // a range at an address, granule-aligned or not
            const auto& u = boot[in.below(std::size(boot))];
            const kernel::paddr_t at = u.paddr + (in.below(64) << (in.below(4) ? 12 : 11));
            const std::uint64_t bytes = (1 + in.below(8)) << 12;
            const memory kind = u.device ? memory::device : memory::ram;
            auto r = a->allocate_range_at(bytes, at, kind);
            ok = r.has_value();
            if (ok) check_new(*r, kind, true);
            break;
        }
        case 9: { // a range across the two adjacent RAM untypeds
            const kernel::paddr_t at = boot[1].paddr - (in.below(8) << 12);
            const std::uint64_t bytes = (1 + in.below(16)) << 12;
            std::array<allocation, 4> parts{};
            auto r = a->allocate_range_across(bytes, at, std::span<allocation>(parts).first(1 + in.below(4)));
            ok = r.has_value();
            if (ok)
                for (std::size_t i = 0; i < *r; ++i) check_new(parts[i], memory::ram, true);
            break;
        }
        case 10: { // arm a refusal: the next few calls of one kind
            const std::uint64_t which = in.below(4);
            const std::uint64_t nth = 1 + in.below(4);
            if (which == 0) f->fail_retype = nth;
            if (which == 1) f->fail_delete = nth;
            if (which == 2) f->fail_revoke = nth;
            if (which == 3) f->refuse_deletes = in.below(3);
            continue;
        }
        case 11: { // bad or overlapping slot ranges, and an untyped in a managed slot
            auto r = in.below(2) ? a->add_slots(first_slot + in.below(200), 1 + in.below(40))
                                 : a->add_untyped(first_slot + in.below(200), 0x10000000, 12, false);
            ok = r.has_value();
            if (ok) fail("an overlapping range or slot was accepted");
            break;
        }
        case 12: { // the second range, once
            if (second_range) continue;
            second_range = true;
            if (!a->add_slots(420, 56)) fail("second range refused");
            ok = true;
            break;
        }
        case 14: { // reserve a range (aligned or not), or end one (or a bogus id)
            const std::uint64_t what = in.below(4);
            if (what == 0 && !reserved.empty()) {
                const std::size_t k = in.below(reserved.size());
                const held h = reserved[k];
                if (!a->unreserve(h.id)) fail("unreserve of a live reservation refused");
                reserved.erase(reserved.begin() + static_cast<std::ptrdiff_t>(k));
                before = a->snapshot();
                *m_before = *m;
                if (a->unreserve(h.id)) fail("double unreserve succeeded");
                ok = false;
                break;
            }
            if (what == 1) {
                const reservation_id bogus{static_cast<std::uint32_t>(in.below(10)),
                                           static_cast<std::uint32_t>(in.below(3))};
                bool known = false;
                for (const auto& h : reserved) known = known || h.id == bogus;
                ok = a->unreserve(bogus).has_value();
                if (ok && !known) fail("unreserved an id nobody reserved");
                if (ok) std::erase_if(reserved, [&](const held& h) { return h.id == bogus; });
                break;
            }
            const auto& u = boot[in.below(std::size(boot))];
            const kernel::paddr_t at = u.paddr + (in.below(64) << (in.below(4) ? 12 : 11));
            const std::uint64_t bytes = in.below(2) ? (std::uint64_t{1} << in.below(6)) << 12 : (1 + in.below(8)) << 12;
            auto r = a->reserve(bytes, at, u.device ? memory::device : memory::ram);
            ok = r.has_value();
            if (ok) {
                for (const auto& y : live)
                    if (y.device == u.device && y.paddr < at + bytes && at < y.paddr + (y.count << y.object_bits))
                        fail("a reservation over a live allocation");
                reserved.push_back(held{*r, at, bytes, u.device});
            }
            break;
        }
        case 13: { // the queries, on any state
            (void)a->free_bytes(mem);
            (void)a->largest_block(mem);
            (void)a->stats();
            continue;
        }
        default: break;
        }
        // A call the backend refused, on purpose or because the model itself is full: the kernel
        // may have moved (a halving made, then deleted again, leaves its parent's watermark
        // where the kernel put it), so the two sides are compared for consistency instead.
        const bool refusals = f->refused + f->inner_refused != refused;
        // The call counters count backend calls made, undone ones too (the model may
        // refuse a call on its own, e.g. its node table full, after a halving went
        // through): every other part of the state must be as before.
        auto after = a->snapshot();
        after.stats.retypes = before.stats.retypes;
        after.stats.deletes = before.stats.deletes;
        after.stats.revokes = before.stats.revokes;
        if (!ok && !refusals && (!(after == before) || !(*m == *m_before))) fail("failed call changed the state");
        if (refusals) check_consistent();
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
