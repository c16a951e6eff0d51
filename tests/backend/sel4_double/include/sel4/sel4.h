// TEST DOUBLE of libsel4's <sel4/sel4.h>, for retype's tests only: libsel4's
// names, types and signatures for what the libsel4 backend and a root task use,
// implemented on retype's kernel model. The configuration comes from the
// configuration directory on the include path (configs/<name>/autoconf.h), the
// object types and sizes from the per-architecture headers, laid out as in
// libsel4 (include/, sel4_arch_include/<sel4_arch>/, arch_include/<arch>/).
//
// The CSpace: CNodes with guards, resolved as the kernel resolves a CPtr
// (resolveAddressBits: per level, guard bits then radix bits, from the most
// significant of `depth` bits; a CNode cap in a slot with bits left goes one
// level down). At boot the thread's CSpace root is a root CNode of
// 2^CONFIG_ROOT_CNODE_SIZE_BITS slots with a guard of the remaining word bits,
// whose cap is also in slot seL4_CapInitThreadCNode. Retyping CNode objects
// makes new CNodes (guard 0).
//
// Where the double departs from the kernel (each is outside what the backend
// sends when its windows are configured right):
// - a service CPtr that does not resolve is a cap fault in the kernel; the
//   double returns seL4_FailedLookup;
// - the destination lookup (checks 8, 9) runs before the type and size checks
//   (3 to 7), not after;
// - deleting an untyped that still has children, or a CNode that still holds
//   caps, is refused with seL4_RevokeFirst; the kernel deletes them;
// - every memory object has one capability: no copies (Mint copies CNode caps
//   only, as a CSpace is built), so revoking a non-untyped or an empty slot does nothing;
// - seL4_TCB_SetSpace is sel4_double::set_cspace_root (the thread's root, no TCB).
#pragma once

// clang-format off
#include <sel4/config.h>
#include <sel4/types.h>
#include <sel4/bootinfo_types.h>
// clang-format on

#include <retype/kernel/machine.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

typedef struct {
    int error;
    seL4_Word paddr;
} seL4_Page_GetAddress_double_t;
#if defined(CONFIG_ARCH_X86)
typedef seL4_Page_GetAddress_double_t seL4_X86_Page_GetAddress_t;
#elif defined(CONFIG_ARCH_ARM)
typedef seL4_Page_GetAddress_double_t seL4_ARM_Page_GetAddress_t;
#elif defined(CONFIG_ARCH_RISCV)
typedef seL4_Page_GetAddress_double_t seL4_RISCV_Page_GetAddress_t;
#endif

namespace sel4_double {

inline constexpr unsigned word_bits = CONFIG_WORD_SIZE;
inline constexpr unsigned cnode_radix = CONFIG_ROOT_CNODE_SIZE_BITS; // the root CNode's
inline constexpr std::size_t cnode_slots = std::size_t{1} << cnode_radix;
inline constexpr std::size_t model_nodes = 4096;
inline constexpr std::uint32_t no_cnode = ~std::uint32_t{0};

struct cap {
    bool present = false;
    std::uint32_t cnode = no_cnode;   // a CNode cap: the CNode it names (kernel_state::cnodes)
    unsigned guard_bits = 0;          // a CNode cap: its guard size (the guard value is 0)
    bool model = false;               // names an object of the model (not the boot root CNode or a double-made CNode)
    retype::kernel::object_ref obj{}; // the model object, if `model`
    retype::kernel::object_type type = retype::kernel::object_type::untyped;
    friend bool operator==(const cap&, const cap&) = default;
};

struct cnode {
    unsigned radix = 0;
    std::vector<cap> slots;
    friend bool operator==(const cnode&, const cnode&) = default;
};

/// The arguments of the last seL4_Untyped_Retype, as the double received them.
struct retype_args_seen {
    seL4_Word service = 0, type = 0, size_bits = 0, root = 0, node_index = 0, node_depth = 0, node_offset = 0,
              num_objects = 0;
    friend bool operator==(const retype_args_seen&, const retype_args_seen&) = default;
};

struct kernel_state {
    explicit kernel_state(const retype::kernel::config& c) : machine(c) {
        cnodes.push_back(cnode{cnode_radix, std::vector<cap>(cnode_slots)});
        thread_root = cap{true, 0, word_bits - cnode_radix, false, {}, retype::kernel::object_type::cnode};
        root()[seL4_CapInitThreadCNode] = thread_root;
    }
    /// The boot root CNode's slots.
    std::vector<cap>& root() { return cnodes[0].slots; }
    const std::vector<cap>& root() const { return cnodes[0].slots; }

