// retype allocator: the fast path, one component. A request for one object
// whose checks pass is served without a plan when the strategy has a free
// block for it: one table lookup for the checks; the block (anywhere: one bit
// test and one list front, a halving strategy's exact_block, or when only a
// larger block is free, split_block; at an address: one descent to the block
// that holds it, split_block_at, or exact_block_at for a strategy without
// it); a slot pair per halving and the object's slot; one retype of two
// halves per halving and the object's retype; then the record and the
// descriptors. basic_allocator's allocate() and allocate_at() enter here
// (request()) and fall back to the planned path, which serves every other
// request (and would choose the same block and slots for this one).
//
// What it keeps: the checks are the planned path's for this request (an input
// the checks refuse, a full record table or an undo that could not finish
// takes the planned path, which reports it); nothing changes before the first
// kernel call; a refused call gives every slot back where it came from and
// undoes the calls before it as the planned path would (split_undo re-makes
// its plan on the unchanged state); an object the backend reports elsewhere
// is undone likewise (tests/policy/fast_path.test.cpp compares the two paths'
// snapshots, the kernel model's too).
//
// Complexity: an exact block anywhere: O(1); with halvings: O(W); at an
// address: O(U) for the root + O(W) descent (+ O(W) halvings); a slot from the
// runs when the cache is empty: slot_manager.hpp's take.
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/planned_path.hpp>
#include <retype/allocator/types.hpp>
#include <retype/error.hpp>
#include <retype/invariant.hpp>
#include <retype/result.hpp>

#include <array>
#include <concepts>
#include <cstdint>
#include <utility>

namespace retype::detail {

/// What find() found: the block, the object's size and the slot (taken).
// Scalars only (16 bytes), so that it stays in registers on the fast path.
struct fast_hit {
    std::uint32_t block = no_index; // no_index: take the planned path
    std::uint8_t bits = 0;
    bool cached = false; // the slot came from the singles cache (else from the runs)
    backend::slot_t slot = 0;
    [[nodiscard]] constexpr slot_take take() const noexcept { return slot_take{slot, 1, cached}; }
};

/// Does strategy S serve one object from an exact-size free block without a
/// plan (docs/concepts.md, "Optional, for the fast path")? And at an address?
template <class S, class St>
concept fast_strategy_for = requires(S& s, St& st) {
    { s.exact_block(st, false, 0u) } -> std::same_as<std::uint32_t>;
    s.commit_exact(st, std::uint32_t{0}, std::uint32_t{0}, 0u);
};
/// And when the free block is larger: halvings down to the object without a plan?
template <class S, class St>
concept fast_split_strategy_for = fast_strategy_for<S, St> && requires(S& s, St& st, const slot_take* dest) {
    { s.split_block(st, false, 0u) } -> std::same_as<split_choice>;
    {
        s.commit_split(st, std::uint32_t{0}, std::uint32_t{0}, 0u, dest, false, kernel::paddr_t{0})
        } -> std::same_as<std::uint32_t>;
};
/// And at an address: the free block that holds it, exact or larger, in one descent?
template <class S, class St>
concept fast_split_at_strategy_for = fast_split_strategy_for<S, St> && requires(S& s, St& st, kernel::paddr_t at) {
    { s.split_block_at(st, false, 0u, at) } -> std::same_as<split_choice>;
    s.commit_exact_at(st, std::uint32_t{0}, std::uint32_t{0}, 0u);
};
template <class S, class St>
concept fast_at_strategy_for = fast_strategy_for<S, St> && requires(S& s, St& st, kernel::paddr_t at) {
    { s.exact_block_at(st, false, 0u, at) } -> std::same_as<std::uint32_t>;
    s.commit_exact_at(st, std::uint32_t{0}, std::uint32_t{0}, 0u);
};

struct fast_path {
    /// count objects of type, anywhere or at `at` (fixed): by the fast path
    /// when the strategy has one and the request is its own, else by the
    /// planned path (planned_path.hpp), which reports every error.
    // Inlined by force: the anywhere case is the hot path of every caller;
    // the at-address case (a descent) is a call of its own.
    template <class A>
    [[nodiscard, gnu::always_inline]] static constexpr result<allocation>
    request(A& a, kernel::object_type type, std::uint64_t size_bits, std::uint64_t count, memory mem, bool fixed,
            kernel::paddr_t at) noexcept {
        using S = typename A::strategy_type;
        using St = typename A::state_type;
        if constexpr (fast_strategy_for<S, St>) {
            if (count == 1 && !fixed) {
                const fast_hit h = find(a, type, size_bits, mem, false, 0);
                if (h.block != no_index) return allocate<false>(a, type, size_bits, h);
                // A halving is one retype of count 2: one call only under a fan-out limit of 2 or more.
                if constexpr (fast_split_strategy_for<S, St> && A::config.target.fan_out_limit >= 2)
                    if (h.bits != A::checks::no_bits) return request_anywhere(a, type, size_bits, mem, h.bits);
            }
        }
        if constexpr (fast_at_strategy_for<S, St> || fast_split_at_strategy_for<S, St>) {
            if (count == 1 && fixed) return request_at(a, type, size_bits, mem, at);
        }
        return planned_path::allocate(a, type, size_bits, count, mem, false, fixed, at);
    }

private:
    template <class A>
    [[nodiscard]] static constexpr result<allocation>
    request_at(A& a, kernel::object_type type, std::uint64_t size_bits, memory mem, kernel::paddr_t at) noexcept {
        using S = typename A::strategy_type;
        using St = typename A::state_type;
        if constexpr (fast_split_at_strategy_for<S, St> && A::config.target.fan_out_limit >= 2) {
            // One descent finds the block that holds `at`: exact (no halving) or larger.
            if (const unsigned bits = fast_bits(a, type, size_bits, mem); bits != A::checks::no_bits) {
                const split_choice c = a.strategy_.split_block_at(a.st_, mem == memory::device, bits, at);
                if (c.block != no_index && c.halvings != 0)
                    return request_split<true>(a, type, size_bits, mem, bits, c, at);
                if (c.block != no_index) {
                    bool cached = false;
                    if (const backend::slot_t s = a.st_.slots.take_single(cached); s != a.st_.slots.no_slot)
                        return allocate<true>(a, type, size_bits,
                                              fast_hit{c.block, static_cast<std::uint8_t>(bits), cached, s});
                }
            }
        } else if constexpr (fast_at_strategy_for<S, St>) {
            if (const fast_hit h = find(a, type, size_bits, mem, true, at); h.block != no_index)
                return allocate<true>(a, type, size_bits, h);
        }
        return planned_path::allocate(a, type, size_bits, 1, mem, false, true, at);
    }

