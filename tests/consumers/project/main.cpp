// A consumer of an installed, added or fetched retype: includes the umbrella
// header, evaluates the kernel model at compile time and at run time, and exits
// 0 only if both give the answers derived by hand below.
#include <retype/retype.hpp>

#include <cstdio>

namespace {

using namespace retype::kernel;

// x86_64 defaults. An untyped of 2^16 bytes at paddr 0x100000 (size-aligned,
// inside the kernel window). seL4_EndpointBits = 4 and seL4_PageBits = 12 on
// x86_64, so: one endpoint lands at offset 0 and leaves the watermark at 16;
// a 4 KiB frame then aligns up to offset 4096 (paddr 0x101000), watermark 8192.
struct outcome {
    std::uint64_t frame_paddr = 0;
    std::uint64_t watermark = 0;
};

constexpr outcome run() {
    machine<4> m{config{}};
    auto ut = m.add_untyped(0x100000, 16, false);
    if (!ut) return {};
    auto ep = m.retype(*ut, retype_args{.type = object_type::endpoint});
    if (!ep) return {};
    auto frame = m.retype(*ut, retype_args{.type = object_type::frame_4k});
    if (!frame) return {};
    return {frame->plan.paddr, frame->watermark};
}

static_assert(run().frame_paddr == 0x101000 && run().watermark == 8192, "retype consumer: model disagrees");

} // namespace

int main() {
    const outcome o = run();
    const bool ok = o.frame_paddr == 0x101000 && o.watermark == 8192;
    std::printf("retype consumer: frame at %#llx, watermark %llu: %s\n", static_cast<unsigned long long>(o.frame_paddr),
                static_cast<unsigned long long>(o.watermark), ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
