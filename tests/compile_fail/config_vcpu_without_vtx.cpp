// VT-x (VCPU and EPT objects) asked of an Arm kernel: VCPUs there come with the hypervisor kernel.
// EXPECT-ERROR: vtx_needs_x86_64
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config cfg{.target = kernel::arch::aarch64, .vtx = true};
using A = allocator<backend::null_backend, target<cfg>>;
static_assert(sizeof(A) > 0);
