// `retype plan [FILE] [--json] [--svg FILE] [--dtb FILE]`: plans a system stage
// by stage and says which stage fails, by how much, and which setting to change
// to what. Without FILE: the built-in seed-001 example, as first configured
// (fails) and as recommended (passes). docs/planner.md has the details.
#include "commands.hpp"
#include "plan_io.hpp"

#include <retype/plan/examples.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace retype::cli {
namespace {

void usage(std::FILE* out) {
    std::fputs(
        "usage: retype plan [FILE.toml] [--json] [--svg OUT.svg] [--dtb FILE.dtb]\n"
        "  without FILE: the built-in vm_minimal example (seed 001), first try and recommended\n"
        "  --json         machine-readable report (schema retype-plan/1, docs/planner.md)\n"
        "  --svg OUT.svg  draw the physical memory map\n"
        "  --dtb FILE     take RAM and reserved-memory from a device tree blob\n"
        "exit status: 0 every stage passes (built-in: the recommended one), 1 a stage fails, 2 bad usage or input\n",
        out);
}

bool write_file(const std::string& path, const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    return std::fclose(f) == 0 && ok;
}

} // namespace

int plan_main(int argc, char** argv) {
    std::string file, svg, dtb;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") {
            json = true;
        } else if ((a == "--svg" || a == "--dtb") && i + 1 < argc) {
            (a == "--svg" ? svg : dtb) = argv[++i];
        } else if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        } else if (!a.empty() && a[0] != '-' && file.empty()) {
            file = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    // Each plan holds a report and a system of 64 components: on the heap.
    std::vector<std::unique_ptr<named_plan>> plans;
    if (file.empty()) {
        plans.push_back(std::make_unique<named_plan>());
        plans.back()->title = "vm_minimal, 2 GiB guest as first configured (seed 001)";
        plans.back()->sys.plat = plan::examples::qemu_arm_virt_4g();
        *plans.back()->sys.add("vm0") = plan::examples::vm0_first_try();
        plans.push_back(std::make_unique<named_plan>());
        plans.back()->title = "vm_minimal, 2 GiB guest as the planner recommends";
        plans.back()->sys.plat = plan::examples::qemu_arm_virt_4g();
        *plans.back()->sys.add("vm0") = plan::examples::vm0_recommended();
    } else {
        plans.push_back(std::make_unique<named_plan>());
        std::string err;
        if (!read_toml(file, plans.back()->sys, plans.back()->title, err)) {
            std::fprintf(stderr, "retype plan: %s\n", err.c_str());
            return 2;
        }
    }
    for (auto& p : plans) {
        if (!dtb.empty()) {
            std::string err;
            if (!read_dtb(dtb, p->sys.plat, err)) {
                std::fprintf(stderr, "retype plan: %s\n", err.c_str());
                return 2;
            }
        }
        if (plan::model_nodes(p->sys) > plan_capacity) {
            std::fprintf(stderr, "retype plan: %s needs %zu kernel-model nodes, more than the %zu this program has\n",
                         p->title.c_str(), plan::model_nodes(p->sys), plan_capacity);
            return 2;
        }
        p->rep = plan::run<plan_capacity>(p->sys);
    }
    std::vector<named_plan> flat;
    for (auto& p : plans) flat.push_back(*p);
    if (json) {
        std::fputs(to_json(flat.data(), flat.size()).c_str(), stdout);
    } else {
        for (std::size_t i = 0; i < flat.size(); ++i) {
            if (i) std::fputc('\n', stdout);
            write_text(stdout, flat[i]);
        }
    }
    if (!svg.empty() && !write_file(svg, to_svg(flat.data(), flat.size()))) {
        std::fprintf(stderr, "retype plan: cannot write %s\n", svg.c_str());
        return 2;
    }
    return plans.back()->rep.ok() ? 0 : 1;
}

} // namespace retype::cli