    /// One object anywhere whose checks passed (bits: fast_bits') but for which
    /// find() found no exact block: by request_split when the strategy has a
    /// larger free block, else planned.
    template <class A>
    [[nodiscard]] static constexpr result<allocation>
    request_anywhere(A& a, kernel::object_type type, std::uint64_t size_bits, memory mem, unsigned bits) noexcept {
        if (const split_choice c = a.strategy_.split_block(a.st_, mem == memory::device, bits); c.block != no_index)
            return request_split<false>(a, type, size_bits, mem, bits, c, 0);
        return planned_path::allocate(a, type, size_bits, 1, mem, false, false, 0);
    }

    /// One object anywhere, or at `at` (Fixed), whose free block is larger
    /// than the object: the strategy's block (split_block anywhere: the
    /// smallest larger free block; split_block_at: the free block that holds
    /// `at`), halved down by one retype of two halves per level (keeping the
    /// low half, or the half that holds `at`), then the object's retype; every
    /// slot taken before the first call, as the planned path's plan takes
    /// them, and the descriptors made only once every call succeeded
    /// (commit_split). Every check that fails takes the planned path, which
    /// reports it. A call that fails is undone by split_undo, as the planned
    /// path undoes it.
    template <bool Fixed, class A>
    [[nodiscard]] static constexpr result<allocation>
    request_split(A& a, kernel::object_type type, std::uint64_t size_bits, memory mem, unsigned bits,
                  const split_choice& c, kernel::paddr_t at) noexcept {
        auto& st = a.st_;
        // The planned path reports the shortages (untypeds, then slots) itself.
        if (st.ut.available() < 2 * std::uint64_t{c.halvings} ||
            2 * std::uint64_t{c.halvings} + 1 > st.slots.available())
            return planned_path::allocate(a, type, size_bits, 1, mem, false, Fixed, at);
        // The slots in the plan's order: a pair per halving, then the object's.
        std::array<slot_take, 64> dest; // NOLINT(cppcoreguidelines-pro-type-member-init): [0, taken) written
        unsigned taken = 0;
        while (taken < c.halvings && st.slots.take(2, dest[taken])) ++taken;
        bool cached = false;
        const backend::slot_t s = taken == c.halvings ? st.slots.take_single(cached) : st.slots.no_slot;
        const slot_take object{s, 1, cached};
        if (s == st.slots.no_slot) { // no run long enough: give back, newest first
            while (taken > 0) st.slots.restore(dest[--taken]);
            return planned_path::allocate(a, type, size_bits, 1, mem, false, Fixed, at);
        }
        const untyped_desc& u = st.ut[c.block];
        kernel::paddr_t base = u.paddr; // of the block being halved: its low half's
        backend::slot_t parent = u.slot;
        unsigned level = u.size_bits;
        for (unsigned i = 0; i <= c.halvings; ++i) {
            const bool halving = i < c.halvings;
            const backend::retype_call call =
                halving ? backend::retype_call{parent, kernel::object_type::untyped, level - 1u, dest[i].first, 2}
                        : backend::retype_call{parent, type, size_bits, object.first, 1};
            auto r = st.backend->untyped_retype(call);
            if (!r)
                return split_undo<Fixed>(a, type, size_bits, mem, bits, c, dest.data(), object, at, i, r.error(), 0, 0);
            ++st.stats.retypes;
            if (r->paddr_known && r->paddr != base)
                return split_undo<Fixed>(a, type, size_bits, mem, bits, c, dest.data(), object, at, i, error{},
                                         r->paddr, halving ? std::uint64_t{2} : std::uint64_t{1});
            if (halving) {
                const std::uint64_t half = std::uint64_t{1} << (level - 1u);
                const bool keep_hi = Fixed && at >= base + half;
                parent = dest[i].first + (keep_hi ? 1u : 0u);
                base += keep_hi ? half : 0;
                --level;
            }
        }
        const std::uint32_t ri = st.rec.take();
        record& rec = st.rec[ri];
        fill_one(rec, type, size_bits, bits, object.first, base);
        rec.untyped = a.strategy_.commit_split(st, c.block, ri, bits, dest.data(), Fixed, at);
        const untyped_desc& from = st.ut[rec.untyped];
        return result<allocation>(std::in_place, allocation_id{ri, rec.generation}, from.slot, object.first,
                                  std::uint64_t{1}, type, size_bits, static_cast<std::uint8_t>(bits), base, from.device,
                                  c.halvings + 1);
    }

