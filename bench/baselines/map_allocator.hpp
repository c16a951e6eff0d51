// retype bench baseline: the range allocator a developer writes in an afternoon.
// A std::map of free extents per kind (RAM, device): first fit over the extents
// with the start aligned up to the object's size, exact lookup for a fixed
// paddr, and free with coalescing of both neighbours. O(extents) per allocation,
// O(log extents) per fixed-paddr allocation and per free.
//
// It decides addresses only. It retypes from the initial untyped that contains
// the chosen range, as such code does, and so assumes the kernel puts the object
// where the map says: wrong in general (the watermark, seeds 002 and 003), which
// is the problem retype exists for. The benchmarks therefore run it with
// null_backend only: its cost as an allocator, not its correctness.
#pragma once

#include "counting_allocator.hpp"
#include "slot_table.hpp"

#include <retype/backend/concept.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <utility>

namespace retype::bench {

template <backend::backend B>
class map_allocator {
public:
    struct allocation {
        kernel::paddr_t paddr = 0;
        std::uint8_t bits = 0;
        bool device = false;
        backend::slot_t slot = 0;
    };

    map_allocator(B& b, const kernel::config& cfg, std::size_t slots)
        : backend_(&b), cfg_(cfg), slots_(slots), counter_(), free_{{extent_map(std::less<>{}, alloc_t(&counter_)),
                                                                     extent_map(std::less<>{}, alloc_t(&counter_))}},
          roots_(std::less<>{}, root_alloc_t(&counter_)) {}
    map_allocator(const map_allocator&) = delete;
    map_allocator& operator=(const map_allocator&) = delete;

    [[nodiscard]] result<void> add_untyped(kernel::paddr_t paddr, unsigned size_bits, bool device) {
        if (size_bits >= 64) return failure(range_error(0, 63));
        const kernel::paddr_t last = paddr + ((std::uint64_t{1} << size_bits) - 1);
        backend::slot_t s = 0;
        if (!slots_.allocate(s)) return failure(make_error(error_code::capacity_exhausted, 1, slots_.capacity()));
        if (auto r = backend_->declare_untyped(s, paddr, size_bits, device); !r) {
            slots_.release(s);
            return failure(r.error());
        }
        roots_.emplace(paddr, root{last, s});
        insert_free(free_[device], paddr, last);
        return {};
    }

    /// An object of `type`: first fit, or exactly at `paddr` (searching device
    /// extents first when the object may be device memory).
    [[nodiscard]] result<allocation> allocate(kernel::object_type type, std::uint64_t size_bits,
                                              kernel::paddr_t paddr = ~kernel::paddr_t{0}, bool can_be_dev = false) {
        if (!kernel::exists(cfg_, type)) return failure(invalid_argument(0));
        const std::uint64_t bits = kernel::object_bits(cfg_, type, size_bits);
        if (bits >= 63) return failure(range_error(0, 62));
        const std::uint64_t size = std::uint64_t{1} << bits;
        bool device = false;
        kernel::paddr_t at = 0;
        if (paddr != ~kernel::paddr_t{0}) {
            if (paddr & (size - 1)) return failure(make_error(error_code::misaligned, paddr, bits));
            device = can_be_dev && contains(free_[1], paddr, size);
            if (!device && !contains(free_[0], paddr, size))
                return failure(make_error(error_code::no_fit, paddr, bits));
            at = paddr;
        } else {
            // Device memory first when it may be used, as allocman does.
            bool found = can_be_dev && first_fit(free_[1], size, at);
            if (found)
                device = true;
            else
                found = first_fit(free_[0], size, at);
            if (!found) return failure(make_error(error_code::no_fit, 0, bits));
        }
        // The untyped that holds the range: the root whose start is the largest <= at.
        auto root_it = roots_.upper_bound(at);
        --root_it;
        backend::slot_t s = 0;
        if (!slots_.allocate(s)) return failure(make_error(error_code::capacity_exhausted, 1, slots_.capacity()));
        if (auto r = backend_->untyped_retype(backend::retype_call{root_it->second.slot, type, size_bits, s, 1}); !r) {
            slots_.release(s);
            return failure(r.error());
        }
        take(free_[device], at, at + (size - 1));
        return allocation{at, static_cast<std::uint8_t>(bits), device, s};
    }

    [[nodiscard]] result<void> free(const allocation& a) {
        if (auto r = backend_->cnode_delete(a.slot); !r) return failure(r.error());
        slots_.release(a.slot);
        insert_free(free_[a.device], a.paddr, a.paddr + ((std::uint64_t{1} << a.bits) - 1));
        return {};
    }

    [[nodiscard]] std::size_t heap_bytes() const noexcept { return counter_.bytes; }
    [[nodiscard]] std::size_t metadata_bytes() const noexcept {
        return counter_.bytes + slots_.bitmap_bytes() + sizeof(*this);
    }
    [[nodiscard]] std::size_t slots_used() const noexcept { return slots_.used(); }
    [[nodiscard]] std::size_t extents() const noexcept { return free_[0].size() + free_[1].size(); }

private:
    struct root {
        kernel::paddr_t last;
        backend::slot_t slot;
    };
    // start -> last (inclusive, so a range ending at 2^64 - 1 does not overflow)
    using alloc_t = counting_allocator<std::pair<const kernel::paddr_t, kernel::paddr_t>>;
    using extent_map = std::map<kernel::paddr_t, kernel::paddr_t, std::less<>, alloc_t>;
    using root_alloc_t = counting_allocator<std::pair<const kernel::paddr_t, root>>;

    static bool first_fit(const extent_map& m, std::uint64_t size, kernel::paddr_t& at) {
        for (auto it = m.begin(); it != m.end(); ++it) {
            const kernel::paddr_t a = (it->first + (size - 1)) & ~(size - 1);
            if (a >= it->first && a <= it->second && it->second - a >= size - 1) {
                at = a;
                return true;
            }
        }
        return false;
    }
    static bool contains(const extent_map& m, kernel::paddr_t p, std::uint64_t size) {
        auto it = m.upper_bound(p);
        if (it == m.begin()) return false;
        --it;
        return it->first <= p && it->second >= p && it->second - p >= size - 1;
    }
    /// Removes [first, last] from the extent that contains it. Requires: contained.
    static void take(extent_map& m, kernel::paddr_t first, kernel::paddr_t last) {
        auto it = m.upper_bound(first);
        --it;
        const kernel::paddr_t s = it->first;
        const kernel::paddr_t e = it->second;
        m.erase(it);
        if (s < first) m.emplace(s, first - 1);
        if (last < e) m.emplace(last + 1, e);
    }
    static void insert_free(extent_map& m, kernel::paddr_t first, kernel::paddr_t last) {
        auto next = m.upper_bound(first);
        if (next != m.end() && last != ~kernel::paddr_t{0} && next->first == last + 1) {
            last = next->second;
            next = m.erase(next);
        }
        if (next != m.begin()) {
            auto prev = std::prev(next);
            if (prev->second + 1 == first) {
                prev->second = last;
                return;
            }
        }
        m.emplace_hint(next, first, last);
    }

    B* backend_;
    kernel::config cfg_;
    slot_table slots_;
    heap_counter counter_;
    std::array<extent_map, 2> free_; // [0] RAM, [1] device
    std::map<kernel::paddr_t, root, std::less<>, root_alloc_t> roots_;
};

} // namespace retype::bench
