// align<> of a type that is not an alignment source (align_on<pptr> by analogy: align<alignment::pptr>).
// EXPECT-ERROR: retype: align<A> (axis: alignment): A is not an alignment source
#include <retype/allocator.hpp>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, align<int>>;
static_assert(sizeof(A) > 0);
