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
inline constexpr std::size_t max_frame_mmios = 8;  // CAmkES `mmios` entries per component
inline constexpr std::uint16_t no_component = 0xffff;
inline constexpr std::uint64_t max_count = 0xffffffffULL; // pool and object counts: the planner's fields are 32-bit

/// camkes-vm templates/seL4AllocatorMempool.template.c: `configuration[me.name].get('allocator_mempool_size',
/// 80 * 1024 * 1024)`, rounded up to PAGE_SIZE.
inline constexpr std::uint64_t camkes_default_mempool = std::uint64_t{80} * 1024 * 1024;
/// "Not written": the component gets CAmkES' default (see allocator_mempool()).
inline constexpr std::uint64_t mempool_unset = ~std::uint64_t{0};
/// "Not written": the guest's ram_paddr_base is its ram_base.
inline constexpr std::uint64_t paddr_unset = ~std::uint64_t{0};
/// capdl-loader-app's CONFIG_CAPDL_LOADER_MAX_OBJECTS as camkes-vm-examples sets it (settings.cmake:
/// `CapDLLoaderMaxObjects 90000`; capdl's own default is 4096).
inline constexpr std::uint32_t camkes_vm_loader_max_objects = 90000;

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
    // The capDL loader's build (seL4/capdl capdl-loader-app/src/main.c, parse_bootinfo): in a debug build it
    // asserts that the root CNode has at least max_objects free slots after the 16 it skips; the spec may hold
    // at most max_objects objects (the capdl_to_sel4_* arrays, asserted too).
    std::uint32_t loader_max_objects = camkes_vm_loader_max_objects; // CapDLLoaderMaxObjects
    bool loader_debug = true;                                        // asserts compiled in (not a release build)

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

/// `simple_untyped<size_bits>_pool = count` (camkes-tool component.simple.c: RAM untypeds, device = false).
struct untyped_pool {
    std::uint8_t size_bits = 0;
    std::uint32_t count = 0;
};

/// One `untyped_mmios` entry "paddr:size_bits": an untyped of exactly this
/// range, which the capDL loader must find inside one initial untyped.
/// camkes-tool component.simple.c hands every one to the component with
/// device = true, whatever memory is behind it.
struct exact_untyped {
    paddr_t paddr = 0;
    std::uint8_t size_bits = 0;
};

/// One CAmkES `mmios` entry "paddr:size:bits": device frames of 2^bits at
/// paddr, paddr + 2^bits, ... (component.simple.c allocates one frame object
/// per step, named by its address). Several components listing the same frames
/// share the objects: capDL creates each once and copies the cap.
struct frame_mmio {
    paddr_t paddr = 0;
    std::uint64_t size = 0;
    std::uint8_t bits = 12; // 12, or the section size (20 on aarch32, 21 on arm_hyp and 64-bit Arm)
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
    // map_one_to_one: RAM frames at their own paddr (DMA without an IOMMU). The TOML reader applies camkes-vm's
    // per-platform default (default_map_one_to_one) when unset; a C++ description states it (default true).
    bool one_to_one = true;
    // vm_address_config.ram_paddr_base (camkes-vm templates/seL4VMParameters.template.c -> vm_config.ram.phys_base):
    // a device untyped inside [phys_base, phys_base + ram_size) is filed as ALLOCMAN_UT_DEV_MEM
    // (components/VM_Arm/src/main.c add_uts). paddr_unset: ram_base.
    paddr_t ram_paddr_base = paddr_unset;
    allocator_policy policy = allocator_policy::allocman_split;
    std::uint32_t vcpus = 1;
    std::array<guest_image, max_guest_images> images{};
    std::size_t n_images = 0;

    constexpr bool add_image(name_t n, paddr_t base, std::uint64_t size) noexcept {
        if (n_images >= images.size()) return false;
        images[n_images++] = guest_image{n, range{base, size}};
        return true;
    }
    [[nodiscard]] constexpr paddr_t phys_base() const noexcept {
        return ram_paddr_base == paddr_unset ? ram_base : ram_paddr_base;
    }
};

struct component {
    name_t name{};
    std::array<untyped_pool, max_pools> pools{};
    std::size_t n_pools = 0;
    std::array<exact_untyped, max_mmios> mmios{};
    std::size_t n_mmios = 0;
    std::array<frame_mmio, max_frame_mmios> frames{}; // CAmkES `mmios`
    std::size_t n_frames = 0;
    std::uint8_t cnode_size_bits = 12; // CAmkES' default
    // allocator_mempool_size: a static array in the component's .bss. mempool_unset: the template's default
    // (80 MiB) for a VMM (a component with a guest), none for the others; see allocator_mempool().
    std::uint64_t mempool_size = mempool_unset;
    std::uint64_t image_size = 0;     // the ELF's loadable bytes (without the mempool), backed by 4 KiB frames
    std::uint32_t cap_slots_used = 0; // slots CAmkES fills in the CNode before the allocator starts
    std::array<object_need, max_objects> objects{};
    std::size_t n_objects = 0;
    guest_config guest{};

