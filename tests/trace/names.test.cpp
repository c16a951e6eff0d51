// The name table: spelling-based keys, and backward-shift deletion checked
// against a plain std::map under many colliding inserts and erases.
#include <retype/trace/names.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>

using namespace retype;
using namespace retype::trace;
using kernel::object_ref;

namespace {

// `x.3` spelled by the trace and object 3 of `as x` are the same name.
constexpr bool indexed_names_match_their_spelling() {
    name_table<8> t;
    t.insert(name_key{"x", 3}, object_ref{7, 3});
    t.insert(name_key{"x"}, object_ref{9, 0});
    const object_ref* a = t.find(name_key{"x.3"});
    const object_ref* b = t.find(name_key{"x"});
    return a != nullptr && *a == object_ref{7, 3} && b != nullptr && *b == object_ref{9, 0} &&
           !t.contains(name_key{"x.03"}) && !t.contains(name_key{"x.30"}) && !t.contains(name_key{"x", 0}) &&
           t.size() == 2 && t.room() == 4;
}
static_assert(indexed_names_match_their_spelling());

constexpr bool sweep_removes_only_rejected() {
    name_table<16> t;
    for (std::uint32_t i = 0; i < 12; ++i) t.insert(name_key{"n", i}, object_ref{i, 0});
    t.sweep([](object_ref r) { return r.node % 3 != 0; }); // drops 0, 3, 6, 9
    if (t.size() != 8) return false;
    for (std::uint32_t i = 0; i < 12; ++i)
        if (t.contains(name_key{"n", i}) != (i % 3 != 0)) return false;
    return true;
}
static_assert(sweep_removes_only_rejected());

} // namespace

TEST(NameTable, MatchesAReferenceMapUnderChurn) {
    // A full-ish small table forces long probe chains that wrap around the end.
    constexpr std::size_t cap = 64;
    name_table<cap> t;
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
            const object_ref r{static_cast<std::uint32_t>(step), 0};
            t.insert(k, r);
            ref[spellings[i]] = r;
        } else if (!insert) {
            EXPECT_EQ(t.erase(k), ref.erase(spellings[i]) == 1);
        }
        if (step % 97 == 0) {
            // An occasional sweep, like a revoke.
            t.sweep([](object_ref r) { return r.node % 5 != 0; });
            for (auto it = ref.begin(); it != ref.end();) it = it->second.node % 5 == 0 ? ref.erase(it) : std::next(it);
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
    EXPECT_LE(t.size(), name_table<cap>::max_size());
}
