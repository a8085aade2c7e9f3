// For tests that assert a loop allocates nothing: replaces the global operator new/delete of the
// test binary with versions that count allocations. Include it in exactly one source file of a
// test binary (replacement operators must have one definition); read the count with
// valor::test_alloc::allocations().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace valor::test_alloc {

inline std::atomic<long> g_allocation_count{0};

// Allocations made through operator new so far in this process.
inline long allocations() { return g_allocation_count.load(std::memory_order_relaxed); }

}  // namespace valor::test_alloc

// GCC pairs the replaced operator new with free() and warns; the pair is correct here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  valor::test_alloc::g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
