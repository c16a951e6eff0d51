// A root task's use of retype, compiled freestanding and linked with nothing
// but the symbols docs/freestanding.md lists for its configuration (link.cmake):
// function-local statics for the backend and the allocator (their window comes
// from bootinfo at run time), add_bootinfo, an allocation and a free. The
// libsel4 calls and the bootinfo are the root_task_* declarations below, which
// the test defines as stubs (they stand for libsel4, not for the C++ runtime).
// ROOT_TASK_FREE_LIST_INTRUSIVE selects free_list<intrusive>; otherwise the default (free_list<array>).
#include <cstdint>
#include <retype/allocator.hpp>
#include <retype/backend/bootinfo.hpp>
#include <retype/backend/sel4.hpp>
#include <type_traits>
extern "C" {
int root_task_untyped_retype(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                             std::uint64_t, std::uint64_t);
int root_task_cnode_delete(std::uint64_t, std::uint64_t, std::uint8_t);
int root_task_cnode_revoke(std::uint64_t, std::uint64_t, std::uint8_t);
std::uint64_t root_task_get_mr(int);
extern const retype::boot_untyped root_task_untypeds[];
extern const std::uint64_t root_task_untyped_count;
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
#if ROOT_TASK_FREE_LIST_INTRUSIVE
using allocator_t = retype::allocator<backend_t, retype::target<cfg>, retype::free_list<retype::intrusive>>;
#else
using allocator_t = retype::allocator<backend_t, retype::target<cfg>>;
static_assert(std::is_trivially_destructible_v<allocator_t>, "the default composition needs no atexit");
#endif
} // namespace
extern "C" int root_task_start(std::uint64_t base, std::uint64_t end) {
    static backend_t b(
        cfg, retype::backend::cspace_window{.root = 2, .offset_base = base, .cptr_base = base, .slots = end - base});
    static allocator_t a(b);
    auto added = retype::add_bootinfo(a, retype::bootinfo_view{0,
                                                               {root_task_untypeds, root_task_untyped_count},
                                                               root_task_untyped_count,
                                                               end - base - root_task_untyped_count});
    if (!added) return 1;
    auto f = a.allocate(retype::kernel::object_type::frame_4k);
    if (!f) return 2;
    return a.free(f->id) ? 0 : 3;
}
