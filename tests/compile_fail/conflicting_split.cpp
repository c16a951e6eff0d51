// Two strategies.
// EXPECT-ERROR: retype: conflicting allocator options split<...> (axis: split): two different values
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, split<strategy::buddy>, split<strategy::watermark>>;
static_assert(sizeof(A) > 0);
