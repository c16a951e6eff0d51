// The original overlay reserves only [0x40000000, 0x60000000): the kernel goes to
// 0x60000000, inside vm0's exact untyped 0x40000000:30, so the capDL loader
// (stage 3) cannot give vm0 that untyped.
// EXPECT-ERROR: stage::loader
// EXPECT-ERROR: problem::exact_untyped_missing
// EXPECT-ERROR: 1073741824
#include <retype/plan/check.hpp>
#include <retype/plan/examples.hpp>

constexpr auto make() {
    auto s = retype::plan::examples::vm_minimal_recommended();
    s.plat.reserved[0].where.size = 0x20000000;
    s.components[0].guest.ram_size = 0x40000000;
    s.components[0].n_mmios = 2; // "0x8040000:12", "0x40000000:30"
    return s;
}
constexpr auto sys = make();
static_assert(retype::plan::check<sys>());
