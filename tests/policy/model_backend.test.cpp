// The model backend: a slot outside its table is retype's own out_of_window
// (value = the slot, limit = Slots - 1), never a kernel error code, and the
// state is unchanged.
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <memory>

using namespace retype;
using backend::retype_call;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<8, 16>; // slots 0 .. 15

constexpr error outside(std::uint64_t slot) { return make_error(error_code::out_of_window, slot, 15); }

constexpr bool outside_the_table() {
    model_t m(x86);
    if (!m.declare_untyped(1, 0x100000, 16, false)) return false;
    const model_t before = m;
    auto d = m.declare_untyped(16, 0x200000, 16, false);
    if (d || d.error() != outside(16)) return false;
    // dest 14, count 3: slots 14, 15, 16; 16 is the first outside.
    auto r = m.untyped_retype(retype_call{1, object_type::endpoint, 0, 14, 3});
    if (r || r.error() != outside(16)) return false;
    auto r2 = m.untyped_retype(retype_call{1, object_type::endpoint, 0, 40, 1});
    if (r2 || r2.error() != outside(40)) return false;
    auto r3 = m.untyped_retype(retype_call{99, object_type::endpoint, 0, 2, 1});
    if (r3 || r3.error() != outside(99)) return false;
    auto del = m.cnode_delete(20);
    if (del || del.error() != outside(20)) return false;
    auto rev = m.cnode_revoke(17);
    if (rev || rev.error() != outside(17)) return false;
    if (!(m == before)) return false;
    // Inside the table, the kernel's own answers stay: an empty untyped slot is a
    // failed lookup, an occupied destination is DeleteFirst (value = that slot).
    auto e = m.untyped_retype(retype_call{2, object_type::endpoint, 0, 3, 1});
    if (e || e.error().code != error_code::failed_lookup) return false;
    auto f = m.untyped_retype(retype_call{1, object_type::endpoint, 0, 0, 2});
    if (f || f.error().code != error_code::delete_first || f.error().value != 1) return false;
    // The last slot of the table is usable.
    auto ok = m.untyped_retype(retype_call{1, object_type::endpoint, 0, 15, 1});
    return ok && m.occupied(15) && m.paddr(15) == 0x100000;
}
static_assert(outside_the_table());
} // namespace

TEST(ModelBackend, SlotsOutsideTheTableAreOutOfWindowAtRunTimeToo) { EXPECT_TRUE(outside_the_table()); }
