#include "crypto/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace tc::detail {
void assert_fail(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "TC_ASSERT failed: %s at %s:%d%s%s\n", expr, file, line, msg ? ": " : "",
               msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace tc::detail
