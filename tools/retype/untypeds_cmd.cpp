// `retype untypeds`: the untypeds the kernel hands the root task at boot, in
// bootinfo order, with the CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS cut-off applied
// and every untyped it drops named. From the same TOML / DTB description
// `retype plan` takes (stages 1 and 2 of the planner), or on x86_64 from the
// kernel's own boot log (kernel/x86_boot.hpp), since x86 learns its memory map
// from multiboot. docs/boot-untypeds.md has the rules and their sources.
#include "commands.hpp"
#include "plan_io.hpp"

#include <retype/kernel/boot.hpp>
#include <retype/kernel/x86_boot.hpp>
#include <retype/plan/boot_stages.hpp>
#include <retype/plan/examples.hpp>

extern "C" {
#include <elf.h>
}

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace retype::cli {
namespace {

constexpr std::size_t max_listed = 1024;  // kept untypeds this program shows
constexpr std::size_t max_dropped = 1024; // dropped untypeds it names
using full_list = kernel::boot_untypeds<max_listed, max_dropped>;

void usage(std::FILE* out) {
    std::fputs(
        "usage: retype untypeds [FILE.toml] [--dtb FILE.dtb] [--json]\n"
        "       retype untypeds [FILE.toml] --x86-boot-log LOG --kernel-boot-end ADDR [--drhu ADDR]... [--json]\n"
        "  either form also takes [--root-cnode-bits N] [--max-bootinfo-untypeds N] [--mcs]\n"
        "  the initial untypeds the kernel hands the root task, in bootinfo order (docs/boot-untypeds.md)\n"
        "  FILE.toml              a `retype plan` description (any architecture); without it and\n"
        "                         without a log: the built-in qemu-arm-virt example\n"
        "  --dtb FILE             take RAM and reserved-memory from a device tree blob\n"
        "  --x86-boot-log LOG     x86_64: the kernel's serial log (memory map, images, APICs)\n"
        "  --kernel-boot-end ADDR x86_64: ki_boot_end (nm kernel.elf), virtual or physical\n"
        "  --drhu ADDR            x86_64: an IOMMU's register page (the kernel does not print them)\n"
        "  --root-cnode-bits N, --max-bootinfo-untypeds N, --mcs\n"
        "                         kernel configuration, overriding FILE.toml's (default: seL4's)\n"
        "  --json                 machine-readable (schema retype-untypeds/1)\n"
        "exit status: 0 the list was computed, 1 the kernel would not boot this map, 2 bad usage or input\n",
        out);
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return !s.empty() && r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

bool read_file(const std::string& path, std::string& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    const bool ok = std::ferror(f) == 0;
    std::fclose(f);
    return ok;
}

std::string hex(std::uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%" PRIx64, v);
    return b;
}

const char* kind(const kernel::untyped_desc& d) { return d.device ? "device" : "RAM"; }

void write_text(std::FILE* out, const std::string& title, const full_list& b) {
    const std::size_t ram = b.count - b.device_count;
    std::fprintf(out, "%s (%s): %zu initial untypeds in bootinfo order (%zu device, %zu RAM)\n", title.c_str(),
                 std::string(kernel::name(b.cfg.target)).c_str(), b.count, b.device_count, ram);
    std::fprintf(out, "bootinfo limit: %" PRIu32 " (CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS)\n",
                 b.cfg.max_bootinfo_untypeds);
    std::fputs("  index  paddr               size_bits  type    size\n", out);
    for (std::size_t i = 0; i < b.count; ++i) {
        const kernel::untyped_desc& d = b.list[i];
        std::fprintf(out, "  %5zu  %-18s  %9u  %-6s  %s\n", i, hex(d.paddr).c_str(), unsigned{d.size_bits}, kind(d),
                     bytes_text(std::uint64_t{1} << d.size_bits).c_str());
    }
    std::fprintf(out, "root-server objects: [%s, %s)\n", hex(b.rootserver.base).c_str(), hex(b.rootserver.end).c_str());
    if (b.dropped_count == 0) {
        std::fputs("dropped: none\n", out);
        return;
    }
    std::fprintf(out,
                 "dropped past the limit: %zu untyped%s, no cap and lost to the system (%s RAM, %s device); "
                 "raise CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS to %zu to keep them\n",
                 b.dropped_count, b.dropped_count == 1 ? "" : "s", bytes_text(b.dropped_ram_bytes).c_str(),
                 bytes_text(b.dropped_device_bytes).c_str(),
                 std::size_t{b.cfg.max_bootinfo_untypeds} + b.dropped_count);
    for (std::size_t i = 0; i < b.dropped_listed(); ++i) {
        const kernel::untyped_desc& d = b.dropped[i];
        std::fprintf(out, "  %5zu  %-18s  %9u  %-6s  %s  dropped\n", b.count + i, hex(d.paddr).c_str(),
                     unsigned{d.size_bits}, kind(d), bytes_text(std::uint64_t{1} << d.size_bits).c_str());
    }
    if (b.dropped_listed() < b.dropped_count)
        std::fprintf(out, "  ... and %zu more\n", b.dropped_count - b.dropped_listed());
}

std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
            o += b;
        } else {
            o += c;
        }
    }
    return o + "\"";
}

