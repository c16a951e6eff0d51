// The TU the linters read: the whole public API, with the class templates
// instantiated so clang-tidy and cppcheck see their member bodies in use.
#include <retype/retype.hpp>

template class retype::kernel::machine<16>;
