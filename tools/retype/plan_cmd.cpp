// Placeholder until the planner lands (issue 5): says so and fails.
#include "commands.hpp"

#include <cstdio>

int retype::cli::plan_main(int, char**) {
    std::fputs("retype plan: not built yet\n", stderr);
    return 2;
}
