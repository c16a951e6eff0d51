// Two identical options in one pack: the message names the option and its axis.
// EXPECT-ERROR: retype: duplicate allocator option split<...> (axis: split): given twice
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, split<buddy>, split<buddy>>;
static_assert(sizeof(A) > 0);
