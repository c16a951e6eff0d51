// `retype plan`: the TOML description format (docs/planner.md), read with toml++
// built header-only without exceptions (TOML_EXCEPTIONS=0: parse_result API).
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "plan_io.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace retype::cli {
namespace {

using namespace retype::plan;

struct reader {
    std::string& err;
    std::string where;

    bool fail(const std::string& key, const std::string& why) {
        err = where + key + ": " + why;
        return false;
    }
    // An unsigned integer (TOML integers are signed 64-bit; negatives are refused).
    bool u64(const toml::table& t, const char* key, std::uint64_t& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        const auto v = n->value<std::int64_t>();
        if (!v || *v < 0) return fail(key, "expected a non-negative integer");
        out = static_cast<std::uint64_t>(*v);
        return true;
    }
    template <class T>
    bool small(const toml::table& t, const char* key, T& out, std::uint64_t max) {
        std::uint64_t v = out;
        if (!u64(t, key, v)) return false;
        if (v > max) return fail(key, "out of range (at most " + std::to_string(max) + ")");
        out = static_cast<T>(v);
        return true;
    }
    bool boolean(const toml::table& t, const char* key, bool& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        const auto v = n->value<bool>();
        if (!v) return fail(key, "expected true or false");
        out = *v;
        return true;
    }
    bool str(const toml::table& t, const char* key, std::string& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        const auto v = n->value<std::string>();
        if (!v) return fail(key, "expected a string");
        out = *v;
        return true;
    }
    bool img(const toml::table& t, const char* key, image& out, std::uint64_t* vaddr = nullptr) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        const toml::table* it = n->as_table();
        if (!it) return fail(key, "expected a table { paddr = ..., size = ... }");
        reader sub{err, where + key + "."};
        if (!sub.u64(*it, "paddr", out.paddr) || !sub.u64(*it, "size", out.size)) return false;
        if (vaddr && !sub.u64(*it, "vaddr", *vaddr)) return false;
        return true;
    }
};

// "0x40000000:30": an untyped_mmios entry.
bool parse_mmio(std::string_view s, paddr_t& paddr, unsigned& bits) {
    const auto colon = s.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view a = s.substr(0, colon);
    const std::string_view b = s.substr(colon + 1);
    int base = 10;
    if (a.size() > 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
        a.remove_prefix(2);
        base = 16;
    }
    auto r1 = std::from_chars(a.data(), a.data() + a.size(), paddr, base);
    auto r2 = std::from_chars(b.data(), b.data() + b.size(), bits);
    return r1.ec == std::errc{} && r1.ptr == a.data() + a.size() && r2.ec == std::errc{} &&
           r2.ptr == b.data() + b.size();
}

bool read_platform(reader& rd, const toml::table& t, platform& p) {
    std::string s;
    if (!rd.str(t, "name", s)) return false;
    p.name = name_t(s);
    s.clear();
    if (!rd.str(t, "arch", s)) return false;
    if (!s.empty() && !kernel::parse_arch(s, p.kernel.target))
        return rd.fail("arch", "unknown architecture '" + s + "' (x86_64, aarch64, aarch64-hyp, riscv64, aarch32)");
    if (!rd.small(t, "root_cnode_bits", p.kernel.root_cnode_bits, 30) ||
        !rd.small(t, "max_bootinfo_untypeds", p.kernel.max_bootinfo_untypeds, 1u << 20) ||
        !rd.small(t, "fan_out_limit", p.kernel.fan_out_limit, 1u << 20) || !rd.boolean(t, "mcs", p.kernel.mcs) ||
        !rd.u64(t, "device_top", p.kernel.device_top) || !rd.img(t, "kernel_image", p.kernel_image) ||
        !rd.u64(t, "kernel_boot_size", p.kernel_boot_size) || !rd.img(t, "dtb", p.dtb) ||
        !rd.img(t, "rootserver", p.rootserver, &p.rootserver_vaddr) || !rd.img(t, "elfloader", p.elfloader))
        return false;
    if (const toml::array* a = t["ram"].as_array()) {
        for (const toml::node& n : *a) {
            const toml::table* r = n.as_table();
            range x{};
            if (!r || !rd.u64(*r, "base", x.base) || !rd.u64(*r, "size", x.size))
                return rd.fail("ram", "expected [{ base = ..., size = ... }, ...]");
            if (!p.add_ram(x.base, x.size)) return rd.fail("ram", "too many regions");
        }
    }
    if (const toml::array* a = t["reserved"].as_array()) {
        for (const toml::node& n : *a) {
            const toml::table* r = n.as_table();
            range x{};
            bool no_map = true;
            std::string nm;
            if (!r || !rd.u64(*r, "base", x.base) || !rd.u64(*r, "size", x.size) || !rd.boolean(*r, "no_map", no_map) ||
                !rd.str(*r, "name", nm))
                return rd.fail("reserved", "expected [{ base = ..., size = ..., no_map = true, name = \"...\" }, ...]");
            if (!p.add_reserved(x.base, x.size, no_map, name_t(nm))) return rd.fail("reserved", "too many regions");
        }
    }
    if (const toml::array* a = t["kernel_devices"].as_array()) {
        for (const toml::node& n : *a) {
            // A frame address, or { base = ..., size = ... }: a device range (docs/boot-untypeds.md).
            range x{};
            const auto v = n.value<std::int64_t>();
            const toml::table* r = n.as_table();
            const bool ok = v ? *v >= 0 : r && rd.u64(*r, "base", x.base) && rd.u64(*r, "size", x.size);
            if (v && *v >= 0) x.base = static_cast<paddr_t>(*v);
            if (!ok || !p.add_kernel_device(x.base, x.size))
                return rd.fail("kernel_devices", "expected up to 8 addresses or { base = ..., size = ... }");
        }
    }
    return true;
}

