#pragma once
// Debug and trace lines by category: TC_LOG("p2p", debug, "...", args).
// Each category (node/config.hpp log_categories) is an spdlog logger of its
// own on the node's sinks, registered by timed at start-up, so `--debug=p2p`
// or the `logging` RPC turns one subsystem's detail on without the rest.
// Where none is registered (unit tests, the simulator) the default logger
// takes the line. A call site looks its logger up once.

#include <spdlog/spdlog.h>

namespace tc {

inline std::shared_ptr<spdlog::logger> category_logger(const char* name) {
  auto l = spdlog::get(name);
  return l ? l : spdlog::default_logger();
}

}  // namespace tc

#define TC_LOG(category, lvl, ...)                                                          \
  do {                                                                                      \
    static const std::shared_ptr<spdlog::logger> tc_log_ = ::tc::category_logger(category); \
    if (tc_log_->should_log(spdlog::level::lvl)) tc_log_->lvl(__VA_ARGS__);                 \
  } while (0)
