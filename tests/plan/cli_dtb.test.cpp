// `retype plan --dtb` on hostile device trees (issues 13 and 16): each is an
// input error (exit 2) that names the node and says what is wrong, never a
// crash, a truncated value or a plan. The trees are written here as DTS and
// compiled by dtc with -f (it writes what it warns about); the broken blobs
// (truncated, not a DTB) are made from bytes.
#include "cli_run.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

#ifdef RETYPE_CLI
using retype::test::make_dtb;
using retype::test::run_retype;
using retype::test::write_temp;

// A platform whose RAM the DTB replaces: aarch64, so physical addresses have 48 bits.
const std::string platform_toml = "[platform]\nname = \"t\"\narch = \"aarch64\"\n"
                                  "kernel_image = { size = 0x200000 }\nrootserver = { size = 0x400000 }\n";

std::string system_file() {
    return write_temp("dtb_platform.toml", platform_toml + "ram = [ { base = 0x40000000, size = 0x40000000 } ]\n");
}

// A tree with root cells 2/2, the given /memory reg, and a reserved-memory node.
std::string tree(const std::string& root_extra, const std::string& memory_reg, const std::string& reserved) {
    return "/dts-v1/;\n/ {\n  #address-cells = <2>;\n  #size-cells = <2>;\n" + root_extra +
           "  memory@40000000 { device_type = \"memory\"; reg = <" + memory_reg + ">; };\n" + reserved + "};\n";
}
const std::string ram_1g = "0x0 0x40000000 0x0 0x40000000";
std::string reserved_node(const std::string& cells, const std::string& reg) {
    return "  reserved-memory {\n    " + cells + "\n    ranges;\n    vm@40000000 { reg = <" + reg +
           ">; no-map; };\n  };\n";
}

struct hostile {
    const char* name;
    std::string dts;
    std::vector<std::string> says;
};

std::vector<hostile> cases() {
    const std::string two = "#address-cells = <2>; #size-cells = <2>;";
    return {
        // Issue 16.1: the cells of /reserved-memory were never checked; the reg loop walked backwards.
        {"rm_address_cells_0",
         tree("", ram_1g, reserved_node("#address-cells = <0>; #size-cells = <2>;", "0x0 0x1000")),
         {"/reserved-memory: #address-cells = 0, #size-cells = 2: memory regions need both to be at least 1"}},
        {"rm_both_cells_0",
         tree("", ram_1g, reserved_node("#address-cells = <0>; #size-cells = <0>;", "")),
         {"/reserved-memory: #address-cells = 0, #size-cells = 0"}},
        {"rm_size_cells_5",
         tree("", ram_1g, reserved_node("#address-cells = <2>; #size-cells = <5>;", "0x0 0x40000000 0 0 0 0 0x1000")),
         {"/reserved-memory: #size-cells = 5: at most 4 cells are supported"}},
        {"rm_cells_malformed",
         tree("", ram_1g, reserved_node("#address-cells = <2>; #size-cells = <1 2>;", "0x0 0x40000000 0x1000")),
         {"/reserved-memory: #size-cells is 8 bytes; it must be one 32-bit cell"}},
        {"cells_elsewhere", tree("  soc { #address-cells = <7>; };\n", ram_1g, ""), {"/soc: #address-cells = 7"}},
        // Issue 13: bad reg length.
        {"reg_length",
         tree("", "0x0 0x40000000 0x0", ""),
         {"/memory@40000000: reg is 12 bytes, not a multiple of 16 (#address-cells 2 + #size-cells 2"}},
        // Issue 16.2: 3- and 4-cell values kept only their low 64 bits.
        {"three_cell_high_bits",
         "/dts-v1/;\n/ {\n  #address-cells = <3>;\n  #size-cells = <2>;\n"
         "  memory@40000000 { device_type = \"memory\"; reg = <0x1 0x0 0x40000000 0x0 0x40000000>; };\n};\n",
         {"/memory@40000000: reg: a 3-cell address has bits set above bit 63 (cell 0 is 0x1)"}},
        {"four_cell_size_high_bits",
         "/dts-v1/;\n/ {\n  #address-cells = <2>;\n  #size-cells = <4>;\n"
         "  memory@40000000 { device_type = \"memory\"; reg = <0x0 0x40000000 0x0 0x1 0x0 0x40000000>; };\n};\n",
         {"a 4-cell size has bits set above bit 63 (cell 1 is 0x1)"}},
        {"wraps_past_2_64", tree("", "0xffffffff 0xfffff000 0x0 0x2000", ""), {"wraps past 2^64"}},
        {"whole_space", tree("", "0x0 0x0 0xffffffff 0xffffffff", ""), {"ends past 2^48"}},
        {"memory_sizes_zero",
         tree("", "0x0 0x40000000 0x0 0x0", ""),
         {"/memory@40000000: every /memory reg entry has size 0"}},
        {"no_memory", "/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; };\n", {"no /memory node"}},
        {"reserved_outside_ram",
         tree("", ram_1g, reserved_node(two, "0x1 0x0 0x0 0x1000")),
         {"/reserved-memory/vm@40000000: reserved [0x100000000, 0x100001000) lies outside RAM"}},
        {"reserved_overlap",
         tree("", ram_1g,
              "  reserved-memory {\n    " + two +
                  "\n    a@40000000 { reg = <0x0 0x40000000 0x0 0x2000>; };\n"
                  "    b@40001000 { reg = <0x0 0x40001000 0x0 0x1000>; };\n  };\n"),
         {"/reserved-memory/b@40001000: reserved [0x40001000, 0x40002000) overlaps reserved"}},
        {"ram_overlap",
         tree("  memory@60000000 { device_type = \"memory\"; reg = <0x0 0x60000000 0x0 0x1000>; };\n", ram_1g, ""),
         {"overlaps RAM"}},
    };
}

