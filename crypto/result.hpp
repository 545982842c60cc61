#pragma once
// result<T>: a value or an error message. Every function that handles outside
// input (bytes, files, config) returns one, so bad input becomes a value the
// caller must look at instead of an exception or a crash.

#include <string>
#include <utility>
#include <variant>

#include "crypto/assert.hpp"

namespace tc {

struct error {
  std::string message;
};

inline error make_error(std::string msg) {
  return error{std::move(msg)};
}

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  result(error e) : v_(std::move(e)) {}      // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    TC_ASSERT_MSG(ok(), std::get<1>(v_).message.c_str());
    return std::get<0>(v_);
  }
  const T& value() const& {
    TC_ASSERT_MSG(ok(), std::get<1>(v_).message.c_str());
    return std::get<0>(v_);
  }
  T&& value() && {
    TC_ASSERT_MSG(ok(), std::get<1>(v_).message.c_str());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  const std::string& error_message() const {
    TC_ASSERT(!ok());
    return std::get<1>(v_).message;
  }
  error take_error() const { return std::get<1>(v_); }

 private:
  std::variant<T, error> v_;
};

// status: a result with no value.
struct ok_t {};
using status = result<ok_t>;
inline status ok_status() {
  return ok_t{};
}

}  // namespace tc

// Propagate an error from a result-returning expression.
#define TC_TRY(expr)                                    \
  do {                                                  \
    auto tc_try_r_ = (expr);                            \
    if (!tc_try_r_.ok()) return tc_try_r_.take_error(); \
  } while (0)