    /// An initial untyped in root slot `slot`, as the kernel hands it over at boot.
    bool boot_untyped(seL4_CPtr slot, retype::kernel::paddr_t paddr, unsigned size_bits, bool device) {
        if (slot >= cnode_slots || root()[slot].present) return false;
        auto r = machine.add_untyped(paddr, size_bits, device);
        if (!r) return false;
        root()[slot] = cap{true, no_cnode, 0, true, *r, retype::kernel::object_type::untyped};
        return true;
    }
    /// Caps present in CNode n.
    [[nodiscard]] std::size_t caps_in(std::uint32_t n) const {
        std::size_t k = 0;
        for (const cap& c : cnodes[n].slots) k += c.present ? 1 : 0;
        return k;
    }

    retype::kernel::machine<model_nodes> machine;
    std::vector<cnode> cnodes;
    cap thread_root{}; // the thread's CSpace root (the TCB's ctable)
    std::array<seL4_Word, 4> mr{};
    retype_args_seen last_retype{};
    std::string debug_output; // seL4_DebugPutChar
    unsigned calls = 0;       // system calls made
    unsigned anomalies = 0;   // answers of the model the double cannot turn into an seL4_Error (test bug)
};

/// The kernel the free functions act on; a test sets it and clears it.
inline kernel_state* current = nullptr;

inline kernel_state& k() {
    Expects(current != nullptr);
    return *current;
}

/// resolveAddressBits: `depth` bits of `cptr`, from the most significant,
/// starting in the CNode named by cap `node`. Guards are 0 in the double.
inline seL4_Error resolve_in(const cap& node, seL4_Word cptr, seL4_Word depth, cap*& out) {
    if (depth < 1 || depth > word_bits) {
        k().mr[0] = 1;
        k().mr[1] = word_bits;
        return seL4_RangeError;
    }
    const cap* n = &node;
    seL4_Word left = depth;
    for (;;) {
        if (!n->present || n->cnode == no_cnode) {
            k().mr[0] = 0;
            return seL4_FailedLookup;
        }
        cnode& cn = k().cnodes[n->cnode];
        const unsigned level = n->guard_bits + cn.radix;
        if (level > left) {
            k().mr[0] = 0;
            return seL4_FailedLookup; // depth mismatch
        }
        const seL4_Word guard = n->guard_bits == 0 ? 0 : (cptr >> (left - n->guard_bits));
        const seL4_Word guard_mask = n->guard_bits >= word_bits ? ~seL4_Word{0} : ((seL4_Word{1} << n->guard_bits) - 1);
        if ((guard & guard_mask) != 0) {
            k().mr[0] = 0;
            return seL4_FailedLookup; // guard mismatch
        }
        left -= level;
        const seL4_Word index = (cptr >> left) & ((seL4_Word{1} << cn.radix) - 1);
        cap* slot = &cn.slots[index];
        if (left == 0) {
            out = slot;
            return seL4_NoError;
        }
        n = slot;
    }
}
/// A CPtr looked up in the thread's CSpace at `depth` bits.
inline seL4_Error resolve(seL4_Word cptr, seL4_Word depth, cap*& out) {
    return resolve_in(k().thread_root, cptr, depth, out);
}

/// The CNode cap at `cptr` (full depth): a CNode service or retype root.
inline seL4_Error cnode_cap(seL4_Word cptr, cap*& out) {
    if (seL4_Error e = resolve(cptr, word_bits, out); e != seL4_NoError) return e;
    if (!out->present || out->cnode == no_cnode) {
        k().mr[0] = 0;
        return seL4_FailedLookup;
    }
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

/// Caps whose model object died (a revoke) disappear from every CNode.
inline void drop_dead_caps() {
    for (cnode& cn : k().cnodes)
        for (cap& x : cn.slots)
            if (x.present && x.model && !k().machine.is_live(x.obj)) x = cap{};
}

/// seL4_TCB_SetSpace's CSpace part: the thread's CSpace root becomes a copy of
/// the CNode cap at `cptr` with `guard_bits` of guard (value 0).
inline seL4_Error set_cspace_root(seL4_CPtr cptr, unsigned guard_bits) {
    cap* c = nullptr;
    if (seL4_Error e = cnode_cap(cptr, c); e != seL4_NoError) return e;
    cap root = *c;
    root.guard_bits = guard_bits;
    root.model = false; // a copy: the object's own cap stays where it is
    k().thread_root = root;
    return seL4_NoError;
}

} // namespace sel4_double

inline seL4_Word seL4_GetMR(int i) { return sel4_double::k().mr.at(static_cast<std::size_t>(i)); }

#if defined(CONFIG_PRINTING)
inline void seL4_DebugPutChar(char c) { sel4_double::k().debug_output.push_back(c); }
#endif

inline seL4_Error seL4_Untyped_Retype(seL4_Untyped service, seL4_Word type, seL4_Word size_bits, seL4_CNode root,
                                      seL4_Word node_index, seL4_Word node_depth, seL4_Word node_offset,
                                      seL4_Word num_objects) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    s.last_retype = {service, type, size_bits, root, node_index, node_depth, node_offset, num_objects};
    cap* ut = nullptr;
    if (seL4_Error e = resolve(service, word_bits, ut); e != seL4_NoError) return e;
    if (!ut->present) {
        s.mr[0] = 1;
        return seL4_FailedLookup;
    }
    if (!ut->model || ut->type != retype::kernel::object_type::untyped) return seL4_IllegalOperation;
    // 8, 9: the destination CNode. Depth 0 names the root itself.
    cap* dest = nullptr;
    if (seL4_Error e = cnode_cap(root, dest); e != seL4_NoError) return e;
    if (node_depth != 0) {
        cap* inner = nullptr;
        if (seL4_Error e = resolve_in(*dest, node_index, node_depth, inner); e != seL4_NoError) return e;
        if (!inner->present || inner->cnode == no_cnode) {
            s.mr[0] = 0;
            return seL4_FailedLookup;
        }
        dest = inner;
    }
    const std::uint32_t dest_cnode = dest->cnode;
    const auto t = type_of(type);
    if (!t) {
        s.mr[0] = 0;
        return seL4_InvalidArgument;
    }
    const unsigned radix = s.cnodes[dest_cnode].radix;
    const std::size_t n_slots = s.cnodes[dest_cnode].slots.size();
    retype::kernel::retype_args args{.type = *t,
                                     .size_bits = size_bits,
                                     .count = num_objects,
                                     .has_destination = true,
                                     .dest = {.radix = static_cast<std::uint8_t>(radix), .offset = node_offset}};
    for (seL4_Word i = node_offset; i < n_slots && i - node_offset < num_objects; ++i) {
        if (s.cnodes[dest_cnode].slots[i].present) {
            args.dest.first_occupied = i;
            break;
        }
    }
    auto r = s.machine.retype(ut->obj, args);
    if (!r) return to_sel4(r.error());
    for (seL4_Word i = 0; i < num_objects; ++i) {
        cap c{true, no_cnode, 0, true, s.machine.at(r->first, i), *t};
        if (*t == retype::kernel::object_type::cnode) {
            c.cnode = static_cast<std::uint32_t>(s.cnodes.size());
            s.cnodes.push_back(cnode{static_cast<unsigned>(size_bits), std::vector<cap>(std::size_t{1} << size_bits)});
        }
        s.cnodes[dest_cnode].slots[node_offset + i] = c;
    }
    return seL4_NoError;
}

