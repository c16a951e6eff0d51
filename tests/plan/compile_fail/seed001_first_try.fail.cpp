// Seed 001 as first configured: stage 4 fails, the mempool (80 MiB = 83886080 B)
// cannot hold allocman's nodes. EXPECT-ERROR lines must all appear in the
// compiler's output (they are the stage, the problem and the bytes available).
// EXPECT-ERROR: stage::vmm
// EXPECT-ERROR: problem::mempool_too_small
// EXPECT-ERROR: 83886080
#include <retype/plan/check.hpp>
#include <retype/plan/examples.hpp>

constexpr auto sys = retype::plan::examples::vm_minimal_first_try();
static_assert(retype::plan::check<sys>());
