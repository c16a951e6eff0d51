// The same capacity twice with different values is a conflict on its axis.
// EXPECT-ERROR: retype: conflicting allocator options max_slots<...> (axis: max_slots): two different values
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, max_slots<64>, max_slots<128>>;
static_assert(sizeof(A) > 0);
