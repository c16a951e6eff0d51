// The planner's CAmkES semantics (issue 13) and the honesty of its fixes, one
// case per class, each written from the upstream code path named in its
// comment, with the verdict derived by hand there. Also issue 16's unchecked
// numbers: the planner API refuses what its fields cannot hold.
#include <retype/plan/examples.hpp>
#include <retype/plan/planner.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace {
using namespace retype::plan;
using retype::kernel::arch;
using retype::kernel::object_type;
constexpr std::size_t cap = 4096;
constexpr std::uint64_t MiB = 1024 * 1024;

std::unique_ptr<report> plan_of(const retype::plan::system<4>& s) { return std::make_unique<report>(run<cap>(s)); }

// ---- CAmkES defaults

// seL4AllocatorMempool.template.c: get('allocator_mempool_size', 80 * 1024 * 1024), ROUND_UP to PAGE_SIZE.
// The template belongs to the VM component; a component without a guest has no such array.
constexpr bool mempool_defaults() {
    component vmm{};
    vmm.guest.present = true;
    component other{};
    component odd = vmm;
    odd.mempool_size = 1; // rounded up to one page
    return allocator_mempool(vmm) == 80 * MiB && allocator_mempool(other) == 0 && allocator_mempool(odd) == 4096;
}
static_assert(mempool_defaults());

// seL4VMParameters.template.c, linux_image_config path: map_one_to_one = 1 on EXYNOS5, QEMU_ARM_VIRT, TX2.
static_assert(default_map_one_to_one("qemu-arm-virt"));
static_assert(default_map_one_to_one("tx2"));
static_assert(default_map_one_to_one("exynos5422"));
static_assert(!default_map_one_to_one("odroidc2"));
static_assert(!default_map_one_to_one("zcu102"));

// ---- Per-architecture allocman costs

constexpr retype::kernel::config arm_hyp() {
    retype::kernel::config c{};
    c.target = arch::aarch32;
    c.hyp = true;
    return c;
}
constexpr retype::kernel::config aarch64_hyp() {
    retype::kernel::config c{};
    c.target = arch::aarch64_hyp;
    return c;
}
// struct utspace_split_node = cspacepath_t (7 words) + 7 words; the K&R header is a pointer and a size_t
// aligned to a long long: 64-bit 112 B + 16 = 128 B; aarch32 56 B + 8 = 64 B.
static_assert(split_node_bytes(aarch64_hyp()) == 128);
static_assert(split_node_bytes(arm_hyp()) == 64);
// cspace_single_level_create: (2^23 - 15) slots in 64-bit words = 131,072 words = 1 MiB, + a 16-B header;
// on aarch32 in 32-bit words: 262,144 words = 1 MiB, + an 8-B header.
static_assert(cspace_bitmap_bytes(aarch64_hyp(), 23, 15) == 1048576 + 16);
static_assert(cspace_bitmap_bytes(arm_hyp(), 23, 14) == 1048576 + 8);
// The CSlot: seL4_SlotBits 5 on 64-bit, 4 on aarch32.
static_assert(retype::kernel::traits(aarch64_hyp()).slot_bits == 5);
static_assert(retype::kernel::traits(arm_hyp()).slot_bits == 4);
// arm_hyp is a planner architecture name (KernelSel4Arch in camkes-vm-examples' settings.cmake).
constexpr bool arm_hyp_parses() {
    retype::kernel::config c{};
    return parse_planner_arch("arm_hyp", c) && c.target == arch::aarch32 && c.hyp &&
           planner_arch_name(c) == "arm_hyp" && parse_planner_arch("aarch64", c) && !c.hyp &&
           !parse_planner_arch("sparc", c);
}
static_assert(arm_hyp_parses());
// One spelling each: aarch64_hyp and arm_hyp are read as they are, the older
// aarch64-hyp and aarch32-hyp as the same architectures but flagged deprecated
// (the TOML reader prints a note), and what is printed is the one spelling.
constexpr bool spellings() {
    retype::kernel::config c{};
    bool old = true;
    const bool now = parse_planner_arch("aarch64_hyp", c, &old) && !old && c.target == arch::aarch64_hyp &&
                     planner_arch_name(c) == "aarch64_hyp" && parse_planner_arch("arm_hyp", c, &old) && !old;
    const bool before = parse_planner_arch("aarch64-hyp", c, &old) && old && c.target == arch::aarch64_hyp &&
                        planner_arch_name(c) == "aarch64_hyp" && parse_planner_arch("aarch32-hyp", c, &old) && old &&
                        c.target == arch::aarch32 && c.hyp && planner_arch_name(c) == "arm_hyp";
    return now && before && !parse_planner_arch("aarch32_hyp", c, &old) && !old;
}
static_assert(spellings());

