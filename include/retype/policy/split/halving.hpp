// retype: the halving strategies' common part (buddy, binary_search). Blocks
// of 2^k bytes sit on a free list per size; a request takes the first free
// block of the smallest fitting class and halves it down to the request's
// size, each halving one seL4_Untyped_Retype of two untypeds of half the size
// into two consecutive slots, keeping the low half (or, for allocate_at, the
// half that holds the address) and listing the other. A fixed address is
// reached by halving towards it, which is right whatever the kernel window
// offset: every block is aligned to its size in pptr space because the kernel
// made it so, so the alignment source never matters here.
//
// Merges = true (buddy): a freed block merges with its free buddy by revoking
// their parent, up the tree. Merges = false (binary_search): no merge; memory
// comes back whole only by reset().
//
// A request whose block is already the right size (the common case once the
// lists are warm) costs one list front and one retype: no halving.
//
// Complexity: plan O(1) to find the block (one count of trailing zeros) + O(W)
// halvings; allocate_at O(U) + O(W); commit O(W); free O(1) revoke + O(W)
// merges (buddy); undone, reset O(1).
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/reservation_table.hpp>
#include <retype/allocator/types.hpp>
#include <retype/invariant.hpp>
#include <retype/policy/config.hpp>
#include <retype/result.hpp>

#include <cstdint>

namespace retype::strategy {

template <bool Merges>
class halving {
public:
    static constexpr split_kind value = Merges ? split_kind::buddy : split_kind::binary_search;
    /// No plan of a halving strategy has padding untypeds (only watermark's allocate_at makes them).
    static constexpr bool pads = false;

    template <class St>
    constexpr void adopt(St& st, std::uint32_t u) noexcept {
        st.ut[u].state = detail::ustate::free;
        st.ut.list(u);
    }

    /// The first free block of the smallest fitting class, or the block that
    /// holds q.at; then plan_from.
    template <class St>
    [[nodiscard]] constexpr result<void> plan(St& st, const plan_request& q, call_plan& p) noexcept {
        const unsigned need = need_bits<St>(q);
        if (need > St::arch.max_untyped_bits) return failure(not_enough_memory(st.ut.largest_free(q.device)));
        if (!q.fixed) {
            const unsigned c = st.ut.first_class_from(q.device, need);
            if (c >= 64) return failure(not_enough_memory(st.ut.largest_free(q.device)));
            const std::uint32_t bi = st.ut.front(q.device, c);
            if (c == need) { // the fast path: a free block of the right size, no halving
                auto objects = st.take_slots(p, q.count);
                if (!objects) return failure(objects.error());
                p.block = bi;
                p.object_slot = *objects;
                p.steps[p.n++] =
                    detail::step{st.ut[bi].slot, q.type,  q.size_bits,    static_cast<std::uint8_t>(q.bits),
                                 *objects,       q.count, st.ut[bi].paddr};
                return {};
            }
            return plan_from(st, q, p, bi);
        }
        auto root = st.ut.find_root(q.at, need, 1, q.device);
        if (!root) return failure(root.error());
        if ((St::arch.to_pptr(q.at) & ((std::uint64_t{1} << need) - 1)) != 0)
            return failure(make_error(error_code::misaligned, q.at, need));
        std::uint32_t bi = *root;
        while (st.ut[bi].state == detail::ustate::split) {
            const unsigned half = st.ut[bi].size_bits - 1u;
            if (half < need) return failure(make_error(error_code::overlap, q.at, st.ut[bi].paddr));
            bi = q.at < st.ut[bi].paddr + (std::uint64_t{1} << half) ? st.ut[bi].lo : st.ut[bi].hi;
        }
        if (st.ut[bi].state != detail::ustate::free && st.ut[bi].state != detail::ustate::reserved)
            return failure(make_error(error_code::overlap, q.at, st.ut[bi].paddr));
        return plan_from(st, q, p, bi);
    }

