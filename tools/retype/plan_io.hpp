// `retype plan`: reading descriptions (TOML, DTB) and writing reports (text, JSON, SVG).
// Every value is checked where it is read (docs/planner.md, "Input errors"):
// a description that reaches the planner is one the planner can take.
#pragma once

#include <retype/plan/planner.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace retype::cli {

using plan_system = plan::system<64>;
inline constexpr std::size_t plan_capacity = 8192; // kernel-model nodes for one planning run

/// A system with the name it was given, and the report about it.
struct named_plan {
    std::string title;
    plan_system sys{};
    plan::report rep{};
};

/// What the TOML reader learnt besides the system.
struct toml_extras {
    bool dtb_size_given = false; // platform.dtb.size was written (it then wins over a DTB file's size)
};

/// Reads a TOML description. On failure returns false and sets `err` to
/// "FILE:LINE:COLUMN: key: what is wrong".
bool read_toml(const std::string& path, plan_system& out, std::string& title, std::string& err,
               toml_extras* extras = nullptr);
/// The same from text; `path` names it in messages and anchors a relative dtb_file.
/// Without `allow_files`, a dtb_file is an error (the fuzz target reads no files).
bool read_toml_text(std::string_view text, const std::string& path, plan_system& out, std::string& title,
                    std::string& err, toml_extras* extras = nullptr, bool allow_files = true);

/// Replaces the platform's RAM and reserved regions with a DTB's /memory and
/// /reserved-memory and, unless `size_given` (dtb.size was written in the
/// description), sets the DTB image's size to the blob's totalsize: what the
/// ELF loader copies. Leaves `out` unchanged on failure.
bool read_dtb(const std::string& path, plan::platform& out, bool size_given, std::string& err);
bool read_dtb_blob(const void* data, std::size_t size, const std::string& path, plan::platform& out, bool size_given,
                   std::string& err);

/// The largest physical address + 1 the architecture can have (its physical
/// address width): no RAM, device or guest range may end past it.
std::uint64_t paddr_limit(kernel::arch a) noexcept;
/// "2^48 (aarch64's 48-bit physical addresses)".
std::string paddr_limit_text(kernel::arch a);

/// A platform's memory map checked as a whole (both readers use it). On a
/// problem returns false; `first`/`second` index the regions involved (RAM
/// regions 0..n_ram-1, reserved ones from n_ram on) so that each reader can say
/// where they were written.
struct memory_problem {
    std::size_t first = 0, second = 0;
    bool two = false; // `second` is meaningful
    std::string what;
};
bool check_memory(const plan::platform& p, memory_problem& out);
/// Sorts RAM by address, as the kernel's build expects.
void sort_ram(plan::platform& p) noexcept;

/// Text made valid UTF-8: every invalid byte becomes U+FFFD, and so (for XML
/// and terminals) do the control characters other than tab and newlines.
std::string valid_utf8(std::string_view s, bool xml = true);

void write_text(std::FILE* out, const named_plan& p);
std::string to_json(const named_plan* plans, std::size_t n);
std::string to_svg(const named_plan* plans, std::size_t n);

/// "vm0.cnode_size_bits 23 -> 21" and friends, shared by the text and JSON forms.
std::string setting_name(const plan_system& sys, const plan::fix& f);
std::string fix_text(const plan_system& sys, const plan::fix& f);
std::string finding_text(const plan_system& sys, const plan::stage_report& st);
std::string warning_text(const plan_system& sys, const plan::warning& w);
std::string bytes_text(std::uint64_t b);
std::string hex(std::uint64_t v);

} // namespace retype::cli
