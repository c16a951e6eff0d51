// retype: runs replay statements against kernel::machine and says, per
// statement, what the kernel did (an outcome, one output line) or why the trace
// is malformed (a trace_error). constexpr: whole traces replay in static_asserts.
//
// Every step is check-then-commit: a statement that is a trace error leaves the
// model and the names exactly as they were. The runner copies the names it
// binds, so a statement's views need only live until step() returns.
#pragma once

#include <retype/error.hpp>
#include <retype/kernel/machine.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/trace/names.hpp>
#include <retype/trace/statement.hpp>

#include <gsl/assert>

#include <cstddef>
#include <cstdint>

namespace retype::trace {

enum class outcome_kind : std::uint8_t {
    retyped,   // `<line>: ok offset=0x.. paddr=0x.. watermark=0x..`
    failed,    // `<line>: error=<seL4 name> ...`
    watermark, // `<line>: ok watermark=0x..` (delete, revoke)
};

/// One output line.
struct outcome {
    std::uint64_t line = 0;
    outcome_kind kind = outcome_kind::retyped;
    std::uint64_t offset = 0;    // retyped: of the first new object in its parent
    std::uint64_t paddr = 0;     // retyped: of the first new object
    std::uint64_t watermark = 0; // retyped: the parent's afterwards; watermark: see docs/replay.md
    retype::error error{};       // failed: the kernel's error and its payload

    friend constexpr bool operator==(const outcome&, const outcome&) = default;
};

/// What one statement did: an error, or (for all but `untyped`) an outcome.
struct step_result {
    trace_error error{};
    bool emits = false;
    outcome out{};
};

/// Complexity per statement, n its length: untyped O(n + boot untypeds), retype
/// O(n + k) for k objects, delete O(n), revoke O(n + the revoked subtree's nodes
/// and names), each expected over the name table's keyed hash.
template <std::size_t Nodes, std::size_t Names>
class runner {
public:
    using names_t = name_table<Names, Nodes>;

    /// `key`: the name table's hash key; pick one the trace cannot know (the CLI draws it at random).
    constexpr explicit runner(const kernel::config& cfg, hash_key key = {}) noexcept : machine_(cfg), names_(key) {}

    [[nodiscard]] constexpr const kernel::machine<Nodes>& model() const noexcept { return machine_; }
    [[nodiscard]] constexpr const names_t& names() const noexcept { return names_; }
    /// Nodes the revokes so far walked to drop their descendants' names: the cost
    /// of a revoke is its subtree, whatever the size of the tables.
    [[nodiscard]] constexpr std::uint64_t revoke_walk() const noexcept { return walked_; }

    constexpr step_result step(const statement& s) noexcept {
        switch (s.kind) {
        case verb::untyped: return declare(s);
        case verb::retype: return retype(s);
        case verb::remove: return remove(s);
        case verb::revoke: return revoke(s);
        }
        return {};
    }

private:
    [[nodiscard]] static constexpr step_result fail(problem p, const statement& s, std::string_view token,
                                                    std::uint64_t value = 0, std::uint64_t limit = 0) noexcept {
        step_result r{};
        r.error = trace_error{.what = p, .line = s.line, .token = token, .value = value, .limit = limit};
        return r;
    }
    [[nodiscard]] static constexpr step_result out_of_text(const statement& s, std::string_view name) noexcept {
        step_result r = fail(problem::out_of_names, s, name, name.size(), 0);
        r.error.field = "text";
        return r;
    }
    [[nodiscard]] static constexpr step_result emit(const outcome& o) noexcept {
        step_result r{};
        r.emits = true;
        r.out = o;
        return r;
    }

    constexpr step_result declare(const statement& s) noexcept {
        const name_key key{s.name};
        if (names_.contains(key)) return fail(problem::duplicate_name, s, s.name);
        if (names_.room() == 0) return fail(problem::out_of_names, s, s.name, 1, 0);
        if (!names_.text_fits(s.name.size())) return out_of_text(s, s.name);
        auto ref = machine_.add_untyped(s.paddr, s.size_bits, s.device);
        if (!ref) {
            const retype::error& e = ref.error();
            if (e.code == error_code::capacity_exhausted) return fail(problem::out_of_nodes, s, s.name, 1, 0);
            step_result r = fail(problem::bad_untyped, s, s.name, s.paddr, s.size_bits);
            r.error.kernel = e;
            if (e.code == error_code::out_of_window)
                r.error.field = e.limit == machine_.arch().word_mask() ? "address space" : "kernel window";
            return r;
        }
        names_.insert(key, *ref);
        return {};
    }

