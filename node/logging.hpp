#pragma once
// The node's log: a size-rotated timed.log in the data dir that SIGHUP
// reopens (for logrotate's move-then-HUP), a console copy only when asked
// for or on a terminal (so journald does not get every line twice), UTC
// timestamps with Z, text or one JSON object per line, and debug categories
// (--debug=p2p,consensus; the `logging` RPC switches them at run time).
//
// Categories are spdlog loggers of their own on the same sinks; actor code
// logs its debug lines through them (TC_LOG in actors/common.hpp).

#include <spdlog/spdlog.h>

#include <map>
#include <string>
#include <vector>

#include "crypto/result.hpp"
#include "node/config.hpp"  // log_categories, parse_categories

namespace tc {

struct log_setup {
  std::string file;  // empty: no file (tests)
  uint64_t max_bytes = 10u << 20;
  uint32_t files = 5;
  spdlog::level::level_enum level = spdlog::level::info;
  bool console = false;
  bool json = false;
  std::vector<std::string> debug_categories;  // "all" names every one
};

// -q, -v, -vv, -vvv and [logging] level together: -q warns only, each -v
// one level more verbose than info (debug, then trace).
spdlog::level::level_enum level_for(const std::string& config_level, int verbosity, bool quiet);

status setup_logging(const log_setup& s);
// SIGHUP: close and open timed.log again by name (logrotate moved it).
void reopen_log_file();
// Categories at debug (include) or back to the base level (exclude); answers
// every category and whether it logs debug lines now.
std::map<std::string, bool> set_debug_categories(const std::vector<std::string>& include,
                                                 const std::vector<std::string>& exclude);

}  // namespace tc
