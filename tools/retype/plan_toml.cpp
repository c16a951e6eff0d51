// `retype plan`: the TOML description format (docs/planner.md), read with toml++
// built header-only without exceptions (TOML_EXCEPTIONS=0: parse_result API).
//
// Every key the format has is one row of `schema` below: its table, name, type,
// whether it is required, its range, and the CAmkES spelling accepted for it.
// The table is checked first, generically (unknown keys with the nearest valid
// one, types, ranges, required keys); the readers then take values that are
// known to be there and in range, and add the checks that need the
// architecture (untyped size bits, page sizes, the physical address width).
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "nearest.hpp"
#include "plan_io.hpp"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace retype::cli {
namespace {

using namespace retype::plan;

enum class vt : std::uint8_t {
    integer,  // a non-negative TOML integer (never a float)
    boolean,  // true / false
    string,   // min..max bytes
    table,    // { ... } or [name]
    tables,   // [ {...}, ... ] or [[name]]: min..max entries
    integers, // [ 1, 2 ]: up to max entries
    strings,  // [ "a", "b" ]: up to max entries
    devices,  // [ 0x9000000, { base = ..., size = ... } ]: frame addresses or ranges, up to max entries
};

constexpr std::string_view type_name(vt t) {
    switch (t) {
    case vt::integer: return "a non-negative integer";
    case vt::boolean: return "true or false";
    case vt::string: return "a string";
    case vt::table: return "a table";
    case vt::tables: return "an array of tables";
    case vt::integers: return "an array of integers";
    case vt::strings: return "an array of strings";
    case vt::devices: return "an array of addresses or { base, size } tables";
    }
    return "?";
}

/// One key of the description format.
struct key_rule {
    std::string_view section; // the table it belongs to: "" (top level), "platform", "platform.ram" (each entry), ...
    std::string_view key;     // "simple_untyped<bits>_pool" is the one pattern
    vt type;
    bool required;
    std::uint64_t min, max;  // integers: the value; strings: bytes; arrays: entries
    std::string_view camkes; // the CAmkES spelling, accepted as an alias ("" when it is `key` or there is none)
    std::string_view note;   // the source of the range, for messages
};

constexpr std::uint64_t any = ~std::uint64_t{0};
constexpr std::uint64_t u32 = 0xffffffffULL;
constexpr std::uint64_t name_len = sizeof(name_t{}.chars) - 1;
constexpr std::string_view pool_pattern = "simple_untyped<bits>_pool";

// clang-format off
constexpr key_rule schema[] = {
    // section                  key                       type          req    min  max             CAmkES alias          note
    {"",                       "name",                   vt::string,   false, 0, 4096,            "", "the plan's title"},
    {"",                       "platform",               vt::table,    true,  0, 0,               "", ""},
    {"",                       "component",              vt::tables,   false, 0, 64,              "", "this program plans up to 64 components"},
    {"platform",               "name",                   vt::string,   false, 0, name_len,        "", "names are kept in 23 bytes"},
    {"platform",               "arch",                   vt::string,   true,  0, 64,              "", "x86_64, aarch64, aarch64_hyp, riscv64, aarch32 or arm_hyp"},
    {"platform",               "root_cnode_bits",        vt::integer,  false, 1, 30,              "", "KernelRootCNodeSizeBits"},
    {"platform",               "max_bootinfo_untypeds",  vt::integer,  false, 1, 1u << 20,        "", "KernelMaxNumBootinfoUntypedCaps"},
    {"platform",               "fan_out_limit",          vt::integer,  false, 1, 1u << 20,        "", "CONFIG_RETYPE_FAN_OUT_LIMIT: the kernel refuses every retype above it"},
    {"platform",               "mcs",                    vt::boolean,  false, 0, 0,               "", "KernelIsMCS"},
    {"platform",               "device_top",             vt::integer,  false, 0, any,             "", "CONFIG_PADDR_USER_DEVICE_TOP, 0 = the architecture's"},
    {"platform",               "ram",                    vt::tables,   false, 1, max_ram_regions, "", "DT /memory regions"},
    {"platform",               "reserved",               vt::tables,   false, 0, max_reserved_regions, "", "DT /reserved-memory regions"},
    {"platform",               "kernel_devices",         vt::devices,  false, 0, 8,               "", "frames or ranges the kernel keeps"},
    {"platform",               "kernel_image",           vt::table,    false, 0, 0,               "", ""},
    {"platform",               "kernel_boot_size",       vt::integer,  false, 0, any,             "", "bytes of the kernel image freed after boot (ki_boot_end - KERNEL_ELF_BASE)"},
    {"platform",               "dtb",                    vt::table,    false, 0, 0,               "", ""},
    {"platform",               "rootserver",             vt::table,    false, 0, 0,               "", ""},
    {"platform",               "elfloader",              vt::table,    false, 0, 0,               "", ""},
    {"platform",               "dtb_file",               vt::string,   false, 1, 4096,            "", "a path"},
    {"platform",               "phys_base",              vt::integer,  false, 0, u32,             "", "aarch32 / arm_hyp: the platform's physBase"},
    {"platform",               "user_top",               vt::integer,  false, 0, u32,             "", "aarch32 / arm_hyp: seL4_UserTop"},
    {"platform",               "loader_max_objects",     vt::integer,  false, 0, u32,             "", "CapDLLoaderMaxObjects"},
    {"platform",               "loader_debug",           vt::boolean,  false, 0, 0,               "", "a debug capDL loader (its assertions compiled in)"},
    {"platform.kernel_devices", "base",                  vt::integer,  true,  0, any,             "", ""},
    {"platform.kernel_devices", "size",                  vt::integer,  true,  1, any,             "", "a device range holds at least one byte"},
    {"platform.ram",           "base",                   vt::integer,  true,  0, any,             "", ""},
    {"platform.ram",           "size",                   vt::integer,  true,  1, any,             "", "a RAM region holds at least one byte"},
    {"platform.reserved",      "base",                   vt::integer,  true,  0, any,             "", ""},
    {"platform.reserved",      "size",                   vt::integer,  true,  1, any,             "", "a reserved region holds at least one byte"},
    {"platform.reserved",      "no_map",                 vt::boolean,  false, 0, 0,               "", ""},
    {"platform.reserved",      "name",                   vt::string,   false, 0, name_len,        "", "names are kept in 23 bytes"},
    {"platform.kernel_image",  "paddr",                  vt::integer,  false, 0, any,             "", ""},
    {"platform.kernel_image",  "size",                   vt::integer,  false, 0, any,             "", ""},
    {"platform.dtb",           "paddr",                  vt::integer,  false, 0, any,             "", ""},
    {"platform.dtb",           "size",                   vt::integer,  false, 0, any,             "", ""},
    {"platform.rootserver",    "paddr",                  vt::integer,  false, 0, any,             "", ""},
    {"platform.rootserver",    "size",                   vt::integer,  false, 0, any,             "", ""},
    {"platform.rootserver",    "vaddr",                  vt::integer,  false, 0, any,             "", ""},
    {"platform.elfloader",     "paddr",                  vt::integer,  false, 0, any,             "", ""},
    {"platform.elfloader",     "size",                   vt::integer,  false, 0, any,             "", ""},
    {"component",              "name",                   vt::string,   true,  1, name_len,        "", "names are kept in 23 bytes"},
    {"component",              "cnode_size_bits",        vt::integer,  false, 1, 42,              "", "seL4 refuses a 0-radix CNode"},
    {"component",              "allocator_mempool_size", vt::integer,  false, 0, any,             "", ""},
    {"component",              "image_size",             vt::integer,  false, 0, any,             "", ""},
    {"component",              "cap_slots_used",         vt::integer,  false, 0, 1u << 30,        "", ""},
    {"component",              pool_pattern,             vt::integer,  false, 0, u32,             "", "a count of untypeds"},
    {"component",              "untyped_mmios",          vt::strings,  false, 0, max_mmios,       "", "\"0xPADDR:SIZE_BITS\" entries"},
    {"component",              "mmios",                  vt::strings,  false, 0, max_frame_mmios, "", "\"0xPADDR:0xSIZE:BITS\" device frames (CAmkES mmios)"},
    {"component",              "objects",                vt::tables,   false, 0, max_objects,     "", "kinds of objects"},
    {"component",              "guest",                  vt::table,    false, 0, 0,               "", ""},
    {"component.objects",      "type",                   vt::string,   true,  1, 64,              "", ""},
    {"component.objects",      "count",                  vt::integer,  true,  1, u32,             "", "seL4 counts objects in 32 bits here"},
    {"component.objects",      "size_bits",              vt::integer,  false, 0, 63,              "", ""},
    {"component.guest",        "ram_base",               vt::integer,  true,  0, any,             "", ""},
    {"component.guest",        "ram_size",               vt::integer,  true,  1, any,             "", "a guest has RAM"},
    {"component.guest",        "page_bits",              vt::integer,  false, 12, 21,             "", "12 (4 KiB) or 21 (2 MiB)"},
    {"component.guest",        "one_to_one",             vt::boolean,  false, 0, 0,               "map_one_to_one", ""},
    {"component.guest",        "allocator",              vt::string,   false, 1, 64,              "", "\"allocman_split\" or \"retype_range\""},
    {"component.guest",        "ram_paddr_base",         vt::integer,  false, 0, any,             "", "vm_address_config.ram_paddr_base"},
    {"component.guest",        "vcpus",                  vt::integer,  false, 1, 64,              "", "a guest runs on at least one VCPU"},
    {"component.guest",        "images",                 vt::tables,   false, 0, max_guest_images, "", ""},
    {"component.guest.images", "name",                   vt::string,   false, 0, name_len,        "", "names are kept in 23 bytes"},
    {"component.guest.images", "base",                   vt::integer,  true,  0, any,             "", ""},
    {"component.guest.images", "size",                   vt::integer,  true,  0, any,             "", ""},
};
// clang-format on

// "simple_untyped24_pool": the pattern key, with canonical decimal bits (no sign, no leading zero).
bool pool_key(std::string_view k, unsigned* bits = nullptr) {
    constexpr std::string_view pre = "simple_untyped", post = "_pool";
    if (k.size() <= pre.size() + post.size() || k.substr(0, pre.size()) != pre ||
        k.substr(k.size() - post.size()) != post)
        return false;
    const std::string_view num = k.substr(pre.size(), k.size() - pre.size() - post.size());
    if (num.size() > 3 || (num.size() > 1 && num[0] == '0')) return false;
    unsigned b = 0;
    const auto r = std::from_chars(num.data(), num.data() + num.size(), b);
    if (r.ec != std::errc{} || r.ptr != num.data() + num.size()) return false;
    if (bits) *bits = b;
    return true;
}

const key_rule* find_rule(std::string_view section, std::string_view key) {
    for (const key_rule& r : schema) {
        if (r.section != section) continue;
        if (r.key == key || (!r.camkes.empty() && r.camkes == key)) return &r;
        if (r.key == pool_pattern && pool_key(key)) return &r;
    }
    return nullptr;
}

std::string num_text(std::uint64_t v) { return v > 0xffff ? hex(v) : std::to_string(v); }

// What a node is, for "expected X, got Y".
std::string node_text(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::floating_point: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", n.as_floating_point()->get());
        return "a floating-point number (" + std::string(buf) + "): sizes, addresses and counts are integers";
    }
    case toml::node_type::integer: return "the integer " + std::to_string(n.as_integer()->get());
    case toml::node_type::string: return "a string";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date or time";
    default: break;
    }
    return "something else";
}

