// retype: the planner's system description. A platform (kernel configuration,
// RAM, reserved regions, the boot images) and components in the vocabulary
// CAmkES users already write (simple_untyped<bits>_pool, untyped_mmios,
// cnode_size_bits, allocator_mempool_size), with an optional VMM guest.
//
// Every type is a structural aggregate with fixed capacities, so a description
// can be a constexpr value (and a template argument) and the planner runs at
// compile time; the TOML and DTB readers of the CLI fill the same types.
#pragma once

#include <retype/kernel/arch.hpp>
#include <retype/kernel/object_type.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace retype::plan {

using kernel::paddr_t;

inline constexpr std::size_t max_ram_regions = 8;
inline constexpr std::size_t max_reserved_regions = 16;
inline constexpr std::size_t max_pools = 8;        // simple_untyped<bits>_pool settings per component
inline constexpr std::size_t max_mmios = 8;        // untyped_mmios entries per component
inline constexpr std::size_t max_objects = 8;      // kinds of kernel objects per component
inline constexpr std::size_t max_guest_images = 4; // kernel, initrd, dtb, ... inside guest RAM
inline constexpr std::uint16_t no_component = 0xffff;

/// A short name kept inline (no pointer into someone else's storage), so that a
/// description read from a file at run time owns its names. 23 characters.
struct name_t {
    std::array<char, 24> chars{};

    constexpr name_t() = default;
    // Implicit on purpose: designated initializers and add() take plain strings.
    // cppcheck-suppress noExplicitConstructor
    constexpr name_t(std::string_view s) noexcept {
        for (std::size_t i = 0; i < s.size() && i + 1 < chars.size(); ++i) chars[i] = s[i];
    }
    // cppcheck-suppress noExplicitConstructor
    constexpr name_t(const char* s) noexcept : name_t(std::string_view{s}) {}
    [[nodiscard]] constexpr std::string_view view() const noexcept {
        std::size_t n = 0;
        while (n < chars.size() && chars[n] != '\0') ++n;
        return {chars.data(), n};
    }
    friend constexpr bool operator==(const name_t&, const name_t&) = default;
};

/// A physical range [base, base + size).
struct range {
    paddr_t base = 0;
    std::uint64_t size = 0;
    [[nodiscard]] constexpr paddr_t end() const noexcept { return base + size; }
    [[nodiscard]] constexpr bool contains(const range& o) const noexcept { return o.base >= base && o.end() <= end(); }
    [[nodiscard]] constexpr bool overlaps(const range& o) const noexcept {
        return size != 0 && o.size != 0 && o.base < end() && base < o.end();
    }
    friend constexpr bool operator==(const range&, const range&) = default;
};

/// A device-tree /reserved-memory child. `no_map` ones are taken out of the
/// kernel's RAM by seL4's build (tools/hardware/utils/memory.py), so they come
/// back as device untypeds; the others stay RAM for the kernel.
struct reserved_region {
    range where{};
    bool no_map = true;
    name_t name{};
};

/// An image the ELF loader puts in RAM. paddr 0: placed by the loader, page
/// aligned after the previous image (kernel, DTB, rootserver), as the seL4
/// elfloader does; for the kernel, 0 means the first RAM that is not no-map,
/// aligned up to KERNEL_PHYS_ALIGN, as seL4's build picks physBase.
struct image {
    paddr_t paddr = 0;
    std::uint64_t size = 0;
};

struct platform {
    name_t name{};
    kernel::config kernel{};
    std::array<range, max_ram_regions> ram{}; // DT /memory, sorted, disjoint
    std::size_t n_ram = 0;
    std::array<reserved_region, max_reserved_regions> reserved{};
    std::size_t n_reserved = 0;
    image kernel_image{};
    std::uint64_t kernel_boot_size = 0; // [kernel, kernel + this): boot-only part (ki_boot_end), freed after boot
    image dtb{};
    image rootserver{};                        // the capDL loader's ELF image (it embeds every component)
    std::uint64_t rootserver_vaddr = 0x400000; // where the rootserver image is linked (its paging structures)
    image elfloader{};                         // optional: where the ELF loader itself runs (0 size: not checked)
    // Devices the kernel keeps for itself (interrupt controller, ...), reserved at
    // boot in whole frames: 4 KiB on Arm, 2 MiB on riscv64 (plan/boot_stages.hpp),
    // so they split the device untypeds around them. Each is a frame address as
    // devices_gen.h's kernel_device_frames lists it (size 0), or a device range
    // (its reg size, capped at hardware.yml's kernel_size) that seL4's build cuts into frames.
    std::array<paddr_t, 8> kernel_devices{};
    std::array<std::uint64_t, 8> kernel_device_sizes{}; // 0: one frame
    std::size_t n_kernel_devices = 0;

