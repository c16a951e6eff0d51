// A user-written split strategy: address-ordered buddy. Among the free blocks
// of the smallest fitting class it takes the one at the lowest physical
// address (buddy takes the most recently freed), so long-lived small objects
// pack into low memory and high memory stays whole for large requests later.
// It models retype::split_strategy_for by composing the library's buddy:
// buddy keeps the books (halving, merging), this class only chooses the block.
//
// Complexity: plan O(blocks on that class's list) to choose, then as buddy.
#pragma once

#include <retype/allocator.hpp>

#include <cstdint>

namespace example {

class address_ordered {
public:
    static constexpr retype::split_kind value = retype::split_kind::custom;

    template <class St>
    constexpr void adopt(St& st, std::uint32_t u) noexcept {
        inner_.adopt(st, u);
    }
    /// A request anywhere: the lowest block of the smallest fitting class. One
    /// at a fixed address is buddy's.
    template <class St>
    [[nodiscard]] constexpr retype::result<void> plan(St& st, const retype::plan_request& q,
                                                      retype::call_plan& p) noexcept {
        if (q.fixed) return inner_.plan(st, q, p);
        const unsigned need = retype::strategy::buddy::need_bits<St>(q);
        const unsigned c = st.ut.first_class_from(q.device, need);
        if (c >= 64 || need > St::arch.max_untyped_bits)
            return retype::failure(retype::not_enough_memory(st.ut.largest_free(q.device)));
        std::uint32_t best = st.ut.front(q.device, c);
        for (std::uint32_t i = best; i != retype::no_index; i = st.ut.next(q.device, c, i))
            if (st.ut[i].paddr < st.ut[best].paddr) best = i;
        return inner_.plan_from(st, q, p, best);
    }
    template <class St>
    constexpr std::uint32_t commit(St& st, const retype::call_plan& p, std::uint32_t ri) noexcept {
        return inner_.commit(st, p, ri);
    }
    template <class St>
    constexpr void undone(St& st, const retype::call_plan& p) noexcept {
        inner_.undone(st, p);
    }
    template <class St>
    [[nodiscard]] constexpr retype::result<void> free(St& st, std::uint32_t ri) noexcept {
        return inner_.free(st, ri);
    }
    template <class St>
    constexpr void reset(St& st, std::uint32_t root) noexcept {
        inner_.reset(st, root);
    }

private:
    retype::strategy::buddy inner_;
};

} // namespace example