inline seL4_Error seL4_CNode_Delete(seL4_CNode service, seL4_Word index, seL4_Uint8 depth) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    cap* node = nullptr;
    if (seL4_Error e = cnode_cap(service, node); e != seL4_NoError) return e;
    cap* c = nullptr;
    if (seL4_Error e = resolve_in(*node, index, depth, c); e != seL4_NoError) return e;
    if (!c->present) return seL4_NoError; // deleting an empty slot succeeds
    if (!c->model) {
        ++s.anomalies; // the backend never deletes the CSpace's own CNode caps
        return seL4_IllegalOperation;
    }
    if (c->type == retype::kernel::object_type::untyped && s.machine.untyped(c->obj).has_children())
        return seL4_RevokeFirst; // the double's limit, see the top of this file
    if (c->cnode != no_cnode && s.caps_in(c->cnode) != 0) return seL4_RevokeFirst;
    auto r = s.machine.remove(c->obj);
    if (!r) return to_sel4(r.error());
    *c = cap{};
    return seL4_NoError;
}

inline seL4_Error seL4_CNode_Revoke(seL4_CNode service, seL4_Word index, seL4_Uint8 depth) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    cap* node = nullptr;
    if (seL4_Error e = cnode_cap(service, node); e != seL4_NoError) return e;
    cap* c = nullptr;
    if (seL4_Error e = resolve_in(*node, index, depth, c); e != seL4_NoError) return e;
    if (!c->present || !c->model || c->type != retype::kernel::object_type::untyped) return seL4_NoError;
    auto r = s.machine.revoke(c->obj);
    if (!r) return to_sel4(r.error());
    drop_dead_caps();
    return seL4_NoError;
}