// toml++ 3.3.0 (Debian 12's) reaches __builtin_unreachable() in
// is_non_ascii_horizontal_whitespace for most code points in U+00A1..U+FEFF
// (its generated lookup misses whole buckets), and the parser asks that
// question of characters in keys, after a backslash in a string and between
// tokens: undefined behaviour on a file with, say, `"ü" = 1` (found by the
// TOML fuzz target). So the text is parsed with every code point from U+0080
// to U+FFFF moved to plane 15 (U+F0000 + c, where every toml++ lookup returns
// early), and each string read back is moved home. Lines are unchanged, and so
// are columns (one code point for one). Plane-15 characters in the input itself
// are refused (they would be read back wrongly).
constexpr std::uint32_t shelter_base = 0xF0000;

void put_utf8(std::string& o, std::uint32_t c) {
    if (c < 0x80) {
        o += static_cast<char>(c);
    } else if (c < 0x800) {
        o += static_cast<char>(0xC0 | (c >> 6));
        o += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        o += static_cast<char>(0xE0 | (c >> 12));
        o += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        o += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        o += static_cast<char>(0xF0 | (c >> 18));
        o += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        o += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        o += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// The code point of the well-formed UTF-8 sequence at s[i] and its length, or length 0.
std::size_t get_utf8(std::string_view s, std::size_t i, std::uint32_t& c) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    static constexpr std::uint32_t lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    static constexpr std::uint32_t min_for[] = {0, 0, 0x80, 0x800, 0x10000};
    c = b & lead_mask[n];
    for (std::size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        c = (c << 6) | (cc & 0x3F);
    }
    if (c < min_for[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    return n;
}

// The text toml++ parses; false (with the line) for a plane-15 character in the input.
bool shelter(std::string_view text, std::string& out, std::size_t& line) {
    out.clear();
    out.reserve(text.size() + text.size() / 4);
    line = 1;
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t c = 0;
        const std::size_t n = get_utf8(text, i, c);
        if (n == 0) { // not UTF-8: left for toml++ to refuse
            out += text[i++];
            continue;
        }
        if (c == '\n') ++line;
        if (c >= shelter_base && c < shelter_base + 0x10000) return false;
        if (c >= 0x80 && c < 0x10000)
            put_utf8(out, shelter_base + c);
        else
            out.append(text.substr(i, n));
        i += n;
    }
    return true;
}

std::string unshelter(std::string_view s) {
    std::string o;
    o.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::uint32_t c = 0;
        const std::size_t n = get_utf8(s, i, c);
        if (n == 4 && c >= shelter_base + 0x80 && c < shelter_base + 0x10000) {
            put_utf8(o, c - shelter_base);
            i += n;
        } else {
            o += s[i++];
        }
    }
    return o;
}

// toml++ 3.3.0 also asserts (debug) or assumes (release) that a table header's
// first character starts a key (`[;a]` aborts the program) and that a value in
// an array does not start with `}` (`a = [}`). A small scan of the TOML lexical
// structure (comments, the four kinds of string, arrays and inline tables in
// values) finds every header and every bracket first; `why` says which rule a
// line breaks.
bool toml_safe_for_tomlpp(std::string_view t, std::size_t& bad_line, const char*& why) {
    enum class in : std::uint8_t { code, comment, basic, literal, ml_basic, ml_literal } st = in::code;
    std::size_t line = 1;
    bool line_start = true;
    bool after_eq = false; // in a value: brackets are arrays, not headers
    std::string open;      // the brackets of the value being read, innermost last
    const auto depth = [&] { return open.size(); };
    const auto at = [&](std::size_t i, std::string_view s) { return t.substr(i, s.size()) == s; };
    const auto bare = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    };
    for (std::size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (c == '\n') ++line;
        switch (st) {
        case in::comment:
            if (c == '\n') {
                st = in::code;
                line_start = true;
                if (depth() == 0) after_eq = false;
            }
            break;
        case in::basic:
            if (c == '\\' && i + 1 < t.size()) {
                if (t[++i] == '\n') ++line;
            } else if (c == '"' || c == '\n') {
                st = in::code;
            }
            break;
        case in::literal:
            if (c == '\'' || c == '\n') st = in::code;
            break;
        case in::ml_basic:
            if (c == '\\' && i + 1 < t.size()) {
                if (t[++i] == '\n') ++line;
            } else if (at(i, "\"\"\"")) {
                i += 2;
                while (i + 1 < t.size() && t[i + 1] == '"') ++i; // up to two quotes end the content
                st = in::code;
            }
            break;
        case in::ml_literal:
            if (at(i, "'''")) {
                i += 2;
                while (i + 1 < t.size() && t[i + 1] == '\'') ++i;
                st = in::code;
            }
            break;
        case in::code:
            if (c == '\n') {
                line_start = true;
                if (depth() == 0) after_eq = false;
                break;
            }
            if (c == ' ' || c == '\t' || c == '\r') break;
            if (c == '#') {
                st = in::comment;
            } else if (c == '"') {
                st = at(i, "\"\"\"") ? in::ml_basic : in::basic;
                if (st == in::ml_basic) i += 2;
            } else if (c == '\'') {
                st = at(i, "'''") ? in::ml_literal : in::literal;
                if (st == in::ml_literal) i += 2;
            } else if (line_start && depth() == 0 && c == '[') {
                std::size_t j = i + 1;
                if (j < t.size() && t[j] == '[') ++j;
                while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
                if (j < t.size() && !bare(t[j]) && t[j] != '"' && t[j] != '\'' && t[j] != ']') {
                    bad_line = line;
                    why = "a table header must start with a key ([name] or [[name]])";
                    return false;
                }
                i = j - 1;
            } else if (c == '=') {
                after_eq = true;
            } else if ((c == '[' || c == '{') && (depth() > 0 || after_eq)) {
                open += c;
            } else if ((c == ']' || c == '}') && depth() > 0) {
                if ((c == ']') != (open.back() == '[')) {
                    bad_line = line;
                    why = c == '}' ? "a `}` closes an array (`]` expected)"
                                   : "a `]` closes an inline table (`}` expected)";
                    return false;
                }
                open.pop_back();
                if (depth() == 0) after_eq = false;
            }
            line_start = false;
            break;
        }
    }
    return true;
}

