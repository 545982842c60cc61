#pragma once
// The process's memory allocator. `timed` links jemalloc (CMake option
// TC_JEMALLOC, on unless sanitizers are): under a validator's load glibc's
// malloc and free were ~14 % of the CPU, and jemalloc cut the CPU per
// finalized tx by ~10 % (README, Benchmarks). Its settings are compiled in
// (`malloc_conf` in allocator.cpp) to keep idle memory low: two arenas, a
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
