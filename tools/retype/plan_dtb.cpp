// `retype plan`: platform memory from a flattened device tree, with libfdt: the
// /memory nodes (RAM) and the /reserved-memory children (no-map or not).
//
// The blob is untrusted: its structure is checked whole (fdt_check_full) before
// any node is read, every #address-cells / #size-cells is checked where it is
// set, and every reg entry is taken at its full width (up to 4 cells): a value
// that does not fit in 64 bits, or a range that ends past the architecture's
// physical addresses, is an error naming the node, never truncated.
#include "plan_io.hpp"

extern "C" {
#include <libfdt.h>
}

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace retype::cli {
namespace {

constexpr std::size_t max_blob = std::size_t{64} << 20; // far above any real device tree

struct dtb_reader {
    const void* fdt;
    std::string path;
    std::string& err;

    bool fail(int node, const std::string& why) {
        err = path + ": " + node_path(node) + ": " + why;
        return false;
    }
    [[nodiscard]] std::string node_path(int node) const {
        char buf[512];
        if (node < 0) return "/";
        if (fdt_get_path(fdt, node, buf, sizeof buf) != 0) {
            const char* nm = fdt_get_name(fdt, node, nullptr);
            return std::string("…/") + (nm ? nm : "?");
        }
        return valid_utf8(buf);
    }

    /// A node's #address-cells or #size-cells: absent -> the DT spec's default
    /// (2 and 1); present -> one 32-bit cell, at most 4.
    bool cells_prop(int node, const char* prop, int dflt, int& out) {
        int len = 0;
        const auto* p = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, prop, &len));
        if (!p) {
            if (len != -FDT_ERR_NOTFOUND) return fail(node, std::string(prop) + ": " + fdt_strerror(len));
            out = dflt;
            return true;
        }
        if (len != 4)
            return fail(node, std::string(prop) + " is " + std::to_string(len) + " bytes; it must be one 32-bit cell");
        const std::uint32_t v = fdt32_to_cpu(*p);
        if (v > 4) return fail(node, std::string(prop) + " = " + std::to_string(v) + ": at most 4 cells are supported");
        out = static_cast<int>(v);
        return true;
    }

    /// Every node's cells, so that a broken value anywhere is named.
    bool check_all_cells() {
        int depth = 0;
        for (int node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth)) {
            int v = 0;
            if (!cells_prop(node, "#address-cells", 2, v) || !cells_prop(node, "#size-cells", 1, v)) return false;
        }
        return true;
    }

    /// The cells reg entries of `node`'s children use; both must be at least 1 for memory.
    bool parent_cells(int parent, int& ac, int& sc) {
        if (!cells_prop(parent, "#address-cells", 2, ac) || !cells_prop(parent, "#size-cells", 1, sc)) return false;
        if (ac == 0 || sc == 0)
            return fail(parent, "#address-cells = " + std::to_string(ac) + ", #size-cells = " + std::to_string(sc) +
                                    ": memory regions need both to be at least 1");
        return true;
    }

    /// A value of n cells (1..4), refusing one wider than 64 bits.
    bool value(int node, const fdt32_t* p, int n, const char* what, std::uint64_t& out) {
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) {
            if (i < n - 2 && fdt32_to_cpu(p[i]) != 0) {
                char buf[160];
                std::snprintf(buf, sizeof buf, "reg: a %d-cell %s has bits set above bit 63 (cell %d is 0x%x)", n, what,
                              i, fdt32_to_cpu(p[i]));
                return fail(node, buf);
            }
            v = n - i > 2 ? 0 : (v << 32) | fdt32_to_cpu(p[i]);
        }
        out = v;
        return true;
    }

    /// Calls f(base, size) for every (address, size) pair of a node's "reg"; a node without reg has none.
    template <class F>
    bool for_each_reg(int node, int ac, int sc, F f) {
        int len = 0;
        const auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
        if (!reg) {
            if (len == -FDT_ERR_NOTFOUND) return true;
            return fail(node, std::string("reg: ") + fdt_strerror(len));
        }
        const int per = (ac + sc) * 4; // 1..4 cells each, checked: 8..32 bytes
        if (len == 0 || len % per != 0)
            return fail(node, "reg is " + std::to_string(len) + " bytes, not a multiple of " + std::to_string(per) +
                                  " (#address-cells " + std::to_string(ac) + " + #size-cells " + std::to_string(sc) +
                                  ", 4 bytes each)");
        for (int off = 0; off < len / 4; off += ac + sc) {
            std::uint64_t base = 0, size = 0;
            if (!value(node, reg + off, ac, "address", base) || !value(node, reg + off + ac, sc, "size", size))
                return false;
            if (size > ~std::uint64_t{0} - base)
                return fail(node, "reg: [" + hex(base) + " + " + hex(size) + ") wraps past 2^64");
            if (!f(base, size)) return false;
        }
        return true;
    }

    bool read(plan::platform& out, bool size_given) {
        if (!check_all_cells()) return false;
        plan::platform p = out; // check-then-commit: `out` changes only on success
        p.n_ram = 0;
        p.n_reserved = 0;
        std::vector<int> nodes; // the node of each region, RAM then reserved, for messages
        std::vector<int> ram_nodes, zero_nodes;
        const std::uint64_t limit = paddr_limit(p.kernel.target);
        // /memory@...: every node whose device_type is "memory", in its parent's cells.
        for (int node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", sizeof "memory"); node >= 0;
             node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory", sizeof "memory")) {
            int ac = 0, sc = 0;
            if (!parent_cells(fdt_parent_offset(fdt, node), ac, sc)) return false;
            const bool ok = for_each_reg(node, ac, sc, [&](std::uint64_t b, std::uint64_t s) {
                if (s == 0) { // a bootloader fills such entries in; alone they are no memory
                    zero_nodes.push_back(node);
                    return true;
                }
                if (b > limit || s > limit - b)
                    return fail(node, "reg: [" + hex(b) + " + " + hex(s) + ") ends past " +
                                          paddr_limit_text(p.kernel.target));
                if (!p.add_ram(b, s))
                    return fail(node, "more than " + std::to_string(plan::max_ram_regions) + " RAM regions");
                nodes.push_back(node);
                return true;
            });
            if (!ok) return false;
        }
        if (p.n_ram == 0) {
            if (!zero_nodes.empty())
                return fail(zero_nodes.front(), "every /memory reg entry has size 0 (a bootloader fills them in: "
                                                "use the device tree it passes to the kernel)");
            err = path + ": no /memory node (no node with device_type = \"memory\" and a reg)";
            return false;
        }
        const int rm = fdt_path_offset(fdt, "/reserved-memory");
        if (rm >= 0) {
            int ac = 0, sc = 0;
            if (!parent_cells(rm, ac, sc)) return false;
            int child = 0;
            fdt_for_each_subnode(child, fdt, rm) {
                const bool no_map = fdt_getprop(fdt, child, "no-map", nullptr) != nullptr;
                int name_len = 0;
                const char* nm = fdt_get_name(fdt, child, &name_len);
                // Names are labels: cut to what a name_t keeps, at a character boundary.
                std::string label =
                    valid_utf8(nm && name_len > 0 ? std::string(nm, static_cast<std::size_t>(name_len)) : "");
                std::size_t cut = std::min<std::size_t>(label.size(), sizeof(plan::name_t{}.chars) - 1);
                while (cut > 0 && cut < label.size() && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;
                label.resize(cut);
                const bool ok = for_each_reg(child, ac, sc, [&](std::uint64_t b, std::uint64_t s) {
                    if (!p.add_reserved(b, s, no_map, plan::name_t(label)))
                        return fail(child, "more than " + std::to_string(plan::max_reserved_regions) +
                                               " reserved-memory regions");
                    nodes.push_back(child);
                    return true;
                });
                if (!ok) return false;
            }
        } else if (rm != -FDT_ERR_NOTFOUND) {
            err = path + ": /reserved-memory: " + fdt_strerror(rm);
            return false;
        }
        memory_problem mp;
        if (!check_memory(p, mp)) {
            std::string why = mp.what;
            if (mp.two) why += " (" + node_path(nodes[mp.first]) + ")";
            return fail(nodes[mp.two ? mp.second : mp.first], why);
        }
        sort_ram(p);
        // The DTB image is the blob the ELF loader copies (its totalsize), unless the description sets dtb.size.
        if (!size_given) p.dtb.size = fdt_totalsize(fdt);
        out = p;
        return true;
    }
};

} // namespace

