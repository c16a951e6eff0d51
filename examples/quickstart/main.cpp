// docs/quickstart.md: the first allocator. Builds and runs as a test.
#include <retype/retype.hpp>

#include <cstdio>

using namespace retype;

int main() {
    // The kernel: x86_64 as seL4 configures it by default. target<> names a
    // configuration object; your own is `inline constexpr kernel::config mine{...};`.
    const kernel::config& x86 = kernel::configs::x86_64;
    // The backend does the kernel calls: here the kernel model; on seL4, backend::sel4_backend.
    backend::model<64, 256> kernel_model(x86);
    allocator<backend::model<64, 256>, target<kernel::configs::x86_64>, split<buddy>> alloc(kernel_model);

    // From bootinfo: the empty CSpace slots, then each untyped (slot, paddr, size_bits, device).
    if (!alloc.add_slots(100, 128) || !alloc.add_untyped(1, 0x400000, 22, false)) return 1;

    auto frame = alloc.allocate(kernel::object_type::frame_2m);    // one 2 MiB frame
    auto ep = alloc.allocate(kernel::object_type::endpoint);       // one endpoint
    auto cnode = alloc.allocate(kernel::object_type::cnode, 1, 0); // count 0: an error, nothing changes
    if (!frame || !ep || cnode) return 1;
    std::printf("frame at %#llx in slot %llu, endpoint at %#llx, error %s\n",
                static_cast<unsigned long long>(frame->paddr), static_cast<unsigned long long>(frame->slot),
                static_cast<unsigned long long>(ep->paddr), name(cnode.error().code).data());

    if (!alloc.free(ep->id) || !alloc.free(frame->id)) return 1;
    // Buddy halves the 4 MiB untyped: the frame takes the lower 2 MiB (0x400000),
    // the endpoint the lowest 16 bytes of the upper half (0x600000).
    return frame->paddr == 0x400000 && ep->paddr == 0x600000 ? 0 : 1;
}
