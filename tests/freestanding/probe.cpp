// Freestanding probe: the whole public API (the umbrella header) in a TU built
// with -ffreestanding -fno-exceptions -fno-rtti, as in a seL4 root task or a
// kernel. The extern "C" functions take their inputs at run time so the
// compiler must emit real code; check.cmake then reads the object's undefined
// symbols and fails on anything that needs an OS or the C++ runtime (operator
// new, malloc, exceptions, RTTI, thread-safe statics, static constructors).
#include <retype/retype.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kernel = retype::kernel;

// One boot untyped, one retype of `count` objects of the named type, then a
// delete of the first object and a revoke: returns the watermark after the
// retype, or the error code (with bit 63 set) of the first failing step.
extern "C" std::uint64_t retype_probe_model(std::uint64_t paddr, unsigned size_bits, const char* type_name,
                                            std::size_t type_len, std::uint64_t count, bool aarch64) {
    kernel::config cfg{};
    cfg.target = aarch64 ? kernel::arch::aarch64 : kernel::arch::x86_64;
    kernel::machine<64> m{cfg};
    const auto fail = [](const retype::error& e) {
        return (std::uint64_t{1} << 63) | static_cast<std::uint8_t>(e.code);
    };
    const auto type = kernel::parse_object_type(std::string_view{type_name, type_len});
    if (!type) return fail(retype::make_error(retype::error_code::unknown_object));
    auto ut = m.add_untyped(paddr, size_bits, false);
    if (!ut) return fail(ut.error());
    auto out = m.retype(*ut, kernel::retype_args{.type = *type, .size_bits = 0, .count = count});
    if (!out) return fail(out.error());
    auto removed = m.remove(out->first);
    if (!removed) return fail(removed.error());
    auto revoked = m.revoke(*ut);
    if (!revoked) return fail(revoked.error());
    return out->watermark;
}

// The decode/invoke pair on its own, and error names (string tables).
extern "C" std::size_t retype_probe_decode(std::uint64_t paddr, unsigned size_bits, unsigned type_index,
                                           std::uint64_t count) {
    const kernel::config cfg{};
    kernel::untyped_state ut = kernel::boot_untyped(paddr, size_bits, false);
    const auto type = kernel::all_object_types[type_index % std::size(kernel::all_object_types)];
    auto plan = kernel::decode_retype(cfg, ut, kernel::retype_args{.type = type, .count = count});
    if (!plan) return retype::name(plan.error().code).size();
    kernel::invoke_retype(ut, *plan);
    return static_cast<std::size_t>(ut.used);
}

// A backend used through the concept.
extern "C" bool retype_probe_backend(std::uint64_t slot) {
    retype::backend::null_backend b;
    static_assert(retype::backend::backend<retype::backend::null_backend>);
    return b.untyped_retype(retype::backend::retype_call{.untyped = slot}).has_value() &&
           b.cnode_revoke(slot).has_value();
}

// The allocator over the kernel-model backend, both free-list models.
template <class Split, class FreeList>
static std::uint64_t allocate_and_free(std::uint64_t paddr, unsigned size_bits, std::uint64_t count) {
    using model_t = retype::backend::model<32, 64>;
    using alloc_t = retype::allocator<model_t, retype::target<kernel::configs::x86_64>, retype::split<Split>,
                                      retype::max_untypeds<16>, retype::max_slots<32>, retype::free_list<FreeList>>;
    model_t m{kernel::config{}};
    alloc_t a{m};
    if (!a.add_slots(100, 32) || !a.add_untyped(1, paddr, size_bits, false)) return 0;
    auto x = a.allocate(kernel::object_type::frame_4k, 0, count);
    if (!x) return static_cast<std::uint64_t>(x.error().code);
    const std::uint64_t where = x->paddr;
    if (!a.free(x->id)) return 1;
    return where;
}

extern "C" std::uint64_t retype_probe_allocator(std::uint64_t paddr, unsigned size_bits, std::uint64_t count) {
    return allocate_and_free<retype::buddy, retype::intrusive>(paddr, size_bits, count) ^
           allocate_and_free<retype::watermark, retype::array>(paddr, size_bits, count) ^
           allocate_and_free<retype::binary_search, retype::array>(paddr, size_bits, count);
}

// The replay parser and runner over a trace given at run time.
extern "C" std::size_t retype_probe_replay(const char* text, std::size_t size) {
    static retype::trace::parsed<64> parsed; // static: large, and no stack in a freestanding probe is promised
    parsed = retype::trace::parse<64>(std::string_view{text, size});
    return parsed.out.size + static_cast<std::size_t>(parsed.error.what);
}
