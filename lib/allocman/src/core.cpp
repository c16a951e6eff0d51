// retype_allocman: the allocator (see core.hpp for the design in short, and
// docs/c-allocman.md). Object sizes and type numbers come from retype's kernel
// model (kernel/object_type.hpp) for the configured kernel.
#include "core.hpp"

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>

#include <bit>

#ifndef RETYPE_ALLOCMAN_ARCH
#define RETYPE_ALLOCMAN_ARCH aarch64_hyp
#endif
#ifndef RETYPE_ALLOCMAN_MCS
#define RETYPE_ALLOCMAN_MCS 0
#endif

namespace retype::allocman {
namespace {

constexpr kernel::config cfg{.target = kernel::arch::RETYPE_ALLOCMAN_ARCH, .mcs = RETYPE_ALLOCMAN_MCS != 0};
static_assert(kernel::traits(cfg).word_bits == word_bits, "RETYPE_ALLOCMAN_ARCH does not match the word size");

constexpr std::uint32_t magic = 0x72747970; // "rtyp"

// The static area: every instance's blocks, one free-descriptor list. Zero
// initialised (no constructor runs): next_unused counts descriptors never used.
struct pool {
    block blocks[block_capacity];
    std::uint32_t free_head_plus1; // released descriptors (index + 1, 0 = none)
    std::uint32_t next_unused;
    std::uint32_t in_use;
    std::uint32_t peak;
    std::uint8_t next_tag;
    std::size_t kernel_calls;
};
constinit pool g{};

constexpr word bit(unsigned b) noexcept { return word{1} << b; }
constexpr word align_up(word v, unsigned b) noexcept { return (v + bit(b) - 1) & ~(bit(b) - 1); }

block& at(std::uint32_t i) noexcept { return g.blocks[i]; }

std::size_t available() noexcept { return block_capacity - g.in_use; }

std::uint32_t take() noexcept {
    std::uint32_t i = no_block;
    if (g.free_head_plus1 != 0) {
        i = g.free_head_plus1 - 1;
        g.free_head_plus1 = at(i).next;
    } else if (g.next_unused < block_capacity) {
        i = g.next_unused++;
    } else {
        return no_block;
    }
    if (++g.in_use > g.peak) g.peak = g.in_use;
    at(i) = block{};
    return i;
}

void release(std::uint32_t i) noexcept {
    at(i).st = static_cast<std::uint8_t>(state::unused);
    at(i).next = g.free_head_plus1;
    g.free_head_plus1 = i + 1;
    --g.in_use;
}

std::uint32_t first(const instance& in, unsigned k, unsigned bits) noexcept {
    const head_t h = in.heads[k][bits];
    return h == no_head ? no_block : h;
}
void set_first(instance& in, const block& b, std::uint32_t i) noexcept {
    in.heads[b.kind][b.bits] = i == no_block ? no_head : static_cast<head_t>(i);
}

void push_free(instance& in, std::uint32_t i) noexcept {
    block& b = at(i);
    b.st = static_cast<std::uint8_t>(state::free);
    b.water = 0;
    b.live = 0;
    const std::uint32_t h = first(in, b.kind, b.bits);
    b.prev = no_block;
    b.next = h;
    if (h != no_block) at(h).prev = i;
    set_first(in, b, i);
}

void unlink_free(instance& in, std::uint32_t i) noexcept {
    block& b = at(i);
    if (b.prev != no_block)
        at(b.prev).next = b.next;
    else
        set_first(in, b, b.next);
    if (b.next != no_block) at(b.next).prev = b.prev;
    b.next = b.prev = no_block;
}

int kernel_retype(word ut, word type, word sel4_bits, const path& dest) noexcept {
    ++g.kernel_calls;
    return retype_allocman_kernel_retype(ut, type, sel4_bits, dest.root, dest.dest, dest.destDepth, dest.offset);
}

int kernel_delete(const instance& in, word cptr) noexcept {
    ++g.kernel_calls;
    return retype_allocman_kernel_delete(in.root, cptr, in.cap_depth);
}

path slot_path(const instance& in, word cptr) noexcept {
    // Both allocman cspaces (single_level.c, two_level.c) free by capPtr alone.
    return path{cptr, in.cap_depth, in.root, 0, 0, 0, 1};
}

bool kind_allowed(const block& b, bool can_be_dev) noexcept {
    return can_be_dev || b.kind == static_cast<std::uint8_t>(kind::kernel);
}

/// Whether the object can sit at p inside b: inside, and at an offset aligned
/// to its size. The kernel aligns kernel-virtual addresses, and a block's pptr is
/// aligned to its size, so the offset (not p itself) must be aligned: on x86_64
/// and aarch64 a device untyped above 2^39 can be pptr-aligned but not paddr-aligned.
bool contains(const block& b, word p, unsigned obj_bits) noexcept {
    if (b.paddr == no_paddr || p < b.paddr || obj_bits > b.bits) return false;
    const word off = p - b.paddr;
    return off <= bit(b.bits) - bit(obj_bits) && (off & (bit(obj_bits) - 1)) == 0;
}

// Objects at a non-zero offset must fit the cookie (only limits 32-bit).
bool encodable(const block& b) noexcept { return b.bits <= offset_bits + offset_shift; }

word cookie(std::uint32_t i, word offset) noexcept { return ((offset >> offset_shift) << index_bits) | (i + 1); }

/// Whether the slot can hold one of our untypeds: our deletes use one root and
/// depth for every block we make (the first slot's).
bool own_slot(instance& in, const path& p) noexcept {
    if (in.has_root == 0) {
        in.root = p.root;
        in.cap_depth = p.capDepth;
        in.has_root = 1;
    }
    return p.root == in.root && p.capDepth == in.cap_depth;
}

/// Halves FREE block i into two FREE halves (left on top of its free list).
/// Two slots, two retypes. On failure nothing changes and false is returned.
bool halve(instance& in, const slot_source& slots, std::uint32_t i) noexcept {
    if (at(i).bits <= kernel::traits(cfg).min_untyped_bits || available() < 2) return false;
    path l{};
    path r{};
    if (slots.alloc(slots.ctx, &l) != 0) return false;
    if (slots.alloc(slots.ctx, &r) != 0) {
        slots.release(slots.ctx, &l);
        return false;
    }
    const auto give_back = [&] {
        slots.release(slots.ctx, &l);
        slots.release(slots.ctx, &r);
        return false;
    };
    // The slot allocator may re-enter allocman (and so this instance): look again.
    if (at(i).st != static_cast<std::uint8_t>(state::free) || available() < 2) return give_back();
    if (!own_slot(in, l) || !own_slot(in, r)) return give_back();
    const unsigned hb = at(i).bits - 1u;
    if (kernel_retype(at(i).cptr, 0, hb, l) != 0) return give_back();
    if (kernel_retype(at(i).cptr, 0, hb, r) != 0) {
        (void)kernel_delete(in, l.capPtr);
        return give_back();
    }
    const std::uint32_t li = take();
    const std::uint32_t ri = take();
    block& p = at(i);
    unlink_free(in, i);
    p.st = static_cast<std::uint8_t>(state::split);
    const word half = bit(hb);
    for (std::uint32_t k = 0; k < 2; ++k) {
        block& c = at(k == 0 ? li : ri);
        c.cptr = k == 0 ? l.capPtr : r.capPtr;
        c.paddr = p.paddr == no_paddr ? no_paddr : p.paddr + (k == 0 ? 0 : half);
        c.bits = static_cast<std::uint8_t>(hb);
        c.kind = p.kind;
        c.owner = p.owner;
        c.parent = i;
        c.sibling = k == 0 ? ri : li;
    }
    push_free(in, ri);
    push_free(in, li);
    return true;
}

/// Retypes one object from block i at `offset` (FREE: 0; USED: its aligned watermark).
word retype_from(instance& in, std::uint32_t i, word offset, word type, word sel4_bits, unsigned obj_bits,
                 const path& dest, int* error) noexcept {
    if (kernel_retype(at(i).cptr, type, sel4_bits, dest) != 0) {
        if (error) *error = 1;
        return 0;
    }
    block& b = at(i);
    if (b.st == static_cast<std::uint8_t>(state::free)) {
        unlink_free(in, i);
        b.st = static_cast<std::uint8_t>(state::used);
        b.live = 0;
    }
    b.water = offset + bit(obj_bits);
    ++b.live;
    if (error) *error = 0;
    return cookie(i, offset);
}

/// The FREE block that holds [p, p + 2^obj_bits), in allocman's kind order.
std::uint32_t free_block_at(instance& in, word p, unsigned obj_bits, bool can_be_dev) noexcept {
    const kind order[3] = {kind::dev, kind::dev_mem, kind::kernel};
    for (kind k : order) {
        if (k != kind::kernel && !can_be_dev) continue;
        for (unsigned b = obj_bits; b < word_bits; ++b)
            for (std::uint32_t i = first(in, static_cast<unsigned>(k), b); i != no_block; i = at(i).next)
                if (contains(at(i), p, obj_bits)) return i;
    }
    return no_block;
}

/// The smallest FREE block of at least 2^obj_bits: DEV_MEM first when allowed, then KERNEL.
std::uint32_t smallest_free(instance& in, unsigned obj_bits, bool can_be_dev) noexcept {
    const kind order[2] = {kind::dev_mem, kind::kernel};
    for (kind k : order) {
        if (k != kind::kernel && !can_be_dev) continue;
        for (unsigned b = obj_bits; b < word_bits; ++b)
            if (const std::uint32_t i = first(in, static_cast<unsigned>(k), b); i != no_block) return i;
    }
    return no_block;
}

/// Whether USED block i of this instance takes the object at its aligned
/// watermark (at paddr p if p != no_paddr); the offset in `offset`.
bool tail_fits(const instance& in, std::uint32_t i, word p, unsigned obj_bits, bool can_be_dev, word& offset) noexcept {
    const block& b = at(i);
    if (b.st != static_cast<std::uint8_t>(state::used) || b.owner != in.tag || !kind_allowed(b, can_be_dev))
        return false;
    if (obj_bits > b.bits || !encodable(b)) return false;
    if (p == no_paddr && b.kind == static_cast<std::uint8_t>(kind::dev)) return false; // DEV only by paddr
    const word off = align_up(b.water, obj_bits);
    if (off > bit(b.bits) - bit(obj_bits)) return false;
    if (p != no_paddr && (b.paddr == no_paddr || b.paddr + off != p)) return false;
    offset = off;
    return true;
}

/// A USED block whose tail takes the object: the current stream block first,
/// then a scan of the static area (only when no FREE block can serve).
std::uint32_t used_tail(const instance& in, word p, unsigned obj_bits, bool can_be_dev, word& offset) noexcept {
    if (in.stream != no_block && tail_fits(in, in.stream, p, obj_bits, can_be_dev, offset)) return in.stream;
    for (std::uint32_t i = 0; i < g.next_unused; ++i)
        if (tail_fits(in, i, p, obj_bits, can_be_dev, offset)) return i;
    return no_block;
}

struct request {
    word type;
    word sel4_bits;
    unsigned bits;
};

bool decode(word type, std::size_t size_bits, request& out) noexcept {
    if (size_bits == 0 || size_bits >= word_bits) return false;
    for (kernel::object_type t : kernel::all_object_types) {
        const auto n = kernel::sel4_type_number(cfg, t);
        if (!n || *n != type) continue;
        const auto tr = kernel::traits(cfg);
        word sel4 = size_bits;
        if (t == kernel::object_type::cnode) {
            if (size_bits <= tr.slot_bits) return false;
            sel4 = size_bits - tr.slot_bits;
        } else if (t == kernel::object_type::untyped) {
            if (size_bits < tr.min_untyped_bits || size_bits > tr.max_untyped_bits) return false;
        }
        // Fixed-size objects: split.c passes the object's own size (vka_get_object_size).
        if (kernel::object_bits(cfg, t, sel4) != size_bits) return false;
        out = request{type, sel4, static_cast<unsigned>(size_bits)};
        return true;
    }
    return false;
}

bool continues_run(const instance& in, const request& r, word p, bool can_be_dev) noexcept {
    if (in.run_len == 0 || in.run_type != r.type || in.run_bits != r.bits || (in.run_dev != 0) != can_be_dev)
        return false;
    return p == no_paddr ? in.run_next == no_paddr : in.run_next == p;
}

void note_run(instance& in, const request& r, word p, bool can_be_dev, bool continued) noexcept {
    in.run_len = continued ? in.run_len + 1 : 1;
    in.run_type = r.type;
    in.run_bits = static_cast<std::uint8_t>(r.bits);
    in.run_dev = can_be_dev ? 1 : 0;
    const word end = p + bit(r.bits);
    in.run_next = p == no_paddr || end < p ? no_paddr : end;
}

/// The USED block of this instance whose tail, above the watermark, holds the object at p.
std::uint32_t tail_holding(const instance& in, word p, unsigned obj_bits, bool can_be_dev) noexcept {
    for (std::uint32_t i = 0; i < g.next_unused; ++i) {
        const block& b = at(i);
        if (b.st != static_cast<std::uint8_t>(state::used) || b.owner != in.tag || !kind_allowed(b, can_be_dev) ||
            !encodable(b) || !contains(b, p, obj_bits))
            continue;
        if (p - b.paddr >= b.water) return i;
    }
    return no_block;
}

/// log2 of the largest untyped that can start at offset w and ends by `end`.
unsigned piece_bits(word w, word end, unsigned block_bits) noexcept {
    const unsigned align = w == 0 ? block_bits : static_cast<unsigned>(std::countr_zero(w));
    const unsigned room = static_cast<unsigned>(std::bit_width(end - w)) - 1u;
    return align < room ? align : room;
}

/// An object at p inside a stream block's tail, above its watermark: the gap is
/// filled with untyped children of the block (padding blocks: FREE, usable by
/// any request), largest aligned first, one retype each, then the object is
/// retyped at p. The block's memory comes back once its objects are gone and
/// every padding block is FREE again (free: collapse_pads).
word alloc_in_tail(instance& in, const slot_source& slots, const request& r, const path& dest, word p, bool can_be_dev,
                   int* error) noexcept {
    const std::uint32_t u = tail_holding(in, p, r.bits, can_be_dev);
    if (u == no_block) return 0;
    const word off = p - at(u).paddr;
    std::size_t pieces = 0;
    for (word w = at(u).water; w < off; w += bit(piece_bits(w, off, at(u).bits))) ++pieces;
    if (available() < pieces) return 0;
    while (at(u).water < off) {
        const word w = at(u).water;
        const unsigned pb = piece_bits(w, off, at(u).bits);
        path s{};
        if (slots.alloc(slots.ctx, &s) != 0) return 0;
        // The slot allocator may re-enter: the block must be as it was.
        if (at(u).st != static_cast<std::uint8_t>(state::used) || at(u).water != w || available() == 0 ||
            !own_slot(in, s) || kernel_retype(at(u).cptr, 0, pb, s) != 0) {
            slots.release(slots.ctx, &s);
            return 0; // the pieces made so far stay: FREE blocks, consistent
        }
        const std::uint32_t j = take();
        block& c = at(j);
        block& b = at(u);
        c.cptr = s.capPtr;
        c.paddr = b.paddr + w;
        c.bits = static_cast<std::uint8_t>(pb);
        c.kind = b.kind;
        c.owner = b.owner;
        c.parent = u;
        c.sibling = no_block;
        b.water = w + bit(pb);
        ++b.live;
        ++in.pads;
        push_free(in, j);
    }
    return retype_from(in, u, off, r.type, r.sel4_bits, r.bits, dest, error);
}

word alloc_at(instance& in, const slot_source& slots, const request& r, const path& dest, word p, bool can_be_dev,
              bool streaming, int* error) noexcept {
    // The stream's watermark first: O(1) per page of an ascending run. Memory
    // at a USED block's watermark is in no FREE block, so this is its only way.
    word off = 0;
    if (in.stream != no_block && tail_fits(in, in.stream, p, r.bits, can_be_dev, off))
        return retype_from(in, in.stream, off, r.type, r.sel4_bits, r.bits, dest, error);
    std::uint32_t i = free_block_at(in, p, r.bits, can_be_dev);
    if (i == no_block) {
        const std::uint32_t u = used_tail(in, p, r.bits, can_be_dev, off);
        if (u == no_block) return alloc_in_tail(in, slots, r, dest, p, can_be_dev, error);
        if (streaming) in.stream = u;
        return retype_from(in, u, off, r.type, r.sel4_bits, r.bits, dest, error);
    }
    // Split mode halves down to the object's size; stream mode only until the block starts at p.
    while (streaming ? (at(i).paddr != p || !encodable(at(i))) : at(i).bits > r.bits) {
        // Out of descriptors: serve at the block's watermark instead of halving.
        if (available() < 2 && at(i).paddr == p && encodable(at(i))) break;
        if (!halve(in, slots, i)) return 0;
        const std::uint32_t l = free_block_at(in, p, r.bits, can_be_dev);
        if (l == no_block) return 0;
        i = l;
    }
    if (streaming) in.stream = i;
    return retype_from(in, i, 0, r.type, r.sel4_bits, r.bits, dest, error);
}

word alloc_any(instance& in, const slot_source& slots, const request& r, const path& dest, bool can_be_dev,
               bool streaming, int* error) noexcept {
    word off = 0;
    if (streaming && in.stream != no_block) {
        const std::uint32_t u = used_tail(in, no_paddr, r.bits, can_be_dev, off);
        if (u == in.stream) return retype_from(in, u, off, r.type, r.sel4_bits, r.bits, dest, error);
    }
    std::uint32_t i = smallest_free(in, r.bits, can_be_dev);
    if (i != no_block) {
        while (streaming ? !encodable(at(i)) : at(i).bits > r.bits) {
            if (available() < 2 && encodable(at(i))) break; // out of descriptors: at the watermark
            if (!halve(in, slots, i)) return 0;
            i = smallest_free(in, r.bits, can_be_dev);
        }
        if (streaming) in.stream = i;
        return retype_from(in, i, 0, r.type, r.sel4_bits, r.bits, dest, error);
    }
    const std::uint32_t u = used_tail(in, no_paddr, r.bits, can_be_dev, off);
    if (u == no_block) return 0;
    if (streaming) in.stream = u;
    return retype_from(in, u, off, r.type, r.sel4_bits, r.bits, dest, error);
}

/// A tag no held block carries (instances that were dropped without freeing,
/// as bootstrap's device-carving one, keep theirs). O(256 x blocks), once per create.
std::uint8_t fresh_tag() noexcept {
    for (unsigned n = 0; n < 256; ++n) {
        const std::uint8_t t = ++g.next_tag;
        if (t == 0) continue;
        bool taken = false;
        for (std::uint32_t i = 0; i < g.next_unused && !taken; ++i)
            taken = at(i).st != static_cast<std::uint8_t>(state::unused) && at(i).owner == t;
        if (!taken) return t;
    }
    return ++g.next_tag; // 255 live instances: tags are shared, cookies still checked by block
}

bool decode_cookie(const instance& in, word c, std::uint32_t& i, word& offset) noexcept {
    const word idx = c & (bit(index_bits) - 1);
    if (idx == 0 || idx > g.next_unused) return false;
    i = static_cast<std::uint32_t>(idx - 1);
    offset = (c >> index_bits) << offset_shift;
    const block& b = at(i);
    return b.st == static_cast<std::uint8_t>(state::used) && b.owner == in.tag && b.live != 0 && offset < bit(b.bits);
}

/// FREE padding blocks of USED block pi.
std::uint32_t free_pads(std::uint32_t pi) noexcept {
    std::uint32_t n = 0;
    for (std::uint32_t j = 0; j < g.next_unused; ++j) {
        const block& c = at(j);
        if (c.st == static_cast<std::uint8_t>(state::free) && c.parent == pi && c.sibling == no_block) ++n;
    }
    return n;
}

/// If every child left of USED block pi is a FREE padding block, deletes them
/// (pi then has no children) and returns true. O(blocks held).
bool collapse_pads(instance& in, const slot_source& slots, std::uint32_t pi) noexcept {
    if (at(pi).live != free_pads(pi)) return false;
    for (std::uint32_t j = 0; j < g.next_unused && at(pi).live != 0; ++j) {
        const block& c = at(j);
        if (c.st != static_cast<std::uint8_t>(state::free) || c.parent != pi || c.sibling != no_block) continue;
        if (kernel_delete(in, c.cptr) != 0) return false; // cannot happen: it has no children
        unlink_free(in, j);
        const path pj = slot_path(in, c.cptr);
        slots.release(slots.ctx, &pj);
        release(j);
        --in.pads;
        --at(pi).live;
    }
    return at(pi).live == 0;
}

/// Block i has no children now: FREE, buddies merge while both halves are FREE,
/// and a padding block that is FREE again may let its block collapse.
void merge_up(instance& in, const slot_source& slots, std::uint32_t i) noexcept {
    for (;;) {
        if (in.stream == i) in.stream = no_block;
        const block& cur = at(i);
        if (cur.parent == no_block) break;
        if (cur.sibling == no_block) { // a padding block
            const std::uint32_t parent = cur.parent;
            push_free(in, i);
            if (!collapse_pads(in, slots, parent)) return;
            i = parent;
            continue;
        }
        const std::uint32_t s = cur.sibling;
        if (at(s).st != static_cast<std::uint8_t>(state::free)) break;
        if (kernel_delete(in, cur.cptr) != 0) break;
        if (kernel_delete(in, at(s).cptr) != 0) break; // cannot happen: its object is gone too
        unlink_free(in, s);
        const path pi = slot_path(in, cur.cptr);
        const path ps = slot_path(in, at(s).cptr);
        slots.release(slots.ctx, &pi);
        slots.release(slots.ctx, &ps);
        const std::uint32_t parent = cur.parent;
        release(i);
        release(s);
        i = parent;
    }
    push_free(in, i);
}

} // namespace

void create(instance& in) noexcept {
    in.magic = magic;
    in.stream = no_block;
    for (auto& per_kind : in.heads)
        for (head_t& h : per_kind) h = no_head;
    in.root = in.cap_depth = 0;
    in.has_root = 0;
    in.run_type = 0;
    in.run_next = no_paddr;
    in.run_len = 0;
    in.run_bits = in.run_dev = 0;
    in.pads = 0;
    in.tag = fresh_tag(); // distinguishes instances sharing the static area
}

int add_uts(instance& in, std::size_t num, const path* uts, const std::size_t* size_bits, const std::uintptr_t* paddr,
            int ut_type) noexcept {
    if (ut_type < RETYPE_ALLOCMAN_UT_KERNEL || ut_type > RETYPE_ALLOCMAN_UT_DEV_MEM) return -1;
    if (num == 0) return 0;
    if (in.magic != magic || uts == nullptr || size_bits == nullptr) return 1;
    // Check everything first: on an error nothing is added.
    const auto tr = kernel::traits(cfg);
    for (std::size_t k = 0; k < num; ++k) {
        const std::size_t b = size_bits[k];
        if (b < tr.min_untyped_bits || b > tr.max_untyped_bits) return 1;
        // An untyped cap's kernel-virtual address is aligned to its size (the kernel's invariant).
        if (paddr != nullptr && paddr[k] != no_paddr &&
            (tr.to_pptr(paddr[k]) & (bit(static_cast<unsigned>(b)) - 1)) != 0)
            return 1;
    }
    if (available() < num) return 1;
    for (std::size_t k = 0; k < num; ++k) {
        const std::uint32_t i = take();
        block& b = at(i);
        b.cptr = uts[k].capPtr;
        b.paddr = paddr != nullptr ? paddr[k] : no_paddr;
        b.bits = static_cast<std::uint8_t>(size_bits[k]);
        b.kind = static_cast<std::uint8_t>(ut_type);
        b.owner = in.tag;
        b.parent = b.sibling = no_block;
        push_free(in, i);
    }
    return 0;
}

word alloc(instance& in, const slot_source& slots, std::size_t size_bits, word type, const path* slot,
           std::uintptr_t paddr, bool can_be_dev, int* error) noexcept {
    if (error) *error = 1;
    request r{};
    if (in.magic != magic || slot == nullptr || !decode(type, size_bits, r)) return 0;
    const bool continued = continues_run(in, r, paddr, can_be_dev);
    const bool streaming = stream_after != 0 && continued && in.run_len >= stream_after;
    // A new run never streams into the last run's block: a stream block then holds
    // one run's objects, which are usually freed together (a process's frames).
    if (!continued) in.stream = no_block;
    const word c = paddr != no_paddr ? alloc_at(in, slots, r, *slot, paddr, can_be_dev, streaming, error)
                                     : alloc_any(in, slots, r, *slot, can_be_dev, streaming, error);
    if (c != 0) note_run(in, r, paddr, can_be_dev, continued);
    return c;
}

void free(instance& in, const slot_source& slots, word c, std::size_t) noexcept {
    std::uint32_t i = 0;
    word offset = 0;
    if (in.magic != magic || !decode_cookie(in, c, i, offset)) return;
    block& b = at(i);
    --b.live;
    // Children left: done, unless all of them are FREE padding blocks.
    if (b.live != 0 && (in.pads == 0 || !collapse_pads(in, slots, i))) return;
    merge_up(in, slots, i);
}

std::uintptr_t paddr_of(const instance& in, word c, std::size_t) noexcept {
    std::uint32_t i = 0;
    word offset = 0;
    if (in.magic != magic || !decode_cookie(in, c, i, offset)) return no_paddr;
    const block& b = at(i);
    return b.paddr == no_paddr ? no_paddr : b.paddr + offset;
}

std::size_t object_bits(word type, word sel4_size_bits) noexcept {
    for (kernel::object_type t : kernel::all_object_types) {
        const auto n = kernel::sel4_type_number(cfg, t);
        if (n && *n == type) return static_cast<std::size_t>(kernel::object_bits(cfg, t, sel4_size_bits));
    }
    return 0;
}

} // namespace retype::allocman

extern "C" void retype_allocman_get_stats(retype_allocman_stats_t* out) {
    using namespace retype::allocman;
    if (out == nullptr) return;
    out->blocks_capacity = block_capacity;
    out->blocks_in_use = g.in_use;
    out->blocks_peak = g.peak;
    out->block_bytes = sizeof(block);
    out->static_bytes = sizeof(g);
    out->stream_after = stream_after;
    out->instance_bytes = sizeof(instance);
    out->kernel_calls = g.kernel_calls;
}

extern "C" std::size_t retype_allocman_object_bits(retype_allocman_word_t type, retype_allocman_word_t sel4_size_bits) {
    return retype::allocman::object_bits(type, sel4_size_bits);
}
