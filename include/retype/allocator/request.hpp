// retype allocator: the request API. A request names every field, so size_bits
// and count cannot be swapped (`allocate(object_type::endpoint, 4)` reads as a
// size, not a count); the helpers are the calls vka users know.
//
//   a.allocate(retype::request{.type = object_type::endpoint, .count = 4});
//   using namespace retype::objects;
//   a.allocate(cnode(12));                      // a CNode of 2^12 slots
//   a.allocate(frames(object_type::frame_2m, 8));
//   a.allocate(untyped(20, memory::device));
//   a.allocate(tcb().at(0x80000000));           // at a physical address
#pragma once

#include <retype/allocator/types.hpp>
#include <retype/kernel/object_type.hpp>

#include <cstdint>
#include <optional>

namespace retype {

/// One allocation request. size_bits is only for the variable-size types
/// (untyped: log2 of its bytes; cnode: log2 of its slots, the radix;
/// sched_context: log2 of its bytes) and must be 0 for the others.
struct request {
    kernel::object_type type = kernel::object_type::untyped;
    std::uint64_t size_bits = 0;
    std::uint64_t count = 1;
    memory mem = memory::ram;
    std::optional<kernel::paddr_t> paddr{}; // at this physical address (count must be 1)

    /// The same request at physical address p.
    [[nodiscard]] constexpr request at(kernel::paddr_t p) const noexcept {
        request r = *this;
        r.paddr = p;
        return r;
    }
    /// The same request from device memory.
    [[nodiscard]] constexpr request device() const noexcept {
        request r = *this;
        r.mem = memory::device;
        return r;
    }
    friend constexpr bool operator==(const request&, const request&) = default;
};

/// The typed helpers, in their own namespace so that their short names
/// (frames, untyped, ...) never shadow a caller's variables.
namespace objects {

[[nodiscard]] constexpr request tcb(std::uint64_t count = 1) noexcept {
    return {.type = kernel::object_type::tcb, .count = count};
}
[[nodiscard]] constexpr request endpoint(std::uint64_t count = 1) noexcept {
    return {.type = kernel::object_type::endpoint, .count = count};
}
[[nodiscard]] constexpr request notification(std::uint64_t count = 1) noexcept {
    return {.type = kernel::object_type::notification, .count = count};
}
/// A CNode of 2^radix slots (vka_alloc_cnode_object's size_bits).
[[nodiscard]] constexpr request cnode(std::uint64_t radix, std::uint64_t count = 1) noexcept {
    return {.type = kernel::object_type::cnode, .size_bits = radix, .count = count};
}
/// count frames of one granule (a frame object type: frame_4k, frame_2m, ...).
[[nodiscard]] constexpr request frames(kernel::object_type granule, std::uint64_t count = 1,
                                       memory mem = memory::ram) noexcept {
    return {.type = granule, .count = count, .mem = mem};
}
/// An untyped of 2^size_bits bytes.
[[nodiscard]] constexpr request untyped(std::uint64_t size_bits, memory mem = memory::ram) noexcept {
    return {.type = kernel::object_type::untyped, .size_bits = size_bits, .mem = mem};
}

} // namespace objects

} // namespace retype
