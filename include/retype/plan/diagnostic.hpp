// retype: what the planner says about a system. Structured, not text: a stage's
// verdict, the finding that explains it (which component, which object, how
// many bytes needed and available) and fixes as {setting, from, to}. Text is
// made by whoever prints it (the CLI), so the whole report stays constexpr and
// the compile-time check can put the numbers into its error message.
#pragma once

#include <retype/error.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/plan/description.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype::plan {

/// The five places a seL4 VM system runs out of memory (seed 000).
enum class stage : std::uint8_t { none = 0, elf_loader = 1, kernel_boot = 2, loader = 3, vmm = 4, guest = 5 };
enum class status : std::uint8_t { ok, failed, not_reached };

enum class problem : std::uint8_t {
    none,
    // 1: ELF loader
    no_ram_for_kernel, // every RAM byte is reserved no-map: the kernel has nowhere to go
    image_outside_ram, // an image ends past the RAM region it starts in (or starts outside RAM)
    image_in_reserved, // an image lies in a no-map reserved region
    images_overlap,
    // 2: kernel boot
    boot_memory_invalid, // the memory map the kernel would get is one it rejects
    rootserver_no_fit,   // no free RAM piece holds the root-server objects
    root_cnode_full,     // the root CNode cannot hold the initial caps, image frames and untypeds
    // 3: capDL loader
    out_of_untyped,        // largest-first allocation ran out of initial untypeds
    exact_untyped_missing, // an untyped_mmios range is not inside any initial untyped
    exact_untyped_taken,   // it is, but memory there is already used (another component)
    exact_untyped_misaligned,
    model_capacity,          // the planner's own fixed capacity is too small for this system (a limit of the program)
    exact_untyped_size,      // size_bits outside seL4_MinUntypedBits..seL4_MaxUntypedBits (or no such frame size)
    kernel_error,            // seL4_Untyped_Retype refused an object: finding.error, finding.object
    loader_slots_asserted,   // debug capdl-loader: assert(free slots >= CapDLLoaderMaxObjects) fails
    loader_too_many_objects, // the spec has more objects than CapDLLoaderMaxObjects (asserted; past it, overflow)
    loader_out_of_slots,     // "Ran out of free slots!": one root-CNode slot per object created
    // 4: VMM
    guest_ram_not_covered, // a 1:1 guest's RAM is not covered by the component's untyped_mmios
    guest_ram_misaligned,  // guest RAM base or size not a multiple of the page granule
    pool_too_small,        // simple_untyped pools cannot hold paging structures, VCPUs (and RAM if not 1:1)
    cnode_too_small,       // cnode_size_bits cannot hold frame caps and split-node caps
    mempool_too_small,     // allocator_mempool_size cannot hold the allocator's nodes
    guest_ram_empty,       // ram_size 0: an input error, no fix
    // 5: guest
    guest_ram_short, // the guest ends up with less RAM than configured
    guest_image_outside_ram,
    // warnings
    bootinfo_untypeds_dropped, // CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS cut some untypeds off
    pool_too_large,
    cnode_too_large,
    mempool_too_large,
    guest_pages_need_patch, // guest.page_bits != 12: libsel4vm hard-codes 4 KiB frames (a patched VMM is assumed)
};

/// What sits where an exact untyped should be (the "why" of exact_untyped_missing).
enum class blocker : std::uint8_t {
    none,
    kernel_image,
    dtb,
    rootserver_image,
    rootserver_objects, // the kernel's root-server block, carved at boot
    ram_split,          // RAM the kernel splits into smaller untypeds (not reserved no-map)
    dropped_at_boot,    // it was an untyped, but past the bootinfo limit
    outside_device_top, // above CONFIG_PADDR_USER_DEVICE_TOP: never an untyped
    other_component,    // another component's exact untyped overlaps
};

