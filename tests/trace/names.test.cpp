// The name table: spelling-based keys, shared text, per-node erasure, a
// reference std::map under churn, and names built to collide under the
// table's old, public hash (FNV-1a masked to the bucket count).
#include <retype/trace/names.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace retype;
using namespace retype::trace;
using kernel::object_ref;

namespace {

// `x.3` spelled by the trace and object 3 of `as x` are the same name.
constexpr bool indexed_names_match_their_spelling() {
    name_table<8, 16> t;
    t.insert(name_key{"x", 3}, object_ref{7, 3});
    t.insert(name_key{"x"}, object_ref{9, 0});
    const object_ref* a = t.find(name_key{"x.3"});
    const object_ref* b = t.find(name_key{"x"});
    return a != nullptr && *a == object_ref{7, 3} && b != nullptr && *b == object_ref{9, 0} &&
           !t.contains(name_key{"x.03"}) && !t.contains(name_key{"x.30"}) && !t.contains(name_key{"x", 0}) &&
           t.size() == 2 && t.room() == 4;
}
static_assert(indexed_names_match_their_spelling());

// erase_node drops exactly the names bound to that node's objects.
constexpr bool erase_node_removes_only_that_node() {
    name_table<16, 4> t;
    for (std::uint32_t i = 0; i < 12; ++i)
        t.insert(name_key{"n", i}, object_ref{i % 4, i / 4}); // node 0: n.0, n.4, n.8
    t.erase_node(0);
    if (t.size() != 9) return false;
    for (std::uint32_t i = 0; i < 12; ++i)
        if (t.contains(name_key{"n", i}) != (i % 4 != 0)) return false;
    t.erase_node(0); // nothing left there
    return t.size() == 9;
}
static_assert(erase_node_removes_only_that_node());

// Text: 28 characters per block. With 4 blocks, one 112-character base fills
// them all; the k names of one insert_all share it; the text comes back when
// the last of them goes.
constexpr bool batch_names_share_their_text() {
    name_table<16, 4, 4> t;
    constexpr std::string_view long_base = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static_assert(long_base.size() == 112);
    if (!t.text_fits(112) || t.text_fits(113)) return false;
    t.insert_all(long_base, 5, [](std::uint64_t i) { return object_ref{1, static_cast<std::uint32_t>(i)}; });
    if (t.size() != 5 || t.text_fits(1) || !t.contains(name_key{std::string_view(long_base.data(), 112), 4}))
        return false;
    for (std::uint32_t i = 0; i < 4; ++i) t.erase(name_key{long_base, i});
    if (t.text_fits(1)) return false; // one name still holds the text
    t.erase(name_key{long_base, 4});
    return t.size() == 0 && t.text_fits(112);
}
static_assert(batch_names_share_their_text());

// insert_all with count 1 binds the base itself.
constexpr bool single_object_is_the_base() {
    name_table<8, 4> t;
    t.insert_all("f", 1, [](std::uint64_t) { return object_ref{2, 0}; });
    return t.contains(name_key{"f"}) && !t.contains(name_key{"f.0"});
}
static_assert(single_object_is_the_base());

} // namespace

TEST(NameTable, MatchesAReferenceMapUnderChurn) {
    // A small table: long chains in few buckets.
    constexpr std::size_t cap = 64;
    constexpr std::size_t nodes = 16;
    name_table<cap, nodes> t;
    std::array<std::string, 200> spellings{};
    for (std::size_t i = 0; i < spellings.size(); ++i) spellings[i] = "obj" + std::to_string(i * 7919 % 1000);
    std::map<std::string, object_ref> ref;
    std::uint64_t lcg = 12345;
    for (int step = 0; step < 20000; ++step) {
        lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::size_t i = (lcg >> 33) % spellings.size();
        const name_key k{spellings[i]};
        const bool insert = ((lcg >> 20) & 3) != 0;
        if (insert && !ref.count(spellings[i]) && t.room() > 0) {
            const object_ref r{static_cast<std::uint32_t>(step % nodes), static_cast<std::uint32_t>(step)};
            t.insert(k, r);
            ref[spellings[i]] = r;
        } else if (!insert) {
            EXPECT_EQ(t.erase(k), ref.erase(spellings[i]) == 1);
        }
        if (step % 97 == 0) {
            // An occasional node erasure, like a revoke.
            const std::uint32_t node = static_cast<std::uint32_t>(step % nodes);
            t.erase_node(node);
            for (auto it = ref.begin(); it != ref.end();) it = it->second.node == node ? ref.erase(it) : std::next(it);
        }
        ASSERT_EQ(t.size(), ref.size());
    }
    for (const std::string& s : spellings) {
        const object_ref* f = t.find(name_key{s});
        const auto it = ref.find(s);
        ASSERT_EQ(f != nullptr, it != ref.end()) << s;
        if (f) {
            EXPECT_EQ(*f, it->second);
        }
    }
    EXPECT_LE(t.size(), (name_table<cap, nodes>::max_size()));
}

