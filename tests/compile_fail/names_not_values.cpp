// Diagnostics about an allocator name its options, never print a configuration
// value (check_names.cmake fails the test on any `config{` in the compiler's
// output, and passes only when the errors below name `target<x86>`). Every
// allocator here is wrong in its own way, so the compiler reports each:
// a granule that is no page size of x86_64 (the class's static_assert, under
// "In instantiation of basic_allocator<..., allocator_options<target<x86>, ...>>"),
// two split<> options (canonicalise's static_assert), a contradictory target
// (target<>'s), and a bad call to a member function (its "[with ...]" note).
// The output must contain each EXPECT-IN-OUTPUT text (g++ and clang++ print
// type names alike):
// EXPECT-IN-OUTPUT: retype: granule<bits> is not a page size of the target architecture
// EXPECT-IN-OUTPUT: retype::allocator_options<retype::target<x86>, retype::split<retype::strategy::buddy>,
// EXPECT-IN-OUTPUT: retype::align<retype::alignment::pptr>, retype::granule<16>, retype::max_untypeds<64>,
// EXPECT-IN-OUTPUT: retype: conflicting allocator options split<...> (axis: split)
// EXPECT-IN-OUTPUT: target<hyp_on_aarch64>
// EXPECT-IN-OUTPUT: hyp_on_aarch64_use_arch_aarch64_hyp
#include <retype/allocator.hpp>

using namespace retype;
inline constexpr kernel::config x86{.target = kernel::arch::x86_64};
inline constexpr kernel::config hyp_on_aarch64{.target = kernel::arch::aarch64, .hyp = true};

using wrong_granule = allocator<backend::null_backend, target<x86>, granule<16>>;
static_assert(sizeof(wrong_granule) > 0);

using two_splits = allocator<backend::null_backend, target<x86>, split<buddy>, split<watermark>>;
static_assert(sizeof(two_splits) > 0);

using contradictory = allocator<backend::null_backend, target<hyp_on_aarch64>>;
static_assert(sizeof(contradictory) > 0);

inline result<allocation> misread(allocator<backend::null_backend, target<x86>, granule<21>>& a) {
    return a.allocate(kernel::object_type::tcb, "one"); // a string where size_bits goes
}
