// retype: the planner at compile time. `static_assert(retype::plan::check<sys>())`
// on a constexpr system fails to compile when a stage fails, and the compiler's
// message names the stage, the problem, the component (index and name) and the
// numbers, because they are the template arguments of plan_stage_fails:
//
//   error: static assertion failed: retype::plan: a stage fails ...
//   required from 'struct retype::plan::plan_stage_fails<retype::plan::stage::vmm,
//       retype::plan::problem::mempool_too_small, 0, name_t{"vm0"}, 135533456, 83886080>'
#pragma once

#include <retype/plan/description.hpp>
#include <retype/plan/diagnostic.hpp>
#include <retype/plan/planner.hpp>

#include <cstdint>

namespace retype::plan {

/// Instantiated only for a failing plan; its arguments are the diagnosis:
/// stage, problem, component index and name, bytes (or slots) needed and available.
template <stage Stage, problem Problem, std::uint16_t ComponentIndex, name_t Component, std::uint64_t Needed,
          std::uint64_t Available>
struct plan_stage_fails {
    static_assert(Stage == stage::none, "retype::plan: a stage fails; the template arguments of plan_stage_fails are "
                                        "<stage, problem, component index, component name, needed, available>");
    static constexpr bool value = false;
};

namespace detail {
template <stage Stage, problem Problem, std::uint16_t Index, name_t Component, std::uint64_t Needed,
          std::uint64_t Available>
constexpr bool verdict() noexcept {
    if constexpr (Stage == stage::none)
        return true;
    else
        return plan_stage_fails<Stage, Problem, Index, Component, Needed, Available>::value;
}

/// The first failure of a plan (all five stages, no fix search), as plain values for template arguments.
struct first_failure_t {
    stage s = stage::none;
    problem p = problem::none;
    std::uint16_t index = no_component;
    name_t component{};
    std::uint64_t needed = 0;
    std::uint64_t available = 0;
};

template <std::size_t Capacity, std::size_t N>
constexpr first_failure_t first_failure_of(const system<N>& sys) noexcept {
    const report r = run_stages<Capacity>(sys);
    for (const stage_report& f : r.stages) {
        if (f.state != status::failed) continue;
        first_failure_t out{f.id, f.cause.what, f.cause.component, {}, f.cause.needed, f.cause.available};
        if (f.cause.component < sys.n_components) out.component = sys.components[f.cause.component].name;
        return out;
    }
    return {};
}
} // namespace detail

/// True when every stage passes; otherwise a compile error naming the failure.
/// Runs the stages only (no fix search), with a kernel model sized for the system.
template <const auto& Sys>
constexpr bool check() noexcept {
    constexpr std::size_t capacity = model_nodes(Sys);
    constexpr detail::first_failure_t f = detail::first_failure_of<capacity>(Sys);
    return detail::verdict<f.s, f.p, f.index, f.component, f.needed, f.available>();
}

} // namespace retype::plan
