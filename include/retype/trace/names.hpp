// retype: the names a replay trace gives to objects, mapped to the model's
// object_refs. A fixed-capacity open-addressing hash table (linear probing,
// backward-shift deletion, so no tombstones pile up), constexpr, no heap.
//
// A name is spelled `<base>` or, for the objects of one retype with count > 1,
// `<base>.<index>`; keys compare by that spelling, so `x.3` from the trace finds
// object 3 of `as x`. The table keeps views: the trace text must outlive it.
#pragma once

#include <retype/kernel/machine.hpp>

#include <gsl/assert>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype::trace {

inline constexpr std::uint32_t no_index = ~std::uint32_t{0};

struct name_key {
    std::string_view base{};
    std::uint32_t index = no_index; // no_index: the name is `base` itself
};

namespace detail {
/// A key's spelling as a sequence of characters, without building a string.
struct spelling {
    std::string_view base;
    std::array<char, 12> tail{}; // ".<index>"
    std::size_t tail_size = 0;

    constexpr explicit spelling(name_key k) noexcept : base(k.base) {
        if (k.index == no_index) return;
        char digits[10]{};
        std::size_t n = 0;
        std::uint32_t v = k.index;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        tail[tail_size++] = '.';
        while (n != 0) tail[tail_size++] = digits[--n];
    }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return base.size() + tail_size; }
    [[nodiscard]] constexpr char operator[](std::size_t i) const noexcept {
        return i < base.size() ? base[i] : tail[i - base.size()];
    }
    /// FNV-1a, 64 bits.
    [[nodiscard]] constexpr std::uint64_t hash() const noexcept {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        for (std::size_t i = 0; i < size(); ++i) {
            h ^= static_cast<unsigned char>((*this)[i]);
            h *= 0x100000001b3ULL;
        }
        return h;
    }
    friend constexpr bool operator==(const spelling& a, const spelling& b) noexcept {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i] != b[i]) return false;
        return true;
    }
};
} // namespace detail

/// Requires: Capacity a power of two. At most max_size() = 3/4 of it is used,
/// which keeps probe sequences short.
template <std::size_t Capacity>
class name_table {
    static_assert(Capacity >= 4 && (Capacity & (Capacity - 1)) == 0, "retype: name_table capacity must be 2^n >= 4");

public:
    static constexpr std::size_t max_size() noexcept { return Capacity - Capacity / 4; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    [[nodiscard]] constexpr std::size_t room() const noexcept { return max_size() - size_; }

    /// The object named `k`, or nullptr.
    [[nodiscard]] constexpr const kernel::object_ref* find(const name_key& k) const noexcept {
        const std::size_t i = locate(detail::spelling(k));
        return i == npos ? nullptr : &slots_[i].ref;
    }
    [[nodiscard]] constexpr bool contains(const name_key& k) const noexcept { return find(k) != nullptr; }

    /// Requires: room() > 0 and !contains(k).
    constexpr void insert(name_key k, kernel::object_ref ref) noexcept {
        Expects(size_ < max_size());
        const detail::spelling s(k);
        std::size_t i = s.hash() & mask;
        while (slots_[i].used) {
            Expects(!(detail::spelling(slots_[i].key) == s));
            i = (i + 1) & mask;
        }
        slots_[i] = slot{k, ref, true};
        ++size_;
    }

    /// Removes `k`; false when it was not there.
    constexpr bool erase(name_key k) noexcept {
        const std::size_t i = locate(detail::spelling(k));
        if (i == npos) return false;
        erase_at(i);
        return true;
    }

    /// Removes every name whose object `keep` rejects (after a revoke: the dead ones).
    template <class Keep>
    constexpr void sweep(Keep keep) noexcept {
        // erase_at only moves entries from later in the probe chain into the hole,
        // so re-examining slot i after an erase visits every entry.
        for (std::size_t i = 0; i < Capacity;) {
            if (slots_[i].used && !keep(slots_[i].ref))
                erase_at(i);
            else
                ++i;
        }
    }

private:
    static constexpr std::size_t mask = Capacity - 1;
    static constexpr std::size_t npos = ~std::size_t{0};

    struct slot {
        name_key key{};
        kernel::object_ref ref{};
        bool used = false;
    };

    [[nodiscard]] constexpr std::size_t home(std::size_t i) const noexcept {
        return detail::spelling(slots_[i].key).hash() & mask;
    }

    [[nodiscard]] constexpr std::size_t locate(const detail::spelling& s) const noexcept {
        for (std::size_t i = s.hash() & mask; slots_[i].used; i = (i + 1) & mask)
            if (detail::spelling(slots_[i].key) == s) return i;
        return npos;
    }

    /// Backward-shift deletion (Knuth, Algorithm R).
    constexpr void erase_at(std::size_t hole) noexcept {
        std::size_t j = hole;
        for (;;) {
            j = (j + 1) & mask;
            if (!slots_[j].used) break;
            const std::size_t h = home(j);
            // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
            const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
            if (!stays) {
                slots_[hole] = slots_[j];
                hole = j;
            }
        }
        slots_[hole] = slot{};
        --size_;
    }

    std::array<slot, Capacity> slots_{};
    std::size_t size_ = 0;
};

} // namespace retype::trace
