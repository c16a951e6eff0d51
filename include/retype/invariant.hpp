// retype: RETYPE_INVARIANT, for what a component's own checks already
// guarantee. A public member's precondition is a contract with its caller and
// stays an always-on GSL Expects. An invariant of retype's internals (a free
// list's front is the block the allocator just looked up; a record table has
// the free record the request's check found) is re-stated by
// RETYPE_INVARIANT: checked as Expects when RETYPE_CHECK_INVARIANTS is 1, the
// default unless NDEBUG is defined, so every test, sanitizer and fuzz build
// checks them; compiled out otherwise, as Boost.Intrusive's invariant asserts
// are. On the fast path they cost about 10 instructions per allocate/free pair
// (docs/benchmarks.md, "Reading the results").
#pragma once

#include <gsl/assert>

#if !defined(RETYPE_CHECK_INVARIANTS)
#if defined(NDEBUG)
#define RETYPE_CHECK_INVARIANTS 0
#else
#define RETYPE_CHECK_INVARIANTS 1
#endif
#endif

#if RETYPE_CHECK_INVARIANTS
#define RETYPE_INVARIANT(cond) Expects(cond)
#else
// Unevaluated, so the condition still compiles (and names stay used) when off.
#define RETYPE_INVARIANT(cond) static_cast<void>(sizeof(static_cast<bool>(cond)))
#endif
