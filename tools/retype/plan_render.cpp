// `retype plan` output: the human report, JSON (schema in docs/planner.md) and
// the SVG memory map. All text about a finding is made here, from the numbers.
#include "plan_io.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <iterator>
#include <string>

namespace retype::cli {
namespace {

using namespace retype::plan;

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
// printf into a string of the length the text needs (no fixed buffer: a long
// title is never cut inside a tag).
std::string fmt(const char* f, ...) {
    va_list ap;
    va_start(ap, f);
    va_list again;
    va_copy(again, ap);
    const int n = std::vsnprintf(nullptr, 0, f, ap);
    va_end(ap);
    std::string out(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
    if (n > 0) std::vsnprintf(out.data(), out.size() + 1, f, again);
    va_end(again);
    return out;
}

std::string comp_name(const plan_system& sys, std::uint16_t c) {
    if (c >= sys.n_components) return "?";
    return std::string(sys.components[c].name.view());
}

const char* image_name(std::uint64_t i) {
    static const char* const names[] = {"kernel image", "DTB", "rootserver image", "ELF loader"};
    return i < 4 ? names[i] : "image";
}

const char* blocker_text(blocker b) {
    switch (b) {
    case blocker::kernel_image: return "the kernel image sits inside it";
    case blocker::dtb: return "the DTB sits inside it";
    case blocker::rootserver_image: return "the rootserver (capDL loader) image sits inside it";
    case blocker::rootserver_objects: return "the kernel carved the root-server objects out of it";
    case blocker::ram_split: return "it is RAM the kernel splits into smaller untypeds around other uses";
    case blocker::dropped_at_boot: return "its untyped was dropped at boot (bootinfo untyped limit)";
    case blocker::outside_device_top: return "it lies above CONFIG_PADDR_USER_DEVICE_TOP, where no untyped is made";
    case blocker::other_component: return "another component's exact untyped overlaps it";
    case blocker::none: break;
    }
    return "no initial untyped covers it";
}

} // namespace

std::string hex(std::uint64_t v) { return fmt("0x%" PRIx64, v); }

std::string bytes_text(std::uint64_t b) {
    static const char* const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double v = static_cast<double>(b);
    std::uint64_t whole = b;
    while (u < 4 && whole >= 1024 && whole % 1024 == 0) {
        whole /= 1024;
        ++u;
    }
    if (whole < 1024 || u == 4) return fmt("%" PRIu64 " %s", whole, unit[u]);
    u = 0;
    while (u < 4 && v >= 1024) {
        v /= 1024;
        ++u;
    }
    return fmt("%.1f %s", v, unit[u]);
}

std::string setting_name(const plan_system& sys, const fix& f) {
    const std::string c = comp_name(sys, f.component);
    switch (f.what) {
    case setting::platform_ram: return "platform.ram (last region's size; QEMU -m, the board's memory node)";
    case setting::reserved_memory: return "platform.reserved (device-tree /reserved-memory)";
    case setting::kernel_root_cnode_bits: return "kernel.root_cnode_bits (KernelRootCNodeSizeBits)";
    case setting::kernel_max_bootinfo_untypeds: return "kernel.max_bootinfo_untypeds (KernelMaxNumBootinfoUntypedCaps)";
    case setting::untyped_pool: return fmt("%s.simple_untyped%u_pool", c.c_str(), unsigned{f.index});
    case setting::untyped_mmios: return c + ".untyped_mmios";
    case setting::cnode_size_bits: return c + ".cnode_size_bits";
    case setting::allocator_mempool_size: return c + ".allocator_mempool_size";
    case setting::guest_page_bits: return c + ".guest.page_bits";
    case setting::guest_ram_size: return c + ".guest.ram_size";
    case setting::guest_ram_base: return c + ".guest.ram_base";
    case setting::guest_allocator: return c + "'s utspace allocator";
    case setting::loader_max_objects: return "CapDLLoaderMaxObjects";
    case setting::none: return "none";
    }
    return "?";
}

std::string fix_text(const plan_system& sys, const fix& f) {
    if (f.what == setting::none) return ""; // a warning with nothing to change (guest_pages_need_patch)
    const std::string s = setting_name(sys, f);
    switch (f.what) {
    case setting::platform_ram:
    case setting::allocator_mempool_size:
    case setting::guest_ram_size:
        return fmt("raise %s from %s to %s", s.c_str(), bytes_text(f.from).c_str(), bytes_text(f.to).c_str());
    case setting::reserved_memory:
        return fmt("add a no-map reserved-memory node for [%s, %s) so the kernel leaves it whole", hex(f.aux).c_str(),
                   hex(f.aux + f.to).c_str());
    case setting::untyped_mmios:
        if (f.from == 0) return fmt("add \"%s:%" PRIu64 "\" to %s", hex(f.to).c_str(), f.aux, s.c_str());
        return fmt("move %s \"%s:%" PRIu64 "\" to \"%s:%" PRIu64 "\" (an initial untyped nobody uses)", s.c_str(),
                   hex(f.from).c_str(), f.aux, hex(f.to).c_str(), f.aux);
    case setting::guest_ram_base:
        return fmt("move the guest: %s from %s to %s (with its untyped_mmios and images)", s.c_str(),
                   hex(f.from).c_str(), hex(f.to).c_str());
    case setting::guest_page_bits:
        // Not a setting: libsel4vm's guest_ram.c hard-codes seL4_PageBits (ram_ut_alloc_iterator,
        // ram_alloc_iterator, vm_ram_touch).
        return fmt("patch libsel4vm (guest_ram.c: ram_ut_alloc_iterator, ram_alloc_iterator and vm_ram_touch use "
                   "seL4_PageBits) to map guest RAM with %s frames, then set %s %" PRIu64 " -> %" PRIu64
                   "; the mempool needed drops from %s to %s",
                   bytes_text(std::uint64_t{1} << f.to).c_str(), s.c_str(), f.from, f.to,
                   bytes_text(f.effect_from).c_str(), bytes_text(f.effect_to).c_str());
    case setting::guest_allocator:
        return fmt("link %s's VMM against retype_allocman (retype's allocman drop-in, replacing allocman's "
                   "utspace_split at link time), then set %s.guest.allocator = \"retype_range\"; the mempool needed "
                   "drops from %s to %s",
                   comp_name(sys, f.component).c_str(), comp_name(sys, f.component).c_str(),
                   bytes_text(f.effect_from).c_str(), bytes_text(f.effect_to).c_str());
    default: break;
    }
    const char* verb = f.to >= f.from ? "raise" : "lower";
    return fmt("%s %s from %" PRIu64 " to %" PRIu64, verb, s.c_str(), f.from, f.to);
}

std::string finding_text(const plan_system& sys, const stage_report& st) {
    const finding& f = st.cause;
    const std::string c = comp_name(sys, f.component);
    switch (f.what) {
    case problem::none: return st.state == status::not_reached ? "not reached (an earlier stage fails)" : "ok";
    case problem::no_ram_for_kernel:
        return fmt("no RAM is left for the kernel: every byte is a no-map reserved region; the images need %s",
                   bytes_text(f.needed).c_str());
    case problem::image_outside_ram:
        return fmt("the %s [%s, %s) does not fit in RAM (%s of it outside)", image_name(f.count), hex(f.paddr).c_str(),
                   hex(f.paddr + f.size).c_str(), bytes_text(st.shortfall).c_str());
    case problem::image_in_reserved:
        return fmt("the %s at %s lies in a no-map reserved region", image_name(f.count), hex(f.paddr).c_str());
    case problem::images_overlap:
        return fmt("the %s at %s overlaps the %s", image_name(f.count), hex(f.paddr).c_str(), image_name(f.needed));
    case problem::boot_memory_invalid: return fmt("the kernel rejects this memory map (at %s)", hex(f.paddr).c_str());
    case problem::rootserver_no_fit:
        return fmt("kernel init fails: the root-server objects need %s in one piece, the largest free piece is %s",
                   bytes_text(f.needed).c_str(), bytes_text(f.available).c_str());
    case problem::root_cnode_full:
        return fmt("kernel init fails (\"ran out of cap slots\"): the root CNode needs %" PRIu64
                   " slots (initial caps, "
                   "paging, rootserver image frames, untypeds) and has %" PRIu64,
                   f.needed, f.available);
    case problem::out_of_untyped:
        return fmt("capDL loader: \"Ran out of untyped memory while creating objects\" at %s's %" PRIu64 " x %s (2^%u "
                   "bytes each); %s of objects are left unplaced",
                   c.c_str(), f.count, std::string(kernel::name(f.object)).c_str(), unsigned{f.object_bits},
                   bytes_text(f.needed).c_str());
    case problem::exact_untyped_missing:
        if (f.object != kernel::object_type::untyped)
            return fmt("%s.mmios frame %s (2^%u B) is not inside an initial untyped: %s", c.c_str(),
                       hex(f.paddr).c_str(), unsigned{f.object_bits}, blocker_text(f.why));
        return fmt("%s.untyped_mmios \"%s:%u\" is not an initial untyped: %s", c.c_str(), hex(f.paddr).c_str(),
                   unsigned{f.object_bits}, blocker_text(f.why));
    case problem::exact_untyped_taken:
        if (f.object != kernel::object_type::untyped)
            return fmt("%s.mmios frame %s (2^%u B) overlaps an object placed before it (%s)", c.c_str(),
                       hex(f.paddr).c_str(), unsigned{f.object_bits},
                       f.other != no_component ? ("by " + comp_name(sys, f.other)).c_str() : "another size");
        return fmt("%s.untyped_mmios \"%s:%u\" lies in an initial untyped already used up to past it (%s)", c.c_str(),
                   hex(f.paddr).c_str(), unsigned{f.object_bits},
                   f.other != no_component ? ("by " + comp_name(sys, f.other)).c_str() : "out of address order");
    case problem::exact_untyped_misaligned:
        return fmt("%s.untyped_mmios \"%s:%u\" is not aligned to its size", c.c_str(), hex(f.paddr).c_str(),
                   unsigned{f.object_bits});
    case problem::model_capacity:
        return fmt("retype plan's own kernel model is full (%" PRIu64
                   " nodes): a limit of this program, not of the system; nothing to change in the description",
                   f.needed);
    case problem::exact_untyped_size:
        if (f.object != kernel::object_type::untyped)
            return fmt("%s.mmios entry %" PRIu64 " has %u-bit frames: this architecture's frames are 12 bits, or a "
                       "section (20 on aarch32, 21 on arm_hyp and aarch64)",
                       c.c_str(), f.count, unsigned{f.object_bits});
        return fmt("%s.untyped_mmios \"%s:%u\": size bits must be %" PRIu64 "..%" PRIu64
                   " on this architecture (seL4_MinUntypedBits..seL4_MaxUntypedBits)",
                   c.c_str(), hex(f.paddr).c_str(), unsigned{f.object_bits}, f.needed, f.available);
    case problem::kernel_error:
        return fmt("capDL loader: seL4_Untyped_Retype of %s's %" PRIu64 " x %s (2^%u bytes) fails with %s%s",
                   f.component == no_component ? "a" : c.c_str(), f.count, std::string(kernel::name(f.object)).c_str(),
                   unsigned{f.object_bits}, std::string(retype::name(f.error)).c_str(),
                   f.error == error_code::range_error && f.needed == 0
                       ? " (platform.fan_out_limit, CONFIG_RETYPE_FAN_OUT_LIMIT, is 0: the kernel refuses every retype)"
                   : f.error == error_code::range_error ? fmt(" (the kernel allows 1..%" PRIu64 ")", f.needed).c_str()
                   : f.error == error_code::invalid_argument && f.object == kernel::object_type::cnode
                       ? " (a CNode's radix, cnode_size_bits, must be at least 1)"
                       : "");
    case problem::loader_slots_asserted:
        return fmt("capDL loader (debug build): assert(free slots >= CapDLLoaderMaxObjects) fails: the root CNode "
                   "has %" PRIu64 " free slots after the loader's 16, CapDLLoaderMaxObjects is %" PRIu64,
                   f.available, f.needed);
    case problem::loader_too_many_objects:
        return fmt("capDL loader: the spec has %" PRIu64 " objects, more than CapDLLoaderMaxObjects = %" PRIu64
                   " (asserted in a debug build; past it, the loader's tables overflow)",
                   f.needed, f.available);
    case problem::loader_out_of_slots:
        return fmt("capDL loader: \"Ran out of free slots!\" at %s's %s: %" PRIu64
                   " more objects (one root-CNode slot each) and %" PRIu64 " slots left",
                   f.component == no_component ? "the CNode/TCB duplicates" : c.c_str(),
                   std::string(kernel::name(f.object)).c_str(), f.needed, f.available);
    case problem::guest_ram_empty: return fmt("%s's guest has no RAM (ram_size = 0): an input error", c.c_str());
    case problem::guest_ram_not_covered:
        return fmt("%s's 1:1 guest RAM [%s, %s) is covered by its untyped_mmios only for %s: the VMM's "
                   "\"Failed to allocate page\" past %s",
                   c.c_str(), hex(f.paddr).c_str(), hex(f.paddr + f.size).c_str(), bytes_text(f.available).c_str(),
                   hex(f.paddr + f.available).c_str());
    case problem::guest_ram_misaligned:
        return fmt("%s's guest RAM base or size is not a multiple of its page size", c.c_str());
    case problem::pool_too_small:
        return fmt("%s's simple_untyped pools hold %s; the guest's paging structures, VCPUs%s need %s", c.c_str(),
                   bytes_text(f.available).c_str(), sys.components[f.component].guest.one_to_one ? "" : " and RAM",
                   bytes_text(f.needed).c_str());
    case problem::cnode_too_small:
        return fmt("%s's CNode has %" PRIu64 " slots; guest frame caps, split-node caps and paging caps need %" PRIu64,
                   c.c_str(), f.available, f.needed);
    case problem::mempool_too_small:
        return fmt("%s.allocator_mempool_size is %s; the allocator's books for %s of guest RAM need %s", c.c_str(),
                   bytes_text(f.available).c_str(), bytes_text(f.size).c_str(), bytes_text(f.needed).c_str());
    case problem::guest_ram_short:
        return fmt("%s's guest is configured with %s and gets %s: it faults at the first unbacked address %s",
                   c.c_str(), bytes_text(f.needed).c_str(), bytes_text(f.available).c_str(), hex(f.paddr).c_str());
    case problem::guest_image_outside_ram: {
        const auto& g = sys.components[f.component].guest;
        return fmt("%s's guest %s [%s, %s) lies outside guest RAM [%s, %s)", c.c_str(),
                   std::string(g.images[f.count].name.view()).c_str(), hex(f.paddr).c_str(),
                   hex(f.paddr + f.size).c_str(), hex(g.ram_base).c_str(), hex(g.ram_base + g.ram_size).c_str());
    }
    default: break;
    }
    return std::string(name(f.what));
}

std::string warning_text(const plan_system& sys, const warning& w) {
    const finding& f = w.what;
    const std::string s = setting_name(sys, w.suggestion);
    switch (f.what) {
    case problem::bootinfo_untypeds_dropped:
        return fmt("the kernel drops %" PRIu64 " untypeds (%s) past the bootinfo limit; raise %s to %" PRIu64, f.count,
                   bytes_text(f.needed).c_str(), s.c_str(), w.suggestion.to);
    case problem::cnode_too_large:
        return fmt("%s = %" PRIu64 " gives %" PRIu64 " slots (%s of untyped) where %" PRIu64 " are used: %" PRIu64
                   " is enough",
                   s.c_str(), w.suggestion.from, f.available, bytes_text(f.size).c_str(), f.needed, w.suggestion.to);
    case problem::guest_pages_need_patch:
        return fmt("%s.guest.page_bits = %u: libsel4vm maps guest RAM with 4 KiB frames (guest_ram.c); this plan "
                   "assumes a libsel4vm patched for 2^%u-byte frames",
                   comp_name(sys, f.component).c_str(), unsigned{f.object_bits}, unsigned{f.object_bits});
    case problem::mempool_too_large:
        return fmt("%s = %s where %s is used: %s is enough", s.c_str(), bytes_text(f.available).c_str(),
                   bytes_text(f.needed).c_str(), bytes_text(w.suggestion.to).c_str());
    case problem::pool_too_large:
        return fmt("%s = %" PRIu64 " (%s) where the guest needs %s: %" PRIu64
                   " is enough unless the VMM uses it for more",
                   s.c_str(), w.suggestion.from, bytes_text(f.available).c_str(), bytes_text(f.needed).c_str(),
                   w.suggestion.to);
    default: break;
    }
    return std::string(name(f.what));
}

void write_text(std::FILE* out, const named_plan& p) {
    const plan_system& sys = p.sys;
    const report& r = p.rep;
    std::fprintf(out, "retype plan: %s on %s (%s)\n", p.title.c_str(), std::string(sys.plat.name.view()).c_str(),
                 std::string(planner_arch_name(sys.plat.kernel)).c_str());
    static const char* const titles[] = {"ELF loader", "kernel boot", "capDL loader", "VMM", "guest"};
    for (std::size_t i = 0; i < 5; ++i) {
        const stage_report& st = r.stages[i];
        const char* state = st.state == status::ok ? "ok" : st.state == status::failed ? "FAILED" : "-";
        std::string detail;
        if (st.state == status::failed) {
            detail = finding_text(sys, st);
            if (st.shortfall)
                detail += counts_slots(st.cause.what) ? fmt(" (short by %" PRIu64 " slots)", st.shortfall)
                                                      : " (short by " + bytes_text(st.shortfall) + ")";
        } else if (st.state == status::ok) {
            switch (i) {
            case 0:
                detail = fmt("kernel at %s, DTB at %s, rootserver image at %s", hex(r.images.kernel.base).c_str(),
                             hex(r.images.dtb.base).c_str(), hex(r.images.rootserver.base).c_str());
                break;
            case 1:
                detail = fmt("%zu initial untypeds (%zu device), root-server objects at [%s, %s), root CNode %" PRIu64
                             " of %" PRIu64 " slots",
                             r.boot.count, r.boot.device_count, hex(r.boot.rootserver.base).c_str(),
                             hex(r.boot.rootserver.end).c_str(), r.root_slots_needed,
                             std::uint64_t{1} << sys.plat.kernel.root_cnode_bits);
                break;
            case 2:
                detail = fmt("%zu component(s) loaded, %s of RAM untypeds used", sys.n_components,
                             bytes_text(r.loaded.ram_used).c_str());
                break;
            default:
                if (r.n_guests == 0) {
                    detail = "no guest";
                }
                for (std::size_t gi = 0; gi < r.n_guests; ++gi) {
                    const guest_summary& g = r.guests[gi];
                    const component& c = sys.components[g.component];
                    if (gi) detail += "\n                         ";
                    detail +=
                        i == 3 ? fmt("%s: %" PRIu64 " guest pages of %s; mempool %s of %s, CNode %" PRIu64
                                     " of %" PRIu64 " slots, pools %s of %s",
                                     std::string(c.name.view()).c_str(), g.need.pages,
                                     bytes_text(std::uint64_t{1} << c.guest.page_bits).c_str(),
                                     bytes_text(g.need.mempool_bytes).c_str(), bytes_text(allocator_mempool(c)).c_str(),
                                     g.need.slots, std::uint64_t{1} << c.cnode_size_bits,
                                     bytes_text(g.need.pool_bytes).c_str(), bytes_text(c.pool_bytes()).c_str())
                               : fmt("%s: guest gets all of its %s", std::string(c.name.view()).c_str(),
                                     bytes_text(c.guest.ram_size).c_str());
                }
            }
        } else {
            detail = "not reached";
        }
        std::fprintf(out, "  %zu %-13s %-6s %s\n", i + 1, titles[i], state, detail.c_str());
        if (st.state == status::failed && st.n_fixes == 0 && r.first_failure() != &st)
            std::fprintf(out, "      (a consequence of stage %d: its fixes are checked to fix this stage too)\n",
                         static_cast<int>(r.first_failure()->id));
        for (std::size_t k = 0; k < st.n_fixes; ++k)
            std::fprintf(out, "      %s: %s%s\n", st.fixes[k].kind == fix_kind::code_change ? "code change" : "fix",
                         fix_text(sys, st.fixes[k]).c_str(), st.fixes[k].verified ? "  [checked]" : "");
    }
    for (std::size_t k = 0; k < r.n_warnings; ++k)
        std::fprintf(out, "  warning: %s\n", warning_text(sys, r.warnings[k]).c_str());
    std::fprintf(out, "  verdict: %s\n",
                 r.ok() ? "every stage passes" : "fails (see the first FAILED stage and its fixes)");
}

// ---------------------------------------------------------------- JSON

namespace {

std::string jstr(const std::string& text) {
    const std::string s = valid_utf8(text, false); // JSON is UTF-8; its escapes cover the controls
    std::string o = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') {
            o += '\\';
            o += ch;
        } else if (static_cast<unsigned char>(ch) < 0x20) {
            o += fmt("\\u%04x", static_cast<unsigned>(ch));
        } else {
            o += ch;
        }
    }
    return o + "\"";
}
std::string jnum(std::uint64_t v) { return fmt("%" PRIu64, v); }
std::string jcomp(const plan_system& sys, std::uint16_t c) {
    return c == no_component ? "null" : jstr(comp_name(sys, c));
}
std::string jrange(std::uint64_t base, std::uint64_t size) {
    return "{\"base\": " + jnum(base) + ", \"size\": " + jnum(size) + "}";
}

std::string json_fix(const plan_system& sys, const fix& f) {
    return "{\"setting\": " + jstr(setting_name(sys, f)) + ", \"kind\": " + jstr(std::string(name(f.what))) +
           ", \"component\": " + jcomp(sys, f.component) + ", \"from\": " + jnum(f.from) + ", \"to\": " + jnum(f.to) +
           ", \"aux\": " + jnum(f.aux) + ", \"verified\": " + (f.verified ? "true" : "false") +
           ", \"code_change\": " + (f.kind == fix_kind::code_change ? "true" : "false") +
           ", \"text\": " + jstr(fix_text(sys, f)) + "}";
}

std::string json_plan(const named_plan& p) {
    const plan_system& sys = p.sys;
    const report& r = p.rep;
    std::string o = "{\"title\": " + jstr(p.title) + ", \"platform\": " + jstr(std::string(sys.plat.name.view())) +
                    ", \"arch\": " + jstr(std::string(planner_arch_name(sys.plat.kernel))) +
                    ", \"ok\": " + (r.ok() ? "true" : "false") + ", \"stages\": [";
    for (std::size_t i = 0; i < 5; ++i) {
        const stage_report& st = r.stages[i];
        const finding& f = st.cause;
        o += i ? ", " : "";
        o += "{\"stage\": " + jnum(i + 1) + ", \"name\": " + jstr(std::string(name(st.id))) +
             ", \"status\": " + jstr(std::string(name(st.state))) + ", \"shortfall\": " + jnum(st.shortfall) +
             ", \"cause\": ";
        if (st.state == status::failed)
            o += "{\"problem\": " + jstr(std::string(name(f.what))) +
                 ", \"blocker\": " + jstr(std::string(name(f.why))) + ", \"component\": " + jcomp(sys, f.component) +
                 ", \"object\": " + jstr(std::string(kernel::name(f.object))) +
                 ", \"object_bits\": " + jnum(f.object_bits) + ", \"count\": " + jnum(f.count) +
                 ", \"needed\": " + jnum(f.needed) + ", \"available\": " + jnum(f.available) +
                 ", \"paddr\": " + jnum(f.paddr) + ", \"size\": " + jnum(f.size) + ", \"kernel_error\": " +
                 (f.what == problem::kernel_error ? jstr(std::string(retype::name(f.error))) : std::string("null")) +
                 ", \"message\": " + jstr(finding_text(sys, st)) + "}";
        else
            o += "null";
        o += ", \"fixes\": [";
        for (std::size_t k = 0; k < st.n_fixes; ++k) o += (k ? ", " : "") + json_fix(sys, st.fixes[k]);
        o += "]}";
    }
    o += "], \"warnings\": [";
    for (std::size_t k = 0; k < r.n_warnings; ++k) {
        const warning& w = r.warnings[k];
        o += (k ? ", " : "");
        o += "{\"problem\": " + jstr(std::string(name(w.what.what))) +
             ", \"component\": " + jcomp(sys, w.what.component) + ", \"needed\": " + jnum(w.what.needed) +
             ", \"available\": " + jnum(w.what.available) + ", \"fix\": " + json_fix(sys, w.suggestion) +
             ", \"message\": " + jstr(warning_text(sys, w)) + "}";
    }
    o += "], \"images\": {\"kernel\": " + jrange(r.images.kernel.base, r.images.kernel.size) +
         ", \"dtb\": " + jrange(r.images.dtb.base, r.images.dtb.size) +
         ", \"rootserver\": " + jrange(r.images.rootserver.base, r.images.rootserver.size) + "}";
    o += ", \"rootserver_objects\": " + jrange(r.boot.rootserver.base, r.boot.rootserver.size());
    o += ", \"untypeds\": [";
    for (std::size_t k = 0; k < r.boot.count; ++k)
        o += std::string(k ? ", " : "") + "{\"paddr\": " + jnum(r.boot.list[k].paddr) +
             ", \"size_bits\": " + jnum(r.boot.list[k].size_bits) +
             ", \"device\": " + (r.boot.list[k].device ? "true" : "false") + "}";
    o += "], \"untypeds_dropped\": " + jnum(r.boot.dropped_count) + ", \"extents\": [";
    for (std::size_t k = 0; k < r.loaded.n_extents; ++k) {
        const extent& e = r.loaded.extents[k];
        o += std::string(k ? ", " : "") + "{\"base\": " + jnum(e.base) + ", \"size\": " + jnum(e.size) +
             ", \"component\": " + jcomp(sys, e.component) + ", \"kind\": " + jstr(std::string(name(e.kind))) + "}";
    }
    o += "], \"guests\": [";
    for (std::size_t k = 0; k < r.n_guests; ++k) {
        const guest_summary& g = r.guests[k];
        const guest_config& gc = sys.components[g.component].guest;
        o += std::string(k ? ", " : "") + "{\"component\": " + jcomp(sys, g.component) +
             ", \"ram_base\": " + jnum(gc.ram_base) + ", \"ram_size\": " + jnum(gc.ram_size) +
             ", \"page_bits\": " + jnum(gc.page_bits) + ", \"obtained\": " + jnum(g.obtained) +
             ", \"pages\": " + jnum(g.need.pages) + ", \"split_nodes\": " + jnum(g.need.nodes) +
             ", \"mempool_needed\": " + jnum(g.need.mempool_bytes) + ", \"slots_needed\": " + jnum(g.need.slots) +
             ", \"pool_needed\": " + jnum(g.need.pool_bytes) + "}";
    }
    return o + "]}";
}

} // namespace

