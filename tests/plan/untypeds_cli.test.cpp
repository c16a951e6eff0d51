// `retype untypeds` as a program: the built-in aarch64 example, the riscv64
// qemu-virt description, an x86_64 boot log, the bootinfo limit, JSON checked
// by parsing it (check_untypeds_json.py), and bad usage.
#include "../kernel/x86_qemu_log.hpp"
#ifdef RETYPE_CLI
#include "cli_run.hpp"
#endif

#include <gtest/gtest.h>

extern "C" {
#include <elf.h>
}

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

#ifdef RETYPE_CLI
using retype::test::run_result;

run_result sh(const std::string& cmd) { return retype::test::run_shell(cmd + " 2>&1"); }

run_result run(const std::string& args) { return sh(std::string(RETYPE_CLI) + " untypeds " + args); }

std::string temp_path(const std::string& name);

// Runs with --json and checks the document with the schema checker and the
// expected (count, device_count, dropped_count).
run_result json_ok(const std::string& args, int count, int devices, int dropped) {
    const std::string out = temp_path("untypeds.json");
    return sh(std::string(RETYPE_CLI) + " untypeds " + args + " --json > " + out + " && python3 " + RETYPE_SOURCE_DIR +
              "/tests/plan/check_untypeds_json.py " + out + " " + std::to_string(count) + " " +
              std::to_string(devices) + " " + std::to_string(dropped));
}

const std::string riscv = std::string(RETYPE_SOURCE_DIR) + "/examples/systems/qemu_riscv_virt.toml";

// ctest runs each test in its own process, in parallel: every temporary file
// is named after its test so that two tests never share one.
std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "." + name;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = temp_path(name);
    std::ofstream(path) << text;
    return path;
}

bool has(const run_result& r, const std::string& s) { return r.out.find(s) != std::string::npos; }

TEST(UntypedsCli, BuiltInAarch64Example) {
    // tests/plan/boot_untypeds.test.cpp derives this list: 32 device, then RAM.
    const run_result r = run("");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(has(r, "(aarch64_hyp): 59 initial untypeds in bootinfo order (32 device, 27 RAM)")) << r.out;
    EXPECT_TRUE(has(r, "      0  0x0                        27  device  128 MiB\n")) << r.out;
    EXPECT_TRUE(has(r, "     32  0xc0243de0                  5  RAM     32 B\n")) << r.out;
    EXPECT_TRUE(has(r, "dropped: none")) << r.out;
    EXPECT_EQ(json_ok("", 59, 32, 0).status, 0) << json_ok("", 59, 32, 0).out;
}

TEST(UntypedsCli, Riscv64QemuVirt) {
    const run_result r = run(riscv);
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(has(r, "(riscv64): 59 initial untypeds in bootinfo order (23 device, 36 RAM)")) << r.out;
    // The two boot-code untypeds follow the 23 device ones.
    EXPECT_TRUE(has(r, "     23  0x80200000                 13  RAM     8 KiB\n")) << r.out;
    EXPECT_TRUE(has(r, "     24  0x80202000                 12  RAM     4 KiB\n")) << r.out;
    EXPECT_TRUE(has(r, "root-server objects: [0x13ffc0000, 0x13ffe8800)")) << r.out;
    const run_result j = json_ok(riscv, 59, 23, 0);
    EXPECT_EQ(j.status, 0) << j.out;
}

TEST(UntypedsCli, BootinfoLimitNamesTheDropped) {
    // The same system with CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS = 50: entries
    // 50..58 of the riscv64 list (boot_untypeds.test.cpp) have no cap.
    std::ifstream in(riscv);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("[platform]\n"), 11, "[platform]\nmax_bootinfo_untypeds = 50\n");
    const std::string path = write_temp("riscv_limit.toml", text);
    const run_result r = run(path);
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(has(r, "50 initial untypeds in bootinfo order (23 device, 27 RAM)")) << r.out;
    EXPECT_TRUE(has(r, "bootinfo limit: 50 (CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS)")) << r.out;
    EXPECT_TRUE(has(r, "dropped past the limit: 9 untypeds")) << r.out;
    EXPECT_TRUE(has(r, "raise CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS to 59")) << r.out;
    EXPECT_TRUE(has(r, "     50  0x13fc00000                21  RAM     2 MiB  dropped\n")) << r.out;
    EXPECT_TRUE(has(r, "     58  0x13fff0000                16  RAM     64 KiB  dropped\n")) << r.out;
    const run_result j = json_ok(path, 50, 23, 9);
    EXPECT_EQ(j.status, 0) << j.out;
}

