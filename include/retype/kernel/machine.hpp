// retype: the kernel model. A fixed-capacity table of untypeds and the objects
// retyped from them, with seL4's retype, delete and revoke semantics.
//
// Why batches: one retype of k non-untyped objects is one node (up to
// batch_objects objects, a bitmap tracks which are still alive), so a 2 GiB guest
// at 4 KiB frames costs 2048 nodes, not 524288. Untypeds are one node each,
// because each carries its own watermark.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/result.hpp>

#include <gsl/assert>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype::kernel {

/// One object in the model: the node that holds it and its index in the node's batch.
struct object_ref {
    std::uint32_t node = ~std::uint32_t{0};
    std::uint32_t index = 0;
    friend constexpr bool operator==(const object_ref&, const object_ref&) = default;
};

/// What a successful retype reports.
struct retype_outcome {
    retype_plan plan{};
    object_ref first{};          // the first new object; object i is at(first, i)
    std::uint64_t watermark = 0; // of the parent, afterwards
};

inline constexpr std::uint32_t batch_objects = 256;
inline constexpr std::uint32_t no_node = ~std::uint32_t{0};

/// Requires: Capacity >= 1. Complexity: retype O(k) for k objects, delete O(1),
/// revoke O(nodes in the revoked subtree), add_untyped O(boot untypeds), lookups O(1).
/// Each node links to its parent, its first child and its siblings, so revoke
/// walks only the subtree, as the kernel walks the MDB after the revoked cap.
template <std::size_t Capacity>
class machine {
    static_assert(Capacity >= 1 && Capacity < no_node, "retype: machine capacity out of range");

public:
    struct node {
        object_type type = object_type::untyped;
        bool live = false;
        std::uint8_t object_bits = 0;   // log2 of one object's size
        std::uint64_t size_bits = 0;    // the retype's size_bits argument (CNode radix, untyped size)
        paddr_t paddr = 0;              // of object 0
        std::uint32_t parent = no_node; // the untyped it came from; no_node for boot untypeds
        std::uint32_t next = no_node;   // next node of the same retype, or next free node
        std::uint32_t first_child =
            no_node; // children, newest first (the kernel inserts new caps right after the parent)
        std::uint32_t next_sibling = no_node; // also links the boot untypeds, which have no parent
        std::uint32_t prev_sibling = no_node;
        std::uint32_t count = 0; // objects in this node
        std::uint32_t live_count = 0;
        std::array<std::uint64_t, batch_objects / 64> alive{}; // bit i: object i still exists
        untyped_state ut{};                                    // only for untyped nodes
    };

    constexpr explicit machine(const config& cfg) noexcept : cfg_(cfg), free_count_(Capacity) {}

    [[nodiscard]] constexpr const config& cfg() const noexcept { return cfg_; }
    [[nodiscard]] constexpr arch_traits arch() const noexcept { return traits(cfg_); }
    [[nodiscard]] constexpr std::size_t free_nodes() const noexcept { return free_count_; }
    static constexpr std::size_t capacity() noexcept { return Capacity; }

    /// Declares an untyped as the kernel hands it over at boot: full, no children.
    /// Rejects what provide_untyped_cap would never create (size out of range, a
    /// pptr not aligned to the size, RAM outside the kernel window) and overlaps.
    [[nodiscard]] constexpr result<object_ref> add_untyped(paddr_t paddr, std::uint64_t size_bits,
                                                           bool device) noexcept {
        const arch_traits t = arch();
        if (size_bits < t.min_untyped_bits || size_bits > t.max_untyped_bits)
            return failure(range_error(t.min_untyped_bits, t.max_untyped_bits));
        const std::uint64_t size = std::uint64_t{1} << size_bits;
        if ((t.to_pptr(paddr) & (size - 1)) != 0) return failure(make_error(error_code::misaligned, paddr, size_bits));
        if (paddr > t.word_mask() || size - 1 > t.word_mask() - paddr)
            return failure(make_error(error_code::out_of_window, paddr, t.word_mask()));
        if (!device && !t.in_window(paddr, static_cast<unsigned>(size_bits)))
            return failure(make_error(error_code::out_of_window, paddr, t.paddr_top));
        for (std::uint32_t i = roots_; i != no_node; i = nodes_[i].next_sibling) {
            const node& n = nodes_[i];
            const std::uint64_t n_last = n.paddr + (n.ut.size() - 1);
            if (paddr <= n_last && n.paddr <= paddr + (size - 1))
                return failure(make_error(error_code::overlap, paddr, n.paddr));
        }
        if (free_count_ == 0) return failure(make_error(error_code::capacity_exhausted, 1, Capacity));
        const std::uint32_t id = take_node();
        node& n = nodes_[id];
        n.type = object_type::untyped;
        n.object_bits = static_cast<std::uint8_t>(size_bits);
        n.size_bits = size_bits;
        n.paddr = paddr;
        n.parent = no_node;
        n.count = 1;
        n.live_count = 1;
        n.alive = {};
        n.alive[0] = 1;
        n.ut = boot_untyped(paddr, static_cast<unsigned>(size_bits), device);
        link(roots_, id);
        return object_ref{id, 0};
    }

