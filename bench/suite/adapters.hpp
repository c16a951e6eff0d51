// retype bench: one interface over every allocator under test, so that each
// workload is written once. An adapter wraps one allocator over one backend:
//   add_untyped(paddr, size_bits, device), alloc(request), alloc_at(request,
//   paddr), free(handle), metadata_bytes(), slots_used().
#pragma once

#include "workloads.hpp"

#include <map_allocator.hpp>
#include <split_allocator.hpp>

#include <retype/backend/concept.hpp>
#include <retype/result.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace retype::bench {

/// What a case needs, so every allocator is built with the capacity it needs and no more.
struct sizing {
    std::size_t heap_bytes = std::size_t{1} << 20; // allocman's mempool
    std::size_t slots = std::size_t{1} << 16;      // CNode slots
};

/// The guest-RAM path of the baselines: one frame per granule at its own paddr,
/// ascending (libsel4vm's 1:1 iterator). The handles are the caller's, not metadata.
template <class Adapter>
result<std::vector<typename Adapter::handle>> frame_by_frame(Adapter& a, const request& frame, kernel::paddr_t base,
                                                             std::uint64_t size) {
    std::vector<typename Adapter::handle> v;
    const std::uint64_t step = std::uint64_t{1} << bits_of(frame);
    v.reserve(static_cast<std::size_t>(size / step));
    for (std::uint64_t off = 0; off < size; off += step) {
        auto h = a.alloc_at(frame, base + off);
        if (!h) return failure(h.error());
        v.push_back(*h);
    }
    return v;
}

template <backend::backend B>
class split_adapter {
public:
    using handle = typename split_allocator<B>::allocation;
    static constexpr const char* name = "allocman_split";
    split_adapter(B& b, const sizing& s) : a_(b, bench_cfg, s.heap_bytes, s.slots) {}

    result<void> add_untyped(kernel::paddr_t p, unsigned bits, bool device) {
        // Device memory as allocman's DEV_MEM family: frames with or without a paddr.
        return a_.add_untyped(p, bits, device ? ut_family::device_ram : ut_family::ram);
    }
    result<handle> alloc(const request& r) { return a_.allocate(r.type, r.size_bits); }
    result<handle> alloc_at(const request& r, kernel::paddr_t p) { return a_.allocate(r.type, r.size_bits, p, true); }
    result<handle> alloc_device(const request& r) { return a_.allocate(r.type, r.size_bits, no_paddr, true); }
    result<void> free(const handle& h) { return a_.free(h); }
    result<std::vector<handle>> map_range(const request& frame, kernel::paddr_t base, std::uint64_t size) {
        return frame_by_frame(*this, frame, base, size);
    }

    std::size_t metadata_bytes() const noexcept { return a_.metadata_bytes(); }
    std::size_t slots_used() const noexcept { return a_.slots_used(); }
    /// What allocman's O(n) paths walk: free chunks in the mempool, nodes in its heap.
    std::size_t heap_free_chunks() const noexcept { return a_.heap_free_chunks(); }
    std::size_t heap_nodes() const noexcept { return a_.nodes(); }

private:
    split_allocator<B> a_;
};

template <backend::backend B>
class map_adapter {
public:
    using handle = typename map_allocator<B>::allocation;
    static constexpr const char* name = "std_map";
    map_adapter(B& b, const sizing& s) : a_(b, bench_cfg, s.slots) {}

    result<void> add_untyped(kernel::paddr_t p, unsigned bits, bool device) { return a_.add_untyped(p, bits, device); }
    result<handle> alloc(const request& r) { return a_.allocate(r.type, r.size_bits); }
    result<handle> alloc_at(const request& r, kernel::paddr_t p) { return a_.allocate(r.type, r.size_bits, p, true); }
    result<handle> alloc_device(const request& r) { return a_.allocate(r.type, r.size_bits, no_paddr, true); }
    result<void> free(const handle& h) { return a_.free(h); }
    result<std::vector<handle>> map_range(const request& frame, kernel::paddr_t base, std::uint64_t size) {
        return frame_by_frame(*this, frame, base, size);
    }
    std::size_t metadata_bytes() const noexcept { return a_.metadata_bytes(); }
    std::size_t slots_used() const noexcept { return a_.slots_used(); }

private:
    map_allocator<B> a_;
};

/// The harness alone: an "allocator" that hands out consecutive numbers and whose
/// free does nothing. What a workload costs per operation with it is the floor no
/// allocator can go below in this harness (reading the step, the live-set
/// bookkeeping, the unpredictable allocate-or-free branch), so allocman-style's
/// time over this one is the largest ratio any allocator could show against it.
/// Inlined, as retype is: the most generous floor for a ratio target.
class floor_adapter {
public:
    using handle = std::uint64_t;
    static constexpr const char* name = "floor";
    template <class B>
    floor_adapter(B&, const sizing&) {}

    result<void> add_untyped(kernel::paddr_t, unsigned, bool) { return {}; }
    result<handle> alloc(const request& r) {
        benchmark_sink_ += static_cast<std::uint64_t>(r.type);
        return next_++;
    }
    result<handle> alloc_at(const request& r, kernel::paddr_t) { return alloc(r); }
    result<handle> alloc_device(const request& r) { return alloc(r); }
    result<void> free(const handle& h) {
        benchmark_sink_ += h;
        return {};
    }
    result<std::vector<handle>> map_range(const request& frame, kernel::paddr_t base, std::uint64_t size) {
        return frame_by_frame(*this, frame, base, size);
    }
    std::size_t metadata_bytes() const noexcept { return sizeof(*this); }
    std::size_t slots_used() const noexcept { return 0; }

private:
    handle next_ = 0;
    std::uint64_t benchmark_sink_ = 0; // keeps the calls from being folded away
};

} // namespace retype::bench
