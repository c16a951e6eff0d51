// One conformance suite for both free-list models.
#include <retype/policy/array_free_list.hpp>
#include <retype/policy/intrusive_free_list.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace retype;

namespace {
template <class L>
std::vector<std::uint32_t> walk(const L& l, std::uint32_t c) {
    std::vector<std::uint32_t> v;
    for (std::uint32_t i = l.front(c); i != no_index; i = l.next(c, i)) v.push_back(i);
    return v;
}
template <class L>
void laws() {
    auto l = std::make_unique<L>();
    EXPECT_TRUE(l->empty(0) && l->empty(1));
    l->push_front(0, 3);
    l->push_front(0, 5);
    l->push_front(1, 2);
    l->push_front(0, 7);
    EXPECT_EQ(walk(*l, 0), (std::vector<std::uint32_t>{7, 5, 3})); // LIFO
    EXPECT_EQ(walk(*l, 1), (std::vector<std::uint32_t>{2}));
    l->erase(0, 5); // middle
    EXPECT_EQ(walk(*l, 0), (std::vector<std::uint32_t>{7, 3}));
    l->erase(0, 7); // head
    l->erase(0, 3); // last
    EXPECT_TRUE(l->empty(0));
    EXPECT_EQ(l->front(0), no_index);
    l->push_front(0, 5); // an erased index can go back
    EXPECT_EQ(walk(*l, 0), (std::vector<std::uint32_t>{5}));
    EXPECT_EQ(walk(*l, 1), (std::vector<std::uint32_t>{2}));
}
constexpr bool array_laws_at_compile_time() {
    array_free_list<8, 2> l;
    l.push_front(0, 3);
    l.push_front(0, 5);
    l.erase(0, 3);
    return l.front(0) == 5 && l.next(0, 5) == no_index && l.empty(1);
}
static_assert(array_laws_at_compile_time());
} // namespace

TEST(FreeList, ArrayModel) { laws<array_free_list<8, 2>>(); }
TEST(FreeList, IntrusiveModel) { laws<intrusive_free_list<8, 2>>(); }
