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
