// docs/allocators.md, "Writing a strategy": an allocator with a user-written
// strategy. Builds and runs as a test; the same composition runs the
// conformance suite (tests/policy/matrix.hpp).
#include "address_ordered.hpp"

#include <retype/backend/model.hpp>
#include <retype/error_format.hpp>

#include <cstdio>

int main() {
    using namespace retype;
    using namespace retype::objects;
    static constexpr kernel::config x86{.target = kernel::arch::x86_64}; // static: target<> names an object
    static backend::model<64, 256> kernel_model(x86);
    using alloc_t = allocator<backend::model<64, 256>, target<x86>, split<example::address_ordered>>;
    static_assert(split_strategy_for<example::address_ordered, alloc_t::state_type>);
    static alloc_t alloc(kernel_model);

    if (!alloc.add_slots(100, 128)) return 1;
    // Two 64 KiB untypeds; buddy would halve the one added last (its list's
    // front, 0x400000), address order halves the lower one.
    if (!alloc.add_untyped(1, 0x100000, 16, false) || !alloc.add_untyped(2, 0x400000, 16, false)) return 1;
    auto ep = alloc.allocate(endpoint());
    if (!ep || ep->paddr != 0x100000) return 1;
    // Bad input: an error with its payload, in one line.
    auto bad = alloc.allocate(endpoint(0));
    if (bad) return 1;
    char line[128];
    format(bad.error(), line, sizeof line);
    std::printf("endpoint at %#llx; count 0: %s\n", static_cast<unsigned long long>(ep->paddr), line);
    if (!alloc.free(ep->id)) return 1;

    // The same untypeds under the library's buddy: the front of the list.
    static backend::model<64, 256> model2(x86);
    static allocator<backend::model<64, 256>, target<x86>, split<strategy::buddy>> plain(model2);
    if (!plain.add_slots(100, 128) || !plain.add_untyped(1, 0x100000, 16, false) ||
        !plain.add_untyped(2, 0x400000, 16, false))
        return 1;
    auto ep2 = plain.allocate(endpoint());
    return ep2 && ep2->paddr == 0x400000 ? 0 : 1;
}