    /// request_split's call i failed (refused with `cause`, or, batch != 0,
    /// its object 0 made elsewhere, at `actual`). Every slot goes back, newest
    /// first, so the allocator is as before the request, and the planned
    /// path's plan for it is made again (the same plan: same state); its undo
    /// then runs from where the calls stopped, exactly as execute's. Rare.
    template <bool Fixed, class A>
    [[nodiscard]] static constexpr result<allocation>
    split_undo(A& a, kernel::object_type type, std::uint64_t size_bits, memory mem, unsigned bits,
               const split_choice& c, const slot_take* dest, const slot_take& object, kernel::paddr_t at, unsigned i,
               const error& cause, kernel::paddr_t actual, std::uint64_t batch) noexcept {
        auto& st = a.st_;
        st.slots.restore(object);
        for (unsigned k = c.halvings; k-- > 0;) st.slots.restore(dest[k]);
        const plan_request q{type, size_bits, bits, 1, mem == memory::device, Fixed, Fixed ? at : 0};
        call_plan p;
        [[maybe_unused]] const bool planned = a.strategy_.plan(st, q, p).has_value();
        RETYPE_INVARIANT(planned && p.n == c.halvings + 1u && p.block == c.block);
        p.mispredicted = batch != 0;
        p.actual = actual;
        p.batch = batch;
        executor<typename A::backend_type>::undo(*st.backend, p, st.stats, i, batch);
        a.strategy_.undone(st, p);
        const error e = batch != 0 ? make_error(error_code::mispredicted, p.steps[i].paddr, actual) : cause;
        return failure(planned_path::after_undo(a, p, e));
    }

    /// The object's log2 size when the fast path may serve the request: the
    /// checks pass (request_checks::exact_bits), a record is free and no undo
    /// left more stranded slots than can be kept; else no_bits (the planned
    /// path then reports why).
    template <class A>
    [[nodiscard, gnu::always_inline]] static constexpr unsigned
    fast_bits(A& a, kernel::object_type type, std::uint64_t size_bits, memory mem) noexcept {
        const unsigned bits = A::checks::exact_bits(type, size_bits, mem);
        return a.st_.rec.available() == 0 || a.stranded_.overflowed() ? A::checks::no_bits : bits;
    }