// ---- Issue 16: values the description's fields cannot hold are refused by the API itself.

constexpr bool api_refuses_out_of_range() {
    component c{};
    const bool refused = !c.add_mmio(0, 64) && !c.add_mmio(0, 300) && !c.add_pool(12, 0x100000000ULL) &&
                         !c.add_pool(64, 1) && !c.add_objects(object_type::endpoint, 0x100000001ULL);
    const bool nothing_added = c.n_mmios == 0 && c.n_pools == 0 && c.n_objects == 0;
    const bool accepted = c.add_pool(12, 0xffffffffULL) && c.pools[0].count == 0xffffffffu;
    return refused && nothing_added && accepted;
}
static_assert(api_refuses_out_of_range());

TEST(PlanIssue16, ExactUntypedOfZeroBitsIsASizeErrorNotMisalignment) {
    // seL4_MinUntypedBits is 4 on aarch64: "0x0:0" is out of range, whatever its alignment.
    auto s = examples::vm_minimal_patched_2m_pages();
    s.components[0].mmios[0] = exact_untyped{0x0, 0};
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::exact_untyped_size);
    EXPECT_EQ(l.cause.needed, 4u);
    EXPECT_EQ(l.cause.available, 47u);
    EXPECT_EQ(l.n_fixes, 0u); // an input error
}

TEST(PlanIssue16, FanOutLimitZeroIsTheKernelsRangeError) {
    // decodeUntypedInvocation: a node window outside 1..CONFIG_RETYPE_FAN_OUT_LIMIT is seL4_RangeError; with a
    // limit of 0 the first retype (the filler below the GIC frame at 0x8040000) gets it.
    auto s = examples::vm_minimal_patched_2m_pages();
    s.plat.kernel.fan_out_limit = 0;
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::kernel_error);
    EXPECT_EQ(l.cause.error, retype::error_code::range_error);
    EXPECT_EQ(l.cause.needed, 0u); // the limit the kernel reports
}

TEST(PlanIssue16, CNodeRadixZeroIsTheKernelsInvalidArgument) {
    // decodeUntypedInvocation: a CNode with userObjSize 0 is seL4_InvalidArgument (argument 1).
    auto s = examples::vm_minimal_patched_2m_pages();
    s.components[0].cnode_size_bits = 0;
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::kernel_error);
    EXPECT_EQ(l.cause.error, retype::error_code::invalid_argument);
    EXPECT_EQ(l.cause.object, object_type::cnode);
    EXPECT_EQ(l.cause.needed, 1u);
}

TEST(PlanIssue16, TheProgramsOwnLimitIsNotTheSystemsProblem) {
    // A kernel model of 70 nodes holds the 59 initial untypeds, not the loader's retypes: model_capacity,
    // with no fix (nothing in the description causes it).
    const auto s = examples::vm_minimal_patched_2m_pages();
    const auto r = std::make_unique<report>(run<70>(s));
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::model_capacity);
    EXPECT_EQ(l.n_fixes, 0u);
}

// ---- Non-1:1 guests: untyped_mmios are device untypeds; inside the RAM window they are DEV_MEM.

