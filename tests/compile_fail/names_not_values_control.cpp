// The control of names_not_values: a template that takes a kernel::config by
// value and fails, so the compiler prints the value. check_names.cmake requires
// `config{` in this output: its detector sees a dump when there is one, with
// this compiler.
#include <retype/kernel/configs.hpp>

template <retype::kernel::config V>
struct by_value {
    static_assert(V.fan_out_limit == 0, "names_not_values_control: fails on purpose");
};
template struct by_value<retype::kernel::configs::x86_64>;
