// retype bench baseline: a K&R-style first-fit heap over one fixed pool, the way
// allocman's "mspace" serves its bookkeeping (libsel4allocman src/mspace/
// k_r_malloc.c, fixed_pool.c). Written here from the published description:
// 16-byte headers, sizes in 16-byte units plus one header unit, a circular
// address-ordered free list searched first-fit from the last hit, allocation
// from the tail of the chunk found, and free with coalescing of both
// neighbours. Both operations walk the free list: O(free chunks).
// As in fixed_pool.c, the list starts empty (only the zero-sized base) and the
// pool is handed out by "morecore": when first fit wraps around without a
// fit, exactly the units asked for are cut from the untouched rest of the
// pool, freed into the list (an address-ordered insert) and the search goes
// on. The untouched rest is never on the list, so it never shortens a walk.
// allocate/deallocate are not inlined: allocman reaches its mspace through
// function pointers (allocman.c: alloc->mspace.alloc, dual_pool, fixed_pool),
// so no compiler can inline the heap into the split code there either.
//
// It also counts: bytes in use (units x 16, headers included) and the peak.
// That count is the baseline's metadata, measured rather than estimated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace retype::bench {

class kr_heap {
public:
    /// One unit: a header (next free chunk, size in units), 16 bytes on LP64.
    struct header {
        header* next;
        std::size_t units;
    };
    static constexpr std::size_t unit = sizeof(header);
    static_assert(unit == 16 || sizeof(void*) != 8, "retype bench: K&R header must be 16 B on LP64");

    /// A pool of `bytes` (rounded down to units). The pages are not touched until used.
    explicit kr_heap(std::size_t bytes) : units_(bytes / unit + 1), pool_(new (std::nothrow) header[bytes / unit + 1]) {
        if (!pool_) {
            units_ = 0;
            return;
        }
        // pool_[0] is K&R's zero-sized base at the lowest address (allocman_t, which
        // holds it, is carved from the static buffer before the pool), so every
        // pointer the list compares lies in the same array. The rest is morecore's.
        pool_[0].units = 0;
        pool_[0].next = &pool_[0];
        freep_ = &pool_[0];
        brk_ = 1;
    }
    kr_heap(const kr_heap&) = delete;
    kr_heap& operator=(const kr_heap&) = delete;

    /// Units a request of `bytes` consumes: ceil(bytes/16) + 1 for the header.
    [[nodiscard]] static constexpr std::size_t units_for(std::size_t bytes) noexcept {
        return (bytes + unit - 1) / unit + 1;
    }

    /// First fit from the roving pointer; nullptr when no chunk is large enough.
    [[nodiscard, gnu::noinline]] void* allocate(std::size_t bytes) noexcept {
        if (!freep_) return nullptr;
        const std::size_t n = units_for(bytes);
        header* prev = freep_;
        for (header* p = prev->next;; prev = p, p = p->next) {
            if (p->units >= n) {
                if (p->units == n) {
                    prev->next = p->next;
                } else { // carve the tail so the chunk's header stays where it is
                    p->units -= n;
                    p += p->units;
                    p->units = n;
                }
                freep_ = prev;
                in_use_ += n * unit;
                if (in_use_ > peak_) peak_ = in_use_;
                ++live_;
                return p + 1;
            }
            if (p == freep_) { // wrapped around: morecore, exactly n units
                if (units_ - brk_ < n) return nullptr;
                header* fresh = &pool_[brk_];
                brk_ += n;
                fresh->units = n;
                in_use_ += n * unit; // insert() counts it as a free of a live block
                ++live_;
                insert(fresh);
                p = freep_;
            }
        }
    }

    /// Returns a block to the address-ordered free list, merging with neighbours.
    [[gnu::noinline]] void deallocate(void* ptr) noexcept {
        if (!ptr) return;
        insert(static_cast<header*>(ptr) - 1);
    }

    [[nodiscard]] std::size_t bytes_in_use() const noexcept { return in_use_; }
    [[nodiscard]] std::size_t peak_bytes() const noexcept { return peak_; }
    [[nodiscard]] std::size_t live_blocks() const noexcept { return live_; }
    [[nodiscard]] std::size_t pool_bytes() const noexcept { return units_ * unit; }

    /// Free chunks on the list (walks it): what first fit has to search.
    [[nodiscard]] std::size_t free_chunks() const noexcept {
        if (!freep_) return 0;
        std::size_t n = 0;
        const header* p = freep_;
        do {
            if (p->units) ++n;
            p = p->next;
        } while (p != freep_);
        return n;
    }

private:
    /// K&R free: walk from the roving pointer to bp's place in address order, coalesce.
    void insert(header* bp) noexcept {
        in_use_ -= bp->units * unit;
        --live_;
        header* p = freep_;
        // Find p with p < bp < p->next, or the wrap point where bp is beyond either end.
        while (!(bp > p && bp < p->next)) {
            if (p >= p->next && (bp > p || bp < p->next)) break;
            p = p->next;
        }
        if (bp + bp->units == p->next) {
            bp->units += p->next->units;
            bp->next = p->next->next;
        } else {
            bp->next = p->next;
        }
        if (p + p->units == bp) {
            p->units += bp->units;
            p->next = bp->next;
        } else {
            p->next = bp;
        }
        freep_ = p;
    }

    std::size_t units_;
    std::unique_ptr<header[]> pool_;
    header* freep_ = nullptr;
    std::size_t brk_ = 0; // first unit morecore has not handed out yet
    std::size_t in_use_ = 0;
    std::size_t peak_ = 0;
    std::size_t live_ = 0;
};

} // namespace retype::bench
