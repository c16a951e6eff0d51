// retype bench: the adapter over retype's own allocator, one type per strategy
// and per case capacity (the allocator's tables are sized at compile time, so
// "instantiated with the capacity this case needs" is a template argument).
#pragma once

#include "workloads.hpp"

#include <retype/allocator.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace retype::bench {

/// Capacities of one case: untyped descriptors, live allocations, slots.
template <std::size_t U, std::size_t A, std::size_t S>
struct caps {
    static constexpr std::size_t untypeds = U, allocations = A, slots = S;
};

template <class Split, unsigned Granule, class Caps, backend::backend B>
class retype_adapter {
public:
    using alloc_t = allocator<B, target<bench_cfg>, split<Split>, granule<Granule>, max_untypeds<Caps::untypeds>,
                              max_allocations<Caps::allocations>, max_slots<Caps::slots>>;
    using handle = allocation_id;
    static constexpr const char* name = Split::value == split_kind::watermark ? "retype_watermark"
                                        : Split::value == split_kind::buddy   ? "retype_buddy"
                                                                              : "retype_binary_search";
    // Slots 0 .. 15 hold the bootinfo untypeds; the empty range follows.
    static constexpr backend::slot_t first_free_slot = 16;

    // The case's CNode (Sizing::slots, as the baselines get) less the bootinfo
    // slots, at most the capacity: a kernel model's CNode may be smaller.
    template <class Sizing>
    retype_adapter(B& b, const Sizing& s) : a_(b) {
        const std::size_t n = s.slots > first_free_slot ? s.slots - first_free_slot : 0;
        ok_ = a_.add_slots(first_free_slot, n < Caps::slots ? n : Caps::slots).has_value();
    }

    result<void> add_untyped(kernel::paddr_t p, unsigned bits, bool device) {
        if (!ok_ || roots_n_ == first_free_slot) return failure(make_error(error_code::capacity_exhausted));
        roots_[roots_n_] = root{p, bits, device};
        auto r = a_.add_untyped(roots_n_, p, bits, device);
        if (r) ++roots_n_;
        return r;
    }
    result<handle> alloc(const request& r) { return id_of(a_.allocate(r.type, r.size_bits, 1, memory::ram)); }
    result<handle> alloc_device(const request& r) { return id_of(a_.allocate(r.type, r.size_bits, 1, memory::device)); }
    result<handle> alloc_at(const request& r, kernel::paddr_t p) {
        return id_of(a_.allocate_at(r.type, r.size_bits, p, kind_at(p)));
    }
    result<void> free(const handle& h) { return a_.free(h); }
    /// Every bootinfo untyped back as the boot found it (reset: a revoke of
    /// each), so that a pass after a freed one starts from whole untypeds as a
    /// first boot does: binary_search never merges, and would otherwise find
    /// its blocks still halved.
    result<void> reset_untypeds() {
        for (std::size_t i = 0; i < roots_n_; ++i)
            if (auto r = a_.reset(i); !r) return r;
        return {};
    }

    /// The range path: one allocate_range_at per bootinfo untyped the range covers.
    result<std::vector<handle>> map_range(const request&, kernel::paddr_t base, std::uint64_t size) {
        std::vector<handle> v;
        kernel::paddr_t p = base;
        const kernel::paddr_t end = base + size;
        while (p < end) {
            std::uint64_t chunk = end - p;
            for (std::size_t i = 0; i < roots_n_; ++i) {
                const root& r = roots_[i];
                const std::uint64_t rsize = std::uint64_t{1} << r.bits;
                if (r.paddr <= p && p - r.paddr < rsize && rsize - (p - r.paddr) < chunk) chunk = rsize - (p - r.paddr);
            }
            auto h = a_.allocate_range_at(chunk, p, kind_at(p));
            if (!h) return failure(h.error());
            v.push_back(h->id);
            p += chunk;
        }
        return v;
    }

    /// The allocator object is all of retype's metadata: it never uses the heap.
    std::size_t metadata_bytes() const noexcept { return sizeof(alloc_t); }
    std::size_t slots_used() const noexcept { return a_.stats().slots + roots_n_; }

private:
    struct root {
        kernel::paddr_t paddr = 0;
        unsigned bits = 0;
        bool device = false;
    };
    memory kind_at(kernel::paddr_t p) const noexcept {
        for (std::size_t i = 0; i < roots_n_; ++i)
            if (roots_[i].paddr <= p && p - roots_[i].paddr < (std::uint64_t{1} << roots_[i].bits))
                return roots_[i].device ? memory::device : memory::ram;
        return memory::ram;
    }
    static result<handle> id_of(const result<allocation>& r) {
        if (!r) return failure(r.error());
        return r->id;
    }

    alloc_t a_;
    bool ok_ = false;
    root roots_[first_free_slot]{};
    std::size_t roots_n_ = 0;
};

} // namespace retype::bench