    /// The fast path's lookup (allocator/fast_path.hpp: one object of 2^bits,
    /// not at an address): the free block of exactly the size it needs, or
    /// no_index when there is none (then the request is planned as usual).
    /// Reads only. The block is the one plan() would choose (the first class
    /// at or above the need is the need's own), so the two paths agree. O(1).
    template <class St>
    [[nodiscard, gnu::always_inline]] constexpr std::uint32_t exact_block(const St& st, bool device,
                                                                          unsigned bits) const noexcept {
        const unsigned need = bits < St::arch.min_untyped_bits ? St::arch.min_untyped_bits : bits;
        if (!st.ut.has_class(device, need)) return no_index;
        return st.ut.front(device, need);
    }
    /// The fast path's commit: block bi (from exact_block) holds record ri, its
    /// one object of 2^bits retyped; as commit() for a plan without halvings. O(1).
    template <class St>
    [[gnu::always_inline]] constexpr void commit_exact(St& st, std::uint32_t bi, std::uint32_t ri,
                                                       unsigned bits) noexcept {
        st.ut.unlist_front(bi);
        hold_one(st.ut[bi], ri, bits);
    }

    /// commit_exact for a block from split_block_at with no halving (anywhere on its list). O(1).
    template <class St>
    constexpr void commit_exact_at(St& st, std::uint32_t bi, std::uint32_t ri, unsigned bits) noexcept {
        st.ut.unlist(bi);
        hold_one(st.ut[bi], ri, bits);
    }

    /// The fast path's lookup when no block of exactly the size is free: the
    /// first free block of the smallest larger class, as plan() chooses it for
    /// one object of 2^bits anywhere, and the halvings down to the object; a
    /// block of no_index when there is none or one of exactly the size (the
    /// planned path's cases). Reads only. O(1).
    template <class St>
    [[nodiscard, gnu::always_inline]] constexpr detail::split_choice split_block(const St& st, bool device,
                                                                                 unsigned bits) const noexcept {
        const unsigned need = bits < St::arch.min_untyped_bits ? St::arch.min_untyped_bits : bits;
        const unsigned c = st.ut.first_class_from(device, need);
        if (c >= 64 || c == need) return {};
        return {st.ut.front(device, c), c - need};
    }
    /// The fast path's lookup at an address (one object of 2^bits at `at`):
    /// the free block that holds `at` as plan() would find it, and the
    /// halvings down to the object (0: the block is the object's size and
    /// starts at `at`); a block of no_index when plan() would report an error
    /// or the block is not on a free list (reserved), so that the planned
    /// path runs. Reads only. O(U) for the root + O(W) descent.
    template <class St>
    [[nodiscard]] constexpr detail::split_choice split_block_at(const St& st, bool device, unsigned bits,
                                                                kernel::paddr_t at) const noexcept {
        const unsigned need = bits < St::arch.min_untyped_bits ? St::arch.min_untyped_bits : bits;
        if (need > St::arch.max_untyped_bits) return {};
        auto root = st.ut.find_root(at, need, 1, device);
        if (!root || (St::arch.to_pptr(at) & ((std::uint64_t{1} << need) - 1)) != 0) return {};
        std::uint32_t bi = *root;
        while (st.ut[bi].state == detail::ustate::split) {
            const unsigned half = st.ut[bi].size_bits - 1u;
            if (half < need) return {};
            bi = at < st.ut[bi].paddr + (std::uint64_t{1} << half) ? st.ut[bi].lo : st.ut[bi].hi;
        }
        const detail::untyped_desc& b = st.ut[bi];
        if (b.state != detail::ustate::free || b.listed == detail::no_class) return {};
        return {bi, b.size_bits - need};
    }

