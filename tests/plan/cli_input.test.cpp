// `retype plan` on hostile TOML descriptions (issues 13 and 16): every one is an
// input error (exit 2) naming the file, the line and the key, never a plan of
// something the user did not write. Each file is written by the test; the
// expected line is counted in the text the case builds.
#include "cli_run.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

#ifdef RETYPE_CLI
using retype::test::run_retype;
using retype::test::write_temp;

// Six lines: a platform every case below can build on.
const std::string platform = "[platform]\n"                                                    // 1
                             "name = \"t\"\n"                                                  // 2
                             "arch = \"aarch64\"\n"                                            // 3
                             "ram = [ { base = 0x40000000, size = 0x40000000 } ]\n"            // 4
                             "kernel_image = { size = 0x200000 }\n"                            // 5
                             "rootserver = { size = 0x400000 }\n";                             // 6
const std::string vm0 = "[[component]]\nname = \"vm0\"\n";                                     // 7-8
const std::string guest = "[component.guest]\nram_base = 0x40000000\nram_size = 0x10000000\n"; // 9-11

// The platform with line 4 (RAM) replaced.
std::string with_ram(const std::string& ram_line) {
    return "[platform]\nname = \"t\"\narch = \"aarch64\"\n" + ram_line +
           "\nkernel_image = { size = 0x200000 }\nrootserver = { size = 0x400000 }\n";
}

struct hostile {
    const char* name;
    std::string toml;
    int line;                      // 0: the message names no line
    std::vector<std::string> says; // each must be in the message
};

