#include "crypto/thread_priority.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

namespace {
int own_nice() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}
}  // namespace

TEST_CASE("run_in_background lowers only the calling thread, once") {
  int base = own_nice();
  // Niceness stops at 19: on an already nice (loaded CI) box lower by what
  // is left, so the test checks something whatever the starting point.
  int step = std::min(7, 19 - base);
  REQUIRE(step >= 2);  // a test run at niceness 18+ is misconfigured, not skipped
  tc::set_background_nice(base + step);
  int inside = -100, after_change = -100;
  std::thread([&] {
    tc::run_in_background();
    inside = own_nice();
    tc::set_background_nice(base + 1);  // later calls on this thread change nothing
    tc::run_in_background();
    after_change = own_nice();
  }).join();
  CHECK(inside == base + step);
  CHECK(after_change == base + step);
  CHECK(own_nice() == base);  // the test's own thread was not touched
  tc::set_background_nice(0);
  int untouched = -100;
  std::thread([&] {
    tc::run_in_background();  // level 0: stays as it was
    untouched = own_nice();
  }).join();
  CHECK(untouched == base);
}