/// The settings a fix changes.
enum class setting : std::uint8_t {
    none,
    platform_ram,                 // size of the last RAM region (QEMU -m, the board's memory node)
    reserved_memory,              // add a no-map /reserved-memory node: aux = base, to = size
    kernel_root_cnode_bits,       // KernelRootCNodeSizeBits
    kernel_max_bootinfo_untypeds, // KernelMaxNumBootinfoUntypedCaps
    untyped_pool,                 // <component>.simple_untyped<index>_pool
    untyped_mmios,                // <component>.untyped_mmios: from = old paddr, to = new paddr, aux = size_bits
    cnode_size_bits,
    allocator_mempool_size,
    guest_page_bits,
    guest_ram_size,
    guest_ram_base,
    guest_allocator,    // the VMM's utspace allocator: from/to are allocator_policy values (a code change)
    loader_max_objects, // CapDLLoaderMaxObjects
};

/// What applying a fix takes. A setting is a value in the description; a code change is named by the
/// renderer from the fix's setting (guest_page_bits: patch libsel4vm's guest_ram.c; guest_allocator: link
/// the VMM against retype_allocman), and is never presented as a setting.
enum class fix_kind : std::uint8_t { setting, code_change };

/// True for problems whose needed / available / shortfall count CNode slots, not bytes.
[[nodiscard]] constexpr bool counts_slots(problem p) noexcept {
    return p == problem::root_cnode_full || p == problem::cnode_too_small || p == problem::cnode_too_large ||
           p == problem::loader_slots_asserted || p == problem::loader_out_of_slots ||
           p == problem::loader_too_many_objects;
}

[[nodiscard]] constexpr std::string_view name(stage s) noexcept {
    switch (s) {
    case stage::none: return "none";
    case stage::elf_loader: return "elf_loader";
    case stage::kernel_boot: return "kernel_boot";
    case stage::loader: return "loader";
    case stage::vmm: return "vmm";
    case stage::guest: return "guest";
    }
    return "?";
}
[[nodiscard]] constexpr std::string_view name(status s) noexcept {
    switch (s) {
    case status::ok: return "ok";
    case status::failed: return "failed";
    case status::not_reached: return "not_reached";
    }
    return "?";
}
[[nodiscard]] constexpr std::string_view name(problem p) noexcept {
    switch (p) {
    case problem::none: return "none";
    case problem::no_ram_for_kernel: return "no_ram_for_kernel";
    case problem::image_outside_ram: return "image_outside_ram";
    case problem::image_in_reserved: return "image_in_reserved";
    case problem::images_overlap: return "images_overlap";
    case problem::boot_memory_invalid: return "boot_memory_invalid";
    case problem::rootserver_no_fit: return "rootserver_no_fit";
    case problem::root_cnode_full: return "root_cnode_full";
    case problem::out_of_untyped: return "out_of_untyped";
    case problem::exact_untyped_missing: return "exact_untyped_missing";
    case problem::exact_untyped_taken: return "exact_untyped_taken";
    case problem::exact_untyped_misaligned: return "exact_untyped_misaligned";
    case problem::model_capacity: return "model_capacity";
    case problem::exact_untyped_size: return "exact_untyped_size";
    case problem::kernel_error: return "kernel_error";
    case problem::loader_slots_asserted: return "loader_slots_asserted";
    case problem::loader_too_many_objects: return "loader_too_many_objects";
    case problem::loader_out_of_slots: return "loader_out_of_slots";
    case problem::guest_ram_not_covered: return "guest_ram_not_covered";
    case problem::guest_ram_misaligned: return "guest_ram_misaligned";
    case problem::pool_too_small: return "pool_too_small";
    case problem::cnode_too_small: return "cnode_too_small";
    case problem::mempool_too_small: return "mempool_too_small";
    case problem::guest_ram_empty: return "guest_ram_empty";
    case problem::guest_ram_short: return "guest_ram_short";
    case problem::guest_image_outside_ram: return "guest_image_outside_ram";
    case problem::bootinfo_untypeds_dropped: return "bootinfo_untypeds_dropped";
    case problem::pool_too_large: return "pool_too_large";
    case problem::cnode_too_large: return "cnode_too_large";
    case problem::mempool_too_large: return "mempool_too_large";
    case problem::guest_pages_need_patch: return "guest_pages_need_patch";
    }
    return "?";
}
[[nodiscard]] constexpr std::string_view name(blocker b) noexcept {
    switch (b) {
    case blocker::none: return "none";
    case blocker::kernel_image: return "kernel_image";
    case blocker::dtb: return "dtb";
    case blocker::rootserver_image: return "rootserver_image";
    case blocker::rootserver_objects: return "rootserver_objects";
    case blocker::ram_split: return "ram_split";
    case blocker::dropped_at_boot: return "dropped_at_boot";
    case blocker::outside_device_top: return "outside_device_top";
    case blocker::other_component: return "other_component";
    }
    return "?";
}
[[nodiscard]] constexpr std::string_view name(setting s) noexcept {
    switch (s) {
    case setting::none: return "none";
    case setting::platform_ram: return "platform.ram";
    case setting::reserved_memory: return "platform.reserved";
    case setting::kernel_root_cnode_bits: return "kernel.root_cnode_bits";
    case setting::kernel_max_bootinfo_untypeds: return "kernel.max_bootinfo_untypeds";
    case setting::untyped_pool: return "simple_untyped_pool";
    case setting::untyped_mmios: return "untyped_mmios";
    case setting::cnode_size_bits: return "cnode_size_bits";
    case setting::allocator_mempool_size: return "allocator_mempool_size";
    case setting::guest_page_bits: return "guest.page_bits";
    case setting::guest_ram_size: return "guest.ram_size";
    case setting::guest_ram_base: return "guest.ram_base";
    case setting::guest_allocator: return "guest.allocator";
    case setting::loader_max_objects: return "loader.max_objects";
    }
    return "?";
}

