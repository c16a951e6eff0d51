// retype: the names a replay trace gives to objects, mapped to the model's
// object_refs. Fixed capacity, constexpr, no heap; the table owns the names'
// text, so a trace can be read line by line from a stream.
//
// A name is spelled `<base>` or, for the objects of one retype with count > 1,
// `<base>.<index>`; keys compare by that spelling, so `x.3` from the trace finds
// object 3 of `as x`. The objects of one retype share one copy of the base.
//
// Why this shape:
// - Separate chaining over a keyed hash (SipHash-2-4). Names come from the
//   input, so a fixed, public hash lets a trace pick names that all land in one
//   bucket (60,000 of them made every lookup walk the whole chain). With a key
//   the caller chooses (the CLI draws one at random), the input cannot aim.
// - Entries never move (chains, not open addressing), so each object's node
//   keeps a list of the names bound to its objects: a revoke drops the names of
//   the revoked subtree without looking at any other entry.
// - Text lives in 28-byte blocks chained per name, so every name costs only
//   the blocks it needs and freed blocks are reused without compaction.
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

/// The 128-bit key of the name table's hash.
struct hash_key {
    std::uint64_t k0 = 0x0706050403020100ULL;
    std::uint64_t k1 = 0x0f0e0d0c0b0a0908ULL;
};

namespace detail {

/// SipHash-2-4 (Aumasson and Bernstein), fed one byte at a time.
class siphash {
public:
    constexpr explicit siphash(hash_key k) noexcept
        : v0_(k.k0 ^ 0x736f6d6570736575ULL), v1_(k.k1 ^ 0x646f72616e646f6dULL), v2_(k.k0 ^ 0x6c7967656e657261ULL),
          v3_(k.k1 ^ 0x7465646279746573ULL) {}

    constexpr void put(unsigned char c) noexcept {
        m_ |= std::uint64_t{c} << (8 * (n_ % 8));
        if (++n_ % 8 == 0) {
            compress(m_);
            m_ = 0;
        }
    }
    [[nodiscard]] constexpr std::uint64_t finish() noexcept {
        compress(m_ | (n_ << 56));
        v2_ ^= 0xff;
        for (int i = 0; i < 4; ++i) round();
        return v0_ ^ v1_ ^ v2_ ^ v3_;
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }
    constexpr void round() noexcept {
        v0_ += v1_;
        v1_ = rotl(v1_, 13);
        v1_ ^= v0_;
        v0_ = rotl(v0_, 32);
        v2_ += v3_;
        v3_ = rotl(v3_, 16);
        v3_ ^= v2_;
        v0_ += v3_;
        v3_ = rotl(v3_, 21);
        v3_ ^= v0_;
        v2_ += v1_;
        v1_ = rotl(v1_, 17);
        v1_ ^= v2_;
        v2_ = rotl(v2_, 32);
    }
    constexpr void compress(std::uint64_t m) noexcept {
        v3_ ^= m;
        round();
        round();
        v0_ ^= m;
    }

    std::uint64_t v0_, v1_, v2_, v3_;
    std::uint64_t m_ = 0;
    std::uint64_t n_ = 0;
};

/// SipHash-2-4 of the bytes 0, 1, .., n-1 under the key 00 01 .. 0f.
constexpr std::uint64_t siphash_of_counting_bytes(unsigned n) noexcept {
    siphash h(hash_key{});
    for (unsigned i = 0; i < n; ++i) h.put(static_cast<unsigned char>(i));
    return h.finish();
}
// The reference test vectors (the SipHash paper's appendix and vectors.h).
static_assert(siphash_of_counting_bytes(0) == 0x726fdb47dd0e0e31ULL);
static_assert(siphash_of_counting_bytes(15) == 0xa129ca6149be45e5ULL);

/// ".<index>", or nothing for no_index.
struct index_tail {
    std::array<char, 11> c{};
    std::size_t size = 0;

    constexpr explicit index_tail(std::uint32_t index) noexcept {
        if (index == no_index) return;
        char digits[10]{};
        std::size_t n = 0;
        std::uint32_t v = index;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        c[size++] = '.';
        while (n != 0) c[size++] = digits[--n];
    }
};

/// A key's spelling as a sequence of characters, without building a string.
struct spelling {
    std::string_view base;
    index_tail tail;

    constexpr explicit spelling(const name_key& k) noexcept : base(k.base), tail(k.index) {}
    [[nodiscard]] constexpr std::size_t size() const noexcept { return base.size() + tail.size; }
    [[nodiscard]] constexpr char operator[](std::size_t i) const noexcept {
        return i < base.size() ? base[i] : tail.c[i - base.size()];
    }
    [[nodiscard]] constexpr std::uint64_t hash(hash_key key) const noexcept {
        siphash h(key);
        for (std::size_t i = 0; i < size(); ++i) h.put(static_cast<unsigned char>((*this)[i]));
        return h.finish();
    }
};

} // namespace detail

