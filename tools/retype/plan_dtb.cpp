// `retype plan`: platform memory from a flattened device tree, with libfdt: the
// /memory nodes (RAM) and the /reserved-memory children (no-map or not).
#include "plan_io.hpp"

extern "C" {
#include <libfdt.h>
}

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace retype::cli {
namespace {

std::uint64_t cells(const fdt32_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 32) | fdt32_to_cpu(p[i]);
    return v;
}

// Calls f(base, size) for every (address, size) pair of a node's "reg".
template <class F>
bool for_each_reg(const void* fdt, int node, int ac, int sc, F f) {
    int len = 0;
    const auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
    if (!reg) return true;
    const int per = (ac + sc) * 4;
    if (per == 0 || len % per != 0) return false;
    for (int off = 0; off < len / 4; off += ac + sc) f(cells(reg + off, ac), cells(reg + off + ac, sc));
    return true;
}

} // namespace

bool read_dtb(const std::string& path, plan::platform& out, std::string& err) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        err = path + ": cannot open";
        return false;
    }
    std::vector<char> blob;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) blob.insert(blob.end(), buf, buf + n);
    std::fclose(f);
    const void* fdt = blob.data();
    if (blob.size() < sizeof(fdt_header) || fdt_check_header(fdt) != 0 || fdt_totalsize(fdt) > blob.size()) {
        err = path + ": not a flattened device tree";
        return false;
    }
    const int root_ac = fdt_address_cells(fdt, 0);
    const int root_sc = fdt_size_cells(fdt, 0);
    if (root_ac < 1 || root_ac > 2 || root_sc < 0 || root_sc > 2) {
        err = path + ": unsupported #address-cells/#size-cells";
        return false;
    }
    out.n_ram = 0;
    out.n_reserved = 0;
    bool ok = true;
    // /memory@...: every node whose device_type is "memory".
    for (int node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", sizeof "memory"); node >= 0;
         node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory", sizeof "memory"))
        ok = ok && for_each_reg(fdt, node, root_ac, root_sc, [&](std::uint64_t b, std::uint64_t s) {
                 if (s && !out.add_ram(b, s)) ok = false;
             });
    const int rm = fdt_path_offset(fdt, "/reserved-memory");
    if (rm >= 0) {
        const int ac = fdt_address_cells(fdt, rm);
        const int sc = fdt_size_cells(fdt, rm);
        int child = 0;
        fdt_for_each_subnode(child, fdt, rm) {
            const bool no_map = fdt_getprop(fdt, child, "no-map", nullptr) != nullptr;
            const char* nm = fdt_get_name(fdt, child, nullptr);
            ok = ok && for_each_reg(fdt, child, ac, sc, [&](std::uint64_t b, std::uint64_t s) {
                     if (s && !out.add_reserved(b, s, no_map, plan::name_t(nm ? nm : ""))) ok = false;
                 });
        }
    }
    if (!ok || out.n_ram == 0) {
        err = path + (ok ? ": no /memory node" : ": malformed reg property or too many regions");
        return false;
    }
    // Sorted by address, as the kernel's build expects.
    for (std::size_t i = 1; i < out.n_ram; ++i)
        for (std::size_t j = i; j > 0 && out.ram[j].base < out.ram[j - 1].base; --j)
            std::swap(out.ram[j], out.ram[j - 1]);
    return true;
}

} // namespace retype::cli
