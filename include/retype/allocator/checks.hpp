// retype allocator: the checks every request passes before it is planned,
// those of the kernel (decodeUntypedInvocation, in its order, with its
// payloads) and the allocator's own, against a per-target type table worked
// out once, so that a request costs one lookup. All O(1).
#pragma once

#include <retype/allocator/types.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/policy/config.hpp>
#include <retype/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

/// Options: anything with a `static constexpr allocator_config config`
/// (allocator_options): a type, so that diagnostics name it.
template <class Options, std::size_t SlotCapacity>
struct request_checks {
    static constexpr allocator_config C = Options::config;
    static constexpr kernel::arch_traits arch = kernel::traits(C.target);
    static constexpr std::array<detail::type_info, detail::object_types> types = detail::type_table(C.target);

    /// Frames of the granule in `bytes`. Error: invalid_argument(0) for 0,
    /// misaligned(bytes, granule_bits) for a size that is not a multiple.
    [[nodiscard]] static constexpr result<std::uint64_t> frames_for(std::uint64_t bytes) noexcept {
        if (bytes == 0) return failure(invalid_argument(0));
        const std::uint64_t g = std::uint64_t{1} << C.granule_bits;
        if ((bytes & (g - 1)) != 0) return failure(make_error(error_code::misaligned, bytes, C.granule_bits));
        return bytes >> C.granule_bits;
    }

    /// Is `type` one of the target's fixed-size types?
    [[nodiscard]] static constexpr bool fixed_size(kernel::object_type type) noexcept {
        const auto ti = static_cast<std::size_t>(type);
        return ti < types.size() && types[ti].exists && !types[ti].variable;
    }

    /// The kernel's checks on type, size and count, then the allocator's.
    /// Returns log2 of one object's size.
    [[nodiscard]] static constexpr result<unsigned> check(kernel::object_type type, std::uint64_t size_bits,
                                                          std::uint64_t count, memory mem) noexcept {
        const auto ti = static_cast<std::size_t>(type);
        if (ti >= types.size() || !types[ti].exists) return failure(invalid_argument(0));
        const detail::type_info& info = types[ti];
        if (size_bits >= arch.word_bits) return failure(range_error(0, arch.max_untyped_bits));
        const std::uint64_t bits = info.variable ? size_bits + info.add : info.bits;
        if (bits > arch.max_untyped_bits) return failure(range_error(0, arch.max_untyped_bits));
        if (info.variable && size_bits < info.min) return failure(invalid_argument(1));
        if (count == 0) return failure(range_error(1, C.target.fan_out_limit));
        if (count > SlotCapacity) return failure(make_error(error_code::slots_exhausted, count, SlotCapacity));
        if (mem == memory::device && !info.device_ok)
            return failure(make_error(error_code::device_mismatch, static_cast<std::uint64_t>(type)));
        return static_cast<unsigned>(bits);
    }

    /// exact_bits' answer when check(type, size_bits, 1, mem) would fail.
    static constexpr unsigned no_bits = 0xff;

    /// check(type, size_bits, 1, mem) for the fast path (fast_path.hpp): the
    /// object's log2 size when that check passes, no_bits when it fails (the
    /// planned path then reports why). One lookup in a table worked out per
    /// target and kind of memory; the same answers as check (a static_assert
    /// test compares every type, size and kind).
    [[nodiscard, gnu::always_inline]] static constexpr unsigned
    exact_bits(kernel::object_type type, std::uint64_t size_bits, memory mem) noexcept {
        const auto ti = static_cast<std::size_t>(type);
        if (ti >= detail::object_types) return no_bits;
        // One shape for every entry (no branch on the kind): size_bits in
        // [min, min + span], object bits = base + (size_bits & mask).
        const fast_info& f = fast[mem == memory::device ? 1 : 0][ti];
        if (size_bits - f.min > f.span) return no_bits;
        return f.base + static_cast<unsigned>(size_bits & f.mask);
    }

private:
    /// A refused type answers no_bits for every size; a fixed one its bits
    /// for any size_bits below the word size (the kernel ignores it); a
    /// variable one size_bits + its addend within the kernel's range.
    struct fast_info {
        std::uint64_t min = 0;
        std::uint64_t span = ~std::uint64_t{0};
        std::uint64_t mask = 0;
        unsigned base = no_bits;
    };
    [[nodiscard]] static constexpr std::array<std::array<fast_info, detail::object_types>, 2> fast_table() noexcept {
        std::array<std::array<fast_info, detail::object_types>, 2> tab{};
        for (std::size_t d = 0; d < 2; ++d)
            for (std::size_t ti = 0; ti < detail::object_types; ++ti) {
                const detail::type_info& i = types[ti];
                fast_info& f = tab[d][ti];
                if (!i.exists || (d == 1 && !i.device_ok)) continue;
                if (!i.variable && i.bits <= arch.max_untyped_bits) {
                    f = fast_info{.min = 0, .span = arch.word_bits - 1u, .mask = 0, .base = i.bits};
                } else if (i.variable && i.add <= arch.max_untyped_bits && i.min <= arch.max_untyped_bits - i.add) {
                    f = fast_info{.min = i.min,
                                  .span = arch.max_untyped_bits - i.add - i.min,
                                  .mask = ~std::uint64_t{0},
                                  .base = i.add};
                }
            }
        return tab;
    }
    static constexpr std::array<std::array<fast_info, detail::object_types>, 2> fast = fast_table();
};

} // namespace retype
