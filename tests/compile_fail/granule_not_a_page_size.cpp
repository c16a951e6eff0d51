// x86_64 has 4 KiB, 2 MiB and 1 GiB frames; 64 KiB is aarch32's.
// EXPECT-ERROR: retype: granule<bits> is not a page size of the target architecture
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, granule<16>>;
static_assert(sizeof(A) > 0);
