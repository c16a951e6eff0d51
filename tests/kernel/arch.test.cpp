#include <retype/kernel/arch.hpp>
#include <retype/kernel/arch_names.hpp>

#include <gtest/gtest.h>

using namespace retype::kernel;

namespace {
constexpr config on(arch a) { return config{.target = a}; }
} // namespace

// Kernel-window constants, from the per-architecture hardware.h (see docs/kernel-model.md).
static_assert(traits(on(arch::x86_64)).paddr_top == 0x7f80000000ULL);
static_assert(traits(on(arch::aarch64)).paddr_top == 0x7fc0000000ULL);
static_assert(traits(on(arch::aarch64_hyp)).paddr_top == 0x7fc0000000ULL);
static_assert(traits(on(arch::riscv64)).paddr_top == 0x3f80000000ULL);
static_assert(traits(on(arch::aarch32)).paddr_top == 0x9ff00000ULL);

// The wrap that seed 003 is about: physical 2^39 is kernel-virtual 0 on x86_64.
static_assert(traits(on(arch::x86_64)).to_pptr(0x8000000000ULL) == 0);
static_assert(traits(on(arch::x86_64)).to_paddr(0) == 0x8000000000ULL);
static_assert(traits(on(arch::riscv64)).to_pptr(0x4000000000ULL) == 0);
static_assert(traits(on(arch::aarch64_hyp)).to_pptr(0x40000000ULL) == 0x8040000000ULL);
static_assert(traits(on(arch::aarch64)).to_pptr(0x40000000ULL) == 0xffffff8040000000ULL);
// aarch32 wraps modulo 2^32, not 2^64.
static_assert(traits(on(arch::aarch32)).to_pptr(0x40000000ULL) == 0xa0000000ULL);
static_assert(traits(on(arch::aarch32)).to_pptr(0xa0000000ULL) == 0x00000000ULL);

// One spelling per architecture: what retype prints (name) is the table's
// spelling (the C++ enumerator's name), and the old text spelling still reads.
constexpr bool one_spelling() {
    for (const arch_spelling& s : arch_spellings)
        if (name(s.value) != s.name) return false;
    arch a{};
    return name(arch::aarch64_hyp) == "aarch64_hyp" && parse_arch("aarch64-hyp", a) && a == arch::aarch64_hyp;
}
static_assert(one_spelling());

TEST(Arch, NamesRoundTrip) {
    for (arch a : {arch::x86_64, arch::aarch64, arch::aarch64_hyp, arch::riscv64, arch::aarch32}) {
        arch back{};
        ASSERT_TRUE(parse_arch(name(a), back));
        EXPECT_EQ(back, a);
    }
    arch out{};
    EXPECT_FALSE(parse_arch("ia32", out));
}

TEST(Arch, WordAndUntypedLimits) {
    EXPECT_EQ(traits(on(arch::x86_64)).max_untyped_bits, 47u);
    EXPECT_EQ(traits(on(arch::aarch64)).max_untyped_bits, 47u);
    EXPECT_EQ(traits(on(arch::riscv64)).max_untyped_bits, 38u);
    EXPECT_EQ(traits(on(arch::aarch32)).max_untyped_bits, 29u);
    EXPECT_EQ(traits(on(arch::aarch32)).word_bits, 32u);
    EXPECT_EQ(traits(on(arch::aarch32)).slot_bits, 4u);
    EXPECT_EQ(traits(on(arch::x86_64)).slot_bits, 5u);
    EXPECT_EQ(traits(on(arch::x86_64)).device_top, 1ULL << 47);
    EXPECT_EQ(traits(on(arch::aarch32)).device_top, 1ULL << 32);
}

TEST(Arch, InWindowRejectsRangesThatCrossTheTop) {
    const auto t = traits(on(arch::x86_64));
    EXPECT_TRUE(t.in_window(0x7f00000000ULL, 31));
    EXPECT_FALSE(t.in_window(0x7f80000000ULL, 12));
    EXPECT_FALSE(t.in_window(0x7f40000000ULL, 31)); // ends past PADDR_TOP
}

// A platform whose RAM starts at physical 0 (zynq7000: physBase 0, seL4_UserTop 0xe0000000):
// PPTR_BASE_OFFSET = 0xe0000000 and PADDR_TOP = 0xfff00000 - 0xe0000000 = 0x1ff00000.
static_assert(traits(config{.target = arch::aarch32, .phys_base = 0, .user_top = 0xe0000000}).paddr_top == 0x1ff00000);
static_assert(traits(config{.target = arch::aarch32, .phys_base = 0, .user_top = 0xe0000000}).to_pptr(0) == 0xe0000000);
static_assert(traits(config{.target = arch::aarch32, .phys_base = 0, .user_top = 0xe0000000}).paddr_base == 0);
