// A hypervisor flag on plain aarch64: the aarch64 hypervisor kernel is arch::aarch64_hyp.
// EXPECT-ERROR: hyp_on_aarch64_use_arch_aarch64_hyp
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config cfg{.target = kernel::arch::aarch64, .hyp = true};
using A = allocator<backend::null_backend, target<cfg>>;
static_assert(sizeof(A) > 0);