std::string json_desc(std::size_t index, const kernel::untyped_desc& d) {
    char b[160];
    std::snprintf(b, sizeof b, "{\"index\": %zu, \"paddr\": %" PRIu64 ", \"size_bits\": %u, \"device\": %s}", index,
                  d.paddr, unsigned{d.size_bits}, d.device ? "true" : "false");
    return b;
}

std::string to_json(const std::string& title, const full_list& b) {
    std::string o = "{\n  \"schema\": \"retype-untypeds/1\",\n  \"title\": " + json_string(title) +
                    ",\n  \"arch\": " + json_string(std::string(kernel::name(b.cfg.target))) +
                    ",\n  \"max_bootinfo_untypeds\": " + std::to_string(b.cfg.max_bootinfo_untypeds) +
                    ",\n  \"count\": " + std::to_string(b.count) +
                    ",\n  \"device_count\": " + std::to_string(b.device_count) + ",\n  \"untypeds\": [";
    for (std::size_t i = 0; i < b.count; ++i) o += (i ? ",\n    " : "\n    ") + json_desc(i, b.list[i]);
    o += b.count ? "\n  ],\n" : "],\n";
    o += "  \"rootserver\": {\"base\": " + std::to_string(b.rootserver.base) +
         ", \"end\": " + std::to_string(b.rootserver.end) + "},\n";
    o += "  \"sliver_bytes\": " + std::to_string(b.sliver_bytes) + ",\n";
    o += "  \"dropped_count\": " + std::to_string(b.dropped_count) + ",\n";
    o += "  \"dropped_ram_bytes\": " + std::to_string(b.dropped_ram_bytes) + ",\n";
    o += "  \"dropped_device_bytes\": " + std::to_string(b.dropped_device_bytes) + ",\n  \"dropped\": [";
    for (std::size_t i = 0; i < b.dropped_listed(); ++i)
        o += (i ? ",\n    " : "\n    ") + json_desc(b.count + i, b.dropped[i]);
    o += b.dropped_listed() ? "\n  ]\n}\n" : "]\n}\n";
    return o;
}

std::string boot_error_text(const error& e) {
    switch (e.code) {
    case error_code::no_fit:
        return "no free RAM region holds the root-server objects (" + bytes_text(e.value) + " needed, largest " +
               bytes_text(e.limit) + ")";
    case error_code::capacity_exhausted:
        return "more regions or untypeds than the kernel (or this program) holds: " + std::to_string(e.value) +
               " of at most " + std::to_string(e.limit);
    case error_code::overlap: return "regions unsorted or overlapping at " + hex(e.value);
    case error_code::out_of_window: return "a region is empty or outside the address space at " + hex(e.value);
    default: break;
    }
    return std::string("the kernel rejects this memory map (") + std::string(name(e.code)) + ")";
}

