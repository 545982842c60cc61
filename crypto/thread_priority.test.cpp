#include "crypto/thread_priority.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace {
int own_nice() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}
}  // namespace

TEST_CASE("run_in_background lowers only the calling thread, once") {
  int base = own_nice();
  if (base > 12) return;  // already very nice (a loaded CI box): nothing to lower
  tc::set_background_nice(base + 7);
  int inside = -100, after_change = -100;
  std::thread([&] {
    tc::run_in_background();
    inside = own_nice();
    tc::set_background_nice(base + 3);  // later calls on this thread change nothing
    tc::run_in_background();
    after_change = own_nice();
  }).join();
  CHECK(inside == base + 7);
  CHECK(after_change == base + 7);
  CHECK(own_nice() == base);  // the test's own thread was not touched
  tc::set_background_nice(0);
  int untouched = -100;
  std::thread([&] {
    tc::run_in_background();  // level 0: stays as it was
    untouched = own_nice();
  }).join();
  CHECK(untouched == base);
}
