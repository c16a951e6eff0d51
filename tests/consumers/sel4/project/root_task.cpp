// A root-task-like translation unit: what a seL4 root task compiles, without
// libsel4 (the calls are declared here, as libsel4 declares them, and never
// linked: this file is only compiled). It hands an allocator bootinfo-style
// untypeds and slots and allocates a TCB and a frame.
#include <retype/allocator.hpp>
#include <retype/backend/sel4.hpp>

#include <cstdint>

extern "C" {
// Stand-ins for libsel4's invocations (declared only).
int root_task_untyped_retype(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                             std::uint64_t, std::uint64_t);
int root_task_cnode_delete(std::uint64_t, std::uint64_t, std::uint8_t);
int root_task_cnode_revoke(std::uint64_t, std::uint64_t, std::uint8_t);
std::uint64_t root_task_get_mr(int);
}

namespace {
struct syscalls {
    static constexpr unsigned word_bits = 64;
    int untyped_retype(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d, std::uint64_t e,
                       std::uint64_t f, std::uint64_t g, std::uint64_t h) noexcept {
        return root_task_untyped_retype(a, b, c, d, e, f, g, h);
    }
    int cnode_delete(std::uint64_t r, std::uint64_t i, std::uint8_t d) noexcept {
        return root_task_cnode_delete(r, i, d);
    }
    int cnode_revoke(std::uint64_t r, std::uint64_t i, std::uint8_t d) noexcept {
        return root_task_cnode_revoke(r, i, d);
    }
    std::uint64_t get_mr(int i) noexcept { return root_task_get_mr(i); }
};
using backend_t = retype::backend::basic_sel4_backend<syscalls>;
constexpr retype::kernel::config cfg{.target = retype::kernel::arch::aarch64};
#if ROOT_TASK_FREE_LIST_ARRAY
using allocator_t = retype::allocator<backend_t, retype::target<cfg>, retype::free_list<retype::array>>;
#else
using allocator_t = retype::allocator<backend_t, retype::target<cfg>>;
#endif
} // namespace

extern "C" int root_task_main(std::uint64_t first_untyped_slot, std::uint64_t untyped_paddr, std::uint8_t untyped_bits,
                              std::uint64_t empty_start, std::uint64_t empty_end) {
    backend_t b(cfg, retype::backend::cspace_window{.root = 2,
                                                    .offset_base = first_untyped_slot,
                                                    .cptr_base = first_untyped_slot,
                                                    .slots = empty_end - first_untyped_slot});
    allocator_t a(b);
    if (!a.add_slots(empty_start - first_untyped_slot, empty_end - empty_start)) return 1;
    if (!a.add_untyped(0, untyped_paddr, untyped_bits, false)) return 2;
    if (!a.allocate(retype::kernel::object_type::tcb)) return 3;
    if (!a.allocate(retype::kernel::object_type::frame_4k)) return 4;
    return 0;
}
