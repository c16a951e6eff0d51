// A 64-component system checked at compile time (issue 5: "a 64-component
// system checks in a few seconds"): 63 small components and the seed-001 VMM.
#include <retype/plan/check.hpp>
#include <retype/plan/examples.hpp>

#include <gtest/gtest.h>

namespace {
using namespace retype::plan;

constexpr retype::plan::system<64> make64() {
    retype::plan::system<64> s{};
    s.plat = examples::qemu_arm_virt_4g();
    *s.add("vm0") = examples::vm0_recommended();
    for (int i = 1; i < 64; ++i) {
        const char name[] = {'c', static_cast<char>('0' + i / 10), static_cast<char>('0' + i % 10), '\0'};
        component* c = s.add(name);
        c->cnode_size_bits = 10;
        c->add_pool(16, 2);
        c->image_size = 256 * 1024;
        c->add_objects(retype::kernel::object_type::endpoint, 4);
        c->add_objects(retype::kernel::object_type::notification, 2);
    }
    return s;
}
constexpr auto sys64 = make64();
static_assert(sys64.n_components == 64);
static_assert(check<sys64>());

TEST(PlanCompileTime, SixtyFourComponentsPassAtCompileTime) {
    // The static_assert above is the test; at run time the same plan must agree.
    const auto r = run_stages<model_nodes(sys64)>(sys64);
    EXPECT_TRUE(r.ok());
}
} // namespace