std::string to_json(const named_plan* plans, std::size_t n) {
    std::string o = "{\"schema\": \"retype-plan/1\", \"plans\": [";
    for (std::size_t i = 0; i < n; ++i) o += (i ? ",\n" : "\n") + json_plan(plans[i]);
    return o + "\n]}\n";
}

// ---------------------------------------------------------------- SVG

namespace {

// Text and attribute values in XML: valid UTF-8 without the controls XML
// forbids, and the five markup characters escaped. Everything the SVG shows
// from the description (titles, component and region names) goes through it.
std::string xml(const std::string& text) {
    const std::string s = valid_utf8(text);
    std::string o;
    o.reserve(s.size());
    for (char ch : s) {
        switch (ch) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&apos;"; break;
        default: o += ch;
        }
    }
    return o;
}

const char* palette(std::size_t i) {
    static const char* const colours[] = {"#1f77b4", "#ff7f0e", "#9467bd", "#8c564b",
                                          "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
    return colours[i % 8];
}

// The fixed colours, one per kind of segment; the legend lists them all.
struct swatch {
    const char* fill;
    const char* label;
};
constexpr swatch ram_c{"#d9f0d3", "RAM (device tree /memory)"};
constexpr swatch nomap_c{"#9e9e9e", "reserved, no-map (leaves kernel RAM: device untypeds)"};
constexpr swatch mapped_c{"#e0e0e0", "reserved, mapped (stays kernel RAM)"};
constexpr swatch ram_ut_c{"#74c476", "initial untyped, RAM"};
constexpr swatch dev_ut_c{"#9ecae1", "initial untyped, device"};
constexpr swatch filler_c{"#efe3c0", "loader filler (retyped to reach an address)"};
constexpr swatch kernel_c{"#d62728", "kernel image"};
constexpr swatch dtb_c{"#2ca02c", "DTB"};
constexpr swatch rsimg_c{"#ff9896", "rootserver (capDL loader) image"};
constexpr swatch rsobj_c{"#17becf", "root-server objects (kernel boot)"};
constexpr swatch guest_cfg_c{"#fdd0a2", "guest RAM as configured"};
constexpr swatch guest_got_c{"#e6550d", "guest RAM the VMM backs (obtained)"};
constexpr const char* fail_colour = "#c00000";

struct scale {
    std::uint64_t lo, hi;
    double x0, width;
    [[nodiscard]] double at(std::uint64_t a) const {
        const std::uint64_t c = std::clamp(a, lo, hi);
        return x0 + width * static_cast<double>(c - lo) / static_cast<double>(hi - lo);
    }
};

constexpr double char_w = 6.2; // an 11 px sans-serif character, on average

std::string range_text(std::uint64_t base, std::uint64_t size) {
    return "[" + hex(base) + ", " + hex(base + size) + "), " + bytes_text(size);
}

// One segment: a rectangle with a tooltip (<title>) and, where it fits, a label.
// The label sits in the middle of the first `label_h` pixels (0: of the whole bar).
void bar(std::string& o, const scale& s, double y, double h, std::uint64_t base, std::uint64_t size, const char* fill,
         const std::string& tip, const std::string& label = "", double label_h = 0) {
    if (size == 0 || base + size <= s.lo || base >= s.hi) return;
    const double x = s.at(base);
    double w = s.at(base + size) - x;
    if (w < 1) w = 1;
    o += fmt("<g><title>%s</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\" "
             "stroke=\"#333\" stroke-width=\"0.3\"/>",
             xml(tip).c_str(), x, y, w, h, fill);
    if (!label.empty() && static_cast<double>(label.size()) * char_w + 6 < w)
        o += fmt("<text x=\"%.2f\" y=\"%.1f\" font-size=\"11\" pointer-events=\"none\">%s</text>", x + 3,
                 y + (label_h > 0 ? label_h : h) / 2 + 4, xml(label).c_str());
    o += "</g>\n";
}

// Where a failed stage's finding happens, if it has an address.
bool failing_address(const stage_report& st, std::uint64_t& at) {
    const finding& f = st.cause;
    switch (f.what) {
    case problem::image_outside_ram:
    case problem::image_in_reserved:
    case problem::images_overlap:
    case problem::boot_memory_invalid:
    case problem::exact_untyped_missing:
    case problem::exact_untyped_taken:
    case problem::exact_untyped_misaligned:
    case problem::guest_ram_short:
    case problem::guest_image_outside_ram: at = f.paddr; return true;
    case problem::guest_ram_not_covered: at = f.paddr + f.available; return true;
    default: return false;
    }
}

const char* const stage_titles[] = {"ELF loader", "kernel boot", "capDL loader", "VMM", "guest"};
const char* const lanes[] = {"RAM / reserved", "initial untypeds", "loader objects", "boot images", "guest RAM"};

} // namespace

