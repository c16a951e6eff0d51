// max_reservations<0> would leave reserve() no entry: refused at compile time.
// EXPECT-ERROR: retype: max_reservations must be at least 1
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, max_reservations<0>>;
static_assert(sizeof(A) > 0);
