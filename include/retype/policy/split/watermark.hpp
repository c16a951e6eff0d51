// retype: the watermark strategy. One bump pointer per bootinfo untyped, the
// kernel's own free index: objects go at the watermark aligned up to their
// size, gaps included, and an untyped is used from its start again only once
// every object in it is gone (the kernel resets an untyped without children).
// A descriptor is listed in the class of the largest object that still fits,
// so a request of b bits looks only at classes >= b.
//
// allocate_at pads from the watermark to the address with untypeds, each the
// largest the alignment source says starts at the cursor and ends at or before
// the address. With an alignment source other than the kernel's rule, every
// planned placement is checked against the kernel's rule before any call: a
// difference is error_code::mispredicted (value = the predicted paddr of the
// requested object, limit = where the kernel puts it; the first padding that
// differs, when the object itself would land as predicted).
//
// Complexity: plan O(W) for count 1 (the first untyped of a fitting class);
// count > 1 may visit every untyped of the fitting classes, O(U); allocate_at
// O(U) + O(W) paddings. commit, undone, reset O(W). free: one revoke when the
// allocation holds every child of its untyped, else one delete per cap.
#pragma once

#include <retype/allocator/executor.hpp>
#include <retype/allocator/types.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/policy/config.hpp>
#include <retype/result.hpp>

#include <bit>
#include <cstdint>

namespace retype::strategy {

class watermark {
public:
    static constexpr split_kind value = split_kind::watermark;

    template <class St>
    constexpr void adopt(St& st, std::uint32_t u) noexcept {
        st.ut[u].state = detail::ustate::watermark;
        reclassify(st, u);
    }

    template <class St>
    [[nodiscard]] constexpr result<void> plan(St& st, const plan_request& q, call_plan& p) noexcept {
        constexpr kernel::arch_traits t = St::arch;
        using align = typename St::align;
        std::uint32_t ui = no_index;
        std::uint64_t offset = 0;
        if (!q.fixed) {
            for (unsigned c = st.ut.first_class_from(q.device, q.bits); c < 64 && ui == no_index;
                 c = st.ut.first_class_from(q.device, c + 1))
                for (std::uint32_t i = st.ut.front(q.device, c); i != no_index; i = st.ut.next(q.device, c, i))
                    if (fits<St>(st, i, q.bits, q.count, offset)) {
                        ui = i;
                        break;
                    }
            if (ui == no_index) return failure(not_enough_memory(st.ut.largest_free(q.device)));
        } else {
            auto root = st.ut.find_root(q.at, q.bits, q.count, q.device);
            if (!root) return failure(root.error());
            ui = *root;
            const detail::untyped_desc& u = st.ut[ui];
            // Behind the watermark first: a full untyped that ends at 2^64 has
            // its cursor at 2^64, which must not wrap to 0.
            const std::uint64_t used = u.children ? u.used : 0;
            if (q.at - u.paddr < used) return failure(make_error(error_code::overlap, q.at, u.paddr + used));
            if (!align::aligned(t, q.at, q.bits)) return failure(make_error(error_code::misaligned, q.at, q.bits));
            // The paddings and the objects must not touch a reservation, unless
            // the objects lie inside it (paddings then cover its start too).
            const std::uint64_t len = q.count << q.bits;
            if (const std::uint32_t b =
                    st.resv.blocking(u.paddr + used, (q.at - u.paddr - used) + len, q.device, q.at, len);
                b != no_index)
                return failure(make_error(error_code::reserved, q.at, st.resv[b].paddr));
            kernel::paddr_t c = u.paddr + used;
            while (c < q.at) {
                unsigned k = static_cast<unsigned>(std::bit_width(q.at - c) - 1);
                if (k > t.max_untyped_bits) k = t.max_untyped_bits;
                while (k > t.min_untyped_bits && !align::aligned(t, c, k)) --k;
                if (k < t.min_untyped_bits || !align::aligned(t, c, k) || p.pad_count + 1 >= detail::max_steps)
                    return failure(make_error(error_code::misaligned, c, t.min_untyped_bits));
                p.steps[p.n++] =
                    detail::step{u.slot, kernel::object_type::untyped, k, static_cast<std::uint8_t>(k), 0, 1, c};
                c += std::uint64_t{1} << k;
                ++p.pad_count;
            }
            offset = q.at - u.paddr;
        }
        const detail::untyped_desc& u = st.ut[ui];
        p.steps[p.n++] =
            detail::step{u.slot, q.type, q.size_bits, static_cast<std::uint8_t>(q.bits), 0, q.count, u.paddr + offset};
        if constexpr (!align::kernel_rule)
            if (auto e = check_against_kernel<St>(u, p); !e) return e;
        auto run = st.take_slots(p, p.pad_count + q.count);
        if (!run) return failure(run.error());
        for (std::size_t i = 0; i < p.n; ++i) p.steps[i].dest = *run + i;
        p.pad_slot = *run;
        p.object_slot = *run + p.pad_count;
        p.block = ui;
        p.offset = offset;
        return {};
    }