// A string value as the user wrote it.
std::string text_of(const toml::node& n) { return unshelter(n.as_string()->get()); }

class reader {
public:
    reader(const std::string& path, std::string& err) : path_(path), err_(err) {}

    bool fail(const toml::source_region& at, const std::string& where, const std::string& why) {
        err_ = path_;
        if (at.begin.line) err_ += ":" + std::to_string(at.begin.line) + ":" + std::to_string(at.begin.column);
        err_ += ": ";
        if (!where.empty()) err_ += where + ": ";
        err_ += why;
        return false;
    }
    bool fail(const toml::node& at, const std::string& where, const std::string& why) {
        return fail(at.source(), where, why);
    }
    [[nodiscard]] const std::string& path() const { return path_; }

    /// The generic checks of one table against its rows of the schema. `where`
    /// names the table in messages ("platform", "vm0.guest", "platform.ram[1]").
    bool check(std::string_view section, const std::string& where, const toml::table& t) {
        const std::string prefix = where.empty() ? "" : where + ".";
        for (auto&& [k, v] : t) {
            const std::string_view key = k.str();
            const key_rule* r = find_rule(section, key);
            if (!r) return unknown(section, where, k);
            if (!r->camkes.empty() && key == r->camkes && t.get(r->key))
                return fail(k.source(), prefix + std::string(key),
                            "`" + std::string(r->camkes) + "` is the CAmkES spelling of `" + std::string(r->key) +
                                "`, which is given too: keep one");
            if (!check_value(*r, prefix + std::string(key), v)) return false;
        }
        for (const key_rule& r : schema)
            if (r.section == section && r.required && !t.get(r.key) && (r.camkes.empty() || !t.get(r.camkes)))
                return fail(t.source(), where,
                            "missing required key `" + std::string(r.key) + "`" +
                                (r.note.empty() ? "" : " (" + std::string(r.note) + ")"));
        return true;
    }

