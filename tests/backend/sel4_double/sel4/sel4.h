// TEST DOUBLE of libsel4, for tests/backend only: the types, constants and
// functions the libsel4 backend uses, with libsel4's names and signatures
// (x86_64), implemented on retype's kernel model. Errors and placements come
// from kernel::machine; the CSpace is one root CNode of 2^12 slots at
// seL4_CapInitThreadCNode, resolved at depth seL4_WordBits (guard 52 bits).
//
// Where the double departs from the kernel (each is outside what the backend
// sends when its window is configured right):
// - a service CPtr that does not resolve is a cap fault in the kernel; the
//   double returns seL4_FailedLookup;
// - the destination lookup (checks 8, 9) runs before the type and size checks
//   (3 to 7), not after;
// - deleting an untyped that still has children is refused with
//   seL4_RevokeFirst (the model keeps no orphaned children); the kernel deletes;
// - every object has one capability: no copies, so revoking a non-untyped
//   or an empty slot does nothing.
#pragma once

#include <retype/kernel/machine.hpp>

#include <array>
#include <cstdint>
#include <optional>

#define CONFIG_ARCH_X86 1
#define CONFIG_ARCH_X86_64 1
#define CONFIG_WORD_SIZE 64

typedef std::uint64_t seL4_Word;
typedef seL4_Word seL4_CPtr;
typedef seL4_CPtr seL4_Untyped;
typedef seL4_CPtr seL4_CNode;
typedef seL4_CPtr seL4_X86_Page;
typedef std::uint8_t seL4_Uint8;

typedef enum {
    seL4_NoError = 0,
    seL4_InvalidArgument,
    seL4_InvalidCapability,
    seL4_IllegalOperation,
    seL4_RangeError,
    seL4_AlignmentError,
    seL4_FailedLookup,
    seL4_TruncatedMessage,
    seL4_DeleteFirst,
    seL4_RevokeFirst,
    seL4_NotEnoughMemory,
    seL4_NumErrors
} seL4_Error;

enum { seL4_CapInitThreadCNode = 2 };
#define seL4_WordBits (sizeof(seL4_Word) * 8)

typedef struct {
    int error;
    seL4_Word paddr;
} seL4_X86_Page_GetAddress_t;

namespace sel4_double {

inline constexpr unsigned cnode_radix = 12;
inline constexpr std::size_t cnode_slots = std::size_t{1} << cnode_radix;
inline constexpr std::size_t model_nodes = 512;

struct cap {
    bool present = false;
    bool root_cnode = false; // the CSpace root itself (not a model object)
    retype::kernel::object_ref obj{};
    retype::kernel::object_type type = retype::kernel::object_type::untyped;
    friend bool operator==(const cap&, const cap&) = default;
};

/// The arguments of the last seL4_Untyped_Retype, as the double received them.
struct retype_args_seen {
    seL4_Word service = 0, type = 0, size_bits = 0, root = 0, node_index = 0, node_depth = 0, node_offset = 0,
              num_objects = 0;
    friend bool operator==(const retype_args_seen&, const retype_args_seen&) = default;
};

struct kernel_state {
    explicit kernel_state(const retype::kernel::config& c) : machine(c) {
        cnode[seL4_CapInitThreadCNode] = cap{true, true, {}, retype::kernel::object_type::cnode};
    }
    /// An initial untyped in `slot`, as the kernel hands it over at boot.
    bool boot_untyped(seL4_CPtr slot, retype::kernel::paddr_t paddr, unsigned size_bits, bool device) {
        if (slot >= cnode_slots || cnode[slot].present) return false;
        auto r = machine.add_untyped(paddr, size_bits, device);
        if (!r) return false;
        cnode[slot] = cap{true, false, *r, retype::kernel::object_type::untyped};
        return true;
    }

    retype::kernel::machine<model_nodes> machine;
    std::array<cap, cnode_slots> cnode{};
    std::array<seL4_Word, 4> mr{};
    retype_args_seen last_retype{};
    unsigned calls = 0;     // system calls made
    unsigned anomalies = 0; // answers of the model the double cannot turn into an seL4_Error (test bug)
};

/// The kernel the free functions act on; a test sets it and clears it.
inline kernel_state* current = nullptr;

inline kernel_state& k() {
    Expects(current != nullptr);
    return *current;
}

/// Resolves a CPtr at `depth` bits in the root CNode: only depth seL4_WordBits
/// reaches a slot, because the root CNode's guard takes the other 52 bits.
inline seL4_Error resolve(seL4_Word cptr, seL4_Word depth, cap*& out) {
    if (depth < 1 || depth > seL4_WordBits) {
        k().mr[0] = 1;
        k().mr[1] = seL4_WordBits;
        return seL4_RangeError;
    }
    if (depth != seL4_WordBits || cptr >= cnode_slots) {
        k().mr[0] = 0;
        return seL4_FailedLookup;
    }
    out = &k().cnode[cptr];
    return seL4_NoError;
}

inline seL4_Error to_sel4(const retype::error& e) {
    using retype::error_code;
    switch (e.code) {
    case error_code::invalid_argument: k().mr[0] = e.argument; return seL4_InvalidArgument;
    case error_code::range_error:
        k().mr[0] = e.range_min;
        k().mr[1] = e.range_max;
        return seL4_RangeError;
    case error_code::not_enough_memory: k().mr[0] = e.memory_left; return seL4_NotEnoughMemory;
    case error_code::delete_first: return seL4_DeleteFirst;
    default: ++k().anomalies; return seL4_IllegalOperation;
    }
}

inline std::optional<retype::kernel::object_type> type_of(seL4_Word number) {
    for (retype::kernel::object_type t : retype::kernel::all_object_types) {
        const auto n = retype::kernel::sel4_type_number(k().machine.cfg(), t);
        if (n && *n == number) return t;
    }
    return std::nullopt;
}

} // namespace sel4_double