std::vector<hostile> cases() {
    return {
        // Unknown keys, with the nearest valid one.
        {"typo_top", "nmae = \"x\"\n" + platform, 1, {"unknown key `nmae`", "did you mean `name`?"}},
        {"typo_platform",
         platform + "root_cnode_bit = 12\n",
         7,
         {"platform: unknown key `root_cnode_bit`", "did you mean `root_cnode_bits`?"}},
        {"typo_component",
         platform + vm0 + "cnode_size_bit = 14\n",
         9,
         {"vm0: unknown key `cnode_size_bit`", "did you mean `cnode_size_bits`?"}},
        {"typo_guest",
         platform + vm0 + guest + "page_bit = 21\n",
         12,
         {"vm0.guest: unknown key `page_bit`", "did you mean `page_bits`?"}},
        {"typo_pool",
         platform + vm0 + "simple_untyped24_pools = 1\n",
         9,
         {"did you mean `simple_untyped<bits>_pool`?"}},
        {"pool_leading_zero", platform + vm0 + "simple_untyped024_pool = 1\n", 9, {"unknown key"}},
        {"alias_and_key",
         platform + vm0 + guest + "one_to_one = true\nmap_one_to_one = true\n",
         13,
         {"`map_one_to_one` is the CAmkES spelling of `one_to_one`"}},
        // Two components with one name.
        {"duplicate_name",
         platform + vm0 + vm0,
         10,
         {"vm0: a second component with this name (the first is at line 7)"}},
        // Missing required keys.
        {"missing_arch",
         "[platform]\nram = [ { base = 0x40000000, size = 0x40000000 } ]\n",
         1,
         {"platform: missing required key `arch`"}},
        {"missing_platform", "name = \"x\"\n", 1, {"missing required key `platform`"}},
        {"missing_component_name",
         platform + "[[component]]\ncnode_size_bits = 12\n",
         7,
         {"component[0]: missing required key `name`"}},
        {"missing_object_count",
         platform + vm0 + "objects = [ { type = \"tcb\" } ]\n",
         9,
         {"vm0.objects[0]: missing required key `count`"}},
        // Wrong types: 1.5e6 is not 1.4 MiB.
        {"float_size",
         with_ram("ram = [ { base = 0x40000000, size = 1.5e6 } ]"),
         4,
         {"platform.ram[0].size: expected a non-negative integer, got a floating-point number (1500000)"}},
        {"string_for_int",
         platform + vm0 + "cnode_size_bits = \"12\"\n",
         9,
         {"vm0.cnode_size_bits: expected a non-negative integer, got a string"}},
        {"negative", with_ram("ram = [ { base = 0x40000000, size = -4096 } ]"), 4, {"-4096 is negative"}},
        {"int_for_bool", platform + "mcs = 1\n", 7, {"platform.mcs: expected true or false"}},
        // Impossible memory maps.
        {"ram_overlap",
         with_ram("ram = [ { base = 0x40000000, size = 0x40000000 }, { base = 0x60000000, size = 0x1000 } ]"),
         4,
         {"platform.ram[1]: RAM [0x60000000, 0x60001000) overlaps RAM [0x40000000, 0x80000000)"}},
        {"ram_unaligned", with_ram("ram = [ { base = 0x40000001, size = 0x40000000 } ]"), 4, {"not 4 KiB aligned"}},
        {"reserved_outside_ram",
         platform + "reserved = [ { base = 0x100000000, size = 0x1000 } ]\n",
         7,
         {"platform.reserved[0]: reserved [0x100000000, 0x100001000) lies outside RAM"}},
        {"reserved_across_ram_end",
         platform + "reserved = [ { base = 0x7ffff000, size = 0x2000 } ]\n",
         7,
         {"is not wholly inside RAM"}},
        {"reserved_overlap",
         platform + "reserved = [ { base = 0x40000000, size = 0x2000 }, { base = 0x40001000, size = 0x1000 } ]\n",
         7,
         {"platform.reserved[1]: reserved [0x40001000, 0x40002000) overlaps reserved [0x40000000, 0x40002000)"}},
        {"ram_past_pa",
         with_ram("ram = [ { base = 0x40000000, size = 0x7fffffffffff0000 } ]"),
         4,
         {"ends past 2^48 (aarch64 has 48-bit physical addresses)"}},
        // Impossible values.
        {"count_zero",
         platform + vm0 + "objects = [ { type = \"endpoint\", count = 0 } ]\n",
         9,
         {"vm0.objects[0].count: 0 is out of range: 1 to 0xffffffff"}},
        {"count_above_2_32",
         platform + vm0 + "objects = [ { type = \"endpoint\", count = 4294967297 } ]\n",
         9,
         {"vm0.objects[0].count: 0x100000001 is out of range"}},
        {"pool_above_2_32",
         platform + vm0 + "simple_untyped12_pool = 4294967297\n",
         9,
         {"vm0.simple_untyped12_pool: 0x100000001 is out of range"}},
        {"pool_bits_64",
         platform + vm0 + "simple_untyped64_pool = 1\n",
         9,
         {"untyped size bits 64 are out of range: 4 to 47"}},
        {"vcpus_zero", platform + vm0 + guest + "vcpus = 0\n", 12, {"vm0.guest.vcpus: 0 is out of range: 1 to 64"}},
        {"ram_size_zero",
         platform + vm0 + "[component.guest]\nram_base = 0x40000000\nram_size = 0\n",
         11,
         {"vm0.guest.ram_size: 0 is out of range: at least 1"}},
        {"page_bits_13", platform + vm0 + guest + "page_bits = 13\n", 12, {"13 is not a guest page size"}},
        {"page_bits_30", platform + vm0 + guest + "page_bits = 30\n", 12, {"vm0.guest.page_bits: 30 is out of range"}},
        {"guest_4_pib",
         platform + vm0 + "[component.guest]\nram_base = 0\nram_size = 0x10000000000000\n",
         11,
         {"vm0.guest.ram_size: guest RAM 0x0 + 4096 TiB ends past 2^48"}},
        {"fan_out_zero", platform + "fan_out_limit = 0\n", 7, {"platform.fan_out_limit: 0 is out of range: 1 to"}},
        {"root_cnode_zero",
         platform + "root_cnode_bits = 0\n",
         7,
         {"platform.root_cnode_bits: 0 is out of range: 1 to 30"}},
        {"cnode_zero", platform + vm0 + "cnode_size_bits = 0\n", 9, {"vm0.cnode_size_bits: 0 is out of range"}},
        {"cnode_too_big", platform + vm0 + "cnode_size_bits = 43\n", 9, {"vm0.cnode_size_bits: 43 is out of range"}},
        {"name_too_long",
         platform + "[[component]]\nname = \"a_component_name_of_24_b\"\n",
         8,
         {"24 bytes is out of range: 1 to 23"}},
        // untyped_mmios size bits: 64 shifted by 64, 300 was planned as 44, 0 was "not aligned".
        {"mmio_64",
         platform + vm0 + "untyped_mmios = [ \"0x0:64\" ]\n",
         9,
         {"vm0.untyped_mmios \"0x0:64\": size bits 64 are out of range: 4 to 47"}},
        {"mmio_300", platform + vm0 + "untyped_mmios = [ \"0x0:300\" ]\n", 9, {"size bits 300 are out of range"}},
        {"mmio_0", platform + vm0 + "untyped_mmios = [ \"0x0:0\" ]\n", 9, {"size bits 0 are out of range"}},
        {"mmio_huge_bits",
         platform + vm0 + "untyped_mmios = [ \"0x0:99999999999999999999999\" ]\n",
         9,
         {"size bits (too large) are out of range"}},
        {"mmio_paddr_65_bits",
         platform + vm0 + "untyped_mmios = [ \"0x10000000000000000:12\" ]\n",
         9,
         {"the address does not fit in 64 bits"}},
        {"mmio_garbage", platform + vm0 + "untyped_mmios = [ \"0x4000zz:12\" ]\n", 9, {"the address is not a number"}},
        {"mmio_past_pa", platform + vm0 + "untyped_mmios = [ \"0xfffffffffffff000:12\" ]\n", 9, {"ends past 2^48"}},
        // Objects the kernel does not have, and sizes it does not take.
        {"object_typo",
         platform + vm0 + "objects = [ { type = \"endpiont\", count = 1 } ]\n",
         9,
         {"unknown object type `endpiont`; did you mean `endpoint`?"}},
        {"object_not_on_arch",
         platform + vm0 + "objects = [ { type = \"vcpu\", count = 1 } ]\n",
         9,
         {"`vcpu` objects do not exist on this kernel (aarch64)"}},
        {"size_bits_on_fixed",
         platform + vm0 + "objects = [ { type = \"tcb\", count = 1, size_bits = 12 } ]\n",
         9,
         {"a tcb has a fixed size"}},
        {"cnode_object_radix_0",
         platform + vm0 + "objects = [ { type = \"cnode\", count = 1, size_bits = 0 } ]\n",
         9,
         {"0 is out of range for a cnode"}},
        {"arch_typo",
         "[platform]\narch = \"aarch46\"\nram = [ { base = 0x40000000, size = 0x40000000 } ]\n",
         2,
         {"unknown architecture `aarch46`, did you mean `aarch64`?"}},
        {"allocator_typo",
         platform + vm0 + guest + "allocator = \"allocman_splt\"\n",
         12,
         {"did you mean `allocman_split`?"}},
        {"no_ram", "[platform]\narch = \"aarch64\"\n", 0, {"no RAM"}},
        {"toml_syntax", "[platform\n", 1, {}},
        // Non-ASCII text where toml++ 3.3 reached __builtin_unreachable (the TOML fuzz target's first find).
        {"non_ascii_key", "\"\xc3\xbc\" = 1\n" + platform, 1, {"unknown key `\xc3\xbc` at the top level"}},
        {"non_ascii_bare", platform + "x = \xd2\x87\n", 7, {}},
        {"header_no_key", platform + "[;a]\n", 7, {"a table header must start with a key"}},
        {"array_header_no_key",
         "# [;a] in a comment is not a header\n[[ .a]]\n",
         2,
         {"a table header must start with a key"}},
        {"escape_in_title", "name = \"a\\u001b[2Jb\"\n" + platform, 1, {"a control character (U+001B) in a string"}},
        {"newline_in_name",
         platform + "[[component]]\nname = \"vm0\\nverdict: every stage passes\"\n",
         8,
         {"a control character (U+000A)"}},
        {"c1_control", "name = \"a\\u009bb\"\n" + platform, 1, {"a control character (U+009B)"}},
        {"brace_in_array", with_ram("ram = [}"), 4, {"a `}` closes an array (`]` expected)"}},
        {"bracket_in_inline_table",
         with_ram("ram = [ { base = 0x40000000, size = 0x40000000 ] ]"),
         4,
         {"a `]` closes an inline table"}},
        {"plane_15", "name = \"\xf3\xb0\x80\x80\"\n" + platform, 1, {"private-use character of plane 15"}},
    };
}

