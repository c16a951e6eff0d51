// retype: command-line front end. Dispatches to a subcommand.
#include "commands.hpp"

#include <cstdio>
#include <cstring>

namespace {
void usage(std::FILE* out) {
    std::fputs("usage: retype <command> [args]\n"
               "commands:\n"
               "  replay FILE|-   run a replay trace against the seL4 kernel model (docs/replay.md)\n"
               "  plan [FILE]     check a system's memory configuration stage by stage (docs/planner.md)\n"
               "  untypeds [FILE] the kernel's initial untyped list, in bootinfo order (docs/boot-untypeds.md)\n",
               out);
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (std::strcmp(argv[1], "replay") == 0) return retype::cli::replay_main(argc - 1, argv + 1);
    if (std::strcmp(argv[1], "plan") == 0) return retype::cli::plan_main(argc - 1, argv + 1);
    if (std::strcmp(argv[1], "untypeds") == 0) return retype::cli::untypeds_main(argc - 1, argv + 1);
    if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    std::fprintf(stderr, "retype: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
