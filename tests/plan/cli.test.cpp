// `retype plan` as a program: the built-in example, TOML files, a DTB made by
// dtc from a DTS written here, and bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace {

#ifdef RETYPE_CLI
struct run_result {
    int status = -1;
    std::string out;
};

run_result run(const std::string& args) {
    run_result r;
    const std::string cmd = std::string(RETYPE_CLI) + " plan " + args + " 2>&1";
    std::FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

const std::string examples = std::string(RETYPE_SOURCE_DIR) + "/examples/systems/";

TEST(PlanCli, BuiltInExampleFailsThenPasses) {
    const run_result r = run("");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("4 VMM           FAILED vm0.allocator_mempool_size is 80 MiB"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("code change: patch libsel4vm"), std::string::npos);
    EXPECT_NE(r.out.find("fix: raise vm0.allocator_mempool_size from 80 MiB to 146 MiB  [checked]"), std::string::npos);
    EXPECT_NE(r.out.find("verdict: every stage passes"), std::string::npos);
}

TEST(PlanCli, TomlFilesGiveTheSameVerdictsAsTheBuiltIn) {
    const run_result bad = run(examples + "vm_minimal_first_try.toml");
    EXPECT_EQ(bad.status, 1) << bad.out;
    EXPECT_NE(bad.out.find("mempool needed drops from 129.3 MiB to 1.3 MiB"), std::string::npos) << bad.out;
    const run_result good = run(examples + "vm_minimal_recommended.toml");
    EXPECT_EQ(good.status, 0) << good.out;
    const run_result two = run(examples + "two_vms_zcu102.toml");
    EXPECT_NE(two.status, 2) << two.out;
    EXPECT_NE(two.out.find("vm1"), std::string::npos) << two.out;
}

TEST(PlanCli, BadInputIsRefusedWithTheKey) {
    const std::string path = ::testing::TempDir() + "bad_plan.toml";
    std::ofstream(path) << "[platform]\narch = \"sparc\"\n";
    const run_result r = run(path);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.out.find("platform.arch"), std::string::npos) << r.out;
    std::ofstream(path) << "[platform\n";
    EXPECT_EQ(run(path).status, 2);
    EXPECT_EQ(run("/nonexistent/x.toml").status, 2);
}

// A qemu-arm-virt-like tree: 4 GiB at 0x40000000, and a no-map vm-memory node.
std::string make_dtb(const std::string& stem, const std::string& reserved_size) {
    const std::string dts = ::testing::TempDir() + stem + ".dts";
    const std::string dtb = ::testing::TempDir() + stem + ".dtb";
    std::ofstream(dts) << "/dts-v1/;\n/ {\n  #address-cells = <2>;\n  #size-cells = <2>;\n"
                          "  memory@40000000 { device_type = \"memory\"; reg = <0x0 0x40000000 0x1 0x00000000>; };\n"
                          "  reserved-memory {\n    #address-cells = <2>;\n    #size-cells = <2>;\n    ranges;\n"
                          "    vm-memory@40000000 { reg = <0x0 0x40000000 0x0 "
                       << reserved_size << ">; no-map; };\n  };\n};\n";
    const std::string cmd = "dtc -I dts -O dtb -o " + dtb + " " + dts + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return dtb;
}

TEST(PlanCli, DtbMemoryAndReservedMemoryReplaceThePlatformsOwn) {
    // 2 GiB no-map: as the TOML says, so the verdict is the same (stage 4).
    const std::string same = make_dtb("plan_same", "0x80000000");
    const run_result a = run(examples + "vm_minimal_recommended.toml --dtb " + same);
    EXPECT_EQ(a.status, 0) << a.out;
    // Only 512 MiB no-map (the overlay before the seed's patch): the kernel lands at
    // 0x60000000, inside vm0's "0x40000000:30", and stage 3 says so.
    const std::string small = make_dtb("plan_small", "0x20000000");
    const run_result b = run(examples + "vm_minimal_recommended.toml --dtb " + small);
    EXPECT_EQ(b.status, 1) << b.out;
    EXPECT_NE(b.out.find("kernel at 0x60000000"), std::string::npos) << b.out;
    EXPECT_NE(
        b.out.find("vm0.untyped_mmios \"0x40000000:30\" is not an initial untyped: the kernel image sits inside it"),
        std::string::npos)
        << b.out;
    EXPECT_NE(b.out.find("add a no-map reserved-memory node for [0x40000000, 0x80000000)"), std::string::npos) << b.out;
}
#endif

} // namespace