    constexpr bool add_ram(paddr_t base, std::uint64_t size) noexcept {
        if (n_ram >= ram.size()) return false;
        ram[n_ram++] = range{base, size};
        return true;
    }
    constexpr bool add_kernel_device(paddr_t paddr, std::uint64_t size = 0) noexcept {
        if (n_kernel_devices >= kernel_devices.size()) return false;
        kernel_device_sizes[n_kernel_devices] = size;
        kernel_devices[n_kernel_devices++] = paddr;
        return true;
    }
    constexpr bool add_reserved(paddr_t base, std::uint64_t size, bool no_map = true, name_t n = {}) noexcept {
        if (n_reserved >= reserved.size()) return false;
        reserved[n_reserved++] = reserved_region{range{base, size}, no_map, n};
        return true;
    }
};

/// `simple_untyped<size_bits>_pool = count`.
struct untyped_pool {
    std::uint8_t size_bits = 0;
    std::uint32_t count = 0;
};

/// One `untyped_mmios` entry "paddr:size_bits": an untyped of exactly this
/// range, which the capDL loader must find inside one initial untyped.
struct exact_untyped {
    paddr_t paddr = 0;
    std::uint8_t size_bits = 0;
};

/// Kernel objects the loader creates for the component (TCBs, endpoints, ...).
struct object_need {
    kernel::object_type type = kernel::object_type::endpoint;
    std::uint8_t size_bits = 0; // only for CNodes, untypeds, sched contexts
    std::uint32_t count = 0;
};

/// How the VMM's allocator tracks untyped memory.
enum class allocator_policy : std::uint8_t {
    allocman_split, // today's CAmkES VMM: allocman utspace_split, one 128-B node per split (peers.md §2.3)
    retype_range,   // retype's range allocator: frames retyped straight from the untyped, O(1) metadata
};

/// A range the guest expects inside its RAM (kernel, initrd, DTB).
struct guest_image {
    name_t name{};
    range where{};
};

/// The guest a VMM component runs.
struct guest_config {
    bool present = false;
    paddr_t ram_base = 0; // guest-physical; with one_to_one also host-physical
    std::uint64_t ram_size = 0;
    std::uint8_t page_bits = 12; // the frame size guest RAM is built from: 12 (4 KiB) or 21 (2 MiB)
    bool one_to_one = true;      // RAM frames at their own paddr, from untyped_mmios (DMA without an IOMMU)
    allocator_policy policy = allocator_policy::allocman_split;
    std::uint32_t vcpus = 1;
    std::array<guest_image, max_guest_images> images{};
    std::size_t n_images = 0;

    constexpr bool add_image(name_t n, paddr_t base, std::uint64_t size) noexcept {
        if (n_images >= images.size()) return false;
        images[n_images++] = guest_image{n, range{base, size}};
        return true;
    }
};

struct component {
    name_t name{};
    std::array<untyped_pool, max_pools> pools{};
    std::size_t n_pools = 0;
    std::array<exact_untyped, max_mmios> mmios{};
    std::size_t n_mmios = 0;
    std::uint8_t cnode_size_bits = 12; // CAmkES' default
    std::uint64_t mempool_size = 0;    // allocator_mempool_size: a static array in the component's .bss
    std::uint64_t image_size = 0;      // the ELF's loadable bytes (without the mempool), backed by 4 KiB frames
    std::uint32_t cap_slots_used = 0;  // slots CAmkES fills in the CNode before the allocator starts
    std::array<object_need, max_objects> objects{};
    std::size_t n_objects = 0;
    guest_config guest{};

    constexpr bool add_pool(unsigned size_bits, std::uint32_t count) noexcept {
        if (n_pools >= pools.size()) return false;
        pools[n_pools++] = untyped_pool{static_cast<std::uint8_t>(size_bits), count};
        return true;
    }
    constexpr bool add_mmio(paddr_t paddr, unsigned size_bits) noexcept {
        if (n_mmios >= mmios.size()) return false;
        mmios[n_mmios++] = exact_untyped{paddr, static_cast<std::uint8_t>(size_bits)};
        return true;
    }
    constexpr bool add_objects(kernel::object_type t, std::uint32_t count, unsigned size_bits = 0) noexcept {
        if (n_objects >= objects.size()) return false;
        objects[n_objects++] = object_need{t, static_cast<std::uint8_t>(size_bits), count};
        return true;
    }
    /// Bytes of all simple_untyped pools.
    [[nodiscard]] constexpr std::uint64_t pool_bytes() const noexcept {
        std::uint64_t b = 0;
        for (std::size_t i = 0; i < n_pools; ++i) b += std::uint64_t{pools[i].count} << pools[i].size_bits;
        return b;
    }
};

/// A whole system: one platform, up to MaxComponents components.
template <std::size_t MaxComponents>
struct system {
    platform plat{};
    std::array<component, MaxComponents> components{};
    std::size_t n_components = 0;

    static constexpr std::size_t capacity() noexcept { return MaxComponents; }
    /// Appends a component; returns nullptr when full.
    constexpr component* add(const name_t& n) noexcept {
        if (n_components >= MaxComponents) return nullptr;
        component& c = components[n_components++];
        c = component{};
        c.name = n;
        return &c;
    }
};

} // namespace retype::plan
