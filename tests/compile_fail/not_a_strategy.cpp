// split<> of a type that is not a strategy.
// EXPECT-ERROR: retype: split<S> (axis: split): S is not a split strategy
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, split<int>>;
static_assert(sizeof(A) > 0);