    /// The fast path's commit for split_block's (or split_block_at's, fixed)
    /// choice bi, its halvings made into the pairs dest[0 ..) (lo in
    /// dest[i].first, hi in the next slot) and record ri's one object of
    /// 2^bits retyped from the last half kept (the low one, or the one that
    /// holds `at`): the halves' descriptors as commit() makes them for the same
    /// plan (each half not kept listed), and the holding block's index. O(W).
    template <class St>
    constexpr std::uint32_t commit_split(St& st, std::uint32_t bi, std::uint32_t ri, unsigned bits,
                                         const detail::slot_take* dest, bool fixed, kernel::paddr_t at) noexcept {
        const unsigned need = bits < St::arch.min_untyped_bits ? St::arch.min_untyped_bits : bits;
        std::uint32_t cur = bi;
        if (fixed)
            st.ut.unlist(cur);
        else
            st.ut.unlist_front(cur);
        RETYPE_INVARIANT(!st.ut[cur].in_reservation); // a listed block is in no reservation
        const bool dev = st.ut[cur].device;
        kernel::paddr_t base = st.ut[cur].paddr;
        for (unsigned level = st.ut[cur].size_bits; level > need; --level, ++dest) {
            const auto half_bits = static_cast<std::uint8_t>(level - 1);
            const std::uint64_t half = std::uint64_t{1} << half_bits;
            const std::uint32_t lo = st.ut.take();
            const std::uint32_t hi = st.ut.take();
            st.ut[lo] = detail::untyped_desc{.paddr = base,
                                             .slot = dest->first,
                                             .parent = cur,
                                             .size_bits = half_bits,
                                             .device = dev,
                                             .state = detail::ustate::free};
            st.ut[hi] = detail::untyped_desc{.paddr = base + half,
                                             .slot = dest->first + 1,
                                             .parent = cur,
                                             .size_bits = half_bits,
                                             .device = dev,
                                             .state = detail::ustate::free};
            detail::untyped_desc& c = st.ut[cur];
            c.state = detail::ustate::split;
            c.lo = lo;
            c.hi = hi;
            c.children = 2;
            c.used = std::uint64_t{2} << half_bits;
            const bool keep_hi = fixed && at >= base + half;
            st.ut.list(keep_hi ? lo : hi);
            cur = keep_hi ? hi : lo;
            base += keep_hi ? half : 0;
        }
        hold_one(st.ut[cur], ri, bits);
        return cur;
    }

    /// Plans q from free block bi (of at least need_bits): the halvings down to
    /// the request's size, then the objects. For a strategy that chooses its
    /// block another way (examples/custom_strategy).
    template <class St>
    [[nodiscard]] constexpr result<void> plan_from(St& st, const plan_request& q, call_plan& p,
                                                   std::uint32_t bi) const noexcept {
        const unsigned need = need_bits<St>(q);
        const unsigned from = st.ut[bi].size_bits;
        const std::uint64_t splits = from - need;
        if (st.ut.available() < 2 * splits)
            return failure(make_error(error_code::untypeds_exhausted, 2 * splits, st.ut.available()));
        // Every slot is checked for first, so that a shortage is reported whole.
        if (2 * splits + q.count > st.slots.available())
            return failure(make_error(error_code::slots_exhausted, 2 * splits + q.count, st.slots.available()));
        p.block = bi;
        backend::slot_t parent_slot = st.ut[bi].slot;
        kernel::paddr_t base = st.ut[bi].paddr;
        for (unsigned level = from; level > need; --level) {
            const std::uint64_t half = std::uint64_t{1} << (level - 1);
            const bool keep_hi = q.fixed && q.at >= base + half;
            auto pair = st.take_slots(p, 2); // lo in dest, hi in dest + 1: one retype of count 2
            if (!pair) return failure(pair.error());
            const backend::slot_t dest = *pair;
            p.halvings[p.halvings_n++] = detail::halving{dest, base, static_cast<std::uint8_t>(level - 1), keep_hi};
            p.steps[p.n++] = detail::step{
                parent_slot, kernel::object_type::untyped, level - 1, static_cast<std::uint8_t>(level - 1), dest, 2,
                base};
            parent_slot = dest + (keep_hi ? 1 : 0);
            base += keep_hi ? half : 0;
        }
        auto objects = st.take_slots(p, q.count);
        if (!objects) return failure(objects.error());
        p.object_slot = *objects;
        // The block has no children, so the kernel resets it: object 0 at offset 0.
        p.steps[p.n++] = detail::step{parent_slot,   q.type,  q.size_bits, static_cast<std::uint8_t>(q.bits),
                                      p.object_slot, q.count, base};
        return {};
    }

