// retype bench baseline: a single-level CSpace slot allocator modelled on
// allocman's (libsel4allocman src/cspace/single_level.c), as described there:
// one bit per slot (1 = free), a roving word index `last_entry`; allocation
// takes the highest free bit of that word, or scans forward (circularly) for
// the next word with a free bit; free sets the bit and does NOT move the index,
// so a freed slot is found again only when the scan wraps round. Like the
// real one, the scanned length is floor(slots / 64) words (a partial last word
// is never handed out). Slot numbers are what the backend concept works with.
// allocate/release are not inlined: allocman reaches its cspace through a
// function pointer (allocman.c: alloc->cspace.alloc).
#pragma once

#include <retype/backend/concept.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace retype::bench {

class slot_table {
public:
    /// `slots` slots numbered first .. first + slots - 1.
    explicit slot_table(std::size_t slots, backend::slot_t first = 0)
        : words_((slots + 63) / 64, ~std::uint64_t{0}), scanned_(slots / 64), slots_(slots), first_(first) {
        // Bits past the end are marked used, as single_level.c does.
        if (slots % 64) words_.back() = ~(~std::uint64_t{0} << (slots % 64));
    }

    /// Takes the highest free slot of the current word, else of the next word with one; false when full.
    [[nodiscard, gnu::noinline]] bool allocate(backend::slot_t& out) noexcept {
        if (scanned_ == 0) return false;
        std::size_t i = last_;
        if (words_[i] == 0) {
            do {
                i = (i + 1) % scanned_;
            } while (words_[i] == 0 && i != last_);
            if (i == last_) return false;
            last_ = i;
        }
        const unsigned b = 63u - static_cast<unsigned>(std::countl_zero(words_[i]));
        words_[i] &= ~(std::uint64_t{1} << b);
        ++used_;
        if (used_ > peak_) peak_ = used_;
        out = first_ + i * 64 + b;
        return true;
    }
    [[gnu::noinline]] void release(backend::slot_t s) noexcept {
        const std::size_t i = s - first_;
        words_[i / 64] |= std::uint64_t{1} << (i % 64);
        --used_;
    }

    [[nodiscard]] std::size_t used() const noexcept { return used_; }
    [[nodiscard]] std::size_t peak() const noexcept { return peak_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return scanned_ * 64; }
    /// Heap bytes of the bitmap.
    [[nodiscard]] std::size_t bitmap_bytes() const noexcept { return words_.capacity() * sizeof(std::uint64_t); }

private:
    std::vector<std::uint64_t> words_;
    std::size_t scanned_; // bitmap_length in single_level.c
    std::size_t slots_;
    backend::slot_t first_;
    std::size_t last_ = 0;
    std::size_t used_ = 0;
    std::size_t peak_ = 0;
};

} // namespace retype::bench
