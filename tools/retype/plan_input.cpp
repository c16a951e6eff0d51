// `retype plan`: the checks both description readers (TOML, DTB) share: the
// architecture's physical address width and the memory map as a whole.
#include "plan_io.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <utility>

namespace retype::cli {

std::uint64_t paddr_limit(kernel::arch a) noexcept {
    switch (a) {
    case kernel::arch::x86_64: return std::uint64_t{1} << 52;      // MAXPHYADDR is at most 52
    case kernel::arch::aarch64:                                    // ID_AA64MMFR0_EL1.PARange: 48 bits
    case kernel::arch::aarch64_hyp: return std::uint64_t{1} << 48; // without FEAT_LPA
    case kernel::arch::riscv64: return std::uint64_t{1} << 56;     // Sv39 PTEs hold a 44-bit PPN
    case kernel::arch::aarch32: return std::uint64_t{1} << 40;     // LPAE
    }
    return 0;
}

std::string paddr_limit_text(kernel::arch a) {
    unsigned bits = 0;
    while (bits < 64 && (std::uint64_t{1} << bits) != paddr_limit(a)) ++bits;
    return "2^" + std::to_string(bits) + " (" + std::string(kernel::name(a)) + " has " + std::to_string(bits) +
           "-bit physical addresses)";
}

namespace {

std::string span_text(std::uint64_t base, std::uint64_t size) {
    char buf[64];
    // An end past 2^64 is written as base + size: it cannot be shown as an address.
    if (size > ~std::uint64_t{0} - base)
        std::snprintf(buf, sizeof buf, "0x%" PRIx64 " + 0x%" PRIx64, base, size);
    else
        std::snprintf(buf, sizeof buf, "[0x%" PRIx64 ", 0x%" PRIx64 ")", base, base + size);
    return buf;
}

// Does [base, base + size) end at or below `limit`? No overflow.
bool ends_below(std::uint64_t base, std::uint64_t size, std::uint64_t limit) {
    return base <= limit && size <= limit - base;
}

bool overlap(const plan::range& a, const plan::range& b) {
    return a.size != 0 && b.size != 0 && a.base < b.base + b.size && b.base < a.base + a.size;
}

} // namespace

bool check_memory(const plan::platform& p, memory_problem& out) {
    const std::uint64_t limit = paddr_limit(p.kernel.target);
    const auto fail = [&](std::size_t a, std::string what) {
        out = memory_problem{a, 0, false, std::move(what)};
        return false;
    };
    const auto fail2 = [&](std::size_t a, std::size_t b, std::string what) {
        out = memory_problem{a, b, true, std::move(what)};
        return false;
    };
    constexpr std::uint64_t page = 0x1000;
    for (std::size_t i = 0; i < p.n_ram; ++i) {
        const plan::range& r = p.ram[i];
        if (r.size == 0) return fail(i, "RAM region at " + hex(r.base) + " has size 0");
        if (!ends_below(r.base, r.size, limit))
            return fail(i, "RAM " + span_text(r.base, r.size) + " ends past " + paddr_limit_text(p.kernel.target));
        // x86_64 takes RAM from the multiboot memory map, whose entries need not
        // be page aligned: the kernel rounds each one inward (parse_mem_map).
        if (p.kernel.target != kernel::arch::x86_64 && (r.base % page != 0 || r.size % page != 0))
            return fail(i, "RAM " + span_text(r.base, r.size) +
                               " is not 4 KiB aligned (base and size must be multiples of 0x1000)");
        for (std::size_t j = 0; j < i; ++j)
            if (overlap(p.ram[j], r))
                return fail2(j, i,
                             "RAM " + span_text(r.base, r.size) + " overlaps RAM " +
                                 span_text(p.ram[j].base, p.ram[j].size));
    }
    for (std::size_t i = 0; i < p.n_reserved; ++i) {
        const plan::range& r = p.reserved[i].where;
        const std::size_t at = p.n_ram + i;
        if (r.size == 0) return fail(at, "reserved region at " + hex(r.base) + " has size 0");
        if (!ends_below(r.base, r.size, limit))
            return fail(at,
                        "reserved " + span_text(r.base, r.size) + " ends past " + paddr_limit_text(p.kernel.target));
        // Inside RAM: the RAM regions are disjoint, so the bytes they share with r add up to r's size.
        std::uint64_t inside = 0;
        for (std::size_t j = 0; j < p.n_ram; ++j) {
            const plan::range& m = p.ram[j];
            const std::uint64_t lo = std::max(m.base, r.base);
            const std::uint64_t hi = std::min(m.base + m.size, r.base + r.size);
            if (lo < hi) inside += hi - lo;
        }
        if (inside != r.size)
            return fail(at, "reserved " + span_text(r.base, r.size) +
                                (inside == 0 ? " lies outside RAM" : " is not wholly inside RAM") +
                                " (reserved-memory only takes memory out of RAM)");
        for (std::size_t j = 0; j < i; ++j)
            if (overlap(p.reserved[j].where, r))
                return fail2(p.n_ram + j, at,
                             "reserved " + span_text(r.base, r.size) + " overlaps reserved " +
                                 span_text(p.reserved[j].where.base, p.reserved[j].where.size));
    }
    return true;
}

void sort_ram(plan::platform& p) noexcept {
    for (std::size_t i = 1; i < p.n_ram; ++i)
        for (std::size_t j = i; j > 0 && p.ram[j].base < p.ram[j - 1].base; --j) std::swap(p.ram[j], p.ram[j - 1]);
}

std::string valid_utf8(std::string_view s, bool xml) {
    static constexpr char replacement[] = "\xEF\xBF\xBD"; // U+FFFD
    std::string o;
    o.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            n = 1;
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07;
        }
        bool ok = n != 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            ok = (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates, past U+10FFFF, and (for XML and terminals) the C0 controls XML 1.0
        // forbids, DEL and the C1 controls.
        static constexpr std::uint32_t min_for[] = {0, 0, 0x80, 0x800, 0x10000};
        ok = ok && cp >= min_for[n] && !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF &&
             !(xml && cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') && !(xml && cp >= 0x7F && cp <= 0x9F) &&
             cp != 0xFFFE && cp != 0xFFFF;
        if (ok) {
            o.append(s.substr(i, n));
            i += n;
        } else {
            o += replacement;
            ++i;
        }
    }
    return o;
}

} // namespace retype::cli
