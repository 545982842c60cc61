#include "crypto/thread_priority.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace tc {

namespace {
std::atomic<int> nice_level{0};
}

void set_background_nice(int nice) {
  nice_level.store(nice, std::memory_order_relaxed);
}
int background_nice() {
  return nice_level.load(std::memory_order_relaxed);
}

void run_in_background() {
  thread_local bool done = false;
  if (done) return;
  done = true;
  int n = background_nice();
  // On Linux the nice value is per thread: PRIO_PROCESS with a thread id
  // changes only that thread. Raising it needs no privilege; a failure
  // (another OS) leaves the thread as it was, which is merely slower.
  if (n > 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), n);
}

}  // namespace tc