// camkes-vm-examples vm_minimal/odroidc2/devices.camkes: linux_address_config (so map_one_to_one is the
// platform default, 0 on odroidc2), VM_RAM_BASE 0x20000000, VM_RAM_SIZE 0x10000000, untyped_mmios
// "0xc4306000:12" (VCPU) and "0x20000000:28" (RAM); vm_minimal.camkes: cnode_size_bits 23,
// simple_untyped24_pool 12. The platform: 2 GiB of RAM at 0 (a Cortex-A53, 40-bit PA).
retype::plan::system<4> odroidc2_vm_minimal() {
    retype::plan::system<4> s{};
    s.plat.name = "odroidc2";
    s.plat.kernel.target = arch::aarch64_hyp;
    s.plat.kernel.root_cnode_bits = 18;
    s.plat.add_ram(0x0, 0x80000000);
    s.plat.kernel_image = image{0, 0x240000};
    s.plat.dtb = image{0, 0x8000};
    s.plat.rootserver = image{0, 0x1400000};
    component& c = *s.add("vm0");
    c.cnode_size_bits = 23;
    c.add_pool(24, 12);
    c.add_mmio(0xc4306000, 12);
    c.add_mmio(0x20000000, 28);
    c.image_size = 16 * MiB;
    c.cap_slots_used = 14; // the 12 pool untypeds and 2 exact untypeds
    c.guest.present = true;
    c.guest.ram_base = 0x20000000;
    c.guest.ram_size = 0x10000000;
    c.guest.one_to_one = default_map_one_to_one("odroidc2");
    return s;
}

TEST(PlanSemantics, StockOdroidc2GuestRamIsBackedByItsDevMemUntyped) {
    // main.c add_uts: 0x20000000:28 is a device untyped (component.simple.c) whose paddr is inside
    // [phys_base, phys_base + ram_size) = [0x20000000, 0x30000000): ALLOCMAN_UT_DEV_MEM. guest_ram.c
    // ram_alloc_iterator asks vka_alloc_frame_maybe_device(..., true), and split.c refills DEV_MEM first, so
    // all 65,536 guest pages come from it and the 192 MiB of pools only hold the paging objects: 128 tables
    // (one per 2 MiB) + 1 directory (one per GiB) of 4 KiB, the 8 KiB root, a 4 KiB VCPU and a 2 KiB TCB =
    // 542,720 B. (Modelled as pool RAM, 256 MiB + that would not fit 192 MiB: the false failure of before.)
    const auto r = plan_of(odroidc2_vm_minimal());
    ASSERT_TRUE(r->ok()) << static_cast<int>(r->first_failure()->cause.what);
    const vmm_need& n = r->guests[0].need;
    EXPECT_EQ(n.dev_mem_bytes, 256 * MiB);
    EXPECT_EQ(n.pool_bytes, 129u * 4096u + 8192u + 4096u + 2048u);
    // Nodes: 14 untypeds added, the 2^28 block split to 4 KiB (2^17 - 2 = 131,070), the pool's 133 leaves
    // 2*(67+34+17+9+5+3+2+1+1+1+1+1) = 284: 131,368 x 128 B + the 2^23-slot bitmap (1,048,592 B).
    EXPECT_EQ(n.nodes, 14u + 131070u + 284u);
    EXPECT_EQ(n.mempool_bytes, 131368u * 128u + 1048592u);
}

TEST(PlanSemantics, RamPaddrBaseDecidesWhichUntypedIsDevMem) {
    // vm_address_config.ram_paddr_base becomes vm_config.ram.phys_base; add_uts tests the untyped's paddr
    // against it, not against ram_base. A guest at guest-physical 0x40000000 whose RAM is at 0x20000000:
    auto s = odroidc2_vm_minimal();
    s.components[0].guest.ram_base = 0x40000000;
    s.components[0].guest.ram_paddr_base = 0x20000000;
    EXPECT_TRUE(plan_of(s)->ok());
    // Without ram_paddr_base the window is [0x40000000, 0x50000000): 0x20000000:28 is ALLOCMAN_UT_DEV (only
    // by paddr), the pools must hold 256 MiB + 542,720 B and have 192 MiB.
    s.components[0].guest.ram_paddr_base = paddr_unset;
    const auto r = plan_of(s);
    const stage_report& v = r->at(stage::vmm);
    ASSERT_EQ(v.state, status::failed);
    EXPECT_EQ(v.cause.what, problem::pool_too_small);
    EXPECT_EQ(v.cause.needed, 256 * MiB + 542720u);
    EXPECT_EQ(v.cause.available, 192 * MiB);
}

// ---- CAmkES mmios: frames several VMs map at one address.