bool read_component(reader& rd, const toml::table& t, component& c) {
    std::string s;
    if (!rd.str(t, "name", s)) return false;
    if (s.empty()) return rd.fail("name", "every component needs a name");
    c.name = name_t(s);
    rd.where += s + ".";
    if (!rd.small(t, "cnode_size_bits", c.cnode_size_bits, 40) ||
        !rd.u64(t, "allocator_mempool_size", c.mempool_size) || !rd.u64(t, "image_size", c.image_size) ||
        !rd.small(t, "cap_slots_used", c.cap_slots_used, 1u << 30))
        return false;
    for (const auto& [key, node] : t) {
        const std::string_view k = key.str();
        // simple_untyped<bits>_pool = count
        constexpr std::string_view pre = "simple_untyped", post = "_pool";
        if (k.size() > pre.size() + post.size() && k.substr(0, pre.size()) == pre &&
            k.substr(k.size() - post.size()) == post) {
            const std::string_view num = k.substr(pre.size(), k.size() - pre.size() - post.size());
            unsigned bits = 0;
            const auto r = std::from_chars(num.data(), num.data() + num.size(), bits);
            const auto v = node.value<std::int64_t>();
            if (r.ec != std::errc{} || bits < 4 || bits > 47 || !v || *v < 0)
                return rd.fail(std::string(k), "expected simple_untyped<4..47>_pool = <count>");
            if (!c.add_pool(bits, static_cast<std::uint32_t>(*v))) return rd.fail(std::string(k), "too many pools");
        }
    }
    if (const toml::array* a = t["untyped_mmios"].as_array()) {
        for (const toml::node& n : *a) {
            const auto v = n.value<std::string>();
            paddr_t paddr = 0;
            unsigned bits = 0;
            if (!v || !parse_mmio(*v, paddr, bits)) return rd.fail("untyped_mmios", "expected [\"0xPADDR:BITS\", ...]");
            if (!c.add_mmio(paddr, bits)) return rd.fail("untyped_mmios", "too many entries");
        }
    }
    if (const toml::array* a = t["objects"].as_array()) {
        for (const toml::node& n : *a) {
            const toml::table* o = n.as_table();
            std::string type;
            std::uint64_t count = 0;
            std::uint8_t size_bits = 0;
            if (!o || !rd.str(*o, "type", type) || !rd.u64(*o, "count", count) ||
                !rd.small(*o, "size_bits", size_bits, 63))
                return rd.fail("objects", "expected [{ type = \"tcb\", count = N, size_bits = B }, ...]");
            const auto ty = kernel::parse_object_type(type);
            if (!ty) return rd.fail("objects", "unknown object type '" + type + "'");
            if (!c.add_objects(*ty, static_cast<std::uint32_t>(count), size_bits))
                return rd.fail("objects", "too many kinds");
        }
    }
    if (const toml::table* g = t["guest"].as_table()) {
        guest_config& gc = c.guest;
        gc.present = true;
        std::string policy;
        if (!rd.u64(*g, "ram_base", gc.ram_base) || !rd.u64(*g, "ram_size", gc.ram_size) ||
            !rd.small(*g, "page_bits", gc.page_bits, 30) || !rd.boolean(*g, "one_to_one", gc.one_to_one) ||
            !rd.small(*g, "vcpus", gc.vcpus, 64) || !rd.str(*g, "allocator", policy))
            return false;
        if (policy == "retype_range")
            gc.policy = allocator_policy::retype_range;
        else if (policy.empty() || policy == "allocman_split")
            gc.policy = allocator_policy::allocman_split;
        else
            return rd.fail("guest.allocator", "expected \"allocman_split\" or \"retype_range\"");
        if (const toml::array* a = (*g)["images"].as_array()) {
            for (const toml::node& n : *a) {
                const toml::table* im = n.as_table();
                std::string nm;
                range x{};
                if (!im || !rd.str(*im, "name", nm) || !rd.u64(*im, "base", x.base) || !rd.u64(*im, "size", x.size))
                    return rd.fail("guest.images", "expected [{ name = \"initrd\", base = ..., size = ... }, ...]");
                if (!gc.add_image(name_t(nm), x.base, x.size)) return rd.fail("guest.images", "too many images");
            }
        }
    }
    return true;
}

} // namespace

bool read_toml(const std::string& path, plan_system& out, std::string& title, std::string& err) {
    toml::parse_result parsed = toml::parse_file(path);
    if (!parsed) {
        const auto& e = parsed.error();
        err = path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
        return false;
    }
    const toml::table& t = parsed.table();
    reader rd{err, path + ": "};
    title = path;
    if (!rd.str(t, "name", title)) return false;
    const toml::table* p = t["platform"].as_table();
    if (!p) return rd.fail("platform", "missing [platform] table");
    reader prd{err, path + ": platform."};
    if (!read_platform(prd, *p, out.plat)) return false;
    std::string dtb;
    if (!prd.str(*p, "dtb_file", dtb)) return false;
    if (!dtb.empty()) {
        // Relative to the TOML file.
        const auto slash = path.rfind('/');
        if (dtb[0] != '/' && slash != std::string::npos) dtb = path.substr(0, slash + 1) + dtb;
        if (!read_dtb(dtb, out.plat, err)) return false;
    }
    if (const toml::array* a = t["component"].as_array()) {
        for (const toml::node& n : *a) {
            const toml::table* c = n.as_table();
            if (!c) return rd.fail("component", "expected [[component]] tables");
            component* slot = out.add("");
            if (!slot) return rd.fail("component", "more than 64 components");
            reader crd{err, path + ": component "};
            if (!read_component(crd, *c, *slot)) return false;
        }
    }
    return true;
}

} // namespace retype::cli
