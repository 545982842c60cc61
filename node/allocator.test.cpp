#include "node/allocator.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>

#ifdef TC_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

#ifdef TC_JEMALLOC
uint64_t thread_allocated() {
  uint64_t n = 0;
  size_t len = sizeof n;
  REQUIRE(mallctl("thread.allocated", &n, &len, nullptr, 0) == 0);
  return n;
}
#endif

}  // namespace

TEST_CASE("the allocator is the one the build chose, with the compiled-in settings") {
  std::string d = tc::allocator_description();
#ifdef TC_JEMALLOC
  // The settings took: an operator's MALLOC_CONF could change them, so the
  // test runs without one.
  if (std::getenv("MALLOC_CONF") == nullptr) {
    CHECK(d.rfind("jemalloc 5.", 0) == 0);
    CHECK(d.find("narenas 2,") != std::string::npos);
    CHECK(d.find("background_thread true") != std::string::npos);
    CHECK(d.find("dirty_decay_ms 1000)") != std::string::npos);
  }
  // Plain malloc goes to jemalloc (the library is not merely loaded): this
  // thread's jemalloc byte count grows by the allocation.
  uint64_t before = thread_allocated();
  void* p = std::malloc(1 << 20);
  REQUIRE(p != nullptr);
  std::memset(p, 1, 1 << 20);
  CHECK(thread_allocated() >= before + (1 << 20));
  std::free(p);
#else
  CHECK(d == "system malloc");  // glibc's, or a sanitizer's
#endif
}