    // The add_* functions refuse (false, nothing changed) a full table and values the fields cannot hold
    // exactly: size bits of 64 or more (no 2^bits in 64 bits), counts above 2^32 - 1. The architecture's
    // own range (seL4_MinUntypedBits..seL4_MaxUntypedBits) is stage 3's check, it names the entry.
    constexpr bool add_pool(std::uint64_t size_bits, std::uint64_t count) noexcept {
        if (n_pools >= pools.size() || size_bits >= 64 || count > max_count) return false;
        pools[n_pools++] = untyped_pool{static_cast<std::uint8_t>(size_bits), static_cast<std::uint32_t>(count)};
        return true;
    }
    constexpr bool add_mmio(paddr_t paddr, std::uint64_t size_bits) noexcept {
        if (n_mmios >= mmios.size() || size_bits >= 64) return false;
        mmios[n_mmios++] = exact_untyped{paddr, static_cast<std::uint8_t>(size_bits)};
        return true;
    }
    /// `mmios` "paddr:size:bits": bits 12, 20 or 21 (camkes-tool's bits_to_frame_type), size a non-zero multiple
    /// of 2^bits, paddr aligned, the range inside 64 bits.
    constexpr bool add_frames(paddr_t paddr, std::uint64_t size, std::uint64_t bits) noexcept {
        if (n_frames >= frames.size() || (bits != 12 && bits != 20 && bits != 21)) return false;
        const std::uint64_t step = std::uint64_t{1} << bits;
        if (size == 0 || size % step != 0 || paddr % step != 0 || paddr + size < paddr) return false;
        frames[n_frames++] = frame_mmio{paddr, size, static_cast<std::uint8_t>(bits)};
        return true;
    }
    constexpr bool add_objects(kernel::object_type t, std::uint64_t count, std::uint64_t size_bits = 0) noexcept {
        if (n_objects >= objects.size() || size_bits >= 64 || count > max_count) return false;
        objects[n_objects++] = object_need{t, static_cast<std::uint8_t>(size_bits), static_cast<std::uint32_t>(count)};
        return true;
    }
    /// Bytes of all simple_untyped pools (saturating: a pool of 2^63 B times 2 is "everything").
    [[nodiscard]] constexpr std::uint64_t pool_bytes() const noexcept {
        constexpr std::uint64_t all = ~std::uint64_t{0};
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < n_pools; ++i) {
            const unsigned bits = pools[i].size_bits;
            const std::uint64_t count = pools[i].count;
            if (bits >= 64 || (count != 0 && count > (all >> bits))) return all;
            const std::uint64_t pool = count << bits;
            if (pool > all - total) return all;
            total += pool;
        }
        return total;
    }
    /// The untypeds CAmkES hands the component (component.simple.c): the pools' untypeds, then untyped_mmios.
    [[nodiscard]] constexpr std::uint64_t untyped_count() const noexcept {
        std::uint64_t n = n_mmios;
        for (std::size_t i = 0; i < n_pools; ++i) n += pools[i].count;
        return n;
    }
};

/// The mempool the component really has: seL4AllocatorMempool.template.c's default (80 MiB) when unset for a
/// VMM, 0 for a component without a guest, and the written value rounded up to 4 KiB (the template's ROUND_UP).
[[nodiscard]] constexpr std::uint64_t allocator_mempool(const component& c) noexcept {
    if (c.mempool_size == mempool_unset) return c.guest.present ? camkes_default_mempool : 0;
    constexpr std::uint64_t page = 4096;
    return c.mempool_size > ~std::uint64_t{0} - (page - 1) ? ~std::uint64_t{0} & ~(page - 1)
                                                           : (c.mempool_size + page - 1) & ~(page - 1);
}

/// camkes-vm templates/seL4VMParameters.template.c, the (deprecated, but what the stock vm_minimal
/// configurations of camkes-vm-examples use) linux_image_config path: `map_one_to_one = 1` on
/// CONFIG_PLAT_EXYNOS5, CONFIG_PLAT_QEMU_ARM_VIRT and CONFIG_PLAT_TX2, 0 elsewhere. With vm_image_config
/// the attribute's own default is false (components/VM_Arm/configurations/vm.h): write it explicitly.
[[nodiscard]] constexpr bool default_map_one_to_one(std::string_view platform_name) noexcept {
    return platform_name.starts_with("exynos5") || platform_name == "qemu-arm-virt" || platform_name == "tx2";
}

/// The planner's architecture names: the kernel model's (kernel::parse_arch) and `arm_hyp`, seL4's
/// KernelSel4Arch for a 32-bit Arm kernel with hypervisor support (exynos5422, tk1 in camkes-vm-examples'
/// settings.cmake): aarch32 with config.hyp. One spelling each (planner_arch_name); the older
/// `aarch64-hyp` and `aarch32-hyp` are still read, and *deprecated (if given) says so, for a note.
[[nodiscard]] constexpr bool parse_planner_arch(std::string_view s, kernel::config& cfg,
                                                bool* deprecated = nullptr) noexcept {
    if (deprecated != nullptr) *deprecated = s == "aarch64-hyp" || s == "aarch32-hyp";
    if (s == "arm_hyp" || s == "aarch32-hyp") {
        cfg.target = kernel::arch::aarch32;
        cfg.hyp = true;
        return true;
    }
    if (!kernel::parse_arch(s, cfg.target)) return false;
    if (cfg.target != kernel::arch::aarch32) cfg.hyp = false;
    return true;
}
[[nodiscard]] constexpr std::string_view planner_arch_name(const kernel::config& cfg) noexcept {
    return cfg.target == kernel::arch::aarch32 && cfg.hyp ? "arm_hyp" : kernel::name(cfg.target);
}

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