    /// The node of a key (or of its CAmkES alias); nullptr when absent.
    static const toml::node* get(const toml::table& t, std::string_view section, std::string_view key) {
        const key_rule* r = find_rule(section, key);
        if (const toml::node* n = t.get(key)) return n;
        return r && !r->camkes.empty() ? t.get(r->camkes) : nullptr;
    }
    /// An integer the schema checked, into its field. A schema range wider than the
    /// field is a bug in the schema (a new row), never a silent truncation.
    template <class T>
    static void u(const toml::table& t, std::string_view section, std::string_view key, T& out) {
        const toml::node* n = get(t, section, key);
        if (!n) return;
        const auto v = static_cast<std::uint64_t>(n->as_integer()->get());
        if (v > std::numeric_limits<T>::max()) {
            std::fprintf(stderr, "retype plan: internal error: the schema lets %.*s exceed its field\n",
                         static_cast<int>(key.size()), key.data());
            std::abort();
        }
        out = static_cast<T>(v);
    }
    static void b(const toml::table& t, std::string_view section, std::string_view key, bool& out) {
        if (const toml::node* n = get(t, section, key)) out = n->as_boolean()->get();
    }
    static void s(const toml::table& t, std::string_view section, std::string_view key, std::string& out) {
        if (const toml::node* n = get(t, section, key)) out = text_of(*n);
    }

private:
    bool unknown(std::string_view section, const std::string& where, const toml::key& k) {
        std::vector<std::string_view> keys;
        std::string list;
        for (const key_rule& r : schema) {
            if (r.section != section) continue;
            keys.push_back(r.key);
            if (!r.camkes.empty()) keys.push_back(r.camkes);
            list += (list.empty() ? "" : ", ") + std::string(r.key);
        }
        const std::string_view key = k.str();
        std::string_view near = nearest(key, keys);
        if (near.empty() && section == "component" && key.find("untyped") != std::string_view::npos &&
            key.find("pool") != std::string_view::npos)
            near = pool_pattern;
        const std::string table = where.empty() ? " at the top level" : "";
        return fail(k.source(), where,
                    "unknown key `" + std::string(key) + "`" + table +
                        (near.empty() ? " (valid keys: " + list + ")" : "; did you mean `" + std::string(near) + "`?"));
    }

    bool range(const key_rule& r, const std::string& where, const toml::node& n, std::uint64_t v, const char* what) {
        if (v >= r.min && v <= r.max) return true;
        std::string lim = r.max == any ? "at least " + num_text(r.min)
                          : r.min == 0 ? "at most " + num_text(r.max)
                                       : num_text(r.min) + " to " + num_text(r.max);
        return fail(n, where,
                    num_text(v) + what + " is out of range: " + lim +
                        (r.note.empty() ? "" : " (" + std::string(r.note) + ")"));
    }

    bool check_value(const key_rule& r, const std::string& where, const toml::node& n) {
        const auto expected = [&] {
            return fail(n, where, "expected " + std::string(type_name(r.type)) + ", got " + node_text(n));
        };
        switch (r.type) {
        case vt::integer: {
            if (!n.is_integer()) return expected();
            const std::int64_t v = n.as_integer()->get();
            if (v < 0)
                return fail(n, where, std::to_string(v) + " is negative: expected " + num_text(r.min) + " or more");
            return range(r, where, n, static_cast<std::uint64_t>(v), "");
        }
        case vt::boolean: return n.is_boolean() || expected();
        case vt::string: {
            if (!n.is_string()) return expected();
            // Strings are printed in reports and terminals: no control characters (an ESC
            // could drive the terminal, a newline would forge a report line).
            const std::string v = text_of(n);
            for (std::size_t i = 0; i < v.size(); ++i) {
                const auto c = static_cast<unsigned char>(v[i]);
                const bool c1 = c == 0xC2 && i + 1 < v.size() && static_cast<unsigned char>(v[i + 1]) < 0xA0;
                if (c < 0x20 || c == 0x7F || c1) {
                    char code[16];
                    std::snprintf(code, sizeof code, "U+%04X", c1 ? static_cast<unsigned char>(v[i + 1]) : c);
                    return fail(n, where,
                                std::string("a control character (") + code +
                                    ") in a string: strings are printable text");
                }
            }
            return range(r, where, n, v.size(), " bytes");
        }
        case vt::table: return n.is_table() || expected();
        case vt::tables:
        case vt::integers:
        case vt::strings:
        case vt::devices: {
            const toml::array* a = n.as_array();
            if (!a) return expected();
            for (const toml::node& e : *a) {
                const bool ok = r.type == vt::tables     ? e.is_table()
                                : r.type == vt::integers ? e.is_integer()
                                : r.type == vt::devices  ? e.is_integer() || e.is_table()
                                                         : e.is_string();
                if (!ok)
                    return fail(e, where, "expected " + std::string(type_name(r.type)) + ", found " + node_text(e));
                if (e.is_integer() && e.as_integer()->get() < 0)
                    return fail(e, where, std::to_string(e.as_integer()->get()) + " is negative");
            }
            return range(r, where, n, a->size(), " entries");
        }
        }
        return true;
    }