TEST(PlanCliDtb, HostileTreesAreInputErrorsNamingTheNode) {
    const std::string sys = system_file();
    for (const hostile& h : cases()) {
        const std::string dtb = make_dtb(std::string("hostile_") + h.name, h.dts);
        const auto r = run_retype("plan " + sys + " --dtb " + dtb);
        EXPECT_EQ(r.status, 2) << h.name << ":\n" << r.out;
        EXPECT_NE(r.out.find("retype plan: " + dtb + ": "), std::string::npos) << h.name << ":\n" << r.out;
        for (const std::string& s : h.says) EXPECT_NE(r.out.find(s), std::string::npos) << h.name << ":\n" << r.out;
    }
}

std::string file_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(PlanCliDtb, TruncatedAndForeignBlobsSayWhatTheyAre) {
    const std::string sys = system_file();
    const std::string good = file_bytes(make_dtb("whole", tree("", ram_1g, "")));
    ASSERT_GT(good.size(), 80u);
    const std::string cut = write_temp("cut.dtb", good.substr(0, good.size() / 2));
    const auto a = run_retype("plan " + sys + " --dtb " + cut);
    EXPECT_EQ(a.status, 2);
    EXPECT_NE(a.out.find("truncated: the header says " + std::to_string(good.size()) + " bytes, the file has " +
                         std::to_string(good.size() / 2)),
              std::string::npos)
        << a.out;
    const auto b = run_retype("plan " + sys + " --dtb " + write_temp("short.dtb", good.substr(0, 10)));
    EXPECT_EQ(b.status, 2);
    EXPECT_NE(b.out.find("truncated: 10 bytes, shorter than a device tree header"), std::string::npos) << b.out;
    const auto c = run_retype("plan " + sys + " --dtb " + write_temp("text.dtb", platform_toml));
    EXPECT_EQ(c.status, 2);
    EXPECT_NE(c.out.find("not a flattened device tree"), std::string::npos) << c.out;
    // Structure broken inside a blob whose header is right: the strings block points past its end.
    std::string broken = good;
    broken[35] = static_cast<char>(0x7f); // size_dt_strings, low byte (big-endian word at offset 32)
    broken[34] = static_cast<char>(0x7f);
    const auto d = run_retype("plan " + sys + " --dtb " + write_temp("broken.dtb", broken));
    EXPECT_EQ(d.status, 2);
    EXPECT_NE(d.out.find("malformed device tree"), std::string::npos) << d.out;
    // A format version before 17 (libfdt 1.6.1's full check crashed on one; the DTB fuzz target's find).
    std::string old = good;
    old[23] = 7; // version, big-endian word at offset 20
    const auto v = run_retype("plan " + sys + " --dtb " + write_temp("version7.dtb", old));
    EXPECT_EQ(v.status, 2);
    EXPECT_NE(v.out.find("device tree format version 7 is not read"), std::string::npos) << v.out;
    const auto e = run_retype("plan " + sys + " --dtb /nonexistent/board.dtb");
    EXPECT_EQ(e.status, 2);
    EXPECT_NE(e.out.find("/nonexistent/board.dtb: cannot open: No such file or directory"), std::string::npos) << e.out;
}

// The JSON report's images.dtb.size.
std::uint64_t json_dtb_size(const std::string& out) {
    const auto at = out.find("\"dtb\": {\"base\": ");
    if (at == std::string::npos) return ~std::uint64_t{0};
    const auto s = out.find("\"size\": ", at);
    return std::stoull(out.substr(s + 8));
}

// dtb_file without dtb.size: the DTB image is the file (its totalsize, what the ELF
// loader copies), not 0 bytes; a dtb.size written in the description wins.
TEST(PlanCliDtb, DtbFileGivesTheImageSizeUnlessDtbSizeIsWritten) {
    const std::string dtb = make_dtb("sized", tree("", ram_1g, ""));
    const std::uint64_t bytes = file_bytes(dtb).size();
    const std::string dir = ::testing::TempDir();
    const std::string name = dtb.substr(dtb.rfind('/') + 1);
    const auto a =
        run_retype("plan --json " + write_temp("dtb_file.toml", platform_toml + "dtb_file = \"" + name + "\"\n"));
    EXPECT_NE(a.status, 2) << a.out;
    EXPECT_EQ(json_dtb_size(a.out), bytes) << a.out;
    const auto b = run_retype("plan --json " + write_temp("dtb_file_sized.toml", platform_toml +
                                                                                     "dtb = { size = 0x3000 }\n"
                                                                                     "dtb_file = \"" +
                                                                                     name + "\"\n"));
    EXPECT_NE(b.status, 2) << b.out;
    EXPECT_EQ(json_dtb_size(b.out), 0x3000u) << b.out;
}
#endif

} // namespace