    template <class St>
    constexpr std::uint32_t commit(St& st, const call_plan& p, std::uint32_t ri) noexcept {
        detail::untyped_desc& u = st.ut[p.block];
        const detail::record& r = st.rec[ri];
        u.used = p.offset + (r.count << r.object_bits);
        u.children += r.count + p.pad_count;
        reclassify(st, p.block);
        return p.block;
    }

    /// The kernel's watermark stays where the last successful retype left it
    /// (where the kernel really put it, after a misprediction); caps it would
    /// not delete stay children of the untyped.
    template <class St>
    constexpr void undone(St& st, const call_plan& p) noexcept {
        detail::untyped_desc& u = st.ut[p.block];
        if (p.mispredicted) {
            const detail::step& s = p.steps[p.stop_step];
            u.used = (p.actual - u.paddr) + (p.batch << s.object_bits);
        } else if (p.stop_step > 0 || p.stop_done > 0) {
            const detail::step& last = p.stop_done > 0 ? p.steps[p.stop_step] : p.steps[p.stop_step - 1];
            const std::uint64_t n = p.stop_done > 0 ? p.stop_done : last.count;
            u.used = (last.paddr - u.paddr) + (n << last.object_bits);
        }
        u.children += p.stranded_n;
        reclassify(st, p.block);
    }

    /// A reservation is bookkeeping only: it must start at or above the
    /// untyped's watermark (error: overlap, limit = the watermark's paddr),
    /// and from then on the untyped's free memory for other requests stops at
    /// its base (fits). No kernel call.
    template <class St>
    [[nodiscard]] constexpr result<void> plan_reserve(St& st, kernel::paddr_t at, std::uint64_t, bool,
                                                      std::uint32_t root, call_plan& p) const noexcept {
        const detail::untyped_desc& u = st.ut[root];
        const std::uint64_t used = u.children ? u.used : 0;
        if (at - u.paddr < used) return failure(make_error(error_code::overlap, at, u.paddr + used));
        p.block = root;
        return {};
    }
    template <class St>
    constexpr void commit_reserve(St& st, const call_plan& p, std::uint32_t) noexcept {
        reclassify(st, p.block);
    }
    template <class St>
    constexpr void unreserve(St& st, const detail::reservation& r) noexcept {
        reclassify(st, r.root);
    }

    /// Newest cap first; a refused delete leaves the allocation holding the
    /// caps still there (a valid prefix), so a later free finishes it.
    template <class St>
    [[nodiscard]] constexpr result<void> free(St& st, std::uint32_t ri) noexcept {
        const detail::record& r = st.rec[ri];
        const std::uint32_t ui = r.untyped;
        detail::untyped_desc& u = st.ut[ui];
        const std::uint64_t caps = r.count + r.pad_count;
        if (caps == u.children) {
            if (auto e = st.backend->cnode_revoke(u.slot); !e) return failure(e.error());
            ++st.stats.revokes;
        } else {
            for (std::uint64_t i = r.count; i-- > 0;) {
                if (auto e = st.backend->cnode_delete(r.slot + i); !e) return partial(st, ri, i + 1, r.pad_count, e);
                ++st.stats.deletes;
            }
            for (std::uint64_t i = r.pad_count; i-- > 0;) {
                if (auto e = st.backend->cnode_delete(r.pad_slot + i); !e) return partial(st, ri, 0, i + 1, e);
                ++st.stats.deletes;
            }
        }
        u.children -= caps;
        st.release_record(ri);
        reclassify(st, ui);
        return {};
    }

