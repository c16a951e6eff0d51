// retype: the binary_search strategy: halving without merges (util_libs'
// utspace_split; policy/split/halving.hpp). A free costs one revoke and no
// walk; memory returns whole only by reset().
#pragma once

#include <retype/policy/split/halving.hpp>

namespace retype::strategy {

class binary_search : public halving<false> {};

} // namespace retype::strategy