    const std::string& path_;
    std::string& err_;
};

// Does [base, base + size) end at or below `limit`? No overflow.
bool ends_below(std::uint64_t base, std::uint64_t size, std::uint64_t limit) {
    return base <= limit && size <= limit - base;
}

// "0x40000000:30": an untyped_mmios entry; the numbers are range-checked by the caller.
bool parse_mmio(std::string_view s, paddr_t& paddr, std::uint64_t& bits, std::string& why) {
    const auto colon = s.find(':');
    if (colon == std::string_view::npos) {
        why = "expected \"0xPADDR:SIZE_BITS\"";
        return false;
    }
    std::string_view a = s.substr(0, colon);
    const std::string_view b = s.substr(colon + 1);
    int base = 10;
    if (a.size() > 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
        a.remove_prefix(2);
        base = 16;
    }
    const auto r1 = std::from_chars(a.data(), a.data() + a.size(), paddr, base);
    if (r1.ec == std::errc::result_out_of_range) {
        why = "the address does not fit in 64 bits";
        return false;
    }
    if (a.empty() || r1.ec != std::errc{} || r1.ptr != a.data() + a.size()) {
        why = "the address is not a number (expected \"0xPADDR:SIZE_BITS\")";
        return false;
    }
    const auto r2 = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (b.empty() || r2.ptr != b.data() + b.size() ||
        (r2.ec != std::errc{} && r2.ec != std::errc::result_out_of_range)) {
        why = "the size bits are not a number (expected \"0xPADDR:SIZE_BITS\")";
        return false;
    }
    if (r2.ec == std::errc::result_out_of_range) bits = any;
    return true;
}

struct toml_reader {
    reader rd;
    bool allow_files;
    toml_extras* extras;

    bool image(const toml::table& p, std::string_view key, image& out, kernel::arch a, std::uint64_t* vaddr = nullptr) {
        const toml::node* n = p.get(key);
        if (!n) return true;
        const std::string section = "platform." + std::string(key);
        const toml::table& t = *n->as_table();
        if (!rd.check(section, section, t)) return false;
        reader::u(t, section, "paddr", out.paddr);
        reader::u(t, section, "size", out.size);
        if (vaddr) reader::u(t, section, "vaddr", *vaddr);
        if (!ends_below(out.paddr, out.size, paddr_limit(a)))
            return rd.fail(t, section,
                           "[" + hex(out.paddr) + " + " + hex(out.size) + ") ends past " + paddr_limit_text(a));
        return true;
    }

