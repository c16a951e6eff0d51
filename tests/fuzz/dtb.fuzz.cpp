// libFuzzer target: `retype plan --dtb` on arbitrary bytes: the device-tree
// reader (tools/retype/plan_dtb.cpp), then the planner on what it accepted.
// Properties checked beyond "no crash, no sanitizer report":
// - a refused blob gives a message naming the file and leaves the platform
//   exactly as it was (check-then-commit);
// - an accepted one gives RAM (at least one region, sorted, page-aligned,
//   inside the architecture's physical addresses) and a memory map that
//   passes the shared whole-map check again, and plans to a report whose
//   every stage has a state.
#include "plan_io.hpp"

#include <retype/plan/examples.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "property broken: %s\n", what);
    std::abort();
}

bool same_memory(const retype::plan::platform& a, const retype::plan::platform& b) {
    if (a.n_ram != b.n_ram || a.n_reserved != b.n_reserved || a.dtb.paddr != b.dtb.paddr || a.dtb.size != b.dtb.size)
        return false;
    for (std::size_t i = 0; i < a.n_ram; ++i)
        if (!(a.ram[i] == b.ram[i])) return false;
    for (std::size_t i = 0; i < a.n_reserved; ++i)
        if (!(a.reserved[i].where == b.reserved[i].where) || a.reserved[i].no_map != b.reserved[i].no_map ||
            !(a.reserved[i].name == b.reserved[i].name))
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace retype;
    // The built-in example's system (aarch64-hyp, vm0 with a 1:1 guest), its memory from the blob.
    static auto sys = std::make_unique<cli::plan_system>();
    *sys = cli::plan_system{};
    sys->plat = plan::examples::qemu_arm_virt_4g();
    *sys->add("vm0") = plan::examples::vm0_recommended();
    const plan::platform before = sys->plat;
    std::string err;
    if (!cli::read_dtb_blob(data, size, "fuzz.dtb", sys->plat, false, err)) {
        if (err.rfind("fuzz.dtb: ", 0) != 0) fail("an error message that does not name the file");
        if (!same_memory(before, sys->plat)) fail("a refused blob changed the platform");
        return 0;
    }
    const plan::platform& p = sys->plat;
    if (p.n_ram == 0) fail("accepted without RAM");
    for (std::size_t i = 0; i < p.n_ram; ++i) {
        if (i && p.ram[i - 1].base >= p.ram[i].base) fail("RAM not sorted");
        if (p.ram[i].base % 0x1000 || p.ram[i].size % 0x1000) fail("RAM not page-aligned");
    }
    cli::memory_problem mp;
    if (!cli::check_memory(p, mp)) fail("an accepted memory map fails the whole-map check");
    if (plan::model_nodes(*sys) > cli::plan_capacity) return 0;
    static auto rep = std::make_unique<plan::report>();
    *rep = plan::run<cli::plan_capacity>(*sys);
    return 0;
}