bool read_dtb_blob(const void* data, std::size_t size, const std::string& path, plan::platform& out, bool size_given,
                   std::string& err) {
    // libfdt wants the blob 8-byte aligned: a copy in a vector of 64-bit words.
    std::vector<std::uint64_t> words((size + 7) / 8);
    if (size) std::memcpy(words.data(), data, size);
    const void* fdt = words.data();
    if (size < sizeof(fdt_header)) {
        err = path + ": truncated: " + std::to_string(size) + " bytes, shorter than a device tree header (" +
              std::to_string(sizeof(fdt_header)) + ")";
        return false;
    }
    if (fdt_magic(fdt) != FDT_MAGIC) {
        err = path + ": not a flattened device tree (no 0xd00dfeed magic)";
        return false;
    }
    if (fdt_totalsize(fdt) > size) {
        err = path + ": truncated: the header says " + std::to_string(fdt_totalsize(fdt)) + " bytes, the file has " +
              std::to_string(size);
        return false;
    }
    // Older formats (no size_dt_struct, names as paths) crash libfdt 1.6.1's fdt_check_full (found by
    // the DTB fuzz target): only version 17, what dtc and QEMU write, or a compatible later one.
    if (fdt_version(fdt) < 17) {
        err = path + ": device tree format version " + std::to_string(fdt_version(fdt)) +
              " is not read (version 17, as dtc writes)";
        return false;
    }
    if (const int rc = fdt_check_full(fdt, size); rc != 0) {
        err = path + ": malformed device tree: " + fdt_strerror(rc);
        return false;
    }
    dtb_reader r{fdt, path, err};
    return r.read(out, size_given);
}

bool read_dtb(const std::string& path, plan::platform& out, bool size_given, std::string& err) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        err = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    std::vector<char> blob;
    char buf[1 << 14];
    for (std::size_t n; blob.size() <= max_blob && (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        blob.insert(blob.end(), buf, buf + n);
    const bool bad = std::ferror(f) != 0;
    const int read_errno = errno;
    std::fclose(f);
    if (bad) {
        err = path + ": cannot read: " + std::strerror(read_errno);
        return false;
    }
    if (blob.size() > max_blob) {
        err = path + ": larger than 64 MiB: not a device tree";
        return false;
    }
    return read_dtb_blob(blob.data(), blob.size(), path, out, size_given, err);
}

} // namespace retype::cli