    constexpr step_result retype(const statement& s) noexcept {
        const kernel::object_ref* found = names_.find(name_key{s.name});
        if (found == nullptr) return fail(problem::unknown_name, s, s.name);
        const kernel::object_ref parent = *found;
        if (machine_.at(parent).type != kernel::object_type::untyped) return fail(problem::not_an_untyped, s, s.name);
        const kernel::retype_args args{.type = s.type, .size_bits = s.size_bits, .count = s.count};
        // The kernel's answer first: a failed retype creates nothing, so its names are not bound.
        const auto plan = kernel::decode_retype(machine_.cfg(), machine_.untyped(parent), args);
        if (!plan) return emit(outcome{.line = s.line, .kind = outcome_kind::failed, .error = plan.error()});
        const std::uint64_t k = plan->count;
        if (!s.as.empty()) {
            if (names_.room() < k) return fail(problem::out_of_names, s, s.as, k, names_.room());
            if (!names_.text_fits(s.as.size())) return out_of_text(s, s.as);
            for (std::uint64_t i = 0; i < k; ++i) {
                if (names_.contains(key_of(s.as, k, i))) {
                    step_result r = fail(problem::duplicate_name, s, s.as, i);
                    r.error.indexed = k > 1;
                    return r;
                }
            }
        }
        auto done = machine_.retype(parent, args);
        if (!done) {
            // decode_retype passed on the same state, so only the model's capacity can refuse.
            Expects(done.error().code == error_code::capacity_exhausted);
            return fail(problem::out_of_nodes, s, s.name, done.error().value, done.error().limit);
        }
        Expects(done->plan == *plan);
        if (!s.as.empty()) {
            // machine::at(first, i) is valid only now, before any delete reshapes the batches.
            names_.insert_all(s.as, k, [this, &done](std::uint64_t i) { return machine_.at(done->first, i); });
        }
        return emit(outcome{.line = s.line,
                            .kind = outcome_kind::retyped,
                            .offset = done->plan.offset,
                            .paddr = done->plan.paddr,
                            .watermark = done->watermark});
    }

    constexpr step_result remove(const statement& s) noexcept {
        const name_key key{s.name};
        const kernel::object_ref* found = names_.find(key);
        if (found == nullptr) return fail(problem::unknown_name, s, s.name);
        const kernel::object_ref obj = *found;
        const auto& node = machine_.at(obj);
        if (node.parent == kernel::no_node) return fail(problem::boot_untyped_delete, s, s.name);
        if (node.type == kernel::object_type::untyped && node.ut.has_children())
            return fail(problem::has_children, s, s.name, node.ut.children);
        auto w = machine_.remove(obj);
        Expects(w.has_value());
        names_.erase(key);
        return emit(outcome{.line = s.line, .kind = outcome_kind::watermark, .watermark = *w});
    }

    constexpr step_result revoke(const statement& s) noexcept {
        const kernel::object_ref* found = names_.find(name_key{s.name});
        if (found == nullptr) return fail(problem::unknown_name, s, s.name);
        const kernel::object_ref ut = *found;
        if (machine_.at(ut).type != kernel::object_type::untyped) return fail(problem::not_an_untyped, s, s.name);
        // The descendants' names go first, found through the subtree while it is
        // still linked; the machine cannot refuse the revoke after these checks.
        forget_descendants(ut.node);
        auto w = machine_.revoke(ut);
        Expects(w.has_value());
        return emit(outcome{.line = s.line, .kind = outcome_kind::watermark, .watermark = *w});
    }

    [[nodiscard]] static constexpr name_key key_of(std::string_view as, std::uint64_t count, std::uint64_t i) noexcept {
        return count == 1 ? name_key{as} : name_key{as, static_cast<std::uint32_t>(i)};
    }

    /// A pre-order walk of the machine's child and sibling links below `root`.
    constexpr void forget_descendants(std::uint32_t root) noexcept {
        const auto& ns = machine_.nodes();
        std::uint32_t cur = ns[root].first_child;
        while (cur != kernel::no_node) {
            ++walked_;
            names_.erase_node(cur);
            if (ns[cur].first_child != kernel::no_node) {
                cur = ns[cur].first_child;
                continue;
            }
            while (cur != root && ns[cur].next_sibling == kernel::no_node) cur = ns[cur].parent;
            cur = cur == root ? kernel::no_node : ns[cur].next_sibling;
        }
    }

    kernel::machine<Nodes> machine_;
    names_t names_;
    std::uint64_t walked_ = 0;
};

} // namespace retype::trace
