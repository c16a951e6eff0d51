// retype bench baseline: an allocman-style split allocator (libsel4allocman
// utspace_split), written here from the published description in
// /work/shared/domain/peers.md section 1.1. Nothing of allocman's code is used.
//
// What it reproduces, because the benchmarks compare against exactly this:
// - a binary buddy system whose blocks are real untyped caps: a block of size s
//   comes from splitting a block of size s+1 with two Untyped_Retype calls (one
//   untyped of size s each), recursively up to a free block;
// - one heap node per block, the same seven-word-path-plus-seven-words layout as
//   allocman's node (112 B on LP64), allocated from a K&R heap (128 B each with
//   the header and 16-B rounding), and one CSpace slot per node;
// - free lists per size and per family (kernel RAM, device, device RAM), LIFO,
//   left half on top so consecutive allocations ascend in paddr;
// - a fixed paddr is found by scanning every free list of a family (all 64
//   sizes), then by scanning each level's list while splitting towards it;
// - free merges buddies: when the sibling is free too, both caps are deleted,
//   their slots and nodes freed, and the parent freed in turn.
// - allocate and free are not inlined into the caller: a VMM reaches them
//   through vka's and allocman's function-pointer interfaces (utspace.alloc).
// Not check-then-commit (allocman is not either): a backend failure half way
// leaves the blocks split so far on the free lists, which is still consistent.
#pragma once

#include "kr_heap.hpp"
#include "slot_table.hpp"

#include <retype/backend/concept.hpp>
#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype::bench {

/// allocman's three untyped families.
enum class ut_family : std::uint8_t { ram, device, device_ram };

inline constexpr kernel::paddr_t no_paddr = ~kernel::paddr_t{0};

template <backend::backend B>
class split_allocator {
public:
    /// Same shape as libsel4vka's cspacepath_t: seven words, of which the
    /// benchmarks only need the slot.
    struct cspace_path {
        backend::slot_t cap_ptr = 0;
        std::uint64_t cap_depth = 0, root = 0, dest = 0, dest_depth = 0, offset = 0, window = 0;
    };
    struct node {
        cspace_path ut;         // the untyped cap of this block
        node* parent = nullptr; // the block this one was split from (kept, as allocated)
        node* sibling = nullptr;
        node** taken_from = nullptr; // non-null while allocated or split: the list it left
        node** home = nullptr;       // the list this block belongs on
        kernel::paddr_t paddr = 0;
        node* next = nullptr; // free-list links while free
        node* prev = nullptr;
    };
    static_assert(sizeof(void*) != 8 || sizeof(node) == 112, "retype bench: split node must be 112 B on LP64");

    /// What an allocation hands back: the node (allocman's cookie) and the object's slot.
    struct allocation {
        node* cookie = nullptr;
        backend::slot_t slot = 0;
        kernel::paddr_t paddr = 0;
    };

    /// `heap_bytes`: the mempool; `slots`: the single-level CNode size.
    split_allocator(B& b, const kernel::config& cfg, std::size_t heap_bytes, std::size_t slots)
        : backend_(&b), cfg_(cfg), word_bits_(kernel::traits(cfg).word_bits), heap_(heap_bytes), slots_(slots) {}
    split_allocator(const split_allocator&) = delete;
    split_allocator& operator=(const split_allocator&) = delete;

    /// Hands an initial untyped to the allocator: a slot, the backend's declaration, a node.
    [[nodiscard]] result<void> add_untyped(kernel::paddr_t paddr, unsigned size_bits, ut_family family) {
        if (size_bits >= 64) return failure(range_error(0, 63));
        backend::slot_t s = 0;
        if (!slots_.allocate(s)) return failure(make_error(error_code::capacity_exhausted, 1, slots_.capacity()));
        void* mem = heap_.allocate(sizeof(node));
        if (!mem) {
            slots_.release(s);
            return failure(make_error(error_code::capacity_exhausted, sizeof(node), heap_.pool_bytes()));
        }
        if (auto r = backend_->declare_untyped(s, paddr, size_bits, family != ut_family::ram); !r) {
            heap_.deallocate(mem);
            slots_.release(s);
            return failure(r.error());
        }
        node* n = new (mem) node{};
        n->ut.cap_ptr = s;
        n->paddr = paddr;
        n->home = &heads(family)[size_bits];
        push(n);
        return {};
    }

