// The positive twin of every compile-fail test: the same options, valid, in two
// orders, name one type; every spelling of one option names the same type.
#include <retype/allocator.hpp>

#include <type_traits>

using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
constexpr kernel::config a32{.target = kernel::arch::aarch32};
using A = allocator<backend::null_backend, target<x86>, split<buddy>, align_on::paddr, granule<30>>;
using B = allocator<backend::null_backend, granule<30>, align_on::paddr, split<buddy>, target<x86>>;
static_assert(std::is_same_v<A, B>);
using C = allocator<backend::null_backend, target<a32>, granule<16>, free_list<array>>;
static_assert(sizeof(A) > 0 && sizeof(C) > 0);
// One option per axis (twin of duplicate_option, conflicting_*, duplicate_capacity).
using D = allocator<backend::null_backend, target<x86>, split<strategy::watermark>, max_slots<64>>;
static_assert(sizeof(D) > 0);
// The smallest capacities compile (twin of max_slot_ranges_zero, max_reservations_zero).
using F = allocator<backend::null_backend, target<x86>, max_slot_ranges<1>, max_reservations<1>>;
static_assert(F::config.max_slot_ranges == 1 && F::config.max_reservations == 1 && sizeof(F) > 0);
// The namespaced spellings are the short ones (twin of not_a_strategy, not_an_alignment_source, bad_free_list).
static_assert(std::is_same_v<A, allocator<backend::null_backend, target<x86>, split<strategy::buddy>,
                                          align<alignment::paddr>, granule<30>>>);
static_assert(
    std::is_same_v<C, allocator<backend::null_backend, target<a32>, granule<16>, free_list<free_lists::array>>>);
// Defaults spelled out are the defaults.
static_assert(std::is_same_v<allocator<backend::null_backend, target<x86>>,
                             allocator<backend::null_backend, target<x86>, split<buddy>, align_on::pptr,
                                       free_list<free_lists::array>, granule<12>>>);
// A strategy that models split_strategy_for (twin of strategy_without_plan):
// watermark under another name.
struct my_watermark : strategy::watermark {
    static constexpr split_kind value = split_kind::custom;
};
using E = allocator<backend::null_backend, target<x86>, split<my_watermark>>;
static_assert(std::is_same_v<E::strategy_type, my_watermark>);
// The canonical form: one option per axis in a fixed order, the defaults filled in.
static_assert(
    std::is_same_v<
        allocator<backend::null_backend, max_slots<64>, target<x86>>,
        basic_allocator<backend::null_backend,
                        allocator_options<target<x86>, split<strategy::buddy>, align<alignment::pptr>, granule<12>,
                                          max_untypeds<64>, max_slots<64>, max_allocations<0>, max_slot_ranges<16>,
                                          max_reservations<8>, free_list<free_lists::array>>>>);
static_assert(allocator<backend::null_backend, target<x86>, max_slots<64>>::config.max_slots == 64);
// target<> names an object (twin of missing_target): each named configuration
// is one, and a reference to one names the same target.
inline constexpr const kernel::config& also_x86 = kernel::configs::x86_64;
static_assert(std::is_same_v<allocator<backend::null_backend, target<also_x86>>,
                             allocator<backend::null_backend, target<kernel::configs::x86_64>>>);
static_assert(sizeof(allocator<backend::null_backend, target<kernel::configs::aarch64>>) > 0 &&
              sizeof(allocator<backend::null_backend, target<kernel::configs::aarch64_hyp>>) > 0 &&
              sizeof(allocator<backend::null_backend, target<kernel::configs::riscv64>>) > 0 &&
              sizeof(allocator<backend::null_backend, target<kernel::configs::aarch32>, granule<16>>) > 0);
// Two objects of equal value are two targets (docs/allocators.md says so).
static_assert(
    x86 == kernel::configs::x86_64 &&
    !std::is_same_v<allocator<backend::null_backend, target<x86>>, allocator<backend::null_backend, target<also_x86>>>);