TEST(UntypedsCli, X86BootLog) {
    // tests/kernel/boot.test.cpp derives this list (x86_expected): 65 device
    // untypeds, the boot part [0x100000, 0x800000) as 3, then 28 RAM.
    const std::string log = write_temp("x86.log", std::string(retype_test::x86_qemu_512m_log));
    const std::string args = "--x86-boot-log " + log + " --kernel-boot-end 0xffffffff80800000 --root-cnode-bits 16";
    const run_result r = run(args);
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(has(r, "(x86_64): 96 initial untypeds in bootinfo order (65 device, 31 RAM)")) << r.out;
    EXPECT_TRUE(has(r, "      0  0x0                        20  device  1 MiB\n")) << r.out;
    EXPECT_TRUE(has(r, "     65  0x100000                   20  RAM     1 MiB\n")) << r.out;
    EXPECT_TRUE(has(r, "     95  0x1ffc0000                 17  RAM     128 KiB\n")) << r.out;
    EXPECT_TRUE(has(r, "root-server objects: [0x1fc00000, 0x1fe08800)")) << r.out;
    // The physical ki_boot_end gives the same.
    EXPECT_EQ(run("--x86-boot-log " + log + " --kernel-boot-end 0x800000 --root-cnode-bits 16").out, r.out);
    const run_result j = json_ok(args, 96, 65, 0);
    EXPECT_EQ(j.status, 0) << j.out;
    // Keep 70: BootinfoCutOffDropsRamFirstAndReportsIt's cut-off; 26 RAM untypeds dropped.
    const run_result cut = json_ok(args + " --max-bootinfo-untypeds 70", 70, 65, 26);
    EXPECT_EQ(cut.status, 0) << cut.out;
}

TEST(UntypedsCli, X86DescriptionAgreesWithTheBootLog) {
    // examples/systems/x86_64_qemu_512m.toml describes the logged boot: its
    // multiboot usable entries as RAM, the IOAPIC and LAPIC as kernel devices,
    // the images' sizes. Stage 2's x86_64 rules must give the log's list, line
    // for line after the title.
    const std::string log = write_temp("x86d.log", std::string(retype_test::x86_qemu_512m_log));
    const run_result from_log = run("--x86-boot-log " + log + " --kernel-boot-end 0x800000 --root-cnode-bits 16");
    const run_result from_toml = run(std::string(RETYPE_SOURCE_DIR) + "/examples/systems/x86_64_qemu_512m.toml");
    ASSERT_EQ(from_log.status, 0) << from_log.out;
    ASSERT_EQ(from_toml.status, 0) << from_toml.out;
    const auto body = [](const std::string& s) { return s.substr(s.find('\n')); };
    EXPECT_EQ(body(from_toml.out), body(from_log.out));
    EXPECT_TRUE(has(from_toml, "96 initial untypeds in bootinfo order (65 device, 31 RAM)")) << from_toml.out;
}

// A minimal kernel.elf: one PT_LOAD segment and a symbol table with
// ki_boot_end and ki_end, laid out by hand.
std::string write_kernel_elf(const std::string& name, std::uint16_t machine, std::uint64_t vaddr, std::uint64_t paddr,
                             std::uint64_t boot_end, std::uint64_t end) {
    const char strtab[] = "\0ki_boot_end\0ki_end";
    const char shstrtab[] = "\0.symtab\0.strtab\0.shstrtab";
    Elf64_Sym syms[3] = {};
    syms[1].st_name = 1;
    syms[1].st_value = boot_end;
    syms[2].st_name = 13;
    syms[2].st_value = end;
    const std::size_t ph_off = sizeof(Elf64_Ehdr), sym_off = ph_off + sizeof(Elf64_Phdr);
    const std::size_t str_off = sym_off + sizeof syms, shstr_off = str_off + sizeof strtab;
    const std::size_t sh_off = (shstr_off + sizeof shstrtab + 7) / 8 * 8;
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = ph_off;
    eh.e_shoff = sh_off;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 1;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = 4;
    eh.e_shstrndx = 3;
    Elf64_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_vaddr = vaddr;
    ph.p_paddr = paddr;
    Elf64_Shdr sh[4] = {};
    sh[1] = Elf64_Shdr{1, SHT_SYMTAB, 0, 0, sym_off, sizeof syms, 2, 1, 8, sizeof(Elf64_Sym)};
    sh[2] = Elf64_Shdr{9, SHT_STRTAB, 0, 0, str_off, sizeof strtab, 0, 0, 1, 0};
    sh[3] = Elf64_Shdr{17, SHT_STRTAB, 0, 0, shstr_off, sizeof shstrtab, 0, 0, 1, 0};
    std::vector<char> f(sh_off + sizeof sh);
    std::memcpy(f.data(), &eh, sizeof eh);
    std::memcpy(f.data() + ph_off, &ph, sizeof ph);
    std::memcpy(f.data() + sym_off, syms, sizeof syms);
    std::memcpy(f.data() + str_off, strtab, sizeof strtab);
    std::memcpy(f.data() + shstr_off, shstrtab, sizeof shstrtab);
    std::memcpy(f.data() + sh_off, sh, sizeof sh);
    return write_temp(name, std::string(f.begin(), f.end()));
}