    /// seL4_Untyped_Retype on `ut`. On failure nothing changes.
    [[nodiscard]] constexpr result<retype_outcome> retype(object_ref ut, const retype_args& args) noexcept {
        if (!is_live(ut)) return failure(make_error(error_code::unknown_object));
        node& parent = nodes_[ut.node];
        if (parent.type != object_type::untyped) return failure(make_error(error_code::not_an_untyped));
        auto plan = decode_retype(cfg_, parent.ut, args);
        if (!plan) return failure(plan.error());
        const std::uint64_t needed = nodes_needed(args.type, plan->count);
        if (needed > free_count_) return failure(make_error(error_code::capacity_exhausted, needed, free_count_));
        // Commit: cannot fail from here on.
        invoke_retype(parent.ut, *plan);
        const std::uint64_t step = std::uint64_t{1} << plan->object_bits;
        std::uint32_t first = no_node;
        std::uint32_t prev = no_node;
        std::uint64_t made = 0;
        while (made < plan->count) {
            const std::uint32_t id = take_node();
            node& n = nodes_[id];
            const std::uint64_t k = args.type == object_type::untyped
                                        ? 1
                                        : (plan->count - made < batch_objects ? plan->count - made : batch_objects);
            n.type = args.type;
            n.object_bits = static_cast<std::uint8_t>(plan->object_bits);
            n.size_bits = args.size_bits;
            n.paddr = plan->paddr + made * step;
            n.parent = ut.node;
            n.next = no_node;
            n.count = static_cast<std::uint32_t>(k);
            n.live_count = static_cast<std::uint32_t>(k);
            n.alive = {};
            for (std::uint64_t i = 0; i < k; ++i) n.alive[i / 64] |= std::uint64_t{1} << (i % 64);
            n.ut = {};
            if (args.type == object_type::untyped)
                n.ut = untyped_state{n.paddr, static_cast<std::uint8_t>(plan->object_bits), parent.ut.device, 0, 0};
            link(parent.first_child, id);
            if (prev != no_node) nodes_[prev].next = id;
            if (first == no_node) first = id;
            prev = id;
            made += k;
        }
        return retype_outcome{*plan, object_ref{first, 0}, parent.ut.watermark()};
    }

    /// The i-th object of the retype whose first object is `first`.
    [[nodiscard]] constexpr object_ref at(object_ref first, std::uint64_t i) const noexcept {
        std::uint32_t id = first.node;
        std::uint64_t idx = first.index + i;
        while (id != no_node && idx >= nodes_[id].count) {
            idx -= nodes_[id].count;
            id = nodes_[id].next;
        }
        return id == no_node ? object_ref{} : object_ref{id, static_cast<std::uint32_t>(idx)};
    }

    /// Deletes the last capability to one object that has no children. Returns the
    /// parent's watermark as the next retype will see it (0 for a boot untyped).
    [[nodiscard]] constexpr result<std::uint64_t> remove(object_ref obj) noexcept {
        if (!is_live(obj)) return failure(make_error(error_code::unknown_object));
        node& n = nodes_[obj.node];
        if (n.type == object_type::untyped && n.ut.has_children())
            return failure(make_error(error_code::has_children, n.ut.children));
        n.alive[obj.index / 64] &= ~(std::uint64_t{1} << (obj.index % 64));
        --n.live_count;
        const std::uint32_t parent = n.parent;
        if (n.live_count == 0) {
            unlink(parent == no_node ? roots_ : nodes_[parent].first_child, obj.node);
            release_node(obj.node);
        }
        if (parent == no_node) return std::uint64_t{0};
        --nodes_[parent].ut.children;
        return nodes_[parent].ut.watermark();
    }

