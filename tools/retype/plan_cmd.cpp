// `retype plan [FILE] [--json] [--svg FILE] [--dtb FILE]`: plans a system stage
// by stage and says which stage fails, by how much, and which setting to change
// to what. Without FILE: the built-in seed-001 example, as first configured
// (fails) and as recommended (passes). docs/planner.md has the details.
//
// Exit status: 0 every stage passes, 1 a stage fails, 2 bad usage, bad input
// (the description or the DTB), or output that cannot be written, as for
// `retype replay`.
#include "commands.hpp"
#include "nearest.hpp"
#include "plan_io.hpp"

#include <retype/plan/examples.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace retype::cli {
namespace {

void usage(std::FILE* out) {
    std::fputs("usage: retype plan [FILE.toml] [--json] [--svg OUT.svg] [--dtb FILE.dtb]\n"
               "  without FILE: the built-in vm_minimal example (seed 001), first try and recommended\n"
               "  --json         machine-readable report (schema retype-plan/1, docs/planner.md)\n"
               "  --svg OUT.svg  draw the physical memory map\n"
               "  --dtb FILE     take RAM and reserved-memory from a device tree blob\n"
               "  -h, --help     this text\n"
               "exit status: 0 every stage passes (built-in: the recommended one), 1 a stage fails,\n"
               "             2 bad usage, bad input, or output that cannot be written\n",
               out);
}

int usage_error(const std::string& what) {
    std::fprintf(stderr, "retype plan: %s (retype plan --help)\n", what.c_str());
    return 2;
}

bool write_file(const std::string& path, const std::string& text, std::string& err) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) {
        err = std::strerror(errno);
        return false;
    }
    const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const int write_errno = errno;
    const bool closed = std::fclose(f) == 0;
    if (!wrote || !closed) err = std::strerror(wrote ? errno : write_errno);
    return wrote && closed;
}

} // namespace

int plan_main(int argc, char** argv) {
    std::string file, svg, dtb;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") {
            json = true;
        } else if (a == "--svg" || a == "--dtb") {
            if (i + 1 >= argc) return usage_error("option " + a + " needs a file name");
            (a == "--svg" ? svg : dtb) = argv[++i];
        } else if (a.rfind("--svg=", 0) == 0 || a.rfind("--dtb=", 0) == 0) {
            (a[2] == 's' ? svg : dtb) = a.substr(6);
        } else if (a == "-h" || a == "--help") {
            usage(stdout);
            return std::fflush(stdout) == 0 ? 0 : 2;
        } else if (a.size() > 1 && a[0] == '-') {
            constexpr std::string_view options[] = {"--json", "--svg", "--dtb", "--help"};
            const std::string_view near = nearest(a, options);
            return usage_error("unknown option " + a +
                               (near.empty() ? "" : ", did you mean " + std::string(near) + "?"));
        } else if (!file.empty()) {
            return usage_error("one description at a time: '" + file + "' and '" + a + "'");
        } else {
            file = a;
        }
    }
    if (!svg.empty() && svg == dtb) return usage_error("--svg and --dtb name the same file");
    // Each plan holds a report and a system of 64 components: on the heap.
    std::vector<std::unique_ptr<named_plan>> plans;
    std::vector<bool> dtb_size_given;
    if (file.empty()) {
        plans.push_back(std::make_unique<named_plan>());
        plans.back()->title = "vm_minimal, 2 GiB guest as first configured (seed 001)";
        plans.back()->sys.plat = plan::examples::qemu_arm_virt_4g();
        *plans.back()->sys.add("vm0") = plan::examples::vm0_first_try();
        plans.push_back(std::make_unique<named_plan>());
        plans.back()->title = "vm_minimal, 2 GiB guest as the planner recommends";
        plans.back()->sys.plat = plan::examples::qemu_arm_virt_4g();
        *plans.back()->sys.add("vm0") = plan::examples::vm0_recommended();
        dtb_size_given = {true, true}; // the examples' DTB size is the seed's boot log's
    } else {
        plans.push_back(std::make_unique<named_plan>());
        std::string err;
        toml_extras extras;
        if (!read_toml(file, plans.back()->sys, plans.back()->title, err, &extras)) {
            std::fprintf(stderr, "retype plan: %s\n", err.c_str());
            return 2;
        }
        dtb_size_given = {extras.dtb_size_given};
    }
    for (std::size_t i = 0; i < plans.size(); ++i) {
        named_plan& p = *plans[i];
        if (!dtb.empty()) {
            std::string err;
            if (!read_dtb(dtb, p.sys.plat, dtb_size_given[i], err)) {
                std::fprintf(stderr, "retype plan: %s\n", err.c_str());
                return 2;
            }
        }
        if (p.sys.plat.n_ram == 0) {
            std::fprintf(stderr,
                         "retype plan: %s: platform.ram: no RAM (give platform.ram, platform.dtb_file or --dtb)\n",
                         file.c_str());
            return 2;
        }
        if (plan::model_nodes(p.sys) > plan_capacity) {
            std::fprintf(stderr,
                         "retype plan: %s: planning it needs %zu kernel-model nodes and this build of retype has "
                         "%zu (a limit of the program, not of the system: plan_capacity in tools/retype/plan_io.hpp)\n",
                         p.title.c_str(), plan::model_nodes(p.sys), plan_capacity);
            return 2;
        }
        p.rep = plan::run<plan_capacity>(p.sys);
    }
    std::vector<named_plan> flat;
    for (auto& p : plans) flat.push_back(*p);
    if (json) {
        const std::string j = to_json(flat.data(), flat.size());
        std::fwrite(j.data(), 1, j.size(), stdout);
    } else {
        for (std::size_t i = 0; i < flat.size(); ++i) {
            if (i) std::fputc('\n', stdout);
            write_text(stdout, flat[i]);
        }
    }
    // Every write is checked: a report that did not reach its reader is a failure.
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "retype plan: cannot write the report to standard output: %s\n", std::strerror(errno));
        return 2;
    }
    if (!svg.empty()) {
        std::string err;
        if (!write_file(svg, to_svg(flat.data(), flat.size()), err)) {
            std::fprintf(stderr, "retype plan: cannot write %s: %s\n", svg.c_str(), err.c_str());
            return 2;
        }
    }
    return plans.back()->rep.ok() ? 0 : 1;
}

} // namespace retype::cli
