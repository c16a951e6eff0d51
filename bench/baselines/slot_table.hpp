// retype bench baseline: a single-level CSpace slot allocator (one bit per slot,
// first free from a hint), as allocman's single-level cspace hands out slots of
// one big CNode. Slot numbers are what the backend concept works with.
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
        : words_((slots + 63) / 64, 0), slots_(slots), first_(first) {
        // Bits past the end are marked used so the scan never returns them.
        if (slots % 64) words_.back() = ~std::uint64_t{0} << (slots % 64);
    }

    /// Takes the lowest free slot at or after the hint; false when full.
    [[nodiscard]] bool allocate(backend::slot_t& out) noexcept {
        for (std::size_t w = hint_; w < words_.size(); ++w) {
            if (words_[w] != ~std::uint64_t{0}) {
                const unsigned b = static_cast<unsigned>(std::countr_one(words_[w]));
                words_[w] |= std::uint64_t{1} << b;
                hint_ = w;
                ++used_;
                if (used_ > peak_) peak_ = used_;
                out = first_ + w * 64 + b;
                return true;
            }
        }
        return false;
    }
    void release(backend::slot_t s) noexcept {
        const std::size_t i = s - first_;
        words_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
        if (i / 64 < hint_) hint_ = i / 64;
        --used_;
    }

    [[nodiscard]] std::size_t used() const noexcept { return used_; }
    [[nodiscard]] std::size_t peak() const noexcept { return peak_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return slots_; }
    /// Heap bytes of the bitmap.
    [[nodiscard]] std::size_t bitmap_bytes() const noexcept { return words_.capacity() * sizeof(std::uint64_t); }

private:
    std::vector<std::uint64_t> words_;
    std::size_t slots_;
    backend::slot_t first_;
    std::size_t hint_ = 0;
    std::size_t used_ = 0;
    std::size_t peak_ = 0;
};

} // namespace retype::bench
