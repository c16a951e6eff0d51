// Twin of kernel_in_guest_ram.fail.cpp with the planner's fix: a no-map
// reserved-memory node for [0x40000000, 0x80000000) moves the kernel out.
#include <retype/plan/check.hpp>
#include <retype/plan/examples.hpp>

constexpr auto make() {
    auto s = retype::plan::examples::vm_minimal_recommended();
    s.plat.reserved[0].where.size = 0x20000000;
    s.plat.add_reserved(0x40000000 + 0x20000000, 0x20000000, true, "fix");
    s.components[0].guest.ram_size = 0x40000000;
    s.components[0].n_mmios = 2;
    return s;
}
constexpr auto sys = make();
static_assert(retype::plan::check<sys>());
int main() { return 0; }
