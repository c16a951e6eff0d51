// retype: the buddy strategy: halving with merges (policy/split/halving.hpp).
// A freed block merges with its free buddy by revoking their parent, so memory
// returns whole as soon as everything in it is freed.
#pragma once

#include <retype/policy/split/halving.hpp>

namespace retype::strategy {

class buddy : public halving<true> {};

} // namespace retype::strategy