std::string to_svg(const named_plan* plans, std::size_t n) {
    const double width = 1100, left = 130, lane = 26, gap = 6;
    const double lanes_h = 5 * (lane + gap);
    const double per_plan = 92 + lanes_h + 40;
    // The legend: the fixed colours in three columns, then each component's colour.
    const swatch fixed[] = {ram_c,    nomap_c, mapped_c, ram_ut_c, dev_ut_c,    filler_c,
                            kernel_c, dtb_c,   rsimg_c,  rsobj_c,  guest_cfg_c, guest_got_c};
    std::size_t max_components = 0;
    for (std::size_t pi = 0; pi < n; ++pi) max_components = std::max(max_components, plans[pi].sys.n_components);
    const std::size_t legend_items = std::size(fixed) + 1 + std::min<std::size_t>(max_components, 64);
    const double legend_h = 30 + 18 * static_cast<double>((legend_items + 2) / 3);
    const double total_w = left + width + 40;
    std::string o = fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                        "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
                        "<title>retype plan: physical memory map</title>\n"
                        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                        total_w, per_plan * static_cast<double>(n) + legend_h + 20, total_w,
                        per_plan * static_cast<double>(n) + legend_h + 20);
    for (std::size_t pi = 0; pi < n; ++pi) {
        const plan_system& sys = plans[pi].sys;
        const report& r = plans[pi].rep;
        // The window: from the lowest RAM or guest RAM to the highest end of either.
        std::uint64_t lo = ~std::uint64_t{0};
        std::uint64_t hi = 0;
        const auto widen = [&](std::uint64_t b, std::uint64_t sz) {
            lo = std::min(lo, b);
            hi = std::max(hi, b + sz);
        };
        for (std::size_t i = 0; i < sys.plat.n_ram; ++i) widen(sys.plat.ram[i].base, sys.plat.ram[i].size);
        for (std::size_t c = 0; c < sys.n_components; ++c)
            if (sys.components[c].guest.present)
                widen(sys.components[c].guest.ram_base, sys.components[c].guest.ram_size);
        if (hi <= lo) hi = lo + 1;
        const scale s{lo, hi, left, width};
        const double top = 24 + per_plan * static_cast<double>(pi);
        o += fmt("<text x=\"10\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">%s: %s</text>\n", top,
                 xml(plans[pi].title).c_str(), r.ok() ? "every stage passes" : "fails");
        // The stages in one line, then the first failure in words.
        double sx = 10;
        for (std::size_t i = 0; i < 5; ++i) {
            const stage_report& st = r.stages[i];
            const char* state = st.state == status::ok ? "ok" : st.state == status::failed ? "FAILED" : "not reached";
            const std::string t = fmt("%zu %s: %s", i + 1, stage_titles[i], state);
            o += fmt("<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\"%s>%s</text>\n", sx, top + 20,
                     st.state == status::failed ? fail_colour : "#333",
                     st.state == status::failed ? " font-weight=\"bold\"" : "", xml(t).c_str());
            sx += static_cast<double>(t.size()) * 7.0 + 24;
        }
        if (const stage_report* ff = r.first_failure())
            o += fmt("<text x=\"10\" y=\"%.1f\" fill=\"%s\">stage %d: %s</text>\n", top + 38, fail_colour,
                     static_cast<int>(ff->id), xml(finding_text(sys, *ff)).c_str());
        const auto y = [&](int l) { return top + 66 + l * (lane + gap); };
        for (std::size_t l = 0; l < 5; ++l)
            o += fmt("<text x=\"10\" y=\"%.1f\">%s</text>\n", y(static_cast<int>(l)) + lane * 0.65, lanes[l]);
        for (std::size_t i = 0; i < sys.plat.n_ram; ++i) {
            const auto& m = sys.plat.ram[i];
            bar(o, s, y(0), lane, m.base, m.size, ram_c.fill, "RAM " + range_text(m.base, m.size),
                "RAM " + bytes_text(m.size));
        }
        for (std::size_t i = 0; i < sys.plat.n_reserved; ++i) {
            const reserved_region& rr = sys.plat.reserved[i];
            const std::string nm(rr.name.view());
            bar(o, s, y(0), lane, rr.where.base, rr.where.size, rr.no_map ? nomap_c.fill : mapped_c.fill,
                "reserved " + (nm.empty() ? std::string("(unnamed)") : nm) + (rr.no_map ? ", no-map " : ", mapped ") +
                    range_text(rr.where.base, rr.where.size),
                (nm.empty() ? std::string("reserved") : nm) + (rr.no_map ? " (no-map)" : ""));
        }
        for (std::size_t k = 0; k < r.boot.count; ++k) {
            const auto& d = r.boot.list[k];
            const std::uint64_t sz = std::uint64_t{1} << d.size_bits;
            bar(o, s, y(1), lane, d.paddr, sz, d.device ? dev_ut_c.fill : ram_ut_c.fill,
                fmt("initial untyped #%zu, %s, %s/%u: ", k, d.device ? "device" : "RAM", hex(d.paddr).c_str(),
                    unsigned{d.size_bits}) +
                    range_text(d.paddr, sz),
                fmt("%s 2^%u", d.device ? "device" : "RAM", unsigned{d.size_bits}));
        }
        for (std::size_t k = 0; k < r.loaded.n_extents; ++k) {
            const extent& e = r.loaded.extents[k];
            const bool filler = e.component == no_component;
            const std::string owner = filler ? std::string("filler") : comp_name(sys, e.component);
            bar(o, s, y(2), lane, e.base, e.size, filler ? filler_c.fill : palette(e.component),
                owner + ": " + std::string(name(e.kind)) + " " + range_text(e.base, e.size),
                owner + " " + std::string(name(e.kind)));
        }
        bar(o, s, y(3), lane, r.images.kernel.base, r.images.kernel.size, kernel_c.fill,
            "kernel image " + range_text(r.images.kernel.base, r.images.kernel.size), "kernel");
        bar(o, s, y(3), lane, r.images.dtb.base, r.images.dtb.size, dtb_c.fill,
            "DTB " + range_text(r.images.dtb.base, r.images.dtb.size), "DTB");
        bar(o, s, y(3), lane, r.images.rootserver.base, r.images.rootserver.size, rsimg_c.fill,
            "rootserver (capDL loader) image " + range_text(r.images.rootserver.base, r.images.rootserver.size),
            "rootserver");
        bar(o, s, y(3), lane, r.boot.rootserver.base, r.boot.rootserver.size(), rsobj_c.fill,
            "root-server objects (CNode, VSpace, IPC buffer, bootinfo, ...) " +
                range_text(r.boot.rootserver.base, r.boot.rootserver.size()),
            "root-server objects");
        for (std::size_t k = 0; k < r.n_guests; ++k) {
            const guest_summary& g = r.guests[k];
            const guest_config& gc = sys.components[g.component].guest;
            const std::string c = comp_name(sys, g.component);
            bar(o, s, y(4), lane, gc.ram_base, gc.ram_size, guest_cfg_c.fill,
                c + " guest RAM as configured " + range_text(gc.ram_base, gc.ram_size),
                c + " guest RAM " + bytes_text(gc.ram_size) + " configured", lane * 0.5);
            bar(o, s, y(4) + lane * 0.5, lane * 0.5, gc.ram_base, g.obtained, guest_got_c.fill,
                c + " guest RAM the VMM backs " + range_text(gc.ram_base, g.obtained),
                "obtained " + bytes_text(g.obtained));
        }
        // Address ticks: eight, at the scale's ends and between.
        for (int t = 0; t <= 8; ++t) {
            const std::uint64_t a = lo + (hi - lo) / 8 * static_cast<std::uint64_t>(t);
            const double x = s.at(a);
            o += fmt("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-width=\"0.5\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
                     x, y(0) - 2, x, y(4) + lane + 4, x, y(4) + lane + 16, hex(a).c_str());
        }
        // The failing points: a red line through every lane where a failed stage's finding is.
        for (std::size_t i = 0; i < 5; ++i) {
            const stage_report& st = r.stages[i];
            std::uint64_t at = 0;
            if (st.state != status::failed || !failing_address(st, at) || at < lo || at > hi) continue;
            const double x = s.at(at);
            const std::string label = fmt("stage %zu (%s) fails at %s", i + 1, stage_titles[i], hex(at).c_str());
            const bool right = x + static_cast<double>(label.size()) * char_w < left + width;
            o += fmt("<g><title>%s</title><line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"%s\" "
                     "stroke-width=\"2\" stroke-dasharray=\"5,3\"/><text x=\"%.2f\" y=\"%.1f\" font-size=\"11\" "
                     "fill=\"%s\" text-anchor=\"%s\">%s</text></g>\n",
                     xml(finding_text(sys, st)).c_str(), x, y(0) - 8, x, y(4) + lane + 2, fail_colour,
                     right ? x + 4 : x - 4, y(0) - 10, fail_colour, right ? "start" : "end", xml(label).c_str());
        }
    }
    // The legend, once, below the plans.
    const double ly = per_plan * static_cast<double>(n) + 20;
    o += fmt("<text x=\"10\" y=\"%.1f\" font-weight=\"bold\">Legend</text>\n", ly);
    std::size_t item = 0;
    const auto entry = [&](const char* fill, const std::string& label, bool dashed = false) {
        const double x = 10 + 400.0 * static_cast<double>(item % 3);
        const double yy = ly + 10 + 18 * static_cast<double>(item / 3);
        if (dashed)
            o += fmt("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" "
                     "stroke-dasharray=\"5,3\"/>",
                     x + 7, yy, x + 7, yy + 12, fill);
        else
            o += fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"%s\" stroke=\"#333\" "
                     "stroke-width=\"0.3\"/>",
                     x, yy, fill);
        o += fmt("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 20, yy + 10, xml(label).c_str());
        ++item;
    };
    for (const swatch& w : fixed) entry(w.fill, w.label);
    entry(fail_colour, "where a stage fails (hover for the message)", true);
    // Components by index: the colours of the loader-objects lane (the first plan's names).
    if (n > 0)
        for (std::size_t c = 0; c < std::min<std::size_t>(max_components, 64); ++c)
            entry(palette(c), (c < plans[0].sys.n_components ? std::string(plans[0].sys.components[c].name.view())
                                                             : "component " + std::to_string(c)) +
                                  ": its loader objects");
    return o + "</svg>\n";
}

} // namespace retype::cli