    /// Creates the halves' descriptors and marks the final block as holding record ri.
    template <class St>
    constexpr std::uint32_t commit(St& st, const call_plan& p, std::uint32_t ri) noexcept {
        const std::uint32_t cur = split_down(st, p);
        detail::untyped_desc& b = st.ut[cur];
        b.state = detail::ustate::holding;
        b.holder = ri;
        b.children = st.rec[ri].count;
        b.used = st.rec[ri].count << st.rec[ri].object_bits;
        return cur;
    }

    /// A cap the kernel would not delete is under the block: it stays out of
    /// use (the kernel would not reset it) until its root is reset.
    template <class St>
    constexpr void undone(St& st, const call_plan& p) noexcept {
        if (p.stranded_n == 0 && !p.stranded_overflow) return;
        st.ut.unlist(p.block);
        st.ut[p.block].state = detail::ustate::withheld;
    }

    template <class St>
    [[nodiscard]] constexpr result<void> free(St& st, std::uint32_t ri) noexcept {
        const std::uint32_t b = st.rec[ri].untyped;
        if (auto e = st.backend->cnode_revoke(st.ut[b].slot); !e) return failure(e.error());
        ++st.stats.revokes;
        st.release_record(ri);
        st.ut[b].children = 0;
        st.ut[b].holder = no_index;
        if (st.ut[b].in_reservation) { // back to its reservation, unmerged
            st.ut[b].state = detail::ustate::reserved;
            return {};
        }
        st.ut[b].state = detail::ustate::free;
        if constexpr (Merges)
            merge(st, b);
        else
            st.ut.list(b);
        return {};
    }

    template <class St>
    constexpr void reset(St& st, std::uint32_t root) noexcept {
        st.ut.unlist(root);
        st.ut[root].state = detail::ustate::free;
        st.ut.list(root);
    }

    /// log2 of the block a request needs.
    template <class St>
    [[nodiscard]] static constexpr unsigned need_bits(const plan_request& q) noexcept {
        const unsigned need = q.bits + detail::ceil_log2(q.count);
        return need < St::arch.min_untyped_bits ? St::arch.min_untyped_bits : need;
    }

    /// A reservation is one block aligned to its size in pptr space (bytes a
    /// power of two; else misaligned, value = bytes, limit = its ceil log2):
    /// the halvings down to it, as allocate_at would make them, and no object.
    template <class St>
    [[nodiscard]] constexpr result<void> plan_reserve(St& st, kernel::paddr_t at, std::uint64_t bytes, bool device,
                                                      std::uint32_t, call_plan& p) noexcept {
        const unsigned bits = detail::ceil_log2(bytes);
        if ((bytes & (bytes - 1)) != 0) return failure(make_error(error_code::misaligned, bytes, bits));
        const plan_request q{kernel::object_type::untyped, bits, bits, 1, device, true, at};
        if (auto e = plan(st, q, p); !e) return e;
        if (st.ut[p.block].state == detail::ustate::reserved) // inside another: the allocator checked; be sure
            return failure(make_error(error_code::reserved, at, st.ut[p.block].paddr));
        --p.n; // the block itself, not an object in it
        st.slots.restore(p.takes[--p.takes_n]);
        return {};
    }
    /// The halves' descriptors as commit makes them; the block is reserved,
    /// off the free lists, and so is every free half later made inside it.
    template <class St>
    constexpr void commit_reserve(St& st, const call_plan& p, std::uint32_t) noexcept {
        const std::uint32_t b = split_down(st, p);
        st.ut[b].in_reservation = true;
        st.ut[b].state = detail::ustate::reserved;
    }
    /// Every descriptor in r leaves it; the reserved ones are free again (and
    /// merge, for buddy). O(U x W).
    template <class St>
    constexpr void unreserve(St& st, const detail::reservation& r) noexcept {
        const auto n = static_cast<std::uint32_t>(st.ut.all().size());
        for (std::uint32_t i = 0; i < n; ++i) {
            detail::untyped_desc& u = st.ut[i];
            if (u.state == detail::ustate::unused || !u.in_reservation || u.device != r.device ||
                !r.holds(u.paddr, std::uint64_t{1} << u.size_bits))
                continue;
            u.in_reservation = false;
            if (u.state == detail::ustate::reserved) u.state = detail::ustate::free;
        }
        for (std::uint32_t i = 0; i < n; ++i) {
            if (st.ut[i].state != detail::ustate::free || st.ut[i].listed != detail::no_class) continue;
            if constexpr (Merges)
                merge(st, i);
            else
                st.ut.list(i);
        }
    }

private:
    /// Block b, off its list, holds record ri's one object of 2^bits.
    [[gnu::always_inline]] static constexpr void hold_one(detail::untyped_desc& b, std::uint32_t ri,
                                                          unsigned bits) noexcept {
        b.state = detail::ustate::holding;
        b.holder = ri;
        b.children = 1;
        b.used = std::uint64_t{1} << bits;
    }

