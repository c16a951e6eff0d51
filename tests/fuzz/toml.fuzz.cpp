// libFuzzer target: `retype plan FILE` on arbitrary text: the TOML reader
// (tools/retype/plan_toml.cpp, its schema and the architecture's ranges), the
// planner on what it accepted, and the three reports.
// Properties checked beyond "no crash, no sanitizer report":
// - a refused description gives one message that names the file;
// - an accepted one has only values the reader promises: unique, non-empty
//   component names, untyped_mmios and pool size bits inside the
//   architecture's untyped range, guest pages of 4 KiB or 2 MiB, object counts
//   of at least 1;
// - the SVG and JSON it produces are valid UTF-8, and the SVG holds no element
//   the description could have injected.
#include "plan_io.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "property broken: %s\n", what);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace retype;
    static auto plan = std::make_unique<cli::named_plan>();
    *plan = cli::named_plan{};
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string err;
    // No files: a dtb_file is refused here (the DTB target covers the blob).
    if (!cli::read_toml_text(text, "fuzz.toml", plan->sys, plan->title, err, nullptr, false)) {
        if (err.rfind("fuzz.toml", 0) != 0) fail("an error message that does not name the file");
        return 0;
    }
    const cli::plan_system& sys = plan->sys;
    const kernel::arch_traits t = kernel::traits(sys.plat.kernel);
    for (std::size_t i = 0; i < sys.n_components; ++i) {
        const plan::component& c = sys.components[i];
        if (c.name.view().empty()) fail("a component without a name");
        for (std::size_t j = 0; j < i; ++j)
            if (sys.components[j].name == c.name) fail("two components with one name");
        for (std::size_t k = 0; k < c.n_mmios; ++k)
            if (c.mmios[k].size_bits < t.min_untyped_bits || c.mmios[k].size_bits > t.max_untyped_bits)
                fail("untyped_mmios size bits out of range");
        for (std::size_t k = 0; k < c.n_pools; ++k)
            if (c.pools[k].size_bits < t.min_untyped_bits || c.pools[k].size_bits > t.max_untyped_bits)
                fail("pool size bits out of range");
        for (std::size_t k = 0; k < c.n_objects; ++k)
            if (c.objects[k].count == 0) fail("an object count of 0");
        if (c.guest.present && c.guest.page_bits != 12 && c.guest.page_bits != 21) fail("a guest page size");
    }
    if (sys.plat.n_ram == 0 || plan::model_nodes(sys) > cli::plan_capacity) return 0;
    plan->rep = plan::run<cli::plan_capacity>(sys);
    const std::string svg = cli::to_svg(plan.get(), 1);
    const std::string json = cli::to_json(plan.get(), 1);
    if (cli::valid_utf8(svg) != svg) fail("the SVG is not valid UTF-8");
    if (cli::valid_utf8(json, false) != json) fail("the JSON is not valid UTF-8");
    if (svg.find("<script") != std::string::npos || svg.find("<b>") != std::string::npos)
        fail("markup from the description in the SVG");
    static std::FILE* null = std::fopen("/dev/null", "w");
    if (null) cli::write_text(null, *plan);
    return 0;
}
