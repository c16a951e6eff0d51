// What a root task does with retype: hand the allocator the bootinfo untypeds and
// the empty slot range, then ask for objects. Written against any backend, so the
// same code runs on seL4 (sel4_backend) and on the kernel model (main.cpp).
#pragma once

#include <retype/allocator.hpp>

#include <cstdint>
#include <span>

namespace example {

/// The part of seL4_BootInfo the allocator needs.
struct untyped_desc {
    std::uint64_t paddr;
    std::uint8_t size_bits;
    bool device;
};
struct bootinfo_view {
    std::uint64_t untyped_start;            // bi->untyped.start: slot of untypedList[0]
    std::span<const untyped_desc> untypeds; // bi->untypedList[0 .. untyped.end - untyped.start)
    std::uint64_t empty_start, empty_end;   // bi->empty
};

inline constexpr retype::kernel::config cfg{.target = retype::kernel::arch::aarch64_hyp};

/// A VMM's allocator: buddy (objects come and go), 2 MiB guest frames,
/// kernel-virtual alignment (what the kernel does), intrusive free lists.
template <class Backend>
using vmm_allocator = retype::allocator<Backend, retype::target<cfg>, retype::split<retype::buddy>, retype::granule<21>,
                                        retype::max_untypeds<256>, retype::max_slots<8192>>;

struct vm_objects {
    retype::allocation tcb, vcpu, vspace, guest_ram;
};

/// Sets up one guest: its TCB, VCPU and VSpace, and 512 MiB of RAM in 2 MiB frames.
template <class Backend>
retype::result<vm_objects> setup(vmm_allocator<Backend>& a, const bootinfo_view& bi) {
    // The allocator manages at most slot_capacity slots: it takes that much of a
    // larger empty range (a root CNode of 2^16 slots) and leaves the rest alone.
    std::uint64_t empty = bi.empty_end - bi.empty_start;
    if (empty > vmm_allocator<Backend>::slot_capacity) empty = vmm_allocator<Backend>::slot_capacity;
    if (auto r = a.add_slots(bi.empty_start, empty); !r) return retype::failure(r.error());
    for (std::uint64_t i = 0; i < bi.untypeds.size(); ++i) {
        const untyped_desc& u = bi.untypeds[i];
        // A bootinfo untyped the allocator rejects (e.g. beyond its capacity) is skipped.
        (void)a.add_untyped(bi.untyped_start + i, u.paddr, u.size_bits, u.device);
    }
    using retype::kernel::object_type;
    RETYPE_TRY(tcb, a.allocate(object_type::tcb));
    RETYPE_TRY(vcpu, a.allocate(object_type::vcpu));
    RETYPE_TRY(vspace, a.allocate(object_type::vspace));
    RETYPE_TRY(ram, a.allocate_range(std::uint64_t{512} << 20));
    return vm_objects{tcb, vcpu, vspace, ram};
}

} // namespace example
