// A strategy that names its kind but plans nothing does not model split_strategy_for.
// EXPECT-ERROR: retype: split<S>: S does not model split_strategy_for
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
struct half_a_strategy {
    static constexpr split_kind value = split_kind::custom;
};
using A = allocator<backend::null_backend, target<x86>, split<half_a_strategy>>;
static_assert(sizeof(A) > 0);
