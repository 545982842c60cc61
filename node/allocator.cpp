#include "node/allocator.hpp"

#include <cstddef>

#ifdef TC_JEMALLOC
#include <jemalloc/jemalloc.h>

// jemalloc reads this at its first allocation. Why each setting:
// - narenas:2 — the default (4 per core) spreads the node's threads over 8
//   arenas, each holding freed memory of its own: 2 lowered the peak RSS of
//   a 4-validator run by ~20 MB;
// - background_thread — without it freed pages go back to the OS only during
//   later allocations, so an idle node kept its peak (measured: idle RSS 45–55
//   against 30 MB with glibc; with it, 35 MB);
// - dirty_decay_ms:1000, muzzy_decay_ms:0 — return freed pages after 1 s,
//   not 10 s, and at once rather than in a second lazy stage.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "narenas:2,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

namespace tc {
namespace {

template <class T>
bool read_ctl(const char* name, T& out) {
  size_t len = sizeof out;
  return ::mallctl(name, &out, &len, nullptr, 0) == 0 && len == sizeof out;
}

}  // namespace

void configure_allocator() {}  // malloc_conf above is read by jemalloc itself

std::string allocator_description() {
  const char* version = nullptr;
  unsigned narenas = 0;
  bool background = false;
  ssize_t dirty_ms = 0;
  if (!read_ctl("version", version) || !read_ctl("opt.narenas", narenas) ||
      !read_ctl("opt.background_thread", background) || !read_ctl("opt.dirty_decay_ms", dirty_ms))
    return "jemalloc (settings unreadable)";
  std::string v = version ? version : "?";
  v = v.substr(0, v.find('-'));  // "5.3.0-0-g54eaed1d…": the release is enough
  return "jemalloc " + v + " (narenas " + std::to_string(narenas) + ", background_thread " +
         (background ? "true" : "false") + ", dirty_decay_ms " + std::to_string(dirty_ms) + ")";
}

}  // namespace tc

#else
#include <malloc.h>

namespace tc {

void configure_allocator() {
  // Blocks of 20k+ txs need buffers of several MB (block encoding, undo,
  // RPC answers). Above glibc's default threshold each one is a fresh mmap
  // whose pages fault in one by one, which on a VM cost as much as the
  // work itself; from the heap they are reused. Up to 64 MB of freed heap
  // is kept rather than returned at once.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

std::string allocator_description() {
  return "system malloc";  // glibc's, or a sanitizer's
}

}  // namespace tc
#endif
