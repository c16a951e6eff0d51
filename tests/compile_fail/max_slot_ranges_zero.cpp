// max_slot_ranges<0> would leave add_slots no range to hold: refused at compile time.
// EXPECT-ERROR: retype: max_slot_ranges must be at least 1
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using A = allocator<backend::null_backend, target<x86>, max_slot_ranges<0>>;
static_assert(sizeof(A) > 0);