std::string log_error_text(const std::string& path, const error& e) {
    switch (e.code) {
    case error_code::invalid_argument: return path + ":" + std::to_string(e.argument) + ": malformed numbers";
    case error_code::failed_lookup:
        return path + ": no " + std::string(kernel::x86::describe(static_cast<kernel::x86::item>(e.value)));
    case error_code::capacity_exhausted:
        return path + ":" + std::to_string(e.value) + ": more entries than " + std::to_string(e.limit);
    default: break;
    }
    return path + ": " + std::string(name(e.code));
}

// What the kernel ELF says about the kernel image: the first loadable
// segment (KERNEL_ELF_BASE and KERNEL_ELF_PADDR_BASE on Arm and RISC-V) and
// the symbols ki_boot_end and ki_end (include/hardware.h, the linker scripts).
struct kernel_elf {
    std::uint64_t seg_vaddr = 0;
    std::uint64_t seg_paddr = 0;
    std::uint64_t boot_end = 0; // ki_boot_end, kernel-virtual
    std::uint64_t end = 0;      // ki_end, kernel-virtual
};

template <class Ehdr, class Phdr, class Shdr, class Sym>
bool parse_elf(const std::vector<char>& f, kernel_elf& out) {
    const auto fits = [&](std::uint64_t off, std::uint64_t len) { return off <= f.size() && len <= f.size() - off; };
    const auto at = [&](auto& v, std::uint64_t off) {
        if (!fits(off, sizeof v)) return false;
        std::memcpy(&v, f.data() + off, sizeof v);
        return true;
    };
    Ehdr eh{};
    if (!at(eh, 0)) return false;
    bool seg = false;
    for (unsigned i = 0; i < eh.e_phnum && !seg; ++i) {
        Phdr ph{};
        if (!at(ph, eh.e_phoff + std::uint64_t{i} * eh.e_phentsize)) return false;
        if (ph.p_type == PT_LOAD) {
            out.seg_vaddr = ph.p_vaddr;
            out.seg_paddr = ph.p_paddr;
            seg = true;
        }
    }
    bool boot = false, end = false;
    for (unsigned i = 0; i < eh.e_shnum; ++i) {
        Shdr sh{};
        if (!at(sh, eh.e_shoff + std::uint64_t{i} * eh.e_shentsize)) return false;
        if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != sizeof(Sym)) continue;
        Shdr str{};
        if (!at(str, eh.e_shoff + std::uint64_t{sh.sh_link} * eh.e_shentsize) || !fits(str.sh_offset, str.sh_size))
            return false;
        for (std::uint64_t off = 0; off + sizeof(Sym) <= sh.sh_size; off += sizeof(Sym)) {
            Sym sym{};
            if (!at(sym, sh.sh_offset + off)) return false;
            if (sym.st_name >= str.sh_size) continue;
            const char* name = f.data() + str.sh_offset + sym.st_name;
            const std::string_view n(name, strnlen(name, str.sh_size - sym.st_name));
            if (n == "ki_boot_end") {
                out.boot_end = sym.st_value;
                boot = true;
            } else if (n == "ki_end") {
                out.end = sym.st_value;
                end = true;
            }
        }
    }
    return seg && boot && end;
}

bool read_kernel_elf(const std::string& path, kernel_elf& out, std::string& err) {
    std::string text;
    if (!read_file(path, text)) {
        err = path + ": cannot read";
        return false;
    }
    const std::vector<char> f(text.begin(), text.end());
    if (f.size() < EI_NIDENT || std::memcmp(f.data(), ELFMAG, SELFMAG) != 0 || f[EI_DATA] != ELFDATA2LSB) {
        err = path + ": not a little-endian ELF file";
        return false;
    }
    const bool ok = f[EI_CLASS] == ELFCLASS64 ? parse_elf<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Sym>(f, out)
                                              : parse_elf<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr, Elf32_Sym>(f, out);
    if (!ok) err = path + ": no loadable segment, or no ki_boot_end / ki_end symbol (a seL4 kernel.elf?)";
    return ok;
}

