#pragma once
// TC_ASSERT: an always-on invariant check (also in release builds). A failed
// invariant means our own code is wrong, so the process stops loudly rather
// than commit bad state. Never use it on peer or user input: validate that and
// return an error instead.

namespace tc::detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* msg);
}

#define TC_ASSERT(expr) \
  ((expr) ? (void)0 : ::tc::detail::assert_fail(#expr, __FILE__, __LINE__, nullptr))
#define TC_ASSERT_MSG(expr, msg) \
  ((expr) ? (void)0 : ::tc::detail::assert_fail(#expr, __FILE__, __LINE__, (msg)))
