// The root-task example. On seL4 (libsel4 present), main() reads seL4_BootInfo
// and uses the libsel4 backend. On a host, it runs the same setup on the kernel
// model with the bootinfo of QEMU arm-virt (seed 001) and checks where the
// kernel would put each object.
#include "root_task.hpp"

#include <retype/backend/model.hpp>

#include <cstdio>
#include <memory>

#if __has_include(<sel4/sel4.h>) && __has_include(<sel4runtime.h>)
#include <retype/backend/sel4.hpp>
#include <sel4runtime.h>

int main() {
    const seL4_BootInfo* bi = sel4runtime_bootinfo();
    static example::untyped_desc uts[CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS];
    const std::uint64_t n = bi->untyped.end - bi->untyped.start;
    for (std::uint64_t i = 0; i < n; ++i)
        uts[i] = {bi->untypedList[i].paddr, bi->untypedList[i].sizeBits, bi->untypedList[i].isDevice != 0};
    // One window over the root CNode from the first untyped cap to the end of the
    // empty range (the kernel puts the empty slots right after the untypeds), so
    // the allocator's slot s is CPtr bi->untyped.start + s and the initial caps
    // below it (TCB, CNode, VSpace, ...) are outside its reach.
    const seL4_Word base = bi->untyped.start;
    const retype::backend::cspace_window w{.root = seL4_CapInitThreadCNode,
                                           .offset_base = base,
                                           .cptr_base = base,
                                           .cptr_depth = seL4_WordBits,
                                           .slots = bi->empty.end - base};
    static retype::backend::sel4_backend b(example::cfg, w);
    static example::vmm_allocator<retype::backend::sel4_backend> a(b);
    auto vm = example::setup(a, {0, {uts, n}, bi->empty.start - base, bi->empty.end - base});
    if (!vm) std::printf("retype: %s\n", retype::name(vm.error().code).data());
    return vm ? 0 : 1;
}
#else
int main() {
    // QEMU arm-virt with 4 GiB: RAM untypeds the kernel would make around its image.
    static constexpr example::untyped_desc uts[] = {
        {0x40000000, 30, false}, {0x80000000, 31, false}, {0x9000000, 12, true}};
    using model_t = retype::backend::model<64, 8192>;
    auto m = std::make_unique<model_t>(example::cfg);
    auto a = std::make_unique<example::vmm_allocator<model_t>>(*m);
    auto vm = example::setup(*a, {1, uts, 16, 8192});
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
