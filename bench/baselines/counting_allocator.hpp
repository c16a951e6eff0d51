// retype bench: a std allocator that counts the bytes its container asks for.
// The count is what the container requests (node sizes); malloc's own per-block
// overhead (16 B with glibc) is not added, which flatters the baseline slightly.
#pragma once

#include <cstddef>
#include <memory>

namespace retype::bench {

struct heap_counter {
    std::size_t bytes = 0;
    std::size_t peak = 0;
    std::size_t blocks = 0;
};

template <class T>
struct counting_allocator {
    using value_type = T;
    heap_counter* counter;

    explicit counting_allocator(heap_counter* c) noexcept : counter(c) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& o) noexcept : counter(o.counter) {} // NOLINT: rebinding

    T* allocate(std::size_t n) {
        counter->bytes += n * sizeof(T);
        counter->blocks += 1;
        if (counter->bytes > counter->peak) counter->peak = counter->bytes;
        return std::allocator<T>{}.allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        counter->bytes -= n * sizeof(T);
        counter->blocks -= 1;
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    friend bool operator==(const counting_allocator& a, const counting_allocator<U>& b) noexcept {
        return a.counter == b.counter;
    }
};

} // namespace retype::bench
