// Runs the `retype` program for the CLI tests and builds their input files.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace retype::test {

struct run_result {
    int status = -1; // the exit status; -1 when the program died of a signal (a crash)
    std::string out; // stdout and stderr together
};

/// A shell command line; its stdout (add 2>&1 for stderr too) and exit status.
inline run_result run_shell(const std::string& cmd) {
    run_result r;
    std::FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

/// `retype 2>&1 ARGS`, through the shell (so ARGS may redirect stdout): stderr
/// goes to the pipe even when ARGS redirect stdout.
inline run_result run_retype(const std::string& args) { return run_shell(std::string(RETYPE_CLI) + " 2>&1 " + args); }

/// A file under the test's temporary directory with this content; returns its path.
inline std::string write_temp(const std::string& name, const std::string& content) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

/// A DTB compiled by dtc from `dts`, forced (-f) so that hostile trees are written too.
inline std::string make_dtb(const std::string& stem, const std::string& dts) {
    const std::string src = write_temp(stem + ".dts", dts);
    const std::string dtb = ::testing::TempDir() + stem + ".dtb";
    const std::string cmd = "dtc -q -f -I dts -O dtb -o " + dtb + " " + src + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return dtb;
}

} // namespace retype::test
