// Placeholder until `retype replay` lands (issue 2): says so and fails.
#include "commands.hpp"

#include <cstdio>

int retype::cli::replay_main(int, char**) {
    std::fputs("retype replay: not built yet\n", stderr);
    return 2;
}