    bool platform_table(const toml::table& t, plan_system& sys) {
        platform& p = sys.plat;
        if (!rd.check("platform", "platform", t)) return false;
        std::string s;
        reader::s(t, "platform", "name", s);
        p.name = name_t(s);
        s.clear();
        reader::s(t, "platform", "arch", s);
        bool deprecated = false;
        if (!parse_planner_arch(s, p.kernel, &deprecated)) {
            constexpr std::string_view archs[] = {"x86_64", "aarch64", "aarch64_hyp", "riscv64", "aarch32", "arm_hyp"};
            const std::string_view near = nearest(s, archs);
            return rd.fail(*t.get("arch"), "platform.arch",
                           "unknown architecture `" + s + "`" +
                               (near.empty() ? "" : ", did you mean `" + std::string(near) + "`?") +
                               " (x86_64, aarch64, aarch64_hyp, riscv64, aarch32, arm_hyp)");
        }
        if (deprecated) { // read as before, with a note naming where
            const toml::source_position at = t.get("arch")->source().begin;
            std::fprintf(stderr, "%s:%u:%u: warning: platform.arch: `%s` is deprecated, write `%.*s`\n",
                         rd.path().c_str(), static_cast<unsigned>(at.line), static_cast<unsigned>(at.column), s.c_str(),
                         static_cast<int>(planner_arch_name(p.kernel).size()), planner_arch_name(p.kernel).data());
        }
        const kernel::arch a = p.kernel.target;
        const std::uint64_t limit = paddr_limit(a);
        reader::u(t, "platform", "root_cnode_bits", p.kernel.root_cnode_bits);
        reader::u(t, "platform", "max_bootinfo_untypeds", p.kernel.max_bootinfo_untypeds);
        reader::u(t, "platform", "fan_out_limit", p.kernel.fan_out_limit);
        reader::b(t, "platform", "mcs", p.kernel.mcs);
        reader::u(t, "platform", "device_top", p.kernel.device_top);
        reader::u(t, "platform", "kernel_boot_size", p.kernel_boot_size);
        // The 32-bit kernel window (seL4 physBase, seL4_UserTop): only aarch32 has them as settings.
        for (const char* k : {"phys_base", "user_top"})
            if (const toml::node* n = t.get(k); n && a != kernel::arch::aarch32)
                return rd.fail(*n, std::string("platform.") + k, "is for aarch32 and arm_hyp only");
        reader::u(t, "platform", "phys_base", p.kernel.phys_base);
        reader::u(t, "platform", "user_top", p.kernel.user_top);
        reader::u(t, "platform", "loader_max_objects", p.loader_max_objects);
        reader::b(t, "platform", "loader_debug", p.loader_debug);
        if (p.kernel.device_top > limit || p.kernel.device_top % 0x1000 != 0)
            return rd.fail(*t.get("device_top"), "platform.device_top",
                           hex(p.kernel.device_top) + " is not a 4 KiB aligned address at or below " +
                               paddr_limit_text(a));
        // Regions, with their nodes, for the memory map's checks.
        std::vector<const toml::node*> where;
        if (const toml::array* ram = t["ram"].as_array()) {
            std::size_t i = 0;
            for (const toml::node& n : *ram) {
                const std::string w = "platform.ram[" + std::to_string(i++) + "]";
                const toml::table& r = *n.as_table();
                if (!rd.check("platform.ram", w, r)) return false;
                range x{};
                reader::u(r, "platform.ram", "base", x.base);
                reader::u(r, "platform.ram", "size", x.size);
                p.add_ram(x.base, x.size); // the schema bounds the entries by the capacity
                where.push_back(&n);
            }
        }
        if (const toml::array* res = t["reserved"].as_array()) {
            std::size_t i = 0;
            for (const toml::node& n : *res) {
                const std::string w = "platform.reserved[" + std::to_string(i++) + "]";
                const toml::table& r = *n.as_table();
                if (!rd.check("platform.reserved", w, r)) return false;
                range x{};
                bool no_map = true;
                std::string nm;
                reader::u(r, "platform.reserved", "base", x.base);
                reader::u(r, "platform.reserved", "size", x.size);
                reader::b(r, "platform.reserved", "no_map", no_map);
                reader::s(r, "platform.reserved", "name", nm);
                p.add_reserved(x.base, x.size, no_map, name_t(nm));
                where.push_back(&n);
            }
        }
        memory_problem mp;
        if (!check_memory(p, mp)) {
            const auto name = [&](std::size_t k) {
                return k < p.n_ram ? "platform.ram[" + std::to_string(k) + "]"
                                   : "platform.reserved[" + std::to_string(k - p.n_ram) + "]";
            };
            const std::size_t at = mp.two ? mp.second : mp.first;
            std::string why = mp.what;
            if (mp.two)
                why += " (" + name(mp.first) + ", line " + std::to_string(where[mp.first]->source().begin.line) + ")";
            return rd.fail(*where[at], name(at), why);
        }
        sort_ram(p);
        if (const toml::array* kd = t["kernel_devices"].as_array()) {
            std::size_t i = 0;
            for (const toml::node& n : *kd) {
                // A frame address, or { base = ..., size = ... }: a device range (docs/boot-untypeds.md).
                const std::string w = "platform.kernel_devices[" + std::to_string(i++) + "]";
                range x{};
                if (const toml::table* r = n.as_table()) {
                    if (!rd.check("platform.kernel_devices", w, *r)) return false;
                    reader::u(*r, "platform.kernel_devices", "base", x.base);
                    reader::u(*r, "platform.kernel_devices", "size", x.size);
                } else {
                    x.base = static_cast<paddr_t>(n.as_integer()->get());
                }
                if (x.base % 0x1000 != 0 || !ends_below(x.base, x.size ? x.size : 0x1000, limit))
                    return rd.fail(n, w,
                                   hex(x.base) + " is not a 4 KiB aligned frame or range below " + paddr_limit_text(a));
                p.add_kernel_device(x.base, x.size);
            }
        }
        if (!image(t, "kernel_image", p.kernel_image, a) || !image(t, "dtb", p.dtb, a) ||
            !image(t, "rootserver", p.rootserver, a, &p.rootserver_vaddr) || !image(t, "elfloader", p.elfloader, a))
            return false;
        const toml::table* dtb_t = t["dtb"].as_table();
        const bool size_given = dtb_t && dtb_t->get("size");
        if (extras) extras->dtb_size_given = size_given;
        if (const toml::node* f = t.get("dtb_file")) {
            std::string dtb = text_of(*f);
            if (!allow_files) return rd.fail(*f, "platform.dtb_file", "files are not read here");
            // Relative to the TOML file.
            const auto slash = rd.path().rfind('/');
            if (dtb[0] != '/' && slash != std::string::npos) dtb = rd.path().substr(0, slash + 1) + dtb;
            std::string e;
            if (!read_dtb(dtb, p, size_given, e)) return rd.fail(*f, "platform.dtb_file", e);
        }
        return true;
    }

    bool guest_table(const toml::table& g, const std::string& w, const platform& plat, guest_config& gc) {
        const kernel::config& cfg = plat.kernel;
        if (!rd.check("component.guest", w, g)) return false;
        const std::uint64_t limit = paddr_limit(cfg.target);
        gc.present = true;
        reader::u(g, "component.guest", "ram_base", gc.ram_base);
        reader::u(g, "component.guest", "ram_size", gc.ram_size);
        if (!ends_below(gc.ram_base, gc.ram_size, limit))
            return rd.fail(*g.get("ram_size"), w + ".ram_size",
                           "guest RAM " + hex(gc.ram_base) + " + " + bytes_text(gc.ram_size) + " ends past " +
                               paddr_limit_text(cfg.target));
        reader::u(g, "component.guest", "page_bits", gc.page_bits);
        if (gc.page_bits != 12 && gc.page_bits != 21)
            return rd.fail(
                *g.get("page_bits"), w + ".page_bits",
                std::to_string(gc.page_bits) +
                    " is not a guest page size: 12 (4 KiB) or 21 (2 MiB), the frames the VMM maps guest RAM with");
        // Unset: camkes-vm's per-platform default (seL4VMParameters.template.c).
        gc.one_to_one = default_map_one_to_one(plat.name.view());
        reader::b(g, "component.guest", "one_to_one", gc.one_to_one);
        reader::u(g, "component.guest", "ram_paddr_base", gc.ram_paddr_base);
        if (g.get("ram_paddr_base") && !ends_below(gc.ram_paddr_base, gc.ram_size, limit))
            return rd.fail(*g.get("ram_paddr_base"), w + ".ram_paddr_base",
                           hex(gc.ram_paddr_base) + " + " + bytes_text(gc.ram_size) + " ends past " +
                               paddr_limit_text(cfg.target));
        reader::u(g, "component.guest", "vcpus", gc.vcpus);
        std::string policy;
        reader::s(g, "component.guest", "allocator", policy);
        if (policy == "retype_range") {
            gc.policy = allocator_policy::retype_range;
        } else if (policy.empty() || policy == "allocman_split") {
            gc.policy = allocator_policy::allocman_split;
        } else {
            constexpr std::string_view names[] = {"allocman_split", "retype_range"};
            const std::string_view near = nearest(policy, names);
            return rd.fail(*g.get("allocator"), w + ".allocator",
                           "unknown allocator `" + policy + "`" +
                               (near.empty() ? "" : ", did you mean `" + std::string(near) + "`?") +
                               " (\"allocman_split\" or \"retype_range\")");
        }
        if (const toml::array* a = g["images"].as_array()) {
            std::size_t i = 0;
            for (const toml::node& n : *a) {
                const std::string iw = w + ".images[" + std::to_string(i++) + "]";
                const toml::table& im = *n.as_table();
                if (!rd.check("component.guest.images", iw, im)) return false;
                std::string nm;
                range x{};
                reader::s(im, "component.guest.images", "name", nm);
                reader::u(im, "component.guest.images", "base", x.base);
                reader::u(im, "component.guest.images", "size", x.size);
                if (!ends_below(x.base, x.size, limit))
                    return rd.fail(n, iw,
                                   hex(x.base) + " + " + hex(x.size) + " ends past " + paddr_limit_text(cfg.target));
                gc.add_image(name_t(nm), x.base, x.size);
            }
        }
        return true;
    }