    template <class St>
    constexpr void reset(St& st, std::uint32_t root) noexcept {
        reclassify(st, root);
    }

private:
    /// Does `count` objects of 2^bits fit in u at its (predicted) watermark?
    /// Memory above the watermark ends at the first reservation above it.
    template <class St>
    [[nodiscard]] static constexpr bool fits(const St& st, std::uint32_t ui, unsigned bits, std::uint64_t count,
                                             std::uint64_t& offset) noexcept {
        const detail::untyped_desc& u = st.ut[ui];
        if (bits > u.size_bits) return false;
        const std::uint64_t used = u.children ? u.used : 0;
        const std::uint64_t size = st.resv.limit(ui, u.paddr, used, std::uint64_t{1} << u.size_bits);
        offset = St::align::offset(St::arch, u.paddr, used, bits);
        return offset <= size && count <= ((size - offset) >> bits);
    }

    /// Lists u in the class of the largest object that fits it now (none: unlisted).
    template <class St>
    static constexpr void reclassify(St& st, std::uint32_t ui) noexcept {
        st.ut.unlist(ui);
        for (unsigned b = st.ut[ui].size_bits + 1u; b-- > St::arch.min_untyped_bits;) {
            std::uint64_t off = 0;
            if (fits<St>(st, ui, b, 1, off)) {
                st.ut.list_as(ui, detail::class_of(st.ut[ui].device, b));
                return;
            }
        }
    }

    /// Replays the plan with the kernel's rule (invokeUntyped_Retype aligns the
    /// pptr of the free index): mispredicted if any object lands elsewhere.
    template <class St>
    [[nodiscard]] static constexpr result<void> check_against_kernel(const detail::untyped_desc& u,
                                                                     const call_plan& p) noexcept {
        std::uint64_t used = u.children ? u.used : 0;
        std::size_t first_bad = p.n;
        kernel::paddr_t bad_at = 0;
        kernel::paddr_t object_at = 0;
        for (std::size_t i = 0; i < p.n; ++i) {
            const detail::step& s = p.steps[i];
            const std::uint64_t off = kernel::aligned_offset(St::arch, u.paddr, used, s.object_bits);
            if (u.paddr + off != s.paddr && first_bad == p.n) {
                first_bad = i;
                bad_at = u.paddr + off;
            }
            object_at = u.paddr + off;
            used = off + (s.count << s.object_bits);
        }
        if (first_bad == p.n) return {};
        const detail::step& obj = p.steps[p.n - 1];
        if (object_at != obj.paddr) return failure(make_error(error_code::mispredicted, obj.paddr, object_at));
        return failure(make_error(error_code::mispredicted, p.steps[first_bad].paddr, bad_at));
    }

    /// A free the backend stopped: objects [0, objects) and paddings [0, pads)
    /// are still there; the record keeps them, the rest is given back.
    template <class St>
    [[nodiscard]] static constexpr result<void> partial(St& st, std::uint32_t ri, std::uint64_t objects,
                                                        std::uint64_t pads, const result<void>& e) noexcept {
        detail::record& r = st.rec[ri];
        const std::uint64_t gone = (r.count - objects) + (r.pad_count - pads);
        if (r.count > objects) st.slots.give(r.slot + objects, r.count - objects);
        if (r.pad_count > pads) st.slots.give(r.pad_slot + pads, r.pad_count - pads);
        st.ut[r.untyped].children -= gone;
        r.count = objects;
        r.pad_count = pads;
        return failure(e.error());
    }
};

} // namespace retype::strategy