/// Capacity: hash buckets, a power of two; at most max_size() = 3/4 of it names.
/// Nodes: the model's node capacity (object_ref::node < Nodes). Blocks: 28-byte
/// blocks of name text. Complexity (n the name's length): find, insert and
/// erase O(n) expected, whatever the names, for a key the input does not know;
/// erase_node O(names bound to the node, times their length).
template <std::size_t Capacity, std::size_t Nodes = Capacity, std::size_t Blocks = Capacity>
class name_table {
    static_assert(Capacity >= 4 && (Capacity & (Capacity - 1)) == 0, "retype: name_table capacity must be 2^n >= 4");
    static_assert(Capacity < (std::size_t{1} << 31) && Nodes >= 1 && Blocks >= 1 && Blocks < (std::size_t{1} << 31));

public:
    static constexpr std::size_t block_chars = 28;

    constexpr name_table() noexcept = default;
    constexpr explicit name_table(hash_key key) noexcept : key_(key) {}

    static constexpr std::size_t max_size() noexcept { return Capacity - Capacity / 4; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    /// Names that can still be bound, text aside.
    [[nodiscard]] constexpr std::size_t room() const noexcept { return max_size() - size_; }
    /// Whether the text of one more base of `chars` characters fits.
    [[nodiscard]] constexpr bool text_fits(std::size_t chars) const noexcept {
        return blocks_for(chars) <= Blocks - blocks_used_;
    }
    /// Chain links followed by the lookups (of a non-const table) so far: what
    /// a lookup costs beyond hashing the name.
    [[nodiscard]] constexpr std::uint64_t chain_steps() const noexcept { return steps_; }

    /// The object named `k`, or nullptr.
    [[nodiscard]] constexpr const kernel::object_ref* find(const name_key& k) noexcept {
        const std::uint32_t id = locate(detail::spelling(k), nullptr, &steps_);
        return id == 0 ? nullptr : &entries_[id - 1].ref;
    }
    [[nodiscard]] constexpr const kernel::object_ref* find(const name_key& k) const noexcept {
        const std::uint32_t id = locate(detail::spelling(k), nullptr, nullptr);
        return id == 0 ? nullptr : &entries_[id - 1].ref;
    }
    [[nodiscard]] constexpr bool contains(const name_key& k) noexcept { return find(k) != nullptr; }
    [[nodiscard]] constexpr bool contains(const name_key& k) const noexcept { return find(k) != nullptr; }

    /// Binds `k`. Requires: room() > 0, text_fits(k.base.size()), !contains(k), k.base not empty.
    constexpr void insert(name_key k, kernel::object_ref ref) noexcept {
        const std::uint32_t text = store(k.base);
        bind(k, text, ref);
        release_text(text); // bind took its own reference
    }

    /// Binds `base` (count 1) or `base.0` .. `base.<count-1>` to ref_of(0 .. count-1),
    /// sharing one copy of the text. Requires: room() >= count, text_fits(base.size()),
    /// none of the names bound, count >= 1.
    template <class RefOf>
    constexpr void insert_all(std::string_view base, std::uint64_t count, RefOf ref_of) noexcept {
        Expects(count >= 1 && count <= room());
        const std::uint32_t text = store(base);
        for (std::uint64_t i = 0; i < count; ++i) {
            const name_key k = count == 1 ? name_key{base} : name_key{base, static_cast<std::uint32_t>(i)};
            bind(k, text, ref_of(i));
        }
        release_text(text);
    }

    /// Removes `k`; false when it was not there.
    constexpr bool erase(name_key k) noexcept {
        std::uint32_t prev = 0;
        const std::uint32_t id = locate(detail::spelling(k), &prev, &steps_);
        if (id == 0) return false;
        unbind(id, prev);
        return true;
    }

    /// Removes every name bound to an object of `node` (a revoke's descendants).
    constexpr void erase_node(std::uint32_t node) noexcept {
        Expects(node < Nodes);
        while (node_head_[node] != 0) {
            const std::uint32_t id = node_head_[node];
            std::uint32_t prev = 0;
            for (std::uint32_t j = bucket_[entries_[id - 1].hash & mask]; j != id; j = entries_[j - 1].bucket_next)
                prev = j;
            unbind(id, prev);
        }
    }

private:
    static constexpr std::size_t mask = Capacity - 1;

    // Ids and block numbers are stored plus one, so that 0 means "none" and the
    // zero-initialised arrays need no set-up (static storage stays untouched).
    struct entry {
        std::uint64_t hash = 0;
        kernel::object_ref ref{};
        std::uint32_t text = 0;  // first block of the base, plus one
        std::uint32_t chars = 0; // length of the base
        std::uint32_t index = no_index;
        std::uint32_t bucket_next = 0;
        std::uint32_t node_prev = 0;
        std::uint32_t node_next = 0; // also links free entries
    };
    struct block {
        std::array<char, block_chars> c{};
        std::uint32_t next = 0; // next block of the same text, or next free block
    };

    [[nodiscard]] static constexpr std::size_t blocks_for(std::size_t chars) noexcept {
        return chars == 0 ? 1 : (chars + block_chars - 1) / block_chars;
    }

    /// The entry spelled `s` (0 if none); *prev_out gets its predecessor in the
    /// chain, *steps (when given) counts the links followed.
    [[nodiscard]] constexpr std::uint32_t locate(const detail::spelling& s, std::uint32_t* prev_out,
                                                 std::uint64_t* steps) const noexcept {
        const std::uint64_t h = s.hash(key_);
        std::uint32_t prev = 0;
        for (std::uint32_t id = bucket_[h & mask]; id != 0; id = entries_[id - 1].bucket_next) {
            if (steps != nullptr) ++*steps;
            if (entries_[id - 1].hash == h && spelled(entries_[id - 1], s)) {
                if (prev_out != nullptr) *prev_out = prev;
                return id;
            }
            prev = id;
        }
        return 0;
    }

    [[nodiscard]] constexpr bool spelled(const entry& e, const detail::spelling& s) const noexcept {
        const detail::index_tail tail(e.index);
        if (e.chars + tail.size != s.size()) return false;
        std::size_t i = 0;
        for (std::uint32_t b = e.text; i < e.chars; b = blocks_[b - 1].next)
            for (std::size_t j = 0; j < block_chars && i < e.chars; ++j, ++i)
                if (blocks_[b - 1].c[j] != s[i]) return false;
        for (std::size_t j = 0; j < tail.size; ++j, ++i)
            if (tail.c[j] != s[i]) return false;
        return true;
    }

    /// Copies `text` into fresh blocks with one reference. Requires: text_fits(text.size()).
    constexpr std::uint32_t store(std::string_view text) noexcept {
        const std::size_t n = blocks_for(text.size());
        Expects(n <= Blocks - blocks_used_);
        std::uint32_t first = 0;
        std::uint32_t last = 0;
        for (std::size_t k = 0; k < n; ++k) {
            std::uint32_t b = free_block_;
            if (b != 0)
                free_block_ = blocks_[b - 1].next;
            else
                b = ++block_high_;
            blocks_[b - 1].next = 0;
            for (std::size_t j = 0; j < block_chars && k * block_chars + j < text.size(); ++j)
                blocks_[b - 1].c[j] = text[k * block_chars + j];
            if (last == 0)
                first = b;
            else
                blocks_[last - 1].next = b;
            last = b;
        }
        blocks_used_ += n;
        text_refs_[first - 1] = 1;
        return first;
    }
    constexpr void release_text(std::uint32_t first) noexcept {
        if (--text_refs_[first - 1] != 0) return;
        std::uint32_t b = first;
        while (b != 0) {
            const std::uint32_t next = blocks_[b - 1].next;
            blocks_[b - 1].next = free_block_;
            free_block_ = b;
            --blocks_used_;
            b = next;
        }
    }

    constexpr void bind(name_key k, std::uint32_t text, kernel::object_ref ref) noexcept {
        Expects(size_ < max_size() && ref.node < Nodes && !k.base.empty());
        const detail::spelling s(k);
        std::uint32_t id = free_entry_;
        if (id != 0)
            free_entry_ = entries_[id - 1].node_next;
        else
            id = ++entry_high_;
        entry& e = entries_[id - 1];
        e.hash = s.hash(key_);
        e.ref = ref;
        e.text = text;
        e.chars = static_cast<std::uint32_t>(k.base.size());
        e.index = k.index;
        ++text_refs_[text - 1];
        std::uint32_t& head = bucket_[e.hash & mask];
        e.bucket_next = head;
        head = id;
        std::uint32_t& nh = node_head_[ref.node];
        e.node_prev = 0;
        e.node_next = nh;
        if (nh != 0) entries_[nh - 1].node_prev = id;
        nh = id;
        ++size_;
    }

    constexpr void unbind(std::uint32_t id, std::uint32_t bucket_prev) noexcept {
        entry& e = entries_[id - 1];
        if (bucket_prev != 0)
            entries_[bucket_prev - 1].bucket_next = e.bucket_next;
        else
            bucket_[e.hash & mask] = e.bucket_next;
        if (e.node_prev != 0)
            entries_[e.node_prev - 1].node_next = e.node_next;
        else
            node_head_[e.ref.node] = e.node_next;
        if (e.node_next != 0) entries_[e.node_next - 1].node_prev = e.node_prev;
        release_text(e.text);
        e = entry{};
        e.node_next = free_entry_;
        free_entry_ = id;
        --size_;
    }

    hash_key key_{};
    std::array<std::uint32_t, Capacity> bucket_{};
    std::array<entry, max_size()> entries_{};
    std::array<std::uint32_t, Nodes> node_head_{};
    std::array<block, Blocks> blocks_{};
    std::array<std::uint32_t, Blocks> text_refs_{}; // per first block: the entries sharing the text
    std::uint32_t free_entry_ = 0;
    std::uint32_t entry_high_ = 0; // entries above were never used
    std::uint32_t free_block_ = 0;
    std::uint32_t block_high_ = 0;
    std::size_t blocks_used_ = 0;
    std::size_t size_ = 0;
    std::uint64_t steps_ = 0;
};

} // namespace retype::trace