    bool component_table(const toml::table& t, std::size_t index, const platform& plat, component& c) {
        const kernel::config& cfg = plat.kernel;
        // Messages name the component as the fixes do ("vm0.guest.page_bits") once its name is known good.
        std::string w = "component[" + std::to_string(index) + "]";
        if (const toml::node* n = t.get("name");
            n && n->is_string() && !text_of(*n).empty() && text_of(*n).size() <= name_len)
            w = text_of(*n);
        if (!rd.check("component", w, t)) return false;
        std::string s;
        reader::s(t, "component", "name", s);
        c.name = name_t(s);
        const kernel::arch_traits tr = kernel::traits(cfg);
        const std::uint64_t limit = paddr_limit(cfg.target);
        reader::u(t, "component", "cnode_size_bits", c.cnode_size_bits);
        if (c.cnode_size_bits + tr.slot_bits > tr.max_untyped_bits)
            return rd.fail(*t.get("cnode_size_bits"), w + ".cnode_size_bits",
                           std::to_string(c.cnode_size_bits) + " makes a CNode of 2^" +
                               std::to_string(c.cnode_size_bits + tr.slot_bits) +
                               " bytes, larger than seL4_MaxUntypedBits (" + std::to_string(tr.max_untyped_bits) +
                               ") on " + std::string(kernel::name(cfg.target)));
        reader::u(t, "component", "allocator_mempool_size", c.mempool_size);
        reader::u(t, "component", "image_size", c.image_size);
        if (!ends_below(c.image_size, allocator_mempool(c), limit))
            return rd.fail(t, w,
                           "image_size + allocator_mempool_size (" + hex(c.image_size) + " + " + hex(c.mempool_size) +
                               ") is more memory than " + paddr_limit_text(cfg.target));
        reader::u(t, "component", "cap_slots_used", c.cap_slots_used);
        std::uint64_t pool_total = 0;
        for (auto&& [k, node] : t) {
            unsigned bits = 0;
            if (!pool_key(k.str(), &bits)) continue;
            const std::string kw = w + "." + std::string(k.str());
            if (bits < tr.min_untyped_bits || bits > tr.max_untyped_bits)
                return rd.fail(k.source(), kw,
                               "untyped size bits " + std::to_string(bits) + " are out of range: " +
                                   std::to_string(tr.min_untyped_bits) + " to " + std::to_string(tr.max_untyped_bits) +
                                   " (seL4_MinUntypedBits to seL4_MaxUntypedBits on " +
                                   std::string(kernel::name(cfg.target)) + ")");
            const auto count = static_cast<std::uint64_t>(node.as_integer()->get());
            if (count > (limit >> bits) || (pool_total += count << bits) > limit)
                return rd.fail(node, kw, "the pools hold more memory than " + paddr_limit_text(cfg.target));
            if (!c.add_pool(bits, static_cast<std::uint32_t>(count)))
                return rd.fail(k.source(), kw, "more than " + std::to_string(max_pools) + " simple_untyped pools");
        }
        if (const toml::array* a = t["untyped_mmios"].as_array()) {
            for (const toml::node& n : *a) {
                const std::string v = text_of(n);
                const std::string mw = w + ".untyped_mmios \"" + v + "\"";
                paddr_t paddr = 0;
                std::uint64_t bits = 0;
                std::string why;
                if (!parse_mmio(v, paddr, bits, why)) return rd.fail(n, mw, why);
                if (bits < tr.min_untyped_bits || bits > tr.max_untyped_bits)
                    return rd.fail(n, mw,
                                   "size bits " + (bits == any ? std::string("(too large)") : std::to_string(bits)) +
                                       " are out of range: " + std::to_string(tr.min_untyped_bits) + " to " +
                                       std::to_string(tr.max_untyped_bits) +
                                       " (seL4_MinUntypedBits to seL4_MaxUntypedBits on " +
                                       std::string(kernel::name(cfg.target)) + ")");
                if (!ends_below(paddr, std::uint64_t{1} << bits, limit))
                    return rd.fail(n, mw, "ends past " + paddr_limit_text(cfg.target));
                c.add_mmio(paddr, static_cast<unsigned>(bits));
            }
        }
        if (const toml::array* a = t["objects"].as_array()) {
            std::size_t i = 0;
            for (const toml::node& n : *a) {
                const std::string ow = w + ".objects[" + std::to_string(i++) + "]";
                const toml::table& o = *n.as_table();
                if (!rd.check("component.objects", ow, o)) return false;
                std::string type;
                std::uint64_t count = 0;
                std::uint64_t size_bits = 0;
                reader::s(o, "component.objects", "type", type);
                reader::u(o, "component.objects", "count", count);
                reader::u(o, "component.objects", "size_bits", size_bits);
                const auto ty = kernel::parse_object_type(type);
                if (!ty || !kernel::exists(cfg, *ty)) {
                    std::vector<std::string_view> names;
                    for (kernel::object_type x : kernel::all_object_types)
                        if (kernel::exists(cfg, x)) names.push_back(kernel::name(x));
                    const std::string_view near = nearest(type, names);
                    return rd.fail(*o.get("type"), ow + ".type",
                                   (ty ? "`" + type + "` objects do not exist on this kernel (" +
                                             std::string(kernel::name(cfg.target)) + (cfg.mcs ? ", MCS" : "") + ")"
                                       : "unknown object type `" + type + "`") +
                                       (near.empty() ? "" : "; did you mean `" + std::string(near) + "`?"));
                }
                const bool variable = kernel::is_variable_size(*ty);
                if (!variable && o.get("size_bits"))
                    return rd.fail(*o.get("size_bits"), ow + ".size_bits",
                                   "only untyped, cnode and sched_context objects have a size_bits; a " + type +
                                       " has a fixed size");
                if (variable) {
                    const std::uint64_t lo = *ty == kernel::object_type::cnode     ? 1
                                             : *ty == kernel::object_type::untyped ? tr.min_untyped_bits
                                                                                   : 7; // seL4_MinSchedContextBits
                    const std::uint64_t obits = kernel::object_bits(cfg, *ty, size_bits);
                    if (!o.get("size_bits")) return rd.fail(o, ow, "a " + type + " needs size_bits");
                    if (size_bits < lo || obits > tr.max_untyped_bits)
                        return rd.fail(*o.get("size_bits"), ow + ".size_bits",
                                       std::to_string(size_bits) + " is out of range for a " + type + " on " +
                                           std::string(kernel::name(cfg.target)) + ": " + std::to_string(lo) + " to " +
                                           std::to_string(tr.max_untyped_bits - (obits - size_bits)) +
                                           " (the kernel's retype checks)");
                }
                const std::uint64_t obits = kernel::object_bits(cfg, *ty, size_bits);
                if (count > (limit >> obits))
                    return rd.fail(*o.get("count"), ow + ".count",
                                   std::to_string(count) + " objects of 2^" + std::to_string(obits) +
                                       " bytes are more memory than " + paddr_limit_text(cfg.target));
                c.add_objects(*ty, static_cast<std::uint32_t>(count), static_cast<unsigned>(size_bits));
            }
        }
        if (const toml::array* a = t["mmios"].as_array()) {
            for (const toml::node& n : *a) {
                const std::string& v = n.as_string()->get();
                const std::string mw = w + ".mmios \"" + v + "\"";
                // "0xPADDR:0xSIZE:BITS": the last two fields read as an untyped_mmios entry would.
                const auto colon = v.find(':');
                paddr_t paddr = 0;
                std::uint64_t size = 0;
                std::uint64_t bits = 0;
                std::uint64_t ignored = 0;
                std::string why;
                if (colon == std::string::npos || !parse_mmio(v.substr(0, colon) + ":0", paddr, ignored, why) ||
                    !parse_mmio(v.substr(colon + 1), size, bits, why))
                    return rd.fail(n, mw, "expected \"0xPADDR:0xSIZE:BITS\"");
                if (!ends_below(paddr, size, limit)) return rd.fail(n, mw, "ends past " + paddr_limit_text(cfg.target));
                if (!c.add_frames(paddr, size, bits))
                    return rd.fail(n, mw,
                                   "bits must be 12, 20 or 21 (a frame or section), the size a non-zero multiple of "
                                   "2^bits and the address aligned to it");
            }
        }
        if (const toml::node* g = t.get("guest")) return guest_table(*g->as_table(), w + ".guest", plat, c.guest);
        return true;
    }