/// One change that makes the stage pass. `verified`: the planner re-ran the
/// stages with it and they passed (values that work, not guesses).
struct fix {
    setting what = setting::none;
    fix_kind kind = fix_kind::setting;
    std::uint16_t component = no_component;
    std::uint8_t index = 0; // pool size_bits for untyped_pool, mmio index for untyped_mmios
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::uint64_t aux = 0;         // reserved_memory: base; untyped_mmios: size_bits
    std::uint64_t effect_from = 0; // what the change moves: e.g. mempool needed before ...
    std::uint64_t effect_to = 0;   // ... and after (guest_page_bits)
    bool verified = false;
};

/// What went wrong, with the numbers.
struct finding {
    problem what = problem::none;
    blocker why = blocker::none;
    std::uint16_t component = no_component;
    std::uint16_t other = no_component; // the other component, for other_component
    kernel::object_type object = kernel::object_type::untyped;
    std::uint8_t object_bits = 0;
    error_code error{};       // kernel_error: what seL4_Untyped_Retype returned
    std::uint64_t count = 0;  // objects left to place, untypeds dropped, pages mapped, ...
    std::uint64_t needed = 0; // bytes (or slots, for root_cnode_full / cnode_*)
    std::uint64_t available = 0;
    paddr_t paddr = 0; // the address involved (image, exact untyped, guest RAM)
    std::uint64_t size = 0;
};

inline constexpr std::size_t max_fixes = 4;

struct stage_report {
    stage id = stage::none;
    status state = status::not_reached;
    std::uint64_t shortfall = 0; // bytes missing; slots where counts_slots(cause.what)
    finding cause{};
    std::array<fix, max_fixes> fixes{};
    std::size_t n_fixes = 0;

    /// Appends a fix; a change to the value already there (a no-op) is never a fix.
    constexpr void add_fix(const fix& f) noexcept {
        const bool moves = f.what == setting::reserved_memory || f.what == setting::untyped_mmios;
        if (!moves && f.from == f.to) return;
        if (n_fixes < fixes.size()) fixes[n_fixes++] = f;
    }
};

/// A setting far too high (memory reserved and never used), or memory the kernel drops.
struct warning {
    finding what{};
    fix suggestion{};
};

} // namespace retype::plan
