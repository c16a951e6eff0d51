// The TU the linters read: the whole public API, with the class templates
// instantiated so clang-tidy and cppcheck see their member bodies in use.
#include <retype/retype.hpp>

namespace lint {
inline constexpr retype::kernel::config x86{.target = retype::kernel::arch::x86_64};
using model = retype::backend::model<64, 256>;
template <class... Options>
using opts = retype::canonical_options<retype::target<x86>, Options...>;
inline constexpr retype::banks::limits two_banks{.max_banks = 2, .granule_bits = 21, .max_size_bits = 30};
} // namespace lint

template class retype::kernel::machine<16>;
template class retype::backend::model<64, 256>;
template class retype::backend::counting<lint::model>;
// Every split strategy, and both free-list models.
template class retype::basic_allocator<lint::model, lint::opts<retype::split<retype::watermark>>>;
template class retype::basic_allocator<lint::model,
                                       lint::opts<retype::split<retype::buddy>, retype::free_list<retype::array>>>;
template class retype::basic_allocator<lint::model,
                                       lint::opts<retype::split<retype::buddy>, retype::free_list<retype::intrusive>>>;
template class retype::basic_allocator<lint::model,
                                       lint::opts<retype::split<retype::binary_search>, retype::align_on::paddr>>;
// The contiguous allocator with both metadata placements.
template class retype::banks::contiguous_allocator<lint::two_banks, retype::policy::split_ends<27>,
                                                   retype::policy::out_of_band<64>>;
