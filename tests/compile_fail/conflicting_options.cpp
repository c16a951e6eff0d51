// Two values for one axis: the message names the option and its axis.
// EXPECT-ERROR: retype: conflicting allocator options align_on::... / align<...> (axis: alignment): two different
// values
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, align_on::pptr, align_on::paddr>;
static_assert(sizeof(A) > 0);