namespace {

// The table's former hash: FNV-1a, 64 bits, masked to the bucket count. Only
// the low bits of the state reach the low bits of the result (xor and
// multiplication carry upwards only), so the bucket is a function of the low
// 19 bits of the state alone.
constexpr std::uint64_t fnv_mask = (std::uint64_t{1} << 19) - 1;
std::uint64_t fnv_step(std::uint64_t h, std::string_view s) {
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

// 2^16 names of 16 three-character blocks that all end in the same FNV-1a state
// modulo 2^19: at each stage two blocks that take the current state to the same
// next state (a birthday search over 36^3 blocks), so every combination of the
// choices collides.
std::vector<std::string> fnv_colliding_names(std::size_t want) {
    constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uint64_t state = 0xcbf29ce484222325ULL;
    std::vector<std::array<std::string, 2>> stages;
    while ((std::size_t{1} << stages.size()) < want) {
        std::map<std::uint64_t, std::string> seen;
        bool found = false;
        for (char a : alphabet) {
            for (char b : alphabet) {
                for (char c : alphabet) {
                    const std::string blk{a, b, c};
                    const std::uint64_t next = fnv_step(state, blk) & fnv_mask;
                    auto [it, fresh] = seen.emplace(next, blk);
                    if (!fresh) {
                        stages.push_back({it->second, blk});
                        state = fnv_step(state, blk);
                        found = true;
                        break;
                    }
                }
                if (found) break;
            }
            if (found) break;
        }
        EXPECT_TRUE(found);
        if (!found) return {};
    }
    std::vector<std::string> names;
    for (std::size_t m = 0; m < want; ++m) {
        std::string s;
        for (std::size_t k = 0; k < stages.size(); ++k) s += stages[k][(m >> k) & 1];
        names.push_back(s);
    }
    return names;
}

} // namespace

TEST(NameTable, NamesBuiltToCollideDoNotShareAChain) {
    constexpr std::size_t n = 60000;
    const std::vector<std::string> names = fnv_colliding_names(n);
    ASSERT_EQ(names.size(), n);
    // The input really is hostile to the old table: one bucket for all of them.
    const std::uint64_t bucket = fnv_step(0xcbf29ce484222325ULL, names[0]) & fnv_mask;
    for (const std::string& s : names) ASSERT_EQ(fnv_step(0xcbf29ce484222325ULL, s) & fnv_mask, bucket);

    // The command line's table (2^19 buckets), with a fixed key here. The runner
    // asks contains() before each insert, then the trace looks each name up.
    using table = name_table<std::size_t{1} << 19, 1024>;
    auto t = std::make_unique<table>(hash_key{0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL});
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_FALSE(t->contains(name_key{names[i]}));
        t->insert(name_key{names[i]}, object_ref{static_cast<std::uint32_t>(i % 1024), 0});
    }
    for (const std::string& s : names) ASSERT_NE(t->find(name_key{s}), nullptr);
    // 120,000 lookups. In one chain they would follow ~n^2 = 3.6e9 links; spread
    // over 2^19 buckets at load 60,000 / 2^19 = 0.11 a chain holds ~1.1 entries
    // on average, so a few links per lookup at most.
    EXPECT_LE(t->chain_steps(), 2 * n * 3);
}
