// The positive twin of seed001_first_try.fail.cpp: the recommended
// configuration compiles.
#include <retype/plan/check.hpp>
#include <retype/plan/examples.hpp>

constexpr auto sys = retype::plan::examples::vm_minimal_recommended();
static_assert(retype::plan::check<sys>());
int main() { return 0; }