TEST(PlanSemantics, SharedMmioFramesAreOneObjectNotATakenUntyped) {
    // component.simple.c: each `mmios` frame is alloc_obj('mmio_frame_%d' % paddr, ...): the same name, so
    // the same object, for every component listing it; capDL copies the cap. Two VMMs mapping the UART page
    // 0x9000000 (device memory on qemu-arm-virt) load.
    auto s = examples::vm_minimal_patched_2m_pages();
    s.components[0].add_frames(0x9000000, 0x1000, 12);
    component& vm1 = *s.add("vm1");
    vm1.cnode_size_bits = 12;
    vm1.image_size = MiB;
    vm1.add_frames(0x9000000, 0x1000, 12);
    EXPECT_EQ(plan_of(s)->at(stage::loader).state, status::ok);
    // Written as untyped_mmios instead, the second is a second object over the same range: taken.
    s.components[0].n_frames = 0;
    s.components[1].n_frames = 0;
    s.components[0].add_mmio(0x9000000, 12);
    s.components[1].add_mmio(0x9000000, 12);
    const auto r = plan_of(s);
    ASSERT_EQ(r->at(stage::loader).state, status::failed);
    EXPECT_EQ(r->at(stage::loader).cause.what, problem::exact_untyped_taken);
}

// ---- capDL object order

TEST(PlanSemantics, PaddrObjectsAreCreatedInAddressOrder) {
    // PrintUtils.hs sortObjects: (paddr, descending size, name). vm1's 256 MiB at 0x40000000 comes before
    // vm0's 512 MiB at 0x60000000, both inside the device untyped 0x40000000:30 of the no-map window; the
    // loader reaches 0x60000000 with a 0x50000000:28 filler. Largest first would place 0x60000000 first and
    // then find 0x40000000 below the watermark (a false "taken").
    auto s = examples::vm_minimal_patched_2m_pages();
    component& vm0 = s.components[0];
    vm0.n_mmios = 1; // the GIC frame
    vm0.add_mmio(0x60000000, 29);
    vm0.guest.ram_base = 0x60000000;
    vm0.guest.ram_size = 0x20000000;
    vm0.guest.n_images = 0;
    component& vm1 = *s.add("vm1");
    vm1 = vm0;
    vm1.name = "vm1";
    vm1.n_mmios = 0;
    vm1.add_mmio(0x40000000, 28);
    vm1.guest.ram_base = 0x40000000;
    vm1.guest.ram_size = 0x10000000;
    const auto r = plan_of(s);
    EXPECT_EQ(r->at(stage::loader).state, status::ok);
    bool filler = false;
    for (std::size_t i = 0; i < r->loaded.n_extents; ++i)
        filler = filler || (r->loaded.extents[i].kind == extent_kind::filler &&
                            r->loaded.extents[i].base == 0x50000000u && r->loaded.extents[i].size == 0x10000000u);
    EXPECT_TRUE(filler);
}

// ---- The capDL loader's root-CNode slots

// A vm_multi on qemu-arm-virt: three VMMs with CAmkES' defaults (80 MiB mempool, 12 x 16 MiB pools, a 2^23
// CNode... here 2^20 to fit three into the 2 GiB outside the window) and a 20 MiB image each.
retype::plan::system<4> vm_multi(unsigned root_bits) {
    retype::plan::system<4> s{};
    s.plat = examples::qemu_arm_virt_4g();
    s.plat.kernel.root_cnode_bits = static_cast<std::uint8_t>(root_bits);
    for (unsigned i = 0; i < 3; ++i) {
        const char name[] = {'v', 'm', static_cast<char>('0' + i), '\0'};
        component& c = *s.add(name);
        c.cnode_size_bits = 20;
        c.add_pool(24, 2);
        c.add_frames(0x8040000, 0x1000, 12); // the GIC vCPU interface, shared
        c.add_mmio(0x40000000 + i * 0x10000000ULL, 28);
        c.image_size = 20 * MiB;
        c.cap_slots_used = 3;
        c.guest.present = true;
        c.guest.ram_base = 0x40000000 + i * 0x10000000ULL;
        c.guest.ram_size = 0x10000000;
    }
    return s;
}

