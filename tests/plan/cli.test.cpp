// `retype plan` as a program: the built-in example, TOML files, a DTB made by
// dtc from a DTS written here, and bad input.
#include "cli_run.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>

namespace {

#ifdef RETYPE_CLI
using retype::test::run_result;

run_result run(const std::string& args) { return retype::test::run_retype("plan " + args); }

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

TEST(PlanCli, TheOldArchSpellingIsReadWithANote) {
    // The same description with the deprecated `aarch64-hyp`: the same report,
    // after one warning line naming the file, line 8 (`arch = ...` in that
    // example) and column 8 (where the value starts, after `arch = `).
    std::ifstream in(examples + "vm_minimal_recommended.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string now = "arch = \"aarch64_hyp\"";
    const std::size_t at = text.find(now);
    ASSERT_NE(at, std::string::npos);
    const std::string path =
        retype::test::write_temp("old_arch.toml", text.replace(at, now.size(), "arch = \"aarch64-hyp\""));
    const run_result canonical = run(examples + "vm_minimal_recommended.toml");
    const run_result old = run(path);
    EXPECT_EQ(old.status, canonical.status);
    const std::string note = path + ":8:8: warning: platform.arch: `aarch64-hyp` is deprecated, write `aarch64_hyp`\n";
    EXPECT_EQ(canonical.out.find("deprecated"), std::string::npos) << canonical.out;
    ASSERT_EQ(old.out.substr(0, note.size()), note) << old.out;
    EXPECT_EQ(old.out.substr(note.size()), canonical.out);
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
// Issue 16.4: names and titles went into the SVG unescaped (a <script> survived)
// and a title over ~1000 characters was cut by a 1024-byte buffer inside a tag.
TEST(PlanCli, SvgEscapesEverythingTheDescriptionNames) {
    const std::string long_title(3000, 'T');
    const std::string toml = "name = \"<script>alert(1)</script> & ]]> " + long_title +
                             "\"\n[platform]\nname = \"<svg onload=x>\"\narch = \"aarch64\"\n"
                             "ram = [ { base = 0x40000000, size = 0x40000000 } ]\n"
                             "reserved = [ { base = 0x40000000, size = 0x100000, name = \"</title><b>\" } ]\n"
                             "kernel_image = { size = 0x200000 }\nrootserver = { size = 0x400000 }\n"
                             "[[component]]\nname = \"<i>&'\\\"x\"\nimage_size = 0x10000\n";
    const std::string dir = ::testing::TempDir();
    std::ofstream(dir + "hostile_svg.toml") << toml;
    const std::string svg_path = dir + "hostile.svg";
    const run_result r = run(dir + "hostile_svg.toml --svg " + svg_path);
    ASSERT_NE(r.status, 2) << r.out;
    std::ifstream in(svg_path);
    const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("<b>"), std::string::npos);
    EXPECT_EQ(svg.find("<i>"), std::string::npos);
    EXPECT_NE(svg.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt; " + long_title + ": "), std::string::npos);
    EXPECT_NE(svg.find("&lt;/title&gt;&lt;b&gt;"), std::string::npos);
    EXPECT_NE(svg.find("&lt;i&gt;&amp;&apos;&quot;x"), std::string::npos);
    // Well-formed XML, by Python's parser.
    const std::string check = std::string(RETYPE_PYTHON) +
                              " -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' " + svg_path;
    EXPECT_EQ(std::system(check.c_str()), 0);
}

// Issue 13.5: the map explains itself: a legend, a tooltip on every segment, the failing point.
TEST(PlanCli, SvgHasLegendTooltipsAndTheFailingPoint) {
    const std::string svg_path = ::testing::TempDir() + "builtin.svg";
    ASSERT_EQ(run("--svg " + svg_path).status, 0);
    std::ifstream in(svg_path);
    const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(svg.find(">Legend</text>"), std::string::npos);
    EXPECT_NE(svg.find("guest RAM the VMM backs (obtained)"), std::string::npos);
    // Seed 001's first try: the guest faults at the first unbacked address, 0x8ed70000 with the VMM's CSpace
    // bitmap in the mempool (derived in docs/planner.md; stages.test.cpp bounds it by hand).
    EXPECT_NE(svg.find(">stage 5 (guest) fails at 0x8ed70000</text>"), std::string::npos);
    // Every segment's rectangle is inside a group whose first child is its tooltip.
    const std::size_t legend = svg.find(">Legend</text>"); // the legend's swatches come last
    std::size_t segments = 0;
    for (std::size_t at = svg.find("<rect x="); at < legend; at = svg.find("<rect x=", at + 1)) {
        EXPECT_EQ(svg.rfind("</title>", at) + 8, at) << "a segment without a tooltip: " << svg.substr(at, 120);
        ++segments;
    }
    EXPECT_GT(segments, 50u);
    // The no-map vm-memory [0x40000000, 0xc0000000) comes back as two 1 GiB device untypeds (2^30-aligned).
    EXPECT_NE(svg.find(", device, 0x40000000/30: [0x40000000, 0x80000000), 1 GiB</title>"), std::string::npos);
    // vm0's "0x40000000:30" and "0x80000000:30" are adjacent: the loader lane shows them as one 2 GiB extent.
    EXPECT_NE(svg.find("<title>vm0: untyped_mmio [0x40000000, 0xc0000000), 2 GiB</title>"), std::string::npos);
}

// Issue 16.5: `retype plan > /dev/full` exited 0. Every write is checked, as by replay.
TEST(PlanCli, WriteErrorsAreFailures) {
    for (const char* args : {"> /dev/full", "--json > /dev/full"}) {
        const run_result r = run(args);
        EXPECT_EQ(r.status, 2) << args;
        EXPECT_NE(r.out.find("cannot write the report to standard output: No space left on device"), std::string::npos)
            << r.out;
    }
    const run_result a = run("--svg /dev/full > /dev/null");
    EXPECT_EQ(a.status, 2);
    EXPECT_NE(a.out.find("cannot write /dev/full: No space left on device"), std::string::npos) << a.out;
    const run_result b = run("--svg /nonexistent/dir/map.svg > /dev/null");
    EXPECT_EQ(b.status, 2);
    EXPECT_NE(b.out.find("cannot write /nonexistent/dir/map.svg: No such file or directory"), std::string::npos)
        << b.out;
    // replay agrees.
    const run_result c = retype::test::run_retype("replay " + examples +
                                                  "../../tests/fuzz/corpus/replay/format-example.trace > /dev/full");
    EXPECT_EQ(c.status, 2) << c.out;
}

// Issue 13: `--jsno` printed only the usage; --help and unknown commands behave as CLI users expect.
TEST(PlanCli, OptionsBehaveAsCliUsersExpect) {
    const run_result help = run("--help 2>/dev/null");
    EXPECT_EQ(help.status, 0);
    EXPECT_EQ(help.out.rfind("usage: retype plan", 0), 0u) << help.out;
    EXPECT_EQ(run("-h").status, 0);
    const run_result typo = run("--jsno");
    EXPECT_EQ(typo.status, 2);
    EXPECT_NE(typo.out.find("unknown option --jsno, did you mean --json?"), std::string::npos) << typo.out;
    const run_result far = run("--frobnicate");
    EXPECT_EQ(far.status, 2);
    EXPECT_NE(far.out.find("unknown option --frobnicate (retype plan --help)"), std::string::npos) << far.out;
    const run_result noarg = run("--svg");
    EXPECT_EQ(noarg.status, 2);
    EXPECT_NE(noarg.out.find("option --svg needs a file name"), std::string::npos) << noarg.out;
    const run_result two = run("a.toml b.toml");
    EXPECT_EQ(two.status, 2);
    EXPECT_NE(two.out.find("one description at a time"), std::string::npos) << two.out;
    const run_result cmd = retype::test::run_retype("plna");
    EXPECT_EQ(cmd.status, 2);
    EXPECT_NE(cmd.out.find("unknown command 'plna', did you mean 'plan'?"), std::string::npos) << cmd.out;
    const run_result top = retype::test::run_retype("--help");
    EXPECT_EQ(top.status, 0);
    EXPECT_NE(top.out.find("plan [FILE]"), std::string::npos) << top.out;
}
#endif

} // namespace