/// Moves a cap; the destination must be empty (else seL4_DeleteFirst).
inline seL4_Error seL4_CNode_Move(seL4_CNode dest_root, seL4_Word dest_index, seL4_Uint8 dest_depth,
                                  seL4_CNode src_root, seL4_Word src_index, seL4_Uint8 src_depth) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    cap* dn = nullptr;
    cap* sn = nullptr;
    if (seL4_Error e = cnode_cap(dest_root, dn); e != seL4_NoError) return e;
    if (seL4_Error e = cnode_cap(src_root, sn); e != seL4_NoError) return e;
    cap* d = nullptr;
    cap* from = nullptr;
    if (seL4_Error e = resolve_in(*dn, dest_index, dest_depth, d); e != seL4_NoError) return e;
    if (seL4_Error e = resolve_in(*sn, src_index, src_depth, from); e != seL4_NoError) return e;
    if (d->present) return seL4_DeleteFirst;
    if (!from->present) {
        s.mr[0] = 1;
        return seL4_FailedLookup;
    }
    *d = *from;
    *from = cap{};
    return seL4_NoError;
}

/// Copies a CNode cap with a new guard (badge = seL4_CNode_CapData: guard size
/// in bits 0..5, guard above it; the double's guards are 0). Other caps:
/// seL4_IllegalOperation (the double keeps one cap per memory object).
inline seL4_Error seL4_CNode_Mint(seL4_CNode dest_root, seL4_Word dest_index, seL4_Uint8 dest_depth,
                                  seL4_CNode src_root, seL4_Word src_index, seL4_Uint8 src_depth, seL4_Word /*rights*/,
                                  seL4_Word badge) {
    using namespace sel4_double;
    kernel_state& s = k();
    ++s.calls;
    cap* dn = nullptr;
    cap* sn = nullptr;
    if (seL4_Error e = cnode_cap(dest_root, dn); e != seL4_NoError) return e;
    if (seL4_Error e = cnode_cap(src_root, sn); e != seL4_NoError) return e;
    cap* d = nullptr;
    cap* from = nullptr;
    if (seL4_Error e = resolve_in(*dn, dest_index, dest_depth, d); e != seL4_NoError) return e;
    if (seL4_Error e = resolve_in(*sn, src_index, src_depth, from); e != seL4_NoError) return e;
    if (d->present) return seL4_DeleteFirst;
    if (!from->present || from->cnode == no_cnode) return seL4_IllegalOperation;
    if ((badge >> 6) != 0) {
        s.mr[0] = 6;
        return seL4_InvalidArgument; // a non-zero guard value: not modelled
    }
    cap copy = *from;
    copy.guard_bits = static_cast<unsigned>(badge & 0x3f);
    copy.model = false;
    *d = copy;
    return seL4_NoError;
}

namespace sel4_double {
inline seL4_Page_GetAddress_double_t page_get_address(seL4_CPtr service) {
    kernel_state& s = k();
    ++s.calls;
    cap* c = nullptr;
    if (seL4_Error e = resolve(service, word_bits, c); e != seL4_NoError) return {e, 0};
    if (!c->present || !c->model || !retype::kernel::is_frame(c->type)) return {seL4_IllegalOperation, 0};
    return {seL4_NoError, static_cast<seL4_Word>(s.machine.paddr(c->obj))};
}
} // namespace sel4_double

#if defined(CONFIG_ARCH_X86)
inline seL4_X86_Page_GetAddress_t seL4_X86_Page_GetAddress(seL4_X86_Page service) {
    return sel4_double::page_get_address(service);
}
#elif defined(CONFIG_ARCH_ARM)
inline seL4_ARM_Page_GetAddress_t seL4_ARM_Page_GetAddress(seL4_ARM_Page service) {
    return sel4_double::page_get_address(service);
}
#elif defined(CONFIG_ARCH_RISCV)
inline seL4_RISCV_Page_GetAddress_t seL4_RISCV_Page_GetAddress(seL4_RISCV_Page service) {
    return sel4_double::page_get_address(service);
}
#endif
