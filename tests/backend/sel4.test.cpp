// The libsel4 backend against a test double of libsel4 built on the kernel model
// (sel4_double/include/sel4/sel4.h, configuration sel4_double/configs/x86_64). Because the double provides
// <sel4/sel4.h>, the libsel4 policy itself (libsel4_syscalls, sel4_backend) is compiled and run here.
#include <retype/backend/recorder.hpp>
#include <retype/backend/sel4.hpp>
#include <retype/trace/replay.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string_view>
#include <vector>

using namespace retype;
using namespace retype::backend;
using kernel::object_type;

static_assert(retype::backend::backend<sel4_backend>);
static_assert(sel4_frame_syscalls<libsel4_syscalls>);

namespace {

// ---- from_sel4_error, at compile time -------------------------------------
constexpr std::uint64_t mrs[2] = {7, 47};
constexpr auto read_mr = [](int i) { return mrs[i]; };
static_assert(from_sel4_error(1, read_mr) == invalid_argument(7));
static_assert(from_sel4_error(4, read_mr) == range_error(7, 47));
static_assert(from_sel4_error(10, read_mr) == not_enough_memory(7));
static_assert(from_sel4_error(8, read_mr) == error{.code = error_code::delete_first});
static_assert(from_sel4_error(6, read_mr) == error{.code = error_code::failed_lookup});
static_assert(from_sel4_error(11, read_mr) == make_error(error_code::unsupported, 11));

// ---- the backend in a constant expression, over a scripted policy ---------
// Answers every retype with seL4_NotEnoughMemory and memoryLeft 0x400 in MR0.
struct scripted_syscalls {
    static constexpr unsigned word_bits = 32;
    std::uint64_t last_offset = 0;
    int calls = 0;
    constexpr int untyped_retype(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                                 std::uint64_t, std::uint64_t node_offset, std::uint64_t) {
        ++calls;
        last_offset = node_offset;
        return 10;
    }
    constexpr int cnode_delete(std::uint64_t, std::uint64_t, std::uint8_t) {
        ++calls;
        return 0;
    }
    constexpr int cnode_revoke(std::uint64_t, std::uint64_t, std::uint8_t) {
        ++calls;
        return 0;
    }
    constexpr std::uint64_t get_mr(int i) const { return i == 0 ? 0x400 : 0; }
};
static_assert(retype::backend::backend<basic_sel4_backend<scripted_syscalls>>);
static_assert(!sel4_frame_syscalls<scripted_syscalls>);

constexpr cspace_window small_window{.root = 2, .offset_base = 100, .cptr_base = 100, .cptr_depth = 32, .slots = 8};
static_assert(basic_sel4_backend<scripted_syscalls>::valid(small_window));
// A window whose last CPtr does not fit in a 32-bit word, or depth beyond the word.
static_assert(!basic_sel4_backend<scripted_syscalls>::valid(cspace_window{
    .cptr_base = 0xfffffffc, .cptr_depth = 32, .slots = 8}));
static_assert(!basic_sel4_backend<scripted_syscalls>::valid(cspace_window{.cptr_depth = 33, .slots = 8}));
static_assert(!basic_sel4_backend<scripted_syscalls>::valid(cspace_window{.cptr_depth = 32, .slots = 0}));

constexpr auto scripted_run() {
    basic_sel4_backend<scripted_syscalls> b(kernel::config{.target = kernel::arch::aarch32}, small_window);
    struct out {
        error kernel_answer;
        error outside;
        std::uint64_t offset;
        int calls;
    } o{};
    o.kernel_answer = b.untyped_retype(retype_call{.untyped = 0, .type = object_type::tcb, .dest = 3}).error();
    o.offset = b.syscalls().last_offset;
    // Slots 6, 7, 8: slot 8 is outside the 8-slot window; the kernel is not asked.
    o.outside = b.untyped_retype(retype_call{.untyped = 0, .type = object_type::tcb, .dest = 6, .count = 3}).error();
    o.calls = b.syscalls().calls;
    return o;
}
constexpr auto scripted = scripted_run();
static_assert(scripted.kernel_answer == not_enough_memory(0x400));
static_assert(scripted.offset == 103); // offset_base 100 + slot 3
static_assert(scripted.outside == make_error(error_code::out_of_window, 9, 8));
static_assert(scripted.calls == 1);

// ---- against the double ---------------------------------------------------
// Root task layout: root CNode at CPtr 2, resolved at depth 64; the window is
// slots 16 .. 79 of the root CNode, so slot s is CPtr 16 + s. The seed-002
// untyped (0x2000 bytes at 0x400000) sits at CPtr 20, i.e. slot 4.
constexpr cspace_window root_window{.root = seL4_CapInitThreadCNode,
                                    .node_index = 0,
                                    .node_depth = 0,
                                    .offset_base = 16,
                                    .cptr_base = 16,
                                    .cptr_depth = 64,
                                    .slots = 64};
constexpr slot_t ut_slot = 4;

class sel4_double_test : public ::testing::Test {
protected:
    void SetUp() override {
        state = std::make_unique<sel4_double::kernel_state>(kernel::config{.target = kernel::arch::x86_64});
        sel4_double::current = state.get();
        ASSERT_TRUE(state->boot_untyped(16 + ut_slot, 0x400000, 13, false));
    }
    void TearDown() override {
        EXPECT_EQ(state->anomalies, 0u);
        sel4_double::current = nullptr;
    }
    struct snapshot {
        kernel::machine<sel4_double::model_nodes> machine;
        std::vector<sel4_double::cnode> cnodes;
    };
    [[nodiscard]] snapshot snap() const { return snapshot{state->machine, state->cnodes}; }
    void expect_unchanged(const snapshot& before) const {
        EXPECT_TRUE(before.machine == state->machine);
        EXPECT_TRUE(before.cnodes == state->cnodes);
    }