inline seL4_Word seL4_GetMR(int i) { return sel4_double::k().mr.at(static_cast<std::size_t>(i)); }

inline seL4_Error seL4_Untyped_Retype(seL4_Untyped service, seL4_Word type, seL4_Word size_bits, seL4_CNode root,
                                      seL4_Word node_index, seL4_Word node_depth, seL4_Word node_offset,
                                      seL4_Word num_objects) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    s.last_retype = {service, type, size_bits, root, node_index, node_depth, node_offset, num_objects};
    cap* ut = nullptr;
    if (seL4_Error e = resolve(service, seL4_WordBits, ut); e != seL4_NoError) return e;
    if (!ut->present) {
        s.mr[0] = 1;
        return seL4_FailedLookup;
    }
    if (ut->root_cnode || ut->type != retype::kernel::object_type::untyped) return seL4_IllegalOperation;
    // 8, 9: the destination CNode. Depth 0 names the root itself.
    cap* root_cap = nullptr;
    if (seL4_Error e = resolve(root, seL4_WordBits, root_cap); e != seL4_NoError) return e;
    if (!root_cap->root_cnode) {
        s.mr[0] = 0;
        return seL4_FailedLookup;
    }
    if (node_depth != 0) {
        cap* dest = nullptr;
        if (seL4_Error e = resolve(node_index, node_depth, dest); e != seL4_NoError) return e;
        if (!dest->root_cnode) {
            s.mr[0] = 0;
            return seL4_FailedLookup;
        }
    }
    const auto t = type_of(type);
    if (!t) {
        s.mr[0] = 0;
        return seL4_InvalidArgument;
    }
    retype::kernel::retype_args args{.type = *t, .size_bits = size_bits, .count = num_objects,
                                     .has_destination = true,
                                     .dest = {.radix = cnode_radix, .offset = node_offset}};
    for (seL4_Word i = node_offset; i < cnode_slots && i - node_offset < num_objects; ++i) {
        if (s.cnode[i].present) {
            args.dest.first_occupied = i;
            break;
        }
    }
    auto r = s.machine.retype(ut->obj, args);
    if (!r) return to_sel4(r.error());
    for (seL4_Word i = 0; i < num_objects; ++i)
        s.cnode[node_offset + i] = cap{true, false, s.machine.at(r->first, i), *t};
    return seL4_NoError;
}

inline seL4_Error seL4_CNode_Delete(seL4_CNode service, seL4_Word index, seL4_Uint8 depth) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    cap* root_cap = nullptr;
    if (seL4_Error e = resolve(service, seL4_WordBits, root_cap); e != seL4_NoError) return e;
    if (!root_cap->root_cnode) return seL4_IllegalOperation;
    cap* c = nullptr;
    if (seL4_Error e = resolve(index, depth, c); e != seL4_NoError) return e;
    if (!c->present) return seL4_NoError; // deleting an empty slot succeeds
    if (c->root_cnode) {
        ++s.anomalies;
        return seL4_IllegalOperation;
    }
    if (c->type == retype::kernel::object_type::untyped && s.machine.untyped(c->obj).has_children())
        return seL4_RevokeFirst; // the double's limit, see the top of this file
    auto r = s.machine.remove(c->obj);
    if (!r) return to_sel4(r.error());
    *c = cap{};
    return seL4_NoError;
}

inline seL4_Error seL4_CNode_Revoke(seL4_CNode service, seL4_Word index, seL4_Uint8 depth) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    cap* root_cap = nullptr;
    if (seL4_Error e = resolve(service, seL4_WordBits, root_cap); e != seL4_NoError) return e;
    if (!root_cap->root_cnode) return seL4_IllegalOperation;
    cap* c = nullptr;
    if (seL4_Error e = resolve(index, depth, c); e != seL4_NoError) return e;
    if (!c->present || c->root_cnode || c->type != retype::kernel::object_type::untyped) return seL4_NoError;
    auto r = s.machine.revoke(c->obj);
    if (!r) return to_sel4(r.error());
    for (cap& x : s.cnode)
        if (x.present && !x.root_cnode && !s.machine.is_live(x.obj)) x = cap{};
    return seL4_NoError;
}

inline seL4_X86_Page_GetAddress_t seL4_X86_Page_GetAddress(seL4_X86_Page service) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    cap* c = nullptr;
    if (seL4_Error e = resolve(service, seL4_WordBits, c); e != seL4_NoError) return {e, 0};
    if (!c->present || c->root_cnode || !retype::kernel::is_frame(c->type)) return {seL4_IllegalOperation, 0};
    return {seL4_NoError, s.machine.paddr(c->obj)};
}