    /// The block and the slot for one object of `type`, or a hit whose block
    /// is no_index (and no change) when the request is not the fast path's:
    /// its bits are then no_bits if fast_bits refused it, else the object's
    /// log2 size (no exact block, or no slot).
    template <class A>
    [[nodiscard, gnu::always_inline]] static constexpr fast_hit
    find(A& a, kernel::object_type type, std::uint64_t size_bits, memory mem, bool fixed, kernel::paddr_t at) noexcept {
        const unsigned bits = fast_bits(a, type, size_bits, mem);
        if (bits == A::checks::no_bits) return fast_hit{no_index, A::checks::no_bits, false, 0};
        const bool device = mem == memory::device;
        std::uint32_t bi = no_index;
        if constexpr (fast_at_strategy_for<typename A::strategy_type, typename A::state_type>)
            bi = fixed ? a.strategy_.exact_block_at(a.st_, device, bits, at)
                       : a.strategy_.exact_block(a.st_, device, bits);
        else
            bi = a.strategy_.exact_block(a.st_, device, bits);
        const fast_hit miss{no_index, static_cast<std::uint8_t>(bits), false, 0};
        if (bi == no_index) return miss;
        bool cached = false;
        const backend::slot_t s = a.st_.slots.take_single(cached);
        if (s == a.st_.slots.no_slot) return miss;
        return fast_hit{bi, static_cast<std::uint8_t>(bits), cached, s};
    }

    /// One object from h (find()'s): one retype; then the record and the
    /// block's descriptor. On a refused retype the slot goes back where it
    /// came from and nothing else has changed.
    template <bool At, class A>
    [[nodiscard]] static constexpr result<allocation> allocate(A& a, kernel::object_type type, std::uint64_t size_bits,
                                                               const fast_hit& h) noexcept {
        auto& st = a.st_;
        const untyped_desc& u = st.ut[h.block];
        auto r = st.backend->untyped_retype(backend::retype_call{u.slot, type, size_bits, h.slot, 1});
        if (!r) {
            st.slots.restore(h.take());
            return failure(r.error());
        }
        ++st.stats.retypes;
        if (r->paddr_known && r->paddr != u.paddr) return mispredicted(a, type, size_bits, h, r->paddr);
        const std::uint32_t ri = st.rec.take();
        record& rec = st.rec[ri];
        rec.untyped = h.block;
        fill_one(rec, type, size_bits, h.bits, h.slot, u.paddr);
        if constexpr (At)
            a.strategy_.commit_exact_at(st, h.block, ri, h.bits);
        else
            a.strategy_.commit_exact(st, h.block, ri, h.bits);
        // Built in place: no copy of the allocation on the way out.
        return result<allocation>(std::in_place, allocation_id{ri, rec.generation}, u.slot, h.slot, std::uint64_t{1},
                                  type, size_bits, static_cast<std::uint8_t>(h.bits), u.paddr, u.device,
                                  std::uint32_t{1});
    }

    /// A record of one object of 2^bits in `slot` at `paddr`, no padding and no
    /// range (its untyped is the caller's to set).
    [[gnu::always_inline]] static constexpr void fill_one(record& rec, kernel::object_type type,
                                                          std::uint64_t size_bits, unsigned bits, backend::slot_t slot,
                                                          kernel::paddr_t paddr) noexcept {
        rec.range = false;
        rec.type = type;
        rec.size_bits = size_bits;
        rec.object_bits = static_cast<std::uint8_t>(bits);
        rec.count = 1;
        rec.slot = slot;
        rec.paddr = paddr;
        rec.pad_slot = 0;
        rec.pad_count = 0;
    }

    /// The one retype made its object elsewhere: the planned path's undo
    /// (delete the cap, tried twice; a refusal strands the slot), through a
    /// plan of that one step. Rare, so its cost does not matter.
    template <class A>
    [[nodiscard]] static constexpr result<allocation> mispredicted(A& a, kernel::object_type type,
                                                                   std::uint64_t size_bits, const fast_hit& h,
                                                                   kernel::paddr_t actual) noexcept {
        auto& st = a.st_;
        call_plan p;
        const untyped_desc& u = st.ut[h.block];
        p.block = h.block;
        p.object_slot = h.slot;
        p.takes[p.takes_n++] = h.take();
        p.steps[p.n++] = step{u.slot, type, size_bits, static_cast<std::uint8_t>(h.bits), h.slot, 1, u.paddr};
        executor<typename A::backend_type>::undo_all(*st.backend, p, st.stats);
        p.mispredicted = true;
        p.actual = actual;
        p.batch = 1;
        p.stop_step = 0; // as the planned path stops: step 0, its one object made
        p.stop_done = 1;
        a.strategy_.undone(st, p);
        return failure(detail::planned_path::after_undo(a, p, make_error(error_code::mispredicted, u.paddr, actual)));
    }
};

} // namespace retype::detail
