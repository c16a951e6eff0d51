#include <retype/kernel/object_type.hpp>

#include <gtest/gtest.h>

using namespace retype::kernel;

namespace {
constexpr config on(arch a) { return config{.target = a}; }
} // namespace

// Numbers from libsel4 objecttype.h, non-MCS x86_64 with huge pages (confirmed on a real kernel).
static_assert(*sel4_type_number(on(arch::x86_64), object_type::pdpt) == 5);
static_assert(*sel4_type_number(on(arch::x86_64), object_type::pml4) == 6);
static_assert(*sel4_type_number(on(arch::x86_64), object_type::frame_1g) == 7);
static_assert(*sel4_type_number(on(arch::x86_64), object_type::frame_4k) == 8);
static_assert(*sel4_type_number(on(arch::x86_64), object_type::frame_2m) == 9);
static_assert(*sel4_type_number(on(arch::x86_64), object_type::page_table) == 10);
static_assert(*sel4_type_number(on(arch::x86_64), object_type::page_directory) == 11);
// Without CONFIG_HUGE_PAGE the later numbers shift down and the 1 GiB frame is gone.
static_assert(!sel4_type_number(config{.target = arch::x86_64, .huge_page = false}, object_type::frame_1g));
static_assert(*sel4_type_number(config{.target = arch::x86_64, .huge_page = false}, object_type::frame_4k) == 7);
// MCS inserts SchedContext (5) and Reply (6) before the mode types.
static_assert(*sel4_type_number(config{.target = arch::aarch64, .mcs = true}, object_type::frame_1g) == 7);
static_assert(*sel4_type_number(on(arch::aarch64), object_type::frame_1g) == 5);
static_assert(*sel4_type_number(on(arch::aarch64), object_type::vspace) == 6);
static_assert(*sel4_type_number(on(arch::aarch64), object_type::frame_4k) == 7);
static_assert(*sel4_type_number(on(arch::aarch64), object_type::page_table) == 9);
static_assert(*sel4_type_number(on(arch::aarch64_hyp), object_type::vcpu) == 10);
static_assert(*sel4_type_number(on(arch::riscv64), object_type::frame_4k) == 6);
static_assert(*sel4_type_number(on(arch::aarch32), object_type::page_directory) == 5);
static_assert(*sel4_type_number(on(arch::aarch32), object_type::page_table) == 10);

TEST(ObjectType, SizesPerArchitecture) {
    EXPECT_EQ(object_bits(on(arch::x86_64), object_type::tcb, 0), 11u);
    EXPECT_EQ(object_bits(config{.target = arch::x86_64, .tcb_bits = 12}, object_type::tcb, 0), 12u);
    EXPECT_EQ(object_bits(on(arch::aarch32), object_type::tcb, 0), 10u);
    EXPECT_EQ(object_bits(on(arch::riscv64), object_type::tcb, 0), 11u);
    EXPECT_EQ(object_bits(config{.target = arch::riscv64, .fpu = false}, object_type::tcb, 0), 10u);
    EXPECT_EQ(object_bits(on(arch::x86_64), object_type::notification, 0), 5u);
    EXPECT_EQ(object_bits(config{.target = arch::x86_64, .mcs = true}, object_type::notification, 0), 6u);
    EXPECT_EQ(object_bits(on(arch::aarch32), object_type::notification, 0), 4u);
    EXPECT_EQ(object_bits(on(arch::x86_64), object_type::cnode, 10), 15u);
    EXPECT_EQ(object_bits(on(arch::aarch32), object_type::cnode, 10), 14u);
    EXPECT_EQ(object_bits(on(arch::aarch32), object_type::frame_64k, 0), 16u);
    EXPECT_EQ(object_bits(on(arch::aarch32), object_type::section, 0), 20u);
    EXPECT_EQ(object_bits(config{.target = arch::aarch32, .hyp = true}, object_type::section, 0), 21u);
    EXPECT_EQ(object_bits(on(arch::aarch32), object_type::page_table, 0), 10u);
    EXPECT_EQ(object_bits(on(arch::aarch32), object_type::vspace, 0), 14u);
    EXPECT_EQ(object_bits(config{.target = arch::x86_64, .vtx = true}, object_type::vcpu, 0), 14u);
    EXPECT_EQ(object_bits(on(arch::aarch64_hyp), object_type::vcpu, 0), 12u);
    // Hyp with a 40-bit PA (the default 2^40 device top) has an 8 KiB VSpace; 44-bit PA and EL1 have 4 KiB.
    EXPECT_EQ(object_bits(on(arch::aarch64_hyp), object_type::vspace, 0), 13u);
    EXPECT_EQ(object_bits(config{.target = arch::aarch64_hyp, .device_top = 1ULL << 44}, object_type::vspace, 0), 12u);
    EXPECT_EQ(object_bits(on(arch::aarch64), object_type::vspace, 0), 12u);
    // size_bits far beyond the word stays exact, so the range check can see it.
    EXPECT_EQ(object_bits(on(arch::x86_64), object_type::cnode, 255), 260u);
}

TEST(ObjectType, WhichArchitectureHasWhat) {
    EXPECT_FALSE(exists(on(arch::x86_64), object_type::sched_context));
    EXPECT_TRUE(exists(config{.target = arch::x86_64, .mcs = true}, object_type::sched_context));
    EXPECT_FALSE(exists(on(arch::aarch64), object_type::vcpu));
    EXPECT_TRUE(exists(on(arch::aarch64_hyp), object_type::vcpu));
    EXPECT_FALSE(exists(on(arch::aarch32), object_type::frame_2m));
    EXPECT_FALSE(exists(on(arch::riscv64), object_type::page_directory));
    EXPECT_TRUE(exists(on(arch::riscv64), object_type::frame_1g));
    EXPECT_FALSE(exists(config{.target = arch::x86_64, .huge_page = false}, object_type::frame_1g));
}

