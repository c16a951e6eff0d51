// What a root task does with retype: hand the allocator its bootinfo in one
// call, then ask for objects. Written against any backend, so the same code
// runs on seL4 (sel4_backend) and on the kernel model (main.cpp's host branch).
#pragma once

#include <retype/allocator.hpp>
#include <retype/backend/bootinfo.hpp>
#include <retype/kernel/libsel4_config.hpp>

#include <cstdint>

namespace example {

/// The kernel's configuration: from libsel4's gen_config.h in a seL4 build; on
/// a host, QEMU arm-virt's aarch64 hypervisor kernel.
#if RETYPE_HAVE_LIBSEL4_CONFIG
inline constexpr retype::kernel::config cfg = retype::kernel::libsel4_config;
#else
inline constexpr retype::kernel::config cfg{.target = retype::kernel::arch::aarch64_hyp};
#endif

/// The capacities, by the sizing rule (docs/sel4-project.md): every bootinfo
/// untyped the kernel may hand over (CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS), of
/// up to seL4_MaxUntypedBits, and a workload of 4 live allocations holding
/// 1 + 1 + 1 + 256 objects, none smaller than a TCB (2^11 on aarch64).
inline constexpr retype::capacities caps = retype::capacities_for(
    retype::split_kind::buddy, cfg.max_bootinfo_untypeds, retype::kernel::traits(cfg).max_untyped_bits,
    retype::workload{.allocations = 4, .objects = 259, .smallest_bits = 11});

/// A VMM's allocator: buddy (objects come and go), 2 MiB guest frames,
/// kernel-virtual alignment (what the kernel does), the array free lists (so
/// that the allocator is trivially destructible: a static one needs no atexit).
template <class Backend>
using vmm_allocator =
    retype::allocator<Backend, retype::target<cfg>, retype::split<retype::buddy>, retype::granule<21>,
                      retype::free_list<retype::array>, retype::max_untypeds<caps.max_untypeds>,
                      retype::max_allocations<caps.max_allocations>, retype::max_slots<caps.max_slots>>;

struct vm_objects {
    retype::allocation tcb, vcpu, vspace, guest_ram;
};

/// Sets up one guest on an allocator that has its bootinfo: a TCB, a VCPU
/// (where the kernel has them), a VSpace, and 512 MiB of RAM in 2 MiB frames.
template <class Allocator>
retype::result<vm_objects> setup(Allocator& a) {
    using retype::kernel::object_type;
    vm_objects vm{};
    RETYPE_TRY(tcb, a.allocate(object_type::tcb));
    vm.tcb = tcb;
    if (retype::kernel::exists(cfg, object_type::vcpu)) {
        RETYPE_TRY(vcpu, a.allocate(object_type::vcpu));
        vm.vcpu = vcpu;
    }
    RETYPE_TRY(vspace, a.allocate(object_type::vspace));
    vm.vspace = vspace;
    RETYPE_TRY(ram, a.allocate_range(std::uint64_t{512} << 20));
    vm.guest_ram = ram;
    return vm;
}

} // namespace example
