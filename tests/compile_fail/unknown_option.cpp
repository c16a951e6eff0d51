// A type that is not an allocator option.
// EXPECT-ERROR: retype: unknown allocator option
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, int>;
static_assert(sizeof(A) > 0);
