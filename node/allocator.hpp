#pragma once
// The process's memory allocator. `timed` links jemalloc (CMake option
// TC_JEMALLOC, on unless sanitizers are): under a validator's load glibc's
// malloc and free were ~14 % of the CPU (per-message buffers freed on other
// threads than they were allocated on), jemalloc's thread caches cut the CPU
// per finalized tx by ~11 % (README, Benchmarks). Settings compiled in
// (tc_jemalloc_conf) keep idle memory low: two arenas on a 2-core box, a
// background thread that returns freed pages after a second even when the
// node is idle. An operator's MALLOC_CONF environment variable overrides them.
#include <string>

namespace tc {

// Called first thing in main: tunes glibc's malloc when it is the allocator
// (jemalloc needs nothing at run time).
void configure_allocator();

// "jemalloc 5.3.0 (narenas 2, background_thread true, dirty_decay_ms 1000)"
// or "system malloc" (glibc's, or a sanitizer's): for `timed --version` and
// the start-up log line.
std::string allocator_description();

}  // namespace tc