TEST(PlanCliInput, HostileDescriptionsAreInputErrorsWithFileLineAndKey) {
    for (const hostile& h : cases()) {
        const std::string path = write_temp(std::string("hostile_") + h.name + ".toml", h.toml);
        const auto r = run_retype("plan " + path);
        EXPECT_EQ(r.status, 2) << h.name << ":\n" << r.out;
        EXPECT_NE(r.out.find("retype plan: " + path + (h.line ? ":" + std::to_string(h.line) + ":" : ": ")),
                  std::string::npos)
            << h.name << ": expected line " << h.line << ":\n"
            << r.out;
        for (const std::string& s : h.says) EXPECT_NE(r.out.find(s), std::string::npos) << h.name << ":\n" << r.out;
        // One line of error, never a report.
        EXPECT_EQ(r.out.find("verdict"), std::string::npos) << h.name;
    }
}

TEST(PlanCliInput, MissingFileSaysWhyNotLineZero) {
    const auto r = run_retype("plan /nonexistent/dir/system.toml");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.out.find("/nonexistent/dir/system.toml: cannot open: No such file or directory"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find(":0:"), std::string::npos) << r.out;
}

// The CAmkES spelling `map_one_to_one` is `one_to_one`: both files plan alike.
TEST(PlanCliInput, CamkesSpellingsAreAliases) {
    // An 18-bit root CNode, as camkes-vm-examples sets it, so that the debug capDL loader's
    // CapDLLoaderMaxObjects check passes and the guest's stages are reached.
    const std::string sys = platform + "root_cnode_bits = 18\n" + vm0 +
                            "simple_untyped28_pool = 1\nallocator_mempool_size = 0x800000\n" + guest;
    const auto a = run_retype("plan " + write_temp("alias_a.toml", "name = \"n\"\n" + sys + "one_to_one = false\n"));
    const auto b =
        run_retype("plan " + write_temp("alias_b.toml", "name = \"n\"\n" + sys + "map_one_to_one = false\n"));
    EXPECT_NE(a.status, 2) << a.out;
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.out, b.out);
    // And the value is taken: with true instead the (uncovered) 1:1 guest plans differently.
    const auto c = run_retype("plan " + write_temp("alias_c.toml", "name = \"n\"\n" + sys + "map_one_to_one = true\n"));
    EXPECT_NE(c.out, a.out) << c.out;
}