TEST(ObjectType, ParseNames) {
    for (object_type t : all_object_types) EXPECT_EQ(parse_object_type(name(t)), t);
    EXPECT_FALSE(parse_object_type("frame"));
}

// ---- x86 IOMMU and EPT (libsel4 arch_include/x86/sel4/arch/objecttype.h) ----
// The IOMMU's page table comes right after the page directory (11) and before
// the VT-x objects: with IOMMU and VT-x, non-MCS, IOPageTable 12, VCPU 13,
// EPTPML4 14, EPTPDPT 15, EPTPD 16, EPTPT 17.
namespace {
constexpr config x86_vmm{.target = arch::x86_64, .vtx = true, .iommu = true};
constexpr config x86_vtx{.target = arch::x86_64, .vtx = true};
} // namespace
static_assert(*sel4_type_number(x86_vmm, object_type::io_page_table) == 12);
static_assert(*sel4_type_number(x86_vmm, object_type::vcpu) == 13);
static_assert(*sel4_type_number(x86_vmm, object_type::ept_pml4) == 14);
static_assert(*sel4_type_number(x86_vmm, object_type::ept_pdpt) == 15);
static_assert(*sel4_type_number(x86_vmm, object_type::ept_pd) == 16);
static_assert(*sel4_type_number(x86_vmm, object_type::ept_pt) == 17);
// Without the IOMMU, VCPU takes 12 and the EPT objects follow it.
static_assert(*sel4_type_number(x86_vtx, object_type::vcpu) == 12);
static_assert(*sel4_type_number(x86_vtx, object_type::ept_pt) == 16);
static_assert(!sel4_type_number(x86_vtx, object_type::io_page_table));
// Without VT-x no EPT; the IOMMU alone adds IOPageTable 12.
static_assert(!sel4_type_number(config{.target = arch::x86_64, .iommu = true}, object_type::ept_pml4));
static_assert(*sel4_type_number(config{.target = arch::x86_64, .iommu = true}, object_type::io_page_table) == 12);
// Sizes: seL4_IOPageTableBits 12, seL4_X86_EPT*Bits 3 + 9 = 12.
static_assert(fixed_object_bits(x86_vmm, object_type::io_page_table) == 12);
static_assert(fixed_object_bits(x86_vmm, object_type::ept_pml4) == 12);
static_assert(fixed_object_bits(x86_vmm, object_type::ept_pt) == 12);
// Not on other architectures.
static_assert(!exists(on(arch::aarch64_hyp), object_type::ept_pml4));
static_assert(!exists(on(arch::aarch64_hyp), object_type::io_page_table));
static_assert(parse_object_type("ept_pdpt") == object_type::ept_pdpt);

// ---- the aarch64 hyp VSpace follows CONFIG_ARM_PA_SIZE_BITS_40/_44 ---------
static_assert(fixed_object_bits(config{.target = arch::aarch64_hyp, .arm_pa_bits = 40}, object_type::vspace) == 13);
static_assert(fixed_object_bits(config{.target = arch::aarch64_hyp, .arm_pa_bits = 44}, object_type::vspace) == 12);
// EL1 kernels never concatenate.
static_assert(fixed_object_bits(config{.target = arch::aarch64, .arm_pa_bits = 40}, object_type::vspace) == 12);

// ---- contradictory configurations -------------------------------------------
static_assert(check(config{.target = arch::aarch64, .hyp = true}) == config_problem::hyp_on_aarch64);
static_assert(check(config{.target = arch::riscv64, .hyp = true}) == config_problem::hyp_not_aarch32);
static_assert(check(config{.target = arch::aarch64_hyp, .vtx = true}) == config_problem::vtx_not_x86_64);
static_assert(check(config{.target = arch::aarch32, .iommu = true}) == config_problem::iommu_not_x86_64);
static_assert(check(config{.target = arch::aarch64, .huge_page = false}) == config_problem::no_huge_page);
static_assert(check(config{.target = arch::x86_64, .tcb_bits = 13}) == config_problem::tcb_bits);
static_assert(check(config{.target = arch::x86_64, .fan_out_limit = 0}) == config_problem::fan_out_limit);
static_assert(check(config{.target = arch::x86_64, .max_bootinfo_untypeds = 0}) == config_problem::bootinfo_untypeds);
// config.cmake: 7..26 on 64-bit, 8..27 on 32-bit.
static_assert(check(config{.target = arch::x86_64, .root_cnode_bits = 27}) == config_problem::root_cnode_bits);
static_assert(check(config{.target = arch::aarch32, .root_cnode_bits = 27}) == config_problem::none);
static_assert(check(config{.target = arch::aarch32, .root_cnode_bits = 7}) == config_problem::root_cnode_bits);
static_assert(check(config{.target = arch::x86_64, .phys_base = 0}) == config_problem::aarch32_only);
static_assert(check(config{.target = arch::x86_64, .arm_pa_bits = 40}) == config_problem::arm_pa_bits);
static_assert(check(config{.target = arch::aarch64, .arm_pa_bits = 42}) == config_problem::arm_pa_bits);
// The twins: consistent configurations.
static_assert(valid(config{.target = arch::aarch64_hyp}));
static_assert(valid(config{.target = arch::aarch32, .hyp = true}));
static_assert(valid(x86_vmm));
static_assert(describe(config_problem::hyp_on_aarch64) == "hyp on aarch64: use arch::aarch64_hyp");
