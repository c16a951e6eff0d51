// retype_allocman: the allocator behind the utspace_split symbols and the vka
// adapter. Internal header (C++20, freestanding-safe: no heap, no exceptions,
// no RTTI, no static constructors or destructors).
//
// Design (docs/c-allocman.md has the long form):
// - A block is one untyped capability we hold: an untyped from add_uts, or a
//   half made by halving a block. Blocks are FREE (no children: the kernel
//   resets its watermark at the next retype), SPLIT (two half blocks) or USED
//   (objects retyped from it at its watermark, `live` of them alive).
// - Split mode (utspace_split's behaviour): the smallest fitting FREE block is
//   halved down to the object's size and the object retyped from it, so free
//   makes the memory reusable at once and merges buddies back.
// - Stream mode: once a run of requests of one type and size continues (each
//   at the paddr where the last ended, or all without paddr) for
//   RETYPE_ALLOCMAN_STREAM_AFTER requests, objects are retyped at the
//   watermark of one block, as the kernel itself allocates: one retype per
//   object, no descriptor and no slot per object. Their memory comes back when
//   the block's last object is freed.
// - Cookies encode (block index + 1, offset / 16): free and paddr need no
//   per-allocation record. Bit 63 (bit 31) is always 0: never all ones.
#pragma once

#include <retype_allocman/allocman.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#ifndef RETYPE_ALLOCMAN_BLOCKS
#define RETYPE_ALLOCMAN_BLOCKS 1024
#endif
#ifndef RETYPE_ALLOCMAN_STREAM_AFTER
#define RETYPE_ALLOCMAN_STREAM_AFTER 8
#endif

namespace retype::allocman {

using word = retype_allocman_word_t;
using path = retype_allocman_path_t;

inline constexpr unsigned word_bits = RETYPE_ALLOCMAN_WORD_BITS;
inline constexpr std::uint32_t no_block = ~std::uint32_t{0};
inline constexpr word no_paddr = RETYPE_ALLOCMAN_NO_PADDR;
inline constexpr std::size_t block_capacity = RETYPE_ALLOCMAN_BLOCKS;
inline constexpr std::uint32_t stream_after = RETYPE_ALLOCMAN_STREAM_AFTER;

// Cookie layout: low index_bits = block index + 1, the rest (minus the top
// bit) = offset in the block / 16 (every object is at least 16 B and aligned
// to its size). 64-bit: 20 + 43 bits (blocks up to 2^47 B, seL4_MaxUntypedBits);
// 32-bit: 12 + 19 bits (objects at a non-zero offset only in blocks <= 8 MiB).
inline constexpr unsigned index_bits = word_bits == 64 ? 20 : 12;
inline constexpr unsigned offset_shift = 4;
inline constexpr unsigned offset_bits = word_bits - 1 - index_bits;
static_assert(block_capacity >= 4 && block_capacity < (std::size_t{1} << index_bits) - 1,
              "RETYPE_ALLOCMAN_BLOCKS out of range for the cookie encoding");

enum class kind : std::uint8_t { kernel = RETYPE_ALLOCMAN_UT_KERNEL, dev = RETYPE_ALLOCMAN_UT_DEV, dev_mem = 2 };
enum class state : std::uint8_t { unused, free, split, used };

/// One untyped capability we hold. 48 B on LP64.
struct block {
    word cptr;             // the untyped's CPtr, to invoke and (for halves) to delete
    word paddr;            // no_paddr when add_uts had none
    word water;            // USED: bytes handed out from the start (the kernel's watermark)
    std::uint32_t parent;  // the block this half came from; no_block for add_uts untypeds
    std::uint32_t sibling; // the other half; no_block for a padding block (parent != no_block)
    std::uint32_t next;    // FREE: free-list links; unused: free-descriptor list
    std::uint32_t prev;
    std::uint32_t live; // USED: objects alive
    std::uint8_t bits;  // 2^bits bytes
    std::uint8_t kind;  // allocman's UT kind
    std::uint8_t st;    // state
    std::uint8_t owner; // tag of the owning instance
};

/// A source of empty slots for halvings: allocman's cspace, or the vka adapter's window.
struct slot_source {
    int (*alloc)(void* ctx, path* out);
    void (*release)(void* ctx, const path* slot);
    void* ctx;
};

/// A free-list head: 16 bits on 32-bit targets, where 3 x 32 heads must fit in
/// utspace_split_t's 384 B along with the rest (RETYPE_ALLOCMAN_BLOCKS < 4095 there).
using head_t = std::conditional_t<word_bits == 64, std::uint32_t, std::uint16_t>;
inline constexpr head_t no_head = static_cast<head_t>(~head_t{0});

/// Per-instance state, kept inside the caller's retype_allocman_utspace_t.
struct instance {
    std::uint32_t magic;
    std::uint32_t stream;       // the block the current run streams into
    head_t heads[3][word_bits]; // FREE blocks by kind and size, LIFO (no_head: empty)
    word root;                  // CSpace root and depth of our halves' slots
    word cap_depth;             // (one allocman cspace: the same for all)
    word run_type;              // the run: last successful request
    word run_next;              // paddr where it ended, or no_paddr
    std::uint32_t run_len;      // requests in the run so far
    std::uint8_t run_bits;
    std::uint8_t run_dev;
    std::uint8_t has_root;
    std::uint8_t tag;
    std::uint32_t pads; // padding blocks held (see alloc_in_tail)
};
static_assert(sizeof(instance) <= sizeof(retype_allocman_utspace_t), "instance state must fit in utspace_split_t");

void create(instance& in) noexcept;
int add_uts(instance& in, std::size_t num, const path* uts, const std::size_t* size_bits, const std::uintptr_t* paddr,
            int ut_type) noexcept;
word alloc(instance& in, const slot_source& slots, std::size_t size_bits, word type, const path* slot,
           std::uintptr_t paddr, bool can_be_dev, int* error) noexcept;
void free(instance& in, const slot_source& slots, word cookie, std::size_t size_bits) noexcept;
std::uintptr_t paddr_of(const instance& in, word cookie, std::size_t size_bits) noexcept;
/// Object size in memory for (type, Untyped_Retype size_bits); 0 if unknown.
std::size_t object_bits(word type, word sel4_size_bits) noexcept;

inline instance& as_instance(void* p) noexcept { return *static_cast<instance*>(p); }

} // namespace retype::allocman
