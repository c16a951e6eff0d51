// The allocator never calls the C heap either. no_heap.test.cpp replaces the
// global operator new/delete; this executable interposes malloc, calloc,
// realloc, free and the aligned variants themselves (glibc: the definitions
// here win over libc's and forward to __libc_malloc and friends), so any heap
// use underneath (a container, a C library call, operator new) is counted.
//
// Counting is armed only around the allocator's calls: GoogleTest allocates
// freely outside that window, and no GoogleTest macro runs inside it (results
// are collected in plain variables and checked once the window is closed).
//
// Under a sanitizer that owns malloc (ASan, TSan, MSan) the interposers are not
// defined at all (they would fight the sanitizer's allocator) and the tests
// skip, saying so; builds without one (the clang preset, plain g++) run them.
#include <retype/allocator.hpp>
#include <retype/backend/model.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define RETYPE_TEST_SANITIZER_OWNS_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RETYPE_TEST_SANITIZER_OWNS_MALLOC 1
#endif

namespace {
std::atomic<bool> g_armed{false};
std::atomic<std::size_t> g_calls{0};

[[maybe_unused]] void count() noexcept {
    if (g_armed.load(std::memory_order_relaxed)) g_calls.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

#if !defined(RETYPE_TEST_SANITIZER_OWNS_MALLOC) && defined(__GLIBC__)
#define RETYPE_TEST_MALLOC_INTERPOSED 1
extern "C" {
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
void* __libc_realloc(void*, std::size_t) noexcept;
void* __libc_memalign(std::size_t, std::size_t) noexcept;
void __libc_free(void*) noexcept;

void* malloc(std::size_t n) noexcept {
    count();
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
    count();
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {
    count();
    return __libc_realloc(p, n);
}
void free(void* p) noexcept {
    count();
    __libc_free(p);
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
    count();
    return __libc_memalign(align, n);
}
void* memalign(std::size_t align, std::size_t n) noexcept {
    count();
    return __libc_memalign(align, n);
}
int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
    count();
    if (align < sizeof(void*) || (align & (align - 1)) != 0) return 22; // EINVAL
    void* p = __libc_memalign(align, n);
    if (p == nullptr) return 12; // ENOMEM
    *out = p;
    return 0;
}
}
#endif

using namespace retype;
using kernel::object_type;

namespace {
constexpr kernel::config x86{.target = kernel::arch::x86_64};
using model_t = backend::model<256, 512>;

template <class Split, class FreeList>
using alloc_t = allocator<model_t, target<x86>, split<Split>, FreeList, max_untypeds<96>, max_slots<448>>;

/// The measured window: opens on construction, closes on destruction.
struct window {
    std::size_t before;
    window() noexcept : before(g_calls.load()) { g_armed.store(true); }
    ~window() { g_armed.store(false); }
    window(const window&) = delete;
    window& operator=(const window&) = delete;
    [[nodiscard]] std::size_t calls() const noexcept { return g_calls.load() - before; }
};

/// Every operation, succeeding and failing. Returns how many of the calls
/// expected to succeed did not (checked by the caller, outside the window).
template <class A>
int exercise(A& a) noexcept {
    int bad = 0;
    const auto ok = [&bad](bool b) { bad += b ? 0 : 1; };
    ok(bool(a.add_slots(64, 448)));
    ok(bool(a.add_untyped(1, 0x100000, 20, false)));
    ok(bool(a.add_untyped(2, 0x400000, 21, false)));
    ok(bool(a.add_untyped(3, 0xfe000000, 24, true)));
    ok(!a.add_untyped(4, 0x100000, 20, false)); // overlap
    for (int round = 0; round < 10; ++round) {
        allocation_id ids[6]{};
        for (int i = 0; i < 6; ++i) {
            auto r = i % 2 ? a.allocate(object_type::frame_4k, 0, 3) : a.allocate(object_type::cnode, 4);
            ok(bool(r));
            if (r) ids[i] = r->id;
        }
        auto d = a.allocate_at(object_type::frame_4k, 0, 0xfe000000 + 0x1000 * (round + 1), memory::device);
        ok(bool(d));
        auto rg = a.allocate_range(0x8000);
        ok(bool(rg));
        auto rga = a.allocate_range_at(0x4000, 0xfe800000, memory::device);
        ok(bool(rga));
        ok(!a.allocate(object_type::untyped, 40));                 // no memory
        ok(!a.allocate_at(object_type::frame_4k, 0, 0x9000000));   // outside every untyped
        ok(!a.allocate_range_at(0x4000, 0xfe800000, memory::ram)); // device/RAM mismatch
        for (auto id : ids) ok(bool(a.free(id)));
        if (d) ok(bool(a.free(d->id)));
        if (rg) ok(bool(a.free(rg->id)));
        if (rga) ok(bool(a.free(rga->id)));
        ok(!a.free(ids[0])); // freed twice
        ok(bool(a.reset(1)));
        ok(bool(a.reset(3)));
        ok(!a.reset(99)); // not a bootinfo untyped
        (void)a.largest_block();
        (void)a.free_bytes();
        (void)a.stats();
        (void)a.snapshot();
    }
    return bad;
}

template <class Split, class FreeList>
void no_malloc() {
#if !defined(RETYPE_TEST_MALLOC_INTERPOSED)
    GTEST_SKIP() << "malloc is owned by a sanitizer runtime (or this is not glibc): not interposed in this build";
#else
    auto m = std::make_unique<model_t>(x86);
    auto a = std::make_unique<alloc_t<Split, FreeList>>(*m);
    int bad = 0;
    std::size_t calls = 0;
    {
        window w;
        bad = exercise(*a);
        calls = w.calls();
    }
    EXPECT_EQ(bad, 0) << "an operation expected to succeed (or fail) did the opposite";
    EXPECT_EQ(calls, 0u) << "the allocator (or the model backend) called the C heap";
#endif
}
} // namespace

// The interposers are in effect and the window counts: a C allocation inside it
// (called through a volatile pointer, so the compiler cannot elide the pair) and
// a C++ one (operator new is malloc underneath) both show.
TEST(NoMalloc, CounterSeesHeapCalls) {
#if !defined(RETYPE_TEST_MALLOC_INTERPOSED)
    GTEST_SKIP() << "malloc is owned by a sanitizer runtime (or this is not glibc): not interposed in this build";
#else
    void* (*volatile alloc)(std::size_t) = &std::malloc;
    void (*volatile release)(void*) = &std::free;
    std::size_t c_calls = 0;
    std::size_t cpp_calls = 0;
    {
        window w;
        release(alloc(24));
        c_calls = w.calls();
    }
    {
        window w;
        ::operator delete(::operator new(24));
        cpp_calls = w.calls();
    }
    EXPECT_EQ(c_calls, 2u);   // malloc + free
    EXPECT_GE(cpp_calls, 2u); // at least malloc + free under operator new/delete
    const std::size_t closed = g_calls.load();
    release(alloc(24));
    EXPECT_EQ(g_calls.load(), closed); // outside the window nothing counts
#endif
}

TEST(NoMalloc, WatermarkArray) { no_malloc<watermark, free_list<array>>(); }
TEST(NoMalloc, WatermarkIntrusive) { no_malloc<watermark, free_list<intrusive>>(); }
TEST(NoMalloc, BuddyArray) { no_malloc<buddy, free_list<array>>(); }
TEST(NoMalloc, BuddyIntrusive) { no_malloc<buddy, free_list<intrusive>>(); }
TEST(NoMalloc, BinarySearchArray) { no_malloc<binary_search, free_list<array>>(); }
TEST(NoMalloc, BinarySearchIntrusive) { no_malloc<binary_search, free_list<intrusive>>(); }
