// retype: the whole public API in one include. Each header also stands alone;
// include only the ones you use to keep builds fast.
#pragma once

#include <retype/error.hpp>
#include <retype/result.hpp>

#include <retype/kernel/arch.hpp>
#include <retype/kernel/machine.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/kernel/untyped.hpp>

#include <retype/backend/concept.hpp>
