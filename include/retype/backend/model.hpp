// retype: the kernel-model backend. Carries out the allocator's operations on
// kernel::machine (the constexpr model of seL4's retype, delete and revoke) and
// keeps the CSpace as a table from slot to model object, so that tests and the
// planner can ask where each object really is.
//
// Why a slot table: the allocator speaks slots, the model speaks object_refs;
// the table is the model's CSpace. It checks what seL4 checks on the
// destination window (an occupied slot is seL4_DeleteFirst) and reports the
// paddr the model placed object 0 at. A slot outside the table is
// error_code::out_of_window (value = the slot, limit = Slots - 1), retype's own
// code and not seL4_RangeError: the table's size is a limit of this model, not
// something the kernel would say, and a recorder wrapping the model must not
// write it down as a kernel error that a replay would answer differently.
#pragma once

#include <retype/backend/concept.hpp>
#include <retype/kernel/machine.hpp>
#include <retype/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype::backend {

/// Requires: Nodes >= 1, Slots >= 1. Every operation leaves the state unchanged
/// when it fails. Complexity: as kernel::machine, plus O(count) for a retype and
/// O(objects in the revoked subtree) for a revoke (the slots to clear are found
/// through the subtree, not by scanning the table).
template <std::size_t Nodes, std::size_t Slots>
class model {
public:
    constexpr explicit model(const kernel::config& cfg) noexcept : machine_(cfg) {}

    /// Corresponds to the bootinfo handing an untyped to the root task in slot s.
    [[nodiscard]] constexpr result<void> declare_untyped(slot_t s, kernel::paddr_t paddr, std::uint64_t size_bits,
                                                         bool device) noexcept {
        if (s >= Slots) return failure(outside(s));
        if (occupied(s)) return failure(error{.code = error_code::delete_first, .value = s});
        auto ref = machine_.add_untyped(paddr, size_bits, device);
        if (!ref) return failure(ref.error());
        slots_[s] = *ref;
        node_slot_[ref->node] = s;
        return {};
    }

    /// Can the table hold slots [first, first + count)? The allocator asks in
    /// add_slots. Error: cspace_too_small (value = the first slot it cannot
    /// hold, limit = Slots - 1).
    [[nodiscard]] constexpr result<void> holds_slots(slot_t first, std::uint64_t count) const noexcept {
        if (first >= Slots) return failure(make_error(error_code::cspace_too_small, first, Slots - 1));
        if (count > Slots - first) return failure(make_error(error_code::cspace_too_small, Slots, Slots - 1));
        return {};
    }

    /// Corresponds to seL4_Untyped_Retype(untyped, type, size_bits, root, 0, 0, dest, count).
    [[nodiscard]] constexpr result<retype_report> untyped_retype(const retype_call& c) noexcept {
        if (c.untyped >= Slots) return failure(outside(c.untyped));
        if (!occupied(c.untyped)) return failure(error{.code = error_code::failed_lookup});
        if (c.count > Slots || c.dest > Slots - c.count)
            return failure(outside(c.dest < Slots ? Slots : c.dest)); // the first slot past the table
        for (std::uint64_t i = 0; i < c.count; ++i)
            if (occupied(c.dest + i)) return failure(error{.code = error_code::delete_first, .value = c.dest + i});
        auto out = machine_.retype(slots_[c.untyped],
                                   kernel::retype_args{.type = c.type, .size_bits = c.size_bits, .count = c.count});
        if (!out) return failure(out.error());
        // Object i of the retype: walk the model's batch nodes in order.
        kernel::object_ref r = out->first;
        for (std::uint64_t i = 0; i < c.count; ++i) {
            slots_[c.dest + i] = r;
            if (r.index == 0) node_slot_[r.node] = c.dest + i; // a node's objects sit in consecutive slots
            const auto& n = machine_.nodes()[r.node];
            if (r.index + 1 < n.count)
                ++r.index;
            else
                r = kernel::object_ref{n.next, 0};
        }
        return retype_report{true, out->plan.paddr};
    }

    /// Corresponds to seL4_CNode_Delete on slot s.
    [[nodiscard]] constexpr result<void> cnode_delete(slot_t s) noexcept {
        if (s >= Slots) return failure(outside(s));
        if (!occupied(s)) return {}; // deleting an empty slot succeeds in seL4
        auto r = machine_.remove(slots_[s]);
        if (!r) return failure(r.error());
        slots_[s] = kernel::object_ref{};
        return {};
    }

    /// Corresponds to seL4_CNode_Revoke on slot s: every descendant goes.
    [[nodiscard]] constexpr result<void> cnode_revoke(slot_t s) noexcept {
        if (s >= Slots) return failure(outside(s));
        if (!occupied(s)) return {};
        const kernel::object_ref ut = slots_[s];
        // The machine refuses only a dead object or a non-untyped, and then changes
        // nothing; otherwise it cannot fail, so the descendants' slots are cleared
        // first, while the subtree is still linked.
        const bool can_revoke = machine_.is_live(ut) && machine_.nodes()[ut.node].type == kernel::object_type::untyped;
        if (can_revoke) clear_descendants(ut.node);
        auto r = machine_.revoke(ut);
        if (!r) return failure(r.error());
        return {};
    }

    [[nodiscard]] constexpr bool occupied(slot_t s) const noexcept {
        return s < Slots && slots_[s].node != kernel::no_node;
    }
    /// Requires: occupied(s).
    [[nodiscard]] constexpr kernel::paddr_t paddr(slot_t s) const noexcept { return machine_.paddr(slots_[s]); }
    /// Requires: occupied(s).
    [[nodiscard]] constexpr const typename kernel::machine<Nodes>::node& object(slot_t s) const noexcept {
        return machine_.at(slots_[s]);
    }
    [[nodiscard]] constexpr const kernel::machine<Nodes>& machine() const noexcept { return machine_; }

    friend constexpr bool operator==(const model& a, const model& b) noexcept {
        return a.machine_ == b.machine_ && a.slots_ == b.slots_;
    }

private:
    /// Empties the slot of every live object below `root`: a pre-order walk of
    /// the machine's child/sibling links (read only).
    constexpr void clear_descendants(std::uint32_t root) noexcept {
        const auto& ns = machine_.nodes();
        std::uint32_t cur = ns[root].first_child;
        while (cur != kernel::no_node) {
            for (std::uint32_t i = 0; i < ns[cur].count; ++i) {
                const slot_t at = node_slot_[cur] + i;
                if (at < Slots && slots_[at] == kernel::object_ref{cur, i}) slots_[at] = kernel::object_ref{};
            }
            if (ns[cur].first_child != kernel::no_node) {
                cur = ns[cur].first_child;
                continue;
            }
            while (cur != root && ns[cur].next_sibling == kernel::no_node) cur = ns[cur].parent;
            cur = cur == root ? kernel::no_node : ns[cur].next_sibling;
        }
    }

    [[nodiscard]] static constexpr error outside(slot_t s) noexcept {
        return make_error(error_code::out_of_window, s, Slots - 1);
    }

    kernel::machine<Nodes> machine_;
    std::array<kernel::object_ref, Slots> slots_{};
    // Slot of object 0 of each node, for revoke; meaningful only for nodes that
    // hold live objects, so it is not part of the compared state.
    std::array<slot_t, Nodes> node_slot_{};
};

static_assert(backend<model<1, 1>>);

} // namespace retype::backend
