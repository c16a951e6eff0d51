// retype: command-line front end. Dispatches to a subcommand.
#include "commands.hpp"
#include "nearest.hpp"

#include <cstdio>
#include <cstring>
#include <iterator>
#include <string_view>

namespace {

struct command {
    std::string_view name;
    int (*run)(int argc, char** argv); // gets argv from the subcommand's name on
    const char* help;
};

// One line per subcommand.
constexpr command commands[] = {
    {"replay", retype::cli::replay_main, "FILE|-   run a replay trace against the seL4 kernel model (docs/replay.md)"},
    {"plan", retype::cli::plan_main,
     "[FILE]     check a system's memory configuration stage by stage (docs/planner.md)"},
    {"untypeds", retype::cli::untypeds_main,
     "[FILE] the kernel's initial untyped list, in bootinfo order (docs/boot-untypeds.md)"},
};

void usage(std::FILE* out) {
    std::fputs("usage: retype <command> [args]   (retype <command> --help)\ncommands:\n", out);
    for (const command& c : commands)
        std::fprintf(out, "  %.*s %s\n", static_cast<int>(c.name.size()), c.name.data(), c.help);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const std::string_view name = argv[1];
    for (const command& c : commands)
        if (c.name == name) return c.run(argc - 1, argv + 1);
    if (name == "--help" || name == "-h" || name == "help") {
        usage(stdout);
        return std::fflush(stdout) == 0 ? 0 : 2;
    }
    std::string_view names[std::size(commands)];
    for (std::size_t i = 0; i < std::size(commands); ++i) names[i] = commands[i].name;
    const std::string_view near = retype::cli::nearest(name, names);
    std::fprintf(stderr, "retype: unknown command '%s'", argv[1]);
    if (!near.empty()) std::fprintf(stderr, ", did you mean '%.*s'?", static_cast<int>(near.size()), near.data());
    std::fputc('\n', stderr);
    usage(stderr);
    return 2;
}
