// The subcommands of the retype program; each lives in its own file.
#pragma once

namespace retype::cli {
int replay_main(int argc, char** argv);   // replay_cmd.cpp
int plan_main(int argc, char** argv);     // plan_cmd.cpp
int untypeds_main(int argc, char** argv); // untypeds_cmd.cpp
} // namespace retype::cli
