// kernel::libsel4_config from the double's gen_config.h, once per configuration
// (tests/backend/CMakeLists.txt builds this file against each of
// sel4_double/configs/<name>/). Including <retype/kernel/libsel4_config.hpp>
// with the double's <sel4/sel4.h> present also runs its static_asserts: every
// object type's number and size against libsel4's enumerators and seL4_*Bits.
//
// The expected values are derived by hand from the configuration header and
// seL4's rules (comments), not from the code under test.
#include <retype/kernel/libsel4_config.hpp>

#include <sel4/sel4.h>

#include <gtest/gtest.h>

using namespace retype::kernel;

static_assert(have_libsel4_config);

namespace {

#if defined(RETYPE_TEST_CONFIG_x86_64)
// pc99 defaults: IOMMU on, no VT-x, 1 GiB pages, XSAVE 576 (< 832: seL4_TCBBits 11),
// PADDR_USER_DEVICE_TOP 2^47, root CNode 2^12, fan-out 256, 230 bootinfo untypeds.
constexpr config expected{.target = arch::x86_64,
                          .tcb_bits = 11,
                          .fan_out_limit = 256,
                          .max_bootinfo_untypeds = 230,
                          .reset_chunk_bits = 8,
                          .root_cnode_bits = 12,
                          .device_top = std::uint64_t{1} << 47,
                          .iommu = true};
// Numbers: 5 common types (no MCS), then PDPT 5, PML4 6, HugePage 7, 4K 8,
// LargePage 9, PageTable 10, PageDirectory 11, IOPageTable 12; no VCPU.
constexpr std::uint32_t expected_numbers[][2] = {
    {static_cast<std::uint32_t>(object_type::pdpt), 5},
    {static_cast<std::uint32_t>(object_type::pml4), 6},
    {static_cast<std::uint32_t>(object_type::frame_1g), 7},
    {static_cast<std::uint32_t>(object_type::frame_4k), 8},
    {static_cast<std::uint32_t>(object_type::frame_2m), 9},
    {static_cast<std::uint32_t>(object_type::page_table), 10},
    {static_cast<std::uint32_t>(object_type::page_directory), 11},
    {static_cast<std::uint32_t>(object_type::io_page_table), 12},
};
static_assert(seL4_X86_IOPageTableObject == 12 && seL4_ObjectTypeCount == 13);
static_assert(!exists(libsel4_config, object_type::vcpu) && !exists(libsel4_config, object_type::ept_pml4));
#elif defined(RETYPE_TEST_CONFIG_x86_64_vmm)
// A VMM's kernel: MCS, VT-x and IOMMU, no 1 GiB pages, XSAVE 832 (seL4_TCBBits 12), root CNode 2^16.
constexpr config expected{.target = arch::x86_64,
                          .tcb_bits = 12,
                          .mcs = true,
                          .huge_page = false,
                          .vtx = true,
                          .fan_out_limit = 256,
                          .max_bootinfo_untypeds = 230,
                          .reset_chunk_bits = 8,
                          .root_cnode_bits = 16,
                          .device_top = std::uint64_t{1} << 47,
                          .iommu = true};
// Numbers: 7 common types (MCS), PDPT 7, PML4 8, (no HugePage) 4K 9, LargePage 10,
// PageTable 11, PageDirectory 12, IOPageTable 13, then VCPU 14 (not 13: the IOMMU's
// table comes first), EPTPML4 15, EPTPDPT 16, EPTPD 17, EPTPT 18.
constexpr std::uint32_t expected_numbers[][2] = {
    {static_cast<std::uint32_t>(object_type::sched_context), 5},
    {static_cast<std::uint32_t>(object_type::reply), 6},
    {static_cast<std::uint32_t>(object_type::pdpt), 7},
    {static_cast<std::uint32_t>(object_type::pml4), 8},
    {static_cast<std::uint32_t>(object_type::frame_4k), 9},
    {static_cast<std::uint32_t>(object_type::frame_2m), 10},
    {static_cast<std::uint32_t>(object_type::page_table), 11},
    {static_cast<std::uint32_t>(object_type::page_directory), 12},
    {static_cast<std::uint32_t>(object_type::io_page_table), 13},
    {static_cast<std::uint32_t>(object_type::vcpu), 14},
    {static_cast<std::uint32_t>(object_type::ept_pml4), 15},
    {static_cast<std::uint32_t>(object_type::ept_pdpt), 16},
    {static_cast<std::uint32_t>(object_type::ept_pd), 17},
    {static_cast<std::uint32_t>(object_type::ept_pt), 18},
};
static_assert(seL4_X86_VCPUObject == 14 && seL4_X86_EPTPTObject == 18 && seL4_ObjectTypeCount == 19);
// Sizes: VCPU 2^14, EPT tables 2^12 (512 entries of 8 bytes), TCB 2^12.
static_assert(fixed_object_bits(libsel4_config, object_type::vcpu) == 14);
static_assert(fixed_object_bits(libsel4_config, object_type::ept_pml4) == 12);
static_assert(fixed_object_bits(libsel4_config, object_type::tcb) == 12);
#elif defined(RETYPE_TEST_CONFIG_aarch64)
// EL1 on a Cortex-A57: 44-bit PA (device top 2^44), no hypervisor, root CNode 2^16.
constexpr config expected{.target = arch::aarch64,
                          .tcb_bits = 11,
                          .fan_out_limit = 256,
                          .max_bootinfo_untypeds = 230,
                          .reset_chunk_bits = 8,
                          .root_cnode_bits = 16,
                          .device_top = std::uint64_t{1} << 44,
                          .arm_pa_bits = 44};
// Numbers: HugePage 5, VSpace 6, SmallPage 7, LargePage 8, PageTable 9; no VCPU.
constexpr std::uint32_t expected_numbers[][2] = {
    {static_cast<std::uint32_t>(object_type::frame_1g), 5},   {static_cast<std::uint32_t>(object_type::vspace), 6},
    {static_cast<std::uint32_t>(object_type::frame_4k), 7},   {static_cast<std::uint32_t>(object_type::frame_2m), 8},
    {static_cast<std::uint32_t>(object_type::page_table), 9},
};
static_assert(seL4_ARM_PageTableObject == 9 && seL4_ObjectTypeCount == 10);
static_assert(fixed_object_bits(libsel4_config, object_type::vspace) == 12);
#elif defined(RETYPE_TEST_CONFIG_aarch64_hyp)
// EL2 on a Cortex-A53: 40-bit PA, so the stage-2 VSpace is two concatenated
// tables (seL4_VSpaceBits 13); MCS; 50 bootinfo untypeds.
constexpr config expected{.target = arch::aarch64_hyp,
                          .tcb_bits = 11,
                          .mcs = true,
                          .fan_out_limit = 256,
                          .max_bootinfo_untypeds = 50,
                          .reset_chunk_bits = 8,
                          .root_cnode_bits = 12,
                          .device_top = std::uint64_t{1} << 40,
                          .arm_pa_bits = 40};
// Numbers: 7 common, HugePage 7, VSpace 8, SmallPage 9, LargePage 10, PageTable 11, VCPU 12.
constexpr std::uint32_t expected_numbers[][2] = {
    {static_cast<std::uint32_t>(object_type::frame_1g), 7},    {static_cast<std::uint32_t>(object_type::vspace), 8},
    {static_cast<std::uint32_t>(object_type::frame_4k), 9},    {static_cast<std::uint32_t>(object_type::frame_2m), 10},
    {static_cast<std::uint32_t>(object_type::page_table), 11}, {static_cast<std::uint32_t>(object_type::vcpu), 12},
};
static_assert(seL4_ARM_VCPUObject == 12 && seL4_ObjectTypeCount == 13);
static_assert(fixed_object_bits(libsel4_config, object_type::vspace) == 13);
#elif defined(RETYPE_TEST_CONFIG_aarch32_hyp)
// arm_hyp on a Cortex-A15 with FPU (no CP14 save, no debug API: seL4_TCBBits 10);
// hyp sizes: page table 2^12, section 2^21, supersection 2^25.
constexpr config expected{.target = arch::aarch32,
                          .tcb_bits = 10,
                          .hyp = true,
                          .fan_out_limit = 256,
                          .max_bootinfo_untypeds = 230,
                          .reset_chunk_bits = 8,
                          .root_cnode_bits = 12,
                          .device_top = std::uint64_t{1} << 32};
// Numbers: PageDirectory 5, SmallPage 6, LargePage 7, Section 8, SuperSection 9, PageTable 10, VCPU 11.
constexpr std::uint32_t expected_numbers[][2] = {
    {static_cast<std::uint32_t>(object_type::page_directory), 5},
    {static_cast<std::uint32_t>(object_type::frame_4k), 6},
    {static_cast<std::uint32_t>(object_type::frame_64k), 7},
    {static_cast<std::uint32_t>(object_type::section), 8},
    {static_cast<std::uint32_t>(object_type::supersection), 9},
    {static_cast<std::uint32_t>(object_type::page_table), 10},
    {static_cast<std::uint32_t>(object_type::vcpu), 11},
};
static_assert(seL4_ARM_VCPUObject == 11 && seL4_ObjectTypeCount == 12);
static_assert(fixed_object_bits(libsel4_config, object_type::section) == 21);
#elif defined(RETYPE_TEST_CONFIG_riscv64)
// Sv39 with FPU (seL4_TCBBits 11), MCS, fan-out 128, reset chunks 2^10, 100 bootinfo untypeds.
constexpr config expected{.target = arch::riscv64,
                          .tcb_bits = 11,
                          .mcs = true,
                          .fan_out_limit = 128,
                          .max_bootinfo_untypeds = 100,
                          .reset_chunk_bits = 10,
                          .root_cnode_bits = 13,
                          .device_top = std::uint64_t{1} << 39};
// Numbers: 7 common, Giga 7, 4K 8, Mega 9, PageTable 10 (also the VSpace).
constexpr std::uint32_t expected_numbers[][2] = {
    {static_cast<std::uint32_t>(object_type::frame_1g), 7}, {static_cast<std::uint32_t>(object_type::frame_4k), 8},
    {static_cast<std::uint32_t>(object_type::frame_2m), 9}, {static_cast<std::uint32_t>(object_type::page_table), 10},
    {static_cast<std::uint32_t>(object_type::vspace), 10},
};
static_assert(seL4_RISCV_PageTableObject == 10 && seL4_ObjectTypeCount == 11);
#else
#error "RETYPE_TEST_CONFIG_<name> names no configuration"
#endif

static_assert(libsel4_config == expected);
static_assert(valid(libsel4_config));

constexpr bool numbers_match() {
    for (const auto& e : expected_numbers) {
        const auto n = sel4_type_number(libsel4_config, static_cast<object_type>(e[0]));
        if (!n || *n != e[1]) return false;
    }
    return true;
}
static_assert(numbers_match());

TEST(libsel4_config, is_the_configuration_of_the_double) {
    EXPECT_EQ(name(libsel4_config.target), name(expected.target));
    EXPECT_TRUE(libsel4_config == expected);
    for (const auto& e : expected_numbers)
        EXPECT_EQ(sel4_type_number(libsel4_config, static_cast<object_type>(e[0])), e[1])
            << name(static_cast<object_type>(e[0]));
}

} // namespace
