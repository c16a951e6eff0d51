// The architecture must be named.
// EXPECT-ERROR: retype: target<cfg> is required
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, split<watermark>>;
static_assert(sizeof(A) > 0);
