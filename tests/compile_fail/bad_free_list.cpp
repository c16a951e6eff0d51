// free_list<> of something that is not a free-list model.
// EXPECT-ERROR: retype: free_list<L> (axis: free_list): L is neither free_lists::array nor free_lists::intrusive
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, free_list<int>>;
static_assert(sizeof(A) > 0);