    bool document(const toml::table& root, plan_system& out, std::string& title) {
        if (!rd.check("", "", root)) return false;
        title = rd.path();
        reader::s(root, "", "name", title);
        if (!platform_table(*root.get("platform")->as_table(), out)) return false;
        if (const toml::array* a = root["component"].as_array()) {
            std::vector<const toml::node*> seen;
            std::size_t i = 0;
            for (const toml::node& n : *a) {
                const toml::table& c = *n.as_table();
                component* slot = out.add("");
                if (!component_table(c, i++, out.plat, *slot)) return false;
                for (const toml::node* o : seen) {
                    if (text_of(*o->as_table()->get("name")) == slot->name.view())
                        return rd.fail(*c.get("name"), std::string(slot->name.view()),
                                       "a second component with this name (the first is at line " +
                                           std::to_string(o->source().begin.line) + ")");
                }
                seen.push_back(&n);
            }
        }
        return true;
    }
};

} // namespace

bool read_toml_text(std::string_view text, const std::string& path, plan_system& out, std::string& title,
                    std::string& err, toml_extras* extras, bool allow_files) {
    std::string sheltered;
    std::size_t line = 0;
    if (!shelter(text, sheltered, line)) {
        err = path + ":" + std::to_string(line) +
              ": a private-use character of plane 15 (U+F0000 to U+FFFFF): not accepted in a description";
        return false;
    }
    if (const char* why = nullptr; !toml_safe_for_tomlpp(sheltered, line, why)) {
        err = path + ":" + std::to_string(line) + ": " + why;
        return false;
    }
    toml::parse_result parsed = toml::parse(sheltered, path);
    if (!parsed) {
        const auto& e = parsed.error();
        err = path + ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column) +
              ": " + unshelter(e.description());
        return false;
    }
    toml_extras local;
    toml_reader r{reader{path, err}, allow_files, extras ? extras : &local};
    const bool ok = r.document(parsed.table(), out, title);
    if (!ok) err = unshelter(err); // keys and values quoted in the message
    return ok;
}

bool read_toml(const std::string& path, plan_system& out, std::string& title, std::string& err, toml_extras* extras) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        err = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    std::string text;
    char buf[1 << 14];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) {
        text.append(buf, n);
        if (text.size() > (std::size_t{64} << 20)) break;
    }
    const bool bad = std::ferror(f) != 0;
    const int read_errno = errno;
    std::fclose(f);
    if (bad) {
        err = path + ": cannot read: " + std::strerror(read_errno);
        return false;
    }
    if (text.size() > (std::size_t{64} << 20)) {
        err = path + ": larger than 64 MiB: not a system description";
        return false;
    }
    return read_toml_text(text, path, out, title, err, extras);
}

} // namespace retype::cli