    std::unique_ptr<sel4_double::kernel_state> state;
    sel4_backend b{kernel::config{.target = kernel::arch::x86_64}, root_window};
};

TEST_F(sel4_double_test, seed_002_gap_sequence_places_as_the_kernel_and_reports_frame_paddr) {
    // CNode radix 5: 2^(5+5) = 0x400 bytes at offset 0.
    auto a = b.untyped_retype({.untyped = ut_slot, .type = object_type::cnode, .size_bits = 5, .dest = 10});
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->paddr_known); // not a frame
    // The call as libsel4 takes it: service CPtr 20, seL4_CapTableObject = 4, root 2, node 0/0, offset 16 + 10.
    EXPECT_EQ(state->last_retype, (sel4_double::retype_args_seen{20, 4, 5, 2, 0, 0, 26, 1}));
    // CNode radix 6: 0x800 bytes, aligned up from 0x400 to 0x800.
    ASSERT_TRUE(b.untyped_retype({.untyped = ut_slot, .type = object_type::cnode, .size_bits = 6, .dest = 11}));
    // 4K frame at offset 0x1000: paddr 0x401000. x86_64 type numbers: 5 common types,
    // then PDPT 5, PML4 6, HugePage 7 (CONFIG_HUGE_PAGE), 4K 8.
    auto f = b.untyped_retype({.untyped = ut_slot, .type = object_type::frame_4k, .dest = 12});
    ASSERT_TRUE(f);
    EXPECT_EQ(state->last_retype.type, 8u);
    EXPECT_TRUE(f->paddr_known);
    EXPECT_EQ(f->paddr, 0x401000u);
    // The watermark is at 0x2000 = the size: the 0x400 gap at 0x400 is not reused.
    const auto before = snap();
    auto last = b.untyped_retype({.untyped = ut_slot, .type = object_type::cnode, .size_bits = 5, .dest = 13});
    ASSERT_FALSE(last);
    EXPECT_EQ(last.error(), not_enough_memory(0));
    expect_unchanged(before);
}

