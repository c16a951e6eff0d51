// The positive twin: the same options, valid, in two orders, name one type.
#include <retype/allocator.hpp>
using namespace retype;
constexpr kernel::config x86{.target = kernel::arch::x86_64};
#include <type_traits>
constexpr kernel::config a32{.target = kernel::arch::aarch32};
using A = allocator<backend::null_backend, target<x86>, split<buddy>, align_on::paddr, granule<30>>;
using B = allocator<backend::null_backend, granule<30>, align_on::paddr, split<buddy>, target<x86>>;
static_assert(std::is_same_v<A, B>);
using C = allocator<backend::null_backend, target<a32>, granule<16>, free_list<array>>;
static_assert(sizeof(A) > 0 && sizeof(C) > 0);
