// `retype plan`: reading descriptions (TOML, DTB) and writing reports (text, JSON, SVG).
#pragma once

#include <retype/plan/planner.hpp>

#include <cstdio>
#include <string>

namespace retype::cli {

using plan_system = plan::system<64>;
inline constexpr std::size_t plan_capacity = 8192; // kernel-model nodes for one planning run

/// A system with the name it was given, and the report about it.
struct named_plan {
    std::string title;
    plan_system sys{};
    plan::report rep{};
};

/// Reads a TOML description. On failure returns false and sets `err`.
bool read_toml(const std::string& path, plan_system& out, std::string& title, std::string& err);
/// Replaces the platform's RAM and reserved regions with a DTB's /memory and /reserved-memory.
bool read_dtb(const std::string& path, plan::platform& out, std::string& err);

void write_text(std::FILE* out, const named_plan& p);
std::string to_json(const named_plan* plans, std::size_t n);
std::string to_svg(const named_plan* plans, std::size_t n);

/// "vm0.cnode_size_bits 23 -> 21" and friends, shared by the text and JSON forms.
std::string setting_name(const plan_system& sys, const plan::fix& f);
std::string fix_text(const plan_system& sys, const plan::fix& f);
std::string finding_text(const plan_system& sys, const plan::stage_report& st);
std::string warning_text(const plan_system& sys, const plan::warning& w);
std::string bytes_text(std::uint64_t b);

} // namespace retype::cli
