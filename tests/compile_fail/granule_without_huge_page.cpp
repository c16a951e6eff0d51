// x86_64 without CONFIG_HUGE_PAGE has no 1 GiB frame.
// EXPECT-ERROR: retype: granule<bits> is not a page size of the target architecture
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
constexpr kernel::config small{.target = kernel::arch::x86_64, .huge_page = false};
using A = allocator<backend::null_backend, target<small>, granule<30>>;
static_assert(sizeof(A) > 0);
