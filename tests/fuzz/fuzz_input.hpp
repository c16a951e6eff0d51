// A byte reader for fuzz inputs: every read succeeds (zero once the input is
// used up), so any byte string is a valid program for the fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>

namespace retype::fuzz {

class input {
public:
    input(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

    [[nodiscard]] bool empty() const noexcept { return pos_ >= size_; }
    [[nodiscard]] std::uint8_t u8() noexcept { return pos_ < size_ ? data_[pos_++] : 0; }
    [[nodiscard]] std::uint64_t u64() noexcept {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
        return v;
    }
    /// A value in [0, n); n > 0.
    [[nodiscard]] std::uint64_t below(std::uint64_t n) noexcept { return (n <= 256 ? u8() : u64()) % n; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

} // namespace retype::fuzz