    /// allocman_utspace_alloc(_at) plus the caller's slot: an object of `type`.
    [[nodiscard, gnu::noinline]] result<allocation> allocate(kernel::object_type type, std::uint64_t size_bits,
                                                             kernel::paddr_t paddr = no_paddr,
                                                             bool can_be_dev = false) {
        if (!kernel::exists(cfg_, type)) return failure(invalid_argument(0));
        const std::uint64_t bits = kernel::object_bits(cfg_, type, size_bits);
        if (bits == 0 || bits >= word_bits_ - 2) return failure(range_error(0, word_bits_ - 3));
        const unsigned b = static_cast<unsigned>(bits);
        node** list = nullptr;
        node* n = nullptr;
        if (paddr != no_paddr) {
            if (paddr & ((std::uint64_t{1} << b) - 1)) return failure(make_error(error_code::misaligned, paddr, b));
            if (can_be_dev) {
                list = family_covering(heads(ut_family::device), paddr, b);
                if (!list) list = family_covering(heads(ut_family::device_ram), paddr, b);
            }
            if (!list) list = family_covering(heads(ut_family::ram), paddr, b);
            if (!list) return failure(make_error(error_code::out_of_window, paddr));
            if (auto r = refill(list, b, paddr); !r) return failure(r.error());
            for (n = list[b]; n && n->paddr != paddr; n = n->next) {
            }
        } else {
            if (can_be_dev && refill(heads(ut_family::device_ram), b, no_paddr)) list = heads(ut_family::device_ram);
            if (!list) {
                list = heads(ut_family::ram);
                if (auto r = refill(list, b, no_paddr); !r) return failure(r.error());
            }
            n = list[b];
        }
        if (!n) return failure(make_error(error_code::no_fit, paddr, b));
        backend::slot_t s = 0;
        if (!slots_.allocate(s)) return failure(make_error(error_code::capacity_exhausted, 1, slots_.capacity()));
        const backend::retype_call call{n->ut.cap_ptr, type, size_bits, s, 1};
        if (auto r = backend_->untyped_retype(call); !r) {
            slots_.release(s);
            return failure(r.error());
        }
        unlink(n);
        ++objects_;
        return allocation{n, s, n->paddr};
    }

    /// The caller's cap goes first (allocman requires it), then the block is freed.
    [[nodiscard, gnu::noinline]] result<void> free(const allocation& a) {
        if (auto r = backend_->cnode_delete(a.slot); !r) return failure(r.error());
        slots_.release(a.slot);
        --objects_;
        return free_block(a.cookie);
    }

    // Footprint.
    [[nodiscard]] std::size_t heap_bytes() const noexcept { return heap_.bytes_in_use(); }
    [[nodiscard]] std::size_t heap_peak_bytes() const noexcept { return heap_.peak_bytes(); }
    [[nodiscard]] std::size_t nodes() const noexcept { return heap_.live_blocks(); }
    [[nodiscard]] std::size_t objects() const noexcept { return objects_; }
    /// Bookkeeping bytes: heap in use, the slot bitmap, the object itself.
    [[nodiscard]] std::size_t metadata_bytes() const noexcept {
        return heap_.bytes_in_use() + slots_.bitmap_bytes() + sizeof(*this);
    }
    /// Slots holding caps now: one per node plus one per object.
    [[nodiscard]] std::size_t slots_used() const noexcept { return slots_.used(); }
    [[nodiscard]] std::size_t heap_free_chunks() const noexcept { return heap_.free_chunks(); }

private:
    [[nodiscard]] node** heads(ut_family f) noexcept { return heads_[static_cast<std::size_t>(f)].data(); }

    static bool covers(const node* n, kernel::paddr_t paddr, unsigned bits) noexcept {
        return n->paddr <= paddr && paddr - n->paddr < (std::uint64_t{1} << bits);
    }

    /// find_head_for_paddr: every list of the family from size 0 up (the real one
    /// starts at 0, not at the request's size), every node, until one covers the request.
    node** family_covering(node** list, kernel::paddr_t paddr, unsigned bits) const noexcept {
        const std::uint64_t last = paddr + ((std::uint64_t{1} << bits) - 1);
        for (unsigned i = 0; i < 64; ++i)
            for (const node* n = list[i]; n; n = n->next)
                if (n->paddr <= paddr && last <= n->paddr + ((std::uint64_t{1} << i) - 1)) return list;
        return nullptr;
    }