TEST(PlanSemantics, DebugLoaderAssertsCapDLLoaderMaxObjectsFreeSlots) {
    // parse_bootinfo: free = 2^16 - 5458 (the kernel's, stage 2) - 16 = 60,062 < CapDLLoaderMaxObjects 90,000:
    // the debug assertion fails before any object is created.
    const auto r = plan_of(vm_multi(16));
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::loader_slots_asserted);
    EXPECT_EQ(l.cause.available, 65536u - 5458u - 16u);
    EXPECT_EQ(l.shortfall, 90000u - (65536u - 5458u - 16u)); // slots
    // 2^17 - 5474 = 125,598 >= 90,000 and >= the objects below: 17 bits, checked through all stages.
    ASSERT_EQ(l.n_fixes, 1u);
    EXPECT_EQ(l.fixes[0].what, setting::kernel_root_cnode_bits);
    EXPECT_EQ(l.fixes[0].to, 17u);
    EXPECT_TRUE(l.fixes[0].verified);
}

TEST(PlanSemantics, ReleaseLoaderRunsOutOfFreeSlots) {
    // Without the assertion, next_free_slot: one slot per object. Per VMM: (20 MiB image + 80 MiB mempool)
    // / 4 KiB = 25,600 frames, 2 pools, an exact untyped, a CNode, a TCB, a VSpace, 51 page tables and 1
    // directory = 25,658; three: 76,974 and one shared GIC frame: 76,975 > 60,062.
    auto s = vm_multi(16);
    s.plat.loader_debug = false;
    EXPECT_EQ(spec_objects(s.plat.kernel, std::span<const component>(s.components.data(), s.n_components)), 76975u);
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::loader_out_of_slots);
    // With 18 bits (camkes-vm-examples' KernelRootCNodeSizeBits) it loads.
    EXPECT_EQ(run_stages<cap>(vm_multi(18)).at(stage::loader).state, status::ok);
}

TEST(PlanSemantics, SpecLargerThanCapDLLoaderMaxObjects) {
    // capdl_to_sel4_orig[CONFIG_CAPDL_LOADER_MAX_OBJECTS]: capdl's own default, 4096, is far below 76,975.
    auto s = vm_multi(18);
    s.plat.loader_max_objects = 4096;
    s.plat.loader_debug = false;
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::loader_too_many_objects);
    EXPECT_EQ(l.cause.needed, 76975u);
    ASSERT_EQ(l.n_fixes, 1u);
    EXPECT_EQ(l.fixes[0].what, setting::loader_max_objects);
    EXPECT_EQ(l.fixes[0].to, 87000u); // 76,975 * 9/8 = 86,596, rounded up to 1000
    EXPECT_TRUE(l.fixes[0].verified);
}

// ---- arm_hyp (32-bit hypervisor builds)

TEST(PlanSemantics, Exynos5422GuestOnArmHypUsesThirtyTwoBitCosts) {
    // vm_minimal/exynos5422/devices.camkes: RAM 0x40000000 + 256 MiB, untyped_mmios "0x10486000:12",
    // "0x40000000:28"; 1:1 (the platform default for EXYNOS5). The board: 2 GiB at 0x40000000; the guest's
    // 256 MiB reserved no-map, so the kernel (physBase) starts at 0x50000000. Pools and CNode made to fit the
    // ~511 MiB kernel window of arm_hyp (user_top 0xe0000000).
    retype::plan::system<4> s{};
    s.plat.name = "exynos5422";
    s.plat.kernel.target = arch::aarch32;
    s.plat.kernel.hyp = true;
    s.plat.kernel.phys_base = 0x50000000;
    s.plat.kernel.root_cnode_bits = 18;
    s.plat.add_ram(0x40000000, 0x80000000);
    s.plat.add_reserved(0x40000000, 0x10000000, true, "vm-memory");
    s.plat.kernel_image = image{0, 0x200000};
    s.plat.dtb = image{0, 0x10000};
    s.plat.rootserver = image{0, 0x1000000};
    component& c = *s.add("vm0");
    c.cnode_size_bits = 20;
    c.add_pool(24, 2);
    c.add_mmio(0x10486000, 12);
    c.add_mmio(0x40000000, 28);
    c.image_size = 8 * MiB;
    c.cap_slots_used = 4;
    c.guest.present = true;
    c.guest.ram_base = 0x40000000;
    c.guest.ram_size = 0x10000000;
    c.guest.one_to_one = default_map_one_to_one("exynos5422");
    const auto r = plan_of(s);
    ASSERT_TRUE(r->ok()) << static_cast<int>(r->first_failure()->id);
    const vmm_need& n = r->guests[0].need;
    // Stage 2 on arm_hyp: 128 page tables of 4 KiB (one per 2 MiB), no per-GiB level, a 16 KiB PD root, a
    // 4 KiB VCPU, a 1 KiB TCB (FPU): 545,792 B = 134 leaves: 2*(67+34+17+9+5+3+2+5*1) = 284 nodes.
    EXPECT_EQ(n.pool_bytes, 128u * 4096u + 16384u + 4096u + 1024u);
    // 4 untypeds + 131,070 split nodes + 284 = 131,358 nodes of 64 B; the bitmap of 2^20 - 4 slots in
    // 32-bit words: 32,768 words = 131,072 B + an 8-B header.
    EXPECT_EQ(n.nodes, 4u + 131070u + 284u);
    EXPECT_EQ(n.mempool_bytes, 131358u * 64u + 131072u + 8u);
}