    /// Makes the halves of p's halvings, lists each half not kept (keeps it
    /// reserved, off the lists, inside a reservation) and returns the final block.
    template <class St>
    static constexpr std::uint32_t split_down(St& st, const call_plan& p) noexcept {
        std::uint32_t cur = p.block;
        st.ut.unlist(cur);
        const bool res = st.ut[cur].in_reservation;
        const detail::ustate left = res ? detail::ustate::reserved : detail::ustate::free;
        for (std::size_t i = 0; i < p.halvings_n; ++i) {
            const detail::halving& h = p.halvings[i];
            const std::uint32_t lo = st.ut.take();
            const std::uint32_t hi = st.ut.take();
            const bool dev = st.ut[cur].device;
            st.ut[lo] = detail::untyped_desc{.paddr = h.lo_paddr,
                                             .slot = h.dest,
                                             .parent = cur,
                                             .size_bits = h.bits,
                                             .device = dev,
                                             .in_reservation = res,
                                             .state = left};
            st.ut[hi] = detail::untyped_desc{.paddr = h.lo_paddr + (std::uint64_t{1} << h.bits),
                                             .slot = h.dest + 1,
                                             .parent = cur,
                                             .size_bits = h.bits,
                                             .device = dev,
                                             .in_reservation = res,
                                             .state = left};
            st.ut[cur].state = detail::ustate::split;
            st.ut[cur].lo = lo;
            st.ut[cur].hi = hi;
            st.ut[cur].children = 2;
            st.ut[cur].used = std::uint64_t{2} << h.bits;
            if (!res) st.ut.list(h.keep_hi ? lo : hi);
            cur = h.keep_hi ? hi : lo;
        }
        return cur;
    }

    /// While the block's buddy is free too, revoke their parent (deleting both
    /// halves) and continue from the parent. O(W).
    template <class St>
    static constexpr void merge(St& st, std::uint32_t b) noexcept {
        while (st.ut[b].parent != no_index) {
            const std::uint32_t p = st.ut[b].parent;
            const std::uint32_t sib = st.ut[p].lo == b ? st.ut[p].hi : st.ut[p].lo;
            if (st.ut[sib].state != detail::ustate::free) break;
            if (!st.backend->cnode_revoke(st.ut[p].slot)) break; // refused: both halves stay free, unmerged
            ++st.stats.revokes;
            st.ut.unlist(sib);
            st.slots.give(st.ut[st.ut[p].lo].slot, 2); // the halves were made by one retype into dest, dest + 1
            st.ut.release(b);
            st.ut.release(sib);
            st.ut[p].state = detail::ustate::free;
            st.ut[p].children = 0;
            st.ut[p].lo = st.ut[p].hi = no_index;
            b = p;
        }
        st.ut.list(b);
    }
};

} // namespace retype::strategy
