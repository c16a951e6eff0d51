// The root-task example. On seL4 (libsel4 present), main() takes the kernel's
// configuration from libsel4 (root_task.hpp), hands the allocator its bootinfo
// in one call and allocates a guest's objects through the libsel4 backend,
// printing through seL4_DebugPutChar: no C library, only libsel4 and
// sel4runtime (the entry point and sel4runtime_bootinfo). On a host, it runs
// the same setup on the kernel model with the bootinfo of QEMU arm-virt
// (seed 001) and checks where the kernel would put each object.
#include "root_task.hpp"

#if __has_include(<sel4/sel4.h>) && __has_include(<sel4runtime.h>)
#include <retype/backend/sel4.hpp>
#include <sel4runtime.h>

#include <string_view>

namespace example {
/// The root task's only output: seL4_DebugPutChar (a kernel built with CONFIG_PRINTING).
inline void put(std::string_view s) {
#if defined(CONFIG_PRINTING)
    for (char c : s) seL4_DebugPutChar(c);
#else
    (void)s;
#endif
}
inline void put_hex(std::uint64_t v) {
    char text[19] = {'0', 'x'};
    int n = 2;
    for (int shift = 60; shift >= 0; shift -= 4) {
        const unsigned d = (v >> shift) & 0xf;
        if (d != 0 || n > 2 || shift == 0) text[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + (d - 10));
    }
    put(std::string_view(text, static_cast<std::size_t>(n)));
}
} // namespace example

int main() {
    const seL4_BootInfo* bi = sel4runtime_bootinfo();
    // One window over the root CNode from the first untyped cap to the end of
    // the empty range (the kernel puts the empty slots right after the
    // untypeds), so the allocator's slot s is CPtr bi->untyped.start + s and the
    // initial caps below it (TCB, CNode, VSpace, ...) are outside its reach.
    const seL4_Word base = bi->untyped.start;
    const retype::backend::cspace_window w{.root = seL4_CapInitThreadCNode,
                                           .offset_base = base,
                                           .cptr_base = base,
                                           .cptr_depth = seL4_WordBits,
                                           .slots = bi->empty.end - base};
    // Function-local statics (dynamic initialisation: the window comes from
    // bootinfo); both types are trivially destructible, so no atexit.
    static retype::backend::sel4_backend b(example::cfg, w);
    static example::vmm_allocator<retype::backend::sel4_backend> a(b);
    auto added = retype::add_bootinfo(a, *bi, base);
    if (!added) {
        example::put("retype: bootinfo refused: ");
        example::put(retype::name(added.error().code));
        example::put("\n");
        return 1;
    }
    auto vm = example::setup(a);
    if (!vm) {
        example::put("retype: ");
        example::put(retype::name(vm.error().code));
        example::put(" value=");
        example::put_hex(vm.error().value);
        example::put(" limit=");
        example::put_hex(vm.error().limit);
        example::put("\n");
        return 1;
    }
    example::put("retype: guest RAM at ");
    example::put_hex(vm->guest_ram.paddr);
    example::put("\n");
    return 0;
}
#else
#include <retype/backend/model.hpp>

#include <cstdio>
#include <memory>

int main() {
    // QEMU arm-virt with 4 GiB: RAM untypeds the kernel would make around its image.
    static constexpr retype::boot_untyped uts[] = {
        {0x40000000, 30, false}, {0x80000000, 31, false}, {0x9000000, 12, true}};
    using model_t = retype::backend::model<64, 8192>;
    auto m = std::make_unique<model_t>(example::cfg);
    auto a = std::make_unique<example::vmm_allocator<model_t>>(*m);
    auto added = retype::add_bootinfo(*a, retype::bootinfo_view{1, uts, 16, 8192 - 16});
    if (!added) {
        std::printf("bootinfo refused: %s\n", retype::name(added.error().code).data());
        return 1;
    }
    auto vm = example::setup(*a);
    if (!vm) {
        std::printf("setup failed: %s\n", retype::name(vm.error().code).data());
        return 1;
    }
    for (const auto* o : {&vm->tcb, &vm->vcpu, &vm->vspace, &vm->guest_ram}) {
        std::printf("%-8s slot %5llu x%-4llu paddr 0x%llx (model: 0x%llx)\n", retype::kernel::name(o->type).data(),
                    static_cast<unsigned long long>(o->slot), static_cast<unsigned long long>(o->count),
                    static_cast<unsigned long long>(o->paddr), static_cast<unsigned long long>(m->paddr(o->slot)));
        if (m->paddr(o->slot) != o->paddr) return 1;
    }
    return 0;
}
#endif
