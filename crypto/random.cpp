#include "crypto/random.hpp"

#include <sys/random.h>

#include <cerrno>

namespace tc {

void os_random(uint8_t* out, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0 && errno == EINTR) continue;
    // A kernel without a working CSPRNG is not a machine we can make keys on.
    TC_ASSERT_MSG(got > 0, "getrandom failed");
    out += got;
    n -= static_cast<size_t>(got);
  }
}

hash256 os_random32() {
  hash256 h;
  os_random(h.data(), 32);
  return h;
}

}  // namespace tc