    /// seL4_CNode_Revoke on an untyped: every descendant goes. Returns its watermark (0).
    [[nodiscard]] constexpr result<std::uint64_t> revoke(object_ref ut) noexcept {
        if (!is_live(ut)) return failure(make_error(error_code::unknown_object));
        if (nodes_[ut.node].type != object_type::untyped) return failure(make_error(error_code::not_an_untyped));
        // Post-order walk that always takes the first child: release a leaf, go on
        // with its sibling, or climb back to its parent once that has no child left.
        std::uint32_t cur = nodes_[ut.node].first_child;
        while (cur != no_node) {
            if (nodes_[cur].first_child != no_node) {
                cur = nodes_[cur].first_child;
                continue;
            }
            const std::uint32_t sibling = nodes_[cur].next_sibling;
            const std::uint32_t up = nodes_[cur].parent;
            nodes_[up].first_child = sibling;
            if (sibling != no_node) nodes_[sibling].prev_sibling = no_node;
            release_node(cur);
            cur = sibling != no_node ? sibling : (up != ut.node ? up : no_node);
        }
        nodes_[ut.node].ut.children = 0;
        return nodes_[ut.node].ut.watermark();
    }

    [[nodiscard]] constexpr bool is_live(object_ref r) const noexcept {
        if (r.node >= Capacity) return false;
        const node& n = nodes_[r.node];
        return n.live && r.index < n.count && ((n.alive[r.index / 64] >> (r.index % 64)) & 1) != 0;
    }
    /// Requires: is_live(r).
    [[nodiscard]] constexpr const node& at(object_ref r) const noexcept {
        Expects(is_live(r));
        return nodes_[r.node];
    }
    /// Requires: is_live(r) and r is an untyped.
    [[nodiscard]] constexpr const untyped_state& untyped(object_ref r) const noexcept {
        Expects(is_live(r) && nodes_[r.node].type == object_type::untyped);
        return nodes_[r.node].ut;
    }
    /// Physical address of one object. Requires: is_live(r).
    [[nodiscard]] constexpr paddr_t paddr(object_ref r) const noexcept {
        Expects(is_live(r));
        return nodes_[r.node].paddr + (std::uint64_t{r.index} << nodes_[r.node].object_bits);
    }
    [[nodiscard]] constexpr const std::array<node, Capacity>& nodes() const noexcept { return nodes_; }

    friend constexpr bool operator==(const machine& a, const machine& b) noexcept {
        if (!(a.cfg_ == b.cfg_) || a.free_count_ != b.free_count_) return false;
        for (std::size_t i = 0; i < Capacity; ++i) {
            const node& x = a.nodes_[i];
            const node& y = b.nodes_[i];
            if (x.live != y.live) return false;
            if (x.live &&
                (x.type != y.type || x.paddr != y.paddr || x.object_bits != y.object_bits || x.parent != y.parent ||
                 x.count != y.count || x.live_count != y.live_count || x.alive != y.alive || !(x.ut == y.ut)))
                return false;
        }
        return true;
    }

private:
    [[nodiscard]] static constexpr std::uint64_t nodes_needed(object_type t, std::uint64_t count) noexcept {
        return t == object_type::untyped ? count : (count + batch_objects - 1) / batch_objects;
    }
    constexpr std::uint32_t take_node() noexcept {
        Expects(free_count_ != 0);
        std::uint32_t id = free_head_;
        if (id != no_node) {
            free_head_ = nodes_[id].next;
        } else {
            id = high_water_++; // never used yet: nothing to unlink, and no O(Capacity) set-up in the constructor
        }
        --free_count_;
        nodes_[id].live = true;
        nodes_[id].next = no_node;
        nodes_[id].first_child = no_node;
        nodes_[id].next_sibling = no_node;
        nodes_[id].prev_sibling = no_node;
        return id;
    }
    constexpr void release_node(std::uint32_t id) noexcept {
        nodes_[id].live = false;
        nodes_[id].live_count = 0;
        nodes_[id].alive = {};
        nodes_[id].next = free_head_;
        free_head_ = id;
        ++free_count_;
    }
    /// Pushes `id` at the head of the list starting at `head` (newest first).
    constexpr void link(std::uint32_t& head, std::uint32_t id) noexcept {
        nodes_[id].prev_sibling = no_node;
        nodes_[id].next_sibling = head;
        if (head != no_node) nodes_[head].prev_sibling = id;
        head = id;
    }
    constexpr void unlink(std::uint32_t& head, std::uint32_t id) noexcept {
        node& n = nodes_[id];
        if (n.prev_sibling != no_node)
            nodes_[n.prev_sibling].next_sibling = n.next_sibling;
        else
            head = n.next_sibling;
        if (n.next_sibling != no_node) nodes_[n.next_sibling].prev_sibling = n.prev_sibling;
        n.next_sibling = no_node;
        n.prev_sibling = no_node;
    }

    config cfg_;
    std::array<node, Capacity> nodes_{};
    std::uint32_t free_head_ = no_node; // released nodes
    std::uint32_t high_water_ = 0;      // nodes at and above were never used
    std::uint32_t roots_ = no_node;     // the boot untypeds
    std::size_t free_count_ = 0;
};

} // namespace retype::kernel
