// retype: the run-time free-list model: Boost.Intrusive lists whose hooks live
// in a fixed pool of nodes inside the object (16 B per descriptor, 16 B per
// class with constant_time_size<false>). No allocation: the containers only link
// nodes that already exist. Not copyable or movable, as intrusive lists are not.
//
// Why list and not slist: a buddy merge takes the free buddy out of the middle
// of its class list, which is O(1) only with a back link.
#pragma once

#include <retype/invariant.hpp>
#include <retype/policy/free_list.hpp>

#include <boost/intrusive/list.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

template <std::size_t N, std::size_t Classes>
class intrusive_free_list {
    struct node : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::normal_link>> {};
    using list_type = boost::intrusive::list<node, boost::intrusive::constant_time_size<false>>;

public:
    intrusive_free_list() noexcept = default;
    ~intrusive_free_list() = default;
    // The lists link nodes_ by address: a copied or moved object would link the old one's nodes.
    intrusive_free_list(const intrusive_free_list&) = delete;
    intrusive_free_list& operator=(const intrusive_free_list&) = delete;
    intrusive_free_list(intrusive_free_list&&) = delete;
    intrusive_free_list& operator=(intrusive_free_list&&) = delete;

    void push_front(std::uint32_t c, std::uint32_t i) noexcept {
        RETYPE_INVARIANT(c < Classes && i < N);
        lists_[c].push_front(nodes_[i]);
    }
    void erase(std::uint32_t c, std::uint32_t i) noexcept {
        RETYPE_INVARIANT(c < Classes && i < N);
        lists_[c].erase(list_type::s_iterator_to(nodes_[i]));
    }
    [[nodiscard]] std::uint32_t front(std::uint32_t c) const noexcept {
        RETYPE_INVARIANT(c < Classes);
        return lists_[c].empty() ? no_index : index_of(lists_[c].front());
    }
    [[nodiscard]] std::uint32_t next(std::uint32_t c, std::uint32_t i) const noexcept {
        RETYPE_INVARIANT(c < Classes && i < N);
        auto it = list_type::s_iterator_to(nodes_[i]);
        ++it;
        return it == lists_[c].cend() ? no_index : index_of(*it);
    }
    [[nodiscard]] bool empty(std::uint32_t c) const noexcept {
        RETYPE_INVARIANT(c < Classes);
        return lists_[c].empty();
    }

private:
    [[nodiscard]] std::uint32_t index_of(const node& n) const noexcept {
        return static_cast<std::uint32_t>(&n - nodes_.data());
    }
    std::array<node, N> nodes_{};
    std::array<list_type, Classes> lists_{};
};

static_assert(free_list_model<intrusive_free_list<4, 2>>);

} // namespace retype