// Text outside ASCII in strings and comments is the user's, byte for byte (also after a
// line-ending backslash, where toml++ 3.3 asked its broken whitespace lookup).
TEST(PlanCliInput, NonAsciiTextIsKeptAsWritten) {
    const std::string sys = "# M\xc3\xbcller's board \xe2\x80\x94 a comment\n"
                            "name = \"\"\"caf\xc3\xa9 \\\n   \xc3\xbc \xe6\x9d\xb1\xe4\xba\xac\"\"\"\n" +
                            platform;
    const auto r = run_retype("plan " + write_temp("non_ascii.toml", sys));
    EXPECT_NE(r.status, 2) << r.out;
    EXPECT_NE(r.out.find("retype plan: caf\xc3\xa9 \xc3\xbc \xe6\x9d\xb1\xe4\xba\xac on t (aarch64)"),
              std::string::npos)
        << r.out;
}

// Every example in the repository still reads.
TEST(PlanCliInput, ShippedExamplesAreAccepted) {
    for (const char* f : {"vm_minimal_first_try.toml", "vm_minimal_recommended.toml", "two_vms_zcu102.toml"}) {
        const auto r = run_retype("plan " + std::string(RETYPE_SOURCE_DIR) + "/examples/systems/" + f);
        EXPECT_NE(r.status, 2) << f << ":\n" << r.out;
    }
}
#endif

} // namespace