// ---- Honest fixes

TEST(PlanHonestFixes, CheckedMeansTheWholeSystemPasses) {
    // The 512 MiB overlay of before the seed's patch puts the kernel at 0x60000000, inside the guest's
    // 0x40000000:30 (stage 3). The no-map node over [0x40000000, 0x80000000) fixes stage 3, but this VMM's
    // 1 MiB mempool cannot hold a 1 GiB 4-KiB guest (stage 4; nor can its 2^18-slot CNode): the fix is shown,
    // not [checked].
    auto s = examples::vm_minimal_patched_2m_pages();
    s.plat.reserved[0].where.size = 0x20000000;
    s.components[0].guest.ram_size = 0x40000000;
    s.components[0].guest.page_bits = 12;
    s.components[0].n_mmios = 2;
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    ASSERT_GE(l.n_fixes, 1u);
    EXPECT_EQ(l.fixes[0].what, setting::reserved_memory);
    EXPECT_FALSE(l.fixes[0].verified);
    // With an 80 MiB mempool (524,286 + 4 + pool nodes x 128 B ~ 64 MiB) and 2^21 slots (~790,000 used) the
    // same fix is checked.
    s.components[0].mempool_size = 80 * MiB;
    s.components[0].cnode_size_bits = 21;
    EXPECT_TRUE(plan_of(s)->at(stage::loader).fixes[0].verified);
}

TEST(PlanHonestFixes, DeviceRegistersAreNeverMovedIntoRam) {
    // Two VMMs both list the GIC vCPU interface 0x8040000:12 as an untyped: the second is taken. Moving it
    // would put a device register frame somewhere else (into RAM): no such fix.
    auto s = examples::vm_minimal_patched_2m_pages();
    component& vm1 = *s.add("vm1");
    vm1.cnode_size_bits = 12;
    vm1.add_mmio(0x8040000, 12);
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    EXPECT_EQ(l.cause.what, problem::exact_untyped_taken);
    for (std::size_t i = 0; i < l.n_fixes; ++i) {
        EXPECT_NE(l.fixes[i].what, setting::untyped_mmios);
        EXPECT_NE(l.fixes[i].what, setting::reserved_memory);
    }
}

TEST(PlanHonestFixes, AGuestMovesOnlyIntoAFreeReservedWindow) {
    // vm0's 1 GiB 1:1 guest at 0x40000000 with the 512 MiB overlay: the kernel sits at 0x60000000. A second
    // no-map window [0x100000000, 0x140000000) is free: a guest move may go there, never onto the kernel's RAM.
    auto s = examples::vm_minimal_patched_2m_pages();
    s.plat.reserved[0].where.size = 0x20000000;
    s.plat.add_reserved(0x100000000, 0x40000000, true, "spare");
    s.components[0].guest.ram_size = 0x40000000;
    s.components[0].guest.n_images = 0;
    s.components[0].n_mmios = 2;
    const auto r = plan_of(s);
    const stage_report& l = r->at(stage::loader);
    ASSERT_EQ(l.state, status::failed);
    bool moved = false;
    for (std::size_t i = 0; i < l.n_fixes; ++i) {
        if (l.fixes[i].what != setting::guest_ram_base) continue;
        moved = true;
        EXPECT_EQ(l.fixes[i].to, 0x100000000u);
        EXPECT_TRUE(l.fixes[i].verified);
    }
    EXPECT_TRUE(moved);
}

