// retype: the backend concept. A backend carries out the kernel operations an
// allocator decides on: the kernel model (tests, planning), a recorder (replay
// traces), real seL4 through libsel4. Allocators are written against this concept
// only, so the same allocator type runs in a root task and in a unit test.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/result.hpp>

#include <concepts>
#include <cstdint>

namespace retype::backend {

/// A slot in the allocator's CSpace window: the index the allocator manages. A
/// backend maps it to whatever it needs (a CPtr, a model object, a trace name).
using slot_t = std::uint64_t;

/// The arguments of one seL4_Untyped_Retype, in slot terms.
struct retype_call {
    slot_t untyped = 0; // the untyped to retype
    kernel::object_type type = kernel::object_type::untyped;
    std::uint64_t size_bits = 0; // seL4's size_bits (untyped size, CNode radix)
    slot_t dest = 0;             // first destination slot; objects go to dest .. dest+count-1
    std::uint64_t count = 1;
};

/// What the backend learnt from a retype. A backend that can tell where the
/// kernel put object 0 (the model can; seL4 can for frames via *_Page_GetAddress)
/// says so; the allocator compares it with its prediction.
struct retype_report {
    bool paddr_known = false;
    kernel::paddr_t paddr = 0;
};

/// Requirements (every operation: on failure, the backend's state is unchanged):
/// - declare_untyped(s, paddr, size_bits, device): an initial untyped from
///   bootinfo now lives in slot s.
/// - untyped_retype(call): corresponds to seL4_Untyped_Retype.
/// - cnode_delete(s): corresponds to seL4_CNode_Delete on slot s.
/// - cnode_revoke(s): corresponds to seL4_CNode_Revoke on slot s.
template <class B>
concept backend = requires(B& b, slot_t s, kernel::paddr_t p, std::uint64_t bits, bool device,
                           const retype_call& call) {
    { b.declare_untyped(s, p, bits, device) } -> std::same_as<result<void>>;
    { b.untyped_retype(call) } -> std::same_as<result<retype_report>>;
    { b.cnode_delete(s) } -> std::same_as<result<void>>;
    { b.cnode_revoke(s) } -> std::same_as<result<void>>;
};

/// The backend that does nothing and always succeeds: the allocator's own cost
/// alone (benchmarks), or planning where only the allocator's prediction matters.
struct null_backend {
    constexpr result<void> declare_untyped(slot_t, kernel::paddr_t, std::uint64_t, bool) noexcept { return {}; }
    constexpr result<retype_report> untyped_retype(const retype_call&) noexcept { return retype_report{}; }
    constexpr result<void> cnode_delete(slot_t) noexcept { return {}; }
    constexpr result<void> cnode_revoke(slot_t) noexcept { return {}; }
};
static_assert(backend<null_backend>);

} // namespace retype::backend