TEST_F(sel4_double_test, kernel_errors_carry_their_payload_and_change_nothing) {
    const auto before = snap();
    // count 0: check 11, RangeError(1, fan-out limit 256).
    auto r = b.untyped_retype({.untyped = ut_slot, .type = object_type::endpoint, .dest = 10, .count = 0});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), range_error(1, 256));
    // An untyped of 2^3 bytes: check 6, InvalidArgument(1).
    r = b.untyped_retype({.untyped = ut_slot, .type = object_type::untyped, .size_bits = 3, .dest = 10});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), invalid_argument(1));
    // size_bits 64 on any type: check 4, RangeError(0, seL4_MaxUntypedBits = 47).
    r = b.untyped_retype({.untyped = ut_slot, .type = object_type::tcb, .size_bits = 64, .dest = 10});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), range_error(0, 47));
    // 3 TCBs of 2^11 need 0x1800 of the 0x2000: fine; 5 need 0x2800: NotEnoughMemory(0x2000).
    r = b.untyped_retype({.untyped = ut_slot, .type = object_type::tcb, .dest = 10, .count = 5});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), not_enough_memory(0x2000));
    expect_unchanged(before);
}

TEST_F(sel4_double_test, occupied_destination_is_the_kernels_delete_first) {
    ASSERT_TRUE(b.untyped_retype({.untyped = ut_slot, .type = object_type::endpoint, .dest = 11}));
    const auto before = snap();
    // Window 10, 11, 12: slot 11 is taken (check 13). No payload in the message registers.
    auto r = b.untyped_retype({.untyped = ut_slot, .type = object_type::endpoint, .dest = 10, .count = 3});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), error{.code = error_code::delete_first});
    expect_unchanged(before);
}

TEST_F(sel4_double_test, checks_made_before_the_call_do_not_reach_the_kernel) {
    const auto before = snap();
    const unsigned calls = state->calls;
    // Destination slots 62, 63, 64: slot 64 is outside the 64-slot window.
    auto r = b.untyped_retype({.untyped = ut_slot, .type = object_type::endpoint, .dest = 62, .count = 3});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error(error_code::out_of_window, 65, 64));
    // x86_64 without CONFIG_VTX has no VCPU: the kernel would say InvalidArgument(0).
    r = b.untyped_retype({.untyped = ut_slot, .type = object_type::vcpu, .dest = 10});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), invalid_argument(0));
    EXPECT_EQ(b.cnode_delete(64).error(), make_error(error_code::out_of_window, 64, 64));
    EXPECT_EQ(b.cnode_revoke(100).error(), make_error(error_code::out_of_window, 100, 64));
    EXPECT_EQ(b.declare_untyped(64, 0, 12, false).error(), make_error(error_code::out_of_window, 64, 64));
    EXPECT_EQ(state->calls, calls);
    expect_unchanged(before);
}

TEST_F(sel4_double_test, delete_then_revoke_resets_the_watermark) {
    // Two 4K frames as a batch into slots 10, 11: offsets 0 and 0x1000.
    auto f = b.untyped_retype({.untyped = ut_slot, .type = object_type::frame_4k, .dest = 10, .count = 2});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->paddr, 0x400000u);
    EXPECT_EQ(state->last_retype.node_offset, 26u);
    EXPECT_EQ(state->last_retype.num_objects, 2u);
    // Deleting the second frame does not lower the watermark (0x2000): no room for another.
    ASSERT_TRUE(b.cnode_delete(11));
    EXPECT_FALSE(state->root()[27].present);
    auto full = b.untyped_retype({.untyped = ut_slot, .type = object_type::frame_4k, .dest = 11});
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error(), not_enough_memory(0));
    // Revoke deletes the first frame too; the next retype restarts at offset 0.
    ASSERT_TRUE(b.cnode_revoke(ut_slot));
    EXPECT_FALSE(state->root()[26].present);
    EXPECT_TRUE(state->root()[20].present);
    auto again = b.untyped_retype({.untyped = ut_slot, .type = object_type::frame_4k, .dest = 12});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->paddr, 0x400000u);
}

