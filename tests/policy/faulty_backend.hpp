// A backend wrapper that refuses chosen calls: the n-th delete, revoke or
// retype from now (counting from 1), or every one of a kind, with
// seL4_DeleteFirst / seL4_RevokeFirst / seL4_NotEnoughMemory as a real kernel
// with state the allocator was not told about could. Everything else goes to
// the wrapped backend.
#pragma once

#include <retype/backend/concept.hpp>

#include <cstdint>

namespace retype::test {

template <class Inner>
class faulty {
public:
    constexpr explicit faulty(Inner& in) noexcept : in_(&in) {}

    // 0: never; n: the n-th call of that kind from now; refuse_all_*: every call.
    std::uint64_t fail_delete = 0;
    std::uint64_t fail_revoke = 0;
    std::uint64_t fail_retype = 0;
    std::uint64_t refuse_deletes = 0; // the next this many deletes are refused
    bool refuse_all_deletes = false;
    std::uint64_t refused = 0;       // calls refused so far
    std::uint64_t inner_refused = 0; // calls the wrapped backend refused on its own (e.g. the model's node table full)

    constexpr result<void> declare_untyped(backend::slot_t s, kernel::paddr_t p, std::uint64_t bits,
                                           bool dev) noexcept {
        return in_->declare_untyped(s, p, bits, dev);
    }
    constexpr result<backend::retype_report> untyped_retype(const backend::retype_call& c) noexcept {
        if (hit(fail_retype)) return failure(not_enough_memory(0));
        return counted(in_->untyped_retype(c));
    }
    constexpr result<void> cnode_delete(backend::slot_t s) noexcept {
        if (refuse_deletes > 0) {
            --refuse_deletes;
            ++refused;
            return failure(error{.code = error_code::delete_first, .value = s});
        }
        if (refuse_all_deletes || hit(fail_delete)) return failure(error{.code = error_code::delete_first, .value = s});
        return counted(in_->cnode_delete(s));
    }
    constexpr result<void> cnode_revoke(backend::slot_t s) noexcept {
        if (hit(fail_revoke)) return failure(error{.code = error_code::revoke_first, .value = s});
        return counted(in_->cnode_revoke(s));
    }

private:
    template <class R>
    constexpr R counted(R r) noexcept {
        if (!r) ++inner_refused;
        return r;
    }
    constexpr bool hit(std::uint64_t& countdown) noexcept {
        if (countdown == 0 || --countdown != 0) return false;
        ++refused;
        return true;
    }
    Inner* in_;
};

} // namespace retype::test