TEST(UntypedsCli, KernelElfGivesTheBootPart) {
    // riscv64: the first segment links KERNEL_ELF_BASE 0xffffffff80200000 to
    // 0x80200000; ki_boot_end 0x3000 and ki_end 0x40000 above it are the
    // example's kernel_boot_size and kernel size, so the list is the same.
    std::ifstream in(riscv);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.erase(text.find("kernel_image = "), text.find("dtb = ") - text.find("kernel_image = "));
    const std::string bare = write_temp("riscv_bare.toml", text);
    const std::string elf =
        write_kernel_elf("riscv.elf", EM_RISCV, 0xffffffff80200000, 0x80200000, 0xffffffff80203000, 0xffffffff80240000);
    const run_result with_elf = run(bare + " --kernel-elf " + elf);
    ASSERT_EQ(with_elf.status, 0) << with_elf.out;
    EXPECT_EQ(with_elf.out, run(riscv).out);
    // Without the ELF the boot-code untypeds are missing.
    EXPECT_FALSE(has(run(bare), "0x80202000 ")) << run(bare).out;

    // x86_64: the boot code is linked physically; ki_boot_end is 0xffffffff80000000 above its paddr.
    const std::string log = write_temp("x86e.log", std::string(retype_test::x86_qemu_512m_log));
    const std::string x86elf =
        write_kernel_elf("x86.elf", EM_X86_64, 0x100000, 0x100000, 0xffffffff80800000, 0xffffffff809a6000);
    const run_result x = run("--x86-boot-log " + log + " --kernel-elf " + x86elf + " --root-cnode-bits 16");
    ASSERT_EQ(x.status, 0) << x.out;
    EXPECT_EQ(x.out, run("--x86-boot-log " + log + " --kernel-boot-end 0x800000 --root-cnode-bits 16").out);
    // Not an ELF file.
    EXPECT_EQ(run(bare + " --kernel-elf " + bare).status, 2);
}

TEST(UntypedsCli, BadUsage) {
    EXPECT_EQ(run("--help").status, 0);
    EXPECT_EQ(run("--jsno").status, 2);
    EXPECT_EQ(run("--x86-boot-log").status, 2);
    const std::string log = write_temp("x86b.log", std::string(retype_test::x86_qemu_512m_log));
    // ki_boot_end is not in the log.
    const run_result noend = run("--x86-boot-log " + log);
    EXPECT_EQ(noend.status, 2);
    EXPECT_TRUE(has(noend, "--kernel-boot-end")) << noend.out;
    // An x86_64 description with no RAM: the kernel cannot even be loaded.
    const std::string x86 = write_temp("x86.toml", "[platform]\narch = \"x86_64\"\n");
    EXPECT_EQ(run(x86).status, 1);
    // A log without the local APIC line says what is missing.
    const std::string cut = write_temp("x86c.log", "Adding physical memory region 0x100000-0x200000\n");
    const run_result miss = run("--x86-boot-log " + cut + " --kernel-boot-end 0x200000");
    EXPECT_EQ(miss.status, 2);
    EXPECT_TRUE(has(miss, "Moving loaded userland images")) << miss.out;
    EXPECT_EQ(run("/nonexistent/x.toml").status, 2);
}
#endif

} // namespace