struct options {
    std::string file, dtb, log, elf;
    bool json = false;
    bool mcs = false;
    std::uint64_t boot_end = 0;
    std::uint64_t root_cnode_bits = 0;
    std::uint64_t max_untypeds = 0;
    std::uint64_t drhu[kernel::x86::max_drhus] = {};
    std::size_t n_drhu = 0;
};

// 0: parsed; 1: --help; 2: bad usage (already reported).
int parse_args(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        const auto number = [&](std::uint64_t& out, std::uint64_t most) {
            if (!has_value || !parse_u64(argv[i + 1], out) || out > most) {
                std::fprintf(stderr, "retype untypeds: %s needs a number%s\n", a.c_str(),
                             most < ~std::uint64_t{0} ? (" up to " + std::to_string(most)).c_str() : "");
                return false;
            }
            ++i;
            return true;
        };
        if (a == "--json") {
            o.json = true;
        } else if (a == "--mcs") {
            o.mcs = true;
        } else if (a == "-h" || a == "--help") {
            return 1;
        } else if ((a == "--dtb" || a == "--x86-boot-log" || a == "--kernel-elf") && has_value) {
            (a == "--dtb" ? o.dtb : a == "--kernel-elf" ? o.elf : o.log) = argv[++i];
        } else if (a == "--kernel-boot-end") {
            if (!number(o.boot_end, ~std::uint64_t{0})) return 2;
        } else if (a == "--root-cnode-bits") {
            if (!number(o.root_cnode_bits, 30)) return 2;
        } else if (a == "--max-bootinfo-untypeds") {
            if (!number(o.max_untypeds, max_listed)) return 2;
        } else if (a == "--drhu") {
            if (o.n_drhu >= kernel::x86::max_drhus) {
                std::fputs("retype untypeds: too many --drhu\n", stderr);
                return 2;
            }
            if (!number(o.drhu[o.n_drhu], ~std::uint64_t{0})) return 2;
            ++o.n_drhu;
        } else if (!a.empty() && a[0] != '-' && o.file.empty()) {
            o.file = a;
        } else {
            std::fprintf(stderr, "retype untypeds: unknown or incomplete argument '%s'\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

} // namespace

int untypeds_main(int argc, char** argv) {
    options o;
    if (const int r = parse_args(argc, argv, o); r != 0) {
        if (r == 1) usage(stdout);
        return r == 1 ? 0 : 2;
    }
    // The description (a system of 64 components) lives on the heap.
    auto np = std::make_unique<named_plan>();
    bool dtb_size_given = false;
    if (!o.file.empty()) {
        std::string err;
        toml_extras extras;
        if (!read_toml(o.file, np->sys, np->title, err, &extras)) {
            std::fprintf(stderr, "retype untypeds: %s\n", err.c_str());
            return 2;
        }
        dtb_size_given = extras.dtb_size_given;
    } else if (o.log.empty()) {
        np->title = "qemu-arm-virt, the built-in example";
        np->sys.plat = plan::examples::qemu_arm_virt_4g();
        dtb_size_given = true; // as `retype plan`: the example's DTB size is the seed's boot log's
    }
    if (!o.dtb.empty()) {
        std::string err;
        if (!read_dtb(o.dtb, np->sys.plat, dtb_size_given, err)) {
            std::fprintf(stderr, "retype untypeds: %s\n", err.c_str());
            return 2;
        }
    }
    plan::platform& p = np->sys.plat;

    if (!o.log.empty()) {
        if (o.file.empty()) {
            p.kernel = kernel::config{.target = kernel::arch::x86_64};
            np->title = o.log;
        } else if (p.kernel.target != kernel::arch::x86_64) {
            std::fputs("retype untypeds: --x86-boot-log with a description for another architecture\n", stderr);
            return 2;
        }
    }
    if (!o.elf.empty()) {
        kernel_elf ke{};
        std::string err;
        if (!read_kernel_elf(o.elf, ke, err)) {
            std::fprintf(stderr, "retype untypeds: %s\n", err.c_str());
            return 2;
        }
        const bool x86 = !o.log.empty() || p.kernel.target == kernel::arch::x86_64;
        // x86_64 links the boot code physically; the rest is at KERNEL_ELF_BASE,
        // 0xffffffff80000000 above its paddr (src/plat/pc99/linker.lds). Arm and
        // RISC-V: relative to the first segment, as seL4/microkit's tool does.
        const std::uint64_t base_v =
            x86 ? kernel::x86::kernel_elf_base_offset + kernel::x86::kernel_elf_paddr_base : ke.seg_vaddr;
        if (ke.boot_end < base_v || ke.end < ke.boot_end) {
            std::fprintf(stderr, "retype untypeds: %s: ki_boot_end / ki_end below the kernel's base\n", o.elf.c_str());
            return 2;
        }
        if (o.boot_end == 0) o.boot_end = ke.boot_end;
        p.kernel_boot_size = ke.boot_end - base_v;
        if (p.kernel_image.size == 0) p.kernel_image.size = ke.end - base_v;
    }
    if (o.root_cnode_bits) p.kernel.root_cnode_bits = static_cast<std::uint8_t>(o.root_cnode_bits);
    if (o.max_untypeds) p.kernel.max_bootinfo_untypeds = static_cast<std::uint32_t>(o.max_untypeds);
    if (o.mcs) p.kernel.mcs = true;
    const kernel::config cfg = p.kernel;

    kernel::boot_memory<32> mem{};
    if (!o.log.empty()) {
        std::string text;
        if (!read_file(o.log, text)) {
            std::fprintf(stderr, "retype untypeds: %s: cannot read\n", o.log.c_str());
            return 2;
        }
        auto log = kernel::x86::parse_boot_log(text);
        if (!log) {
            std::fprintf(stderr, "retype untypeds: %s\n", log_error_text(o.log, log.error()).c_str());
            return 2;
        }
        if (o.boot_end == 0) {
            std::fputs("retype untypeds: x86_64 needs --kernel-elf or --kernel-boot-end (the kernel does not print "
                       "ki_boot_end; `nm kernel.elf | grep ki_boot_end`)\n",
                       stderr);
            return 2;
        }
        // nm prints the kernel-virtual address; the kernel image is linked at
        // KERNEL_ELF_BASE = 0xffffffff80100000 for paddr 0x100000.
        log->kernel_boot_end = o.boot_end >= kernel::x86::kernel_elf_base_offset
                                   ? o.boot_end - kernel::x86::kernel_elf_base_offset
                                   : o.boot_end;
        for (std::size_t i = 0; i < o.n_drhu; ++i)
            if (!log->add_drhu(o.drhu[i])) return 2;
        auto m = kernel::x86::layout(cfg, *log);
        if (!m) {
            std::fprintf(stderr, "retype untypeds: %s\n", log_error_text(o.log, m.error()).c_str());
            return 2;
        }
        mem = *m;
    } else {
        plan::placed_images img{};
        const plan::stage_report st = plan::stage_elf_loader(p, img);
        if (st.state != plan::status::ok) {
            std::fprintf(stderr, "retype untypeds: the ELF loader cannot place the images: %s\n",
                         finding_text(np->sys, st).c_str());
            return 1;
        }
        mem = plan::kernel_boot_memory(p, img);
    }

    auto b = std::make_unique<full_list>();
    auto r = kernel::create_boot_untypeds<max_listed, max_dropped>(cfg, mem);
    if (!r) {
        std::fprintf(stderr, "retype untypeds: the kernel would not boot: %s\n", boot_error_text(r.error()).c_str());
        return 1;
    }
    *b = *r;
    if (o.json)
        std::fputs(to_json(np->title, *b).c_str(), stdout);
    else
        write_text(stdout, np->title, *b);
    return std::fflush(stdout) == 0 ? 0 : 2;
}

} // namespace retype::cli