TEST_F(sel4_double_test, child_untypeds_and_device_frames) {
    // A device untyped of 2^21 at 0xe0000000000, in slot 5 (CPtr 21).
    ASSERT_TRUE(state->boot_untyped(21, 0xe0000000000ULL, 21, true));
    // Device memory becomes frames (placed at the base) but not TCBs: check 16, InvalidArgument(1).
    auto tcb = b.untyped_retype({.untyped = 5, .type = object_type::tcb, .dest = 10});
    ASSERT_FALSE(tcb);
    EXPECT_EQ(tcb.error(), invalid_argument(1));
    auto frame = b.untyped_retype({.untyped = 5, .type = object_type::frame_4k, .dest = 10});
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->paddr, 0xe0000000000ULL);
    // Split the RAM untyped in two halves of 0x1000 (slots 20, 21), then a frame in the second half.
    ASSERT_TRUE(
        b.untyped_retype({.untyped = ut_slot, .type = object_type::untyped, .size_bits = 12, .dest = 20, .count = 2}));
    auto inner = b.untyped_retype({.untyped = 21, .type = object_type::frame_4k, .dest = 30});
    ASSERT_TRUE(inner);
    EXPECT_EQ(inner->paddr, 0x401000u);
    // The half with a child cannot be deleted in the double (see sel4.h); after revoking it, it can.
    EXPECT_EQ(b.cnode_delete(21).error(), error{.code = error_code::revoke_first});
    ASSERT_TRUE(b.cnode_revoke(21));
    EXPECT_FALSE(state->root()[46].present);
    ASSERT_TRUE(b.cnode_delete(21));
    ASSERT_TRUE(b.cnode_delete(20));
    // Both halves gone: the parent has no children and resets.
    auto whole = b.untyped_retype({.untyped = ut_slot, .type = object_type::untyped, .size_bits = 13, .dest = 20});
    ASSERT_TRUE(whole);
}

TEST_F(sel4_double_test, recorder_decorating_the_sel4_backend_writes_the_seed_002_trace) {
    buffer_sink<1024> out;
    recorder<buffer_sink<1024>, sel4_backend, 64> rec(kernel::config{.target = kernel::arch::x86_64}, out, b);
    ASSERT_TRUE(rec.declare_untyped(ut_slot, 0x400000, 13, false));
    ASSERT_TRUE(rec.untyped_retype({.untyped = ut_slot, .type = object_type::cnode, .size_bits = 5, .dest = 10}));
    ASSERT_TRUE(rec.untyped_retype({.untyped = ut_slot, .type = object_type::cnode, .size_bits = 6, .dest = 11}));
    auto f = rec.untyped_retype({.untyped = ut_slot, .type = object_type::frame_4k, .dest = 12});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->paddr, 0x401000u); // the inner backend's report passes through
    auto last = rec.untyped_retype({.untyped = ut_slot, .type = object_type::cnode, .size_bits = 5, .dest = 13});
    ASSERT_FALSE(last);
    EXPECT_EQ(last.error(), not_enough_memory(0));
    // The failed retype is recorded: replay answers it with the same NotEnoughMemory.
    // Slot 13 stayed empty, so the recorder refuses to delete it (it has no name)
    // and neither records nor forwards the call.
    const unsigned calls = state->calls;
    EXPECT_EQ(rec.cnode_delete(13).error(), make_error(error_code::unknown_object, 13));
    EXPECT_EQ(state->calls, calls);
    ASSERT_TRUE(rec.cnode_revoke(ut_slot));
    EXPECT_EQ(out.view(), std::string_view{"arch x86_64\n"
                                           "config tcb_bits=11 fan_out_limit=256 mcs=off\n"
                                           "untyped s4 paddr=0x400000 size_bits=13\n"
                                           "retype s4 cnode size_bits=5 as s10\n"
                                           "retype s4 cnode size_bits=6 as s11\n"
                                           "retype s4 frame_4k as s12\n"
                                           "retype s4 cnode size_bits=5 as s13\n"
                                           "revoke s4\n"});
    // Replayed on the model, the trace gives the answers the double gave (by hand:
    // offsets 0, 0x800, 0x1000; the frame at 0x401000; 0 bytes left; revoke to 0).
    const auto replayed = trace::replay_text<16, 16, 512>(out.view());
    ASSERT_FALSE(replayed.error.failed());
    EXPECT_EQ(replayed.out.view(), std::string_view{"4: ok offset=0x0 paddr=0x400000 watermark=0x400\n"
                                                    "5: ok offset=0x800 paddr=0x400800 watermark=0x1000\n"
                                                    "6: ok offset=0x1000 paddr=0x401000 watermark=0x2000\n"
                                                    "7: error=seL4_NotEnoughMemory memory_left=0x0\n"
                                                    "8: ok watermark=0x0\n"});
}

} // namespace