TEST(PlanHonestFixes, NoFixAddsAnUntypedAlreadyListed) {
    // Guest RAM [0x40000000, 0xc0000000) with "0x40000000:29" and "0x80000000:30": coverage stops at
    // 0x60000000. The cure is "0x60000000:29"; "0x80000000:30" is listed already and is not proposed.
    auto s = examples::vm_minimal_patched_2m_pages();
    s.components[0].mmios[1] = exact_untyped{0x40000000, 29};
    const auto r = plan_of(s);
    const stage_report& v = r->at(stage::vmm);
    ASSERT_EQ(v.state, status::failed);
    EXPECT_EQ(v.cause.what, problem::guest_ram_not_covered);
    ASSERT_EQ(v.n_fixes, 1u);
    EXPECT_EQ(v.fixes[0].to, 0x60000000u);
    EXPECT_EQ(v.fixes[0].aux, 29u);
}

TEST(PlanHonestFixes, AnEmptyGuestIsAnInputErrorWithoutAFix) {
    auto s = examples::vm_minimal_patched_2m_pages();
    s.components[0].guest.ram_size = 0;
    s.components[0].guest.n_images = 0;
    const auto r = plan_of(s);
    const stage_report& v = r->at(stage::vmm);
    ASSERT_EQ(v.state, status::failed);
    EXPECT_EQ(v.cause.what, problem::guest_ram_empty);
    EXPECT_EQ(v.n_fixes, 0u);
    EXPECT_EQ(r->at(stage::guest).state, status::not_reached); // no "gets all of its 0 B"
}

TEST(PlanHonestFixes, ANoOpIsNeverAFix) {
    stage_report st{};
    st.add_fix(fix{.what = setting::guest_ram_size, .component = 0, .from = 2048 * MiB, .to = 2048 * MiB});
    EXPECT_EQ(st.n_fixes, 0u);
    st.add_fix(fix{.what = setting::guest_ram_size, .component = 0, .from = 1024 * MiB, .to = 2048 * MiB});
    EXPECT_EQ(st.n_fixes, 1u);
}

TEST(PlanHonestFixes, CNodeShortfallIsInSlots) {
    // The patched VMM at 4 KiB pages with an 18-bit CNode: 15 + 1,050,663 nodes + 524,288 frames + 1029
    // = 1,575,995 slots needed, 262,144 there: short by 1,313,851 slots (not bytes).
    auto s = examples::vm_minimal_patched_2m_pages();
    s.components[0].guest.page_bits = 12;
    s.components[0].mempool_size = 146 * MiB;
    const auto r = plan_of(s);
    const stage_report& v = r->at(stage::vmm);
    ASSERT_EQ(v.state, status::failed);
    EXPECT_EQ(v.cause.what, problem::cnode_too_small);
    EXPECT_TRUE(counts_slots(v.cause.what));
    EXPECT_EQ(v.shortfall, 1575995u - 262144u);
}

} // namespace

namespace {
TEST(PlanHonestFixes, TwoMegabyteGuestPagesAreFlaggedAsAPatchedVmm) {
    // guest_ram.c hard-codes seL4_PageBits: a plan with page_bits 21 passes only for a patched libsel4vm, and
    // says so (a warning, no setting to change); the unpatched seed 001 gets no such warning.
    const auto patched = plan_of(examples::vm_minimal_patched_2m_pages());
    bool flagged = false;
    for (std::size_t i = 0; i < patched->n_warnings; ++i)
        flagged = flagged || (patched->warnings[i].what.what == problem::guest_pages_need_patch &&
                              patched->warnings[i].what.object_bits == 21 &&
                              patched->warnings[i].suggestion.what == setting::none);
    EXPECT_TRUE(flagged);
    const auto stock = plan_of(examples::vm_minimal_recommended());
    for (std::size_t i = 0; i < stock->n_warnings; ++i)
        EXPECT_NE(stock->warnings[i].what.what, problem::guest_pages_need_patch);
}
} // namespace