    void push(node* n) noexcept {
        node** head = n->home;
        n->prev = nullptr;
        n->next = *head;
        if (*head) (*head)->prev = n;
        *head = n;
        n->taken_from = nullptr;
    }
    void unlink(node* n) noexcept {
        if (n->prev)
            n->prev->next = n->next;
        else
            *n->home = n->next;
        if (n->next) n->next->prev = n->prev;
        n->taken_from = n->home;
    }

    node* new_node() {
        void* mem = heap_.allocate(sizeof(node));
        if (!mem) return nullptr;
        backend::slot_t s = 0;
        if (!slots_.allocate(s)) {
            heap_.deallocate(mem);
            return nullptr;
        }
        node* n = new (mem) node{};
        n->ut.cap_ptr = s;
        return n;
    }
    /// Frees a node's memory and slot; deletes its cap first when it holds one.
    result<void> delete_node(node* n, bool has_cap) {
        if (has_cap)
            if (auto r = backend_->cnode_delete(n->ut.cap_ptr); !r) return r;
        slots_.release(n->ut.cap_ptr);
        n->~node();
        heap_.deallocate(n);
        return {};
    }

    /// Makes sure list[bits] holds a block (covering paddr, when given), splitting a larger one.
    result<void> refill(node** list, unsigned bits, kernel::paddr_t paddr) {
        if (paddr == no_paddr) {
            if (list[bits]) return {};
        } else {
            for (const node* n = list[bits]; n; n = n->next)
                if (covers(n, paddr, bits)) return {};
        }
        if (bits + 1 >= word_bits_ - 2) return failure(make_error(error_code::no_fit, paddr, bits));
        if (auto r = refill(list, bits + 1, paddr); !r) return r;
        node* parent = list[bits + 1];
        if (paddr != no_paddr)
            while (parent && !covers(parent, paddr, bits + 1)) parent = parent->next;
        if (!parent) return failure(make_error(error_code::no_fit, paddr, bits));
        node* left = new_node();
        if (!left) return failure(make_error(error_code::capacity_exhausted, sizeof(node), heap_.pool_bytes()));
        node* right = new_node();
        if (!right) {
            (void)delete_node(left, false);
            return failure(make_error(error_code::capacity_exhausted, sizeof(node), heap_.pool_bytes()));
        }
        const backend::retype_call lcall{parent->ut.cap_ptr, kernel::object_type::untyped, bits, left->ut.cap_ptr, 1};
        if (auto r = backend_->untyped_retype(lcall); !r) {
            (void)delete_node(left, false);
            (void)delete_node(right, false);
            return failure(r.error());
        }
        const backend::retype_call rcall{parent->ut.cap_ptr, kernel::object_type::untyped, bits, right->ut.cap_ptr, 1};
        if (auto r = backend_->untyped_retype(rcall); !r) {
            (void)delete_node(left, true);
            (void)delete_node(right, false);
            return failure(r.error());
        }
        unlink(parent);
        left->parent = right->parent = parent;
        left->sibling = right;
        right->sibling = left;
        left->home = right->home = &list[bits];
        left->paddr = parent->paddr;
        right->paddr = parent->paddr + (std::uint64_t{1} << bits);
        push(right);
        push(left); // on top: the next allocation takes the lower address
        return {};
    }

    result<void> free_block(node* n) {
        node* parent = n->parent;
        if (parent && n->sibling->taken_from == nullptr) {
            node* sib = n->sibling;
            unlink(sib);
            if (auto r = delete_node(sib, true); !r) return r;
            if (auto r = delete_node(n, true); !r) return r;
            return free_block(parent);
        }
        push(n);
        return {};
    }

    B* backend_;
    kernel::config cfg_;
    unsigned word_bits_;
    std::array<std::array<node*, 64>, 3> heads_{}; // 3 x 64 list heads = 1.5 KiB, as allocman
    kr_heap heap_;
    slot_table slots_;
    std::size_t objects_ = 0;
};

} // namespace retype::bench
