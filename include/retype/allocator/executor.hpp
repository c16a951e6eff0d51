// retype allocator: the plan, and the executor that runs it through the
// backend and undoes it when the backend disagrees.
//
// A plan is every kernel call of one request, worked out on unchanged state
// by a strategy. The executor makes the calls in order (a step whose count
// exceeds the fan-out limit becomes consecutive calls that continue the
// watermark). It stops at the first call the backend refuses, or whose object
// 0 the backend reports at another paddr than the plan predicted, and then
// deletes every cap the plan made, newest first.
//
// A delete the backend refuses is tried once more; if it is refused again the
// cap is still there, so its slot must never be handed out: it is recorded in
// the plan as stranded, and the allocator keeps it out of use (and the
// strategy keeps its untyped out of use where the kernel would now place
// objects elsewhere). Complexity: O(calls + caps made).
#pragma once

#include <retype/allocator/slot_manager.hpp>
#include <retype/allocator/types.hpp>
#include <retype/backend/concept.hpp>
#include <retype/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace retype {

namespace detail {
/// One planned seL4_Untyped_Retype (count may exceed the fan-out limit; the
/// executor batches it into consecutive calls that continue the watermark).
/// No default member initialisers, on purpose: a plan's tables are left
/// uninitialised and only the entries a plan writes are ever read, so planning
/// costs what the request needs, not a fill of every table (C++20 allows this
/// in constant expressions too).
struct step {
    backend::slot_t untyped;
    kernel::object_type type;
    std::uint64_t size_bits;
    std::uint8_t object_bits;
    backend::slot_t dest;
    std::uint64_t count;
    kernel::paddr_t paddr; // predicted paddr of object 0
};

/// One halving: the parent block retyped into two halves of 2^bits. Trivial, as step.
struct halving {
    backend::slot_t dest; // lo in dest, hi in dest + 1
    kernel::paddr_t lo_paddr;
    std::uint8_t bits;
    bool keep_hi;
};

inline constexpr std::size_t max_steps = 136;   // 64 halvings or ~2x47 paddings, plus the object
inline constexpr std::size_t max_stranded = 16; // refused deletes one undo records
} // namespace detail

/// Every kernel call of one request, and where the executor stopped.
// Left uninitialised on purpose (see detail::step): only [0, n), [0,
// halvings_n) and [0, takes_n) are written and read.
// NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): a fill would cost every request ~9 KiB of stores
struct call_plan {
    std::array<detail::step, detail::max_steps> steps;
    std::size_t n = 0;
    std::array<detail::halving, 64> halvings;
    std::size_t halvings_n = 0;
    std::uint32_t block = no_index;          // descriptor the objects come from (before halving)
    std::array<detail::slot_take, 65> takes; // the slots the plan reserved, in order: [0, takes_n)
    std::size_t takes_n = 0;
    backend::slot_t object_slot = 0;
    backend::slot_t pad_slot = 0;
    std::uint64_t pad_count = 0;
    std::uint64_t offset = 0; // watermark: of object 0 inside the untyped

    // Where execute stopped: written by the undo, read only after a failure
    // (uninitialised until then, as the tables above). Steps [0, stop_step)
    // ran whole and the first stop_done objects of stop_step were made.
    std::size_t stop_step;
    std::uint64_t stop_done;
    bool mispredicted;
    kernel::paddr_t actual; // mispredicted: where the backend put the last batch's object 0
    std::uint64_t batch;    // mispredicted: the objects of that batch
    std::array<backend::slot_t, detail::max_stranded> stranded;
    std::size_t stranded_n; // caps the backend would not delete: [0, stranded_n)
    bool stranded_overflow; // more than max_stranded: every slot of the plan is kept
};

/// Runs plans through a backend (see the header comment).
template <backend::backend Backend>
class executor {
public:
    /// Makes the calls of p; on failure, undoes them and returns why: the
    /// backend's error, or mispredicted (value = predicted, limit = actual).
    [[nodiscard]] static constexpr result<void> execute(Backend& b, call_plan& p, usage& stats,
                                                        std::uint64_t fan_out) noexcept {
        const std::uint64_t fan = fan_out ? fan_out : 1;
        for (std::size_t i = 0; i < p.n; ++i) {
            const detail::step& s = p.steps[i];
            for (std::uint64_t done = 0; done < s.count;) {
                const std::uint64_t k = s.count - done < fan ? s.count - done : fan;
                auto r = b.untyped_retype(backend::retype_call{s.untyped, s.type, s.size_bits, s.dest + done, k});
                if (!r) {
                    p.mispredicted = false;
                    p.actual = 0;
                    p.batch = 0;
                    undo(b, p, stats, i, done);
                    return failure(r.error());
                }
                ++stats.retypes;
                const kernel::paddr_t expected = s.paddr + (done << s.object_bits);
                if (r->paddr_known && r->paddr != expected) {
                    p.mispredicted = true;
                    p.actual = r->paddr;
                    p.batch = k;
                    undo(b, p, stats, i, done + k);
                    return failure(make_error(error_code::mispredicted, expected, r->paddr));
                }
                done += k;
            }
        }
        return {};
    }

    /// Deletes every cap of a plan that ran whole but is not to be committed
    /// (a later part of the same request failed), newest first.
    static constexpr void undo_all(Backend& b, call_plan& p, usage& stats) noexcept {
        p.mispredicted = false;
        p.actual = 0;
        p.batch = 0;
        undo(b, p, stats, p.n, 0);
    }

    /// Deletes the caps of steps [0, i) and of the first `done` objects of
    /// step i, newest first, as execute does when it stops there (the fast
    /// path's halvings, made without execute, stop through here too).
    static constexpr void undo(Backend& b, call_plan& p, usage& stats, std::size_t i, std::uint64_t done) noexcept {
        p.stop_step = i;
        p.stop_done = done;
        p.stranded_n = 0;
        p.stranded_overflow = false;
        for (std::uint64_t j = done; j-- > 0;) remove(b, p, stats, p.steps[i].dest + j);
        for (std::size_t s = i; s-- > 0;)
            for (std::uint64_t j = p.steps[s].count; j-- > 0;) remove(b, p, stats, p.steps[s].dest + j);
    }

private:
    static constexpr void remove(Backend& b, call_plan& p, usage& stats, backend::slot_t slot) noexcept {
        if (b.cnode_delete(slot) || b.cnode_delete(slot)) { // once more: a refusal may be transient
            ++stats.deletes;
            return;
        }
        if (p.stranded_n < detail::max_stranded)
            p.stranded[p.stranded_n++] = slot;
        else
            p.stranded_overflow = true;
    }
};

} // namespace retype
