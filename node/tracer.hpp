#pragma once
// The tracer: writes message-flow events as Chrome trace-event JSON (opens in
// Perfetto / chrome://tracing): one track per actor, an instant event per
// message with its height, round and summary, and a flow arrow from sender
// to receiver. Bounded by max_events; the file is valid JSON once closed.
// With to_log (timed -vvv) each message is also a trace-level log line.

#include "actors/common.hpp"

namespace tc {

struct tracer_state {
  tracer_state() = default;
  ~tracer_state();
  std::FILE* file = nullptr;
  uint64_t events = 0;
  uint64_t max_events = 0;
  uint64_t dropped = 0;
  std::function<uint64_t()> now_us;
  std::map<std::string, int> tids;
  bool to_log = false;
};

tracer_actor::behavior_type tracer_impl(tracer_actor::stateful_pointer<tracer_state> self,
                                        std::string path, uint64_t max_events,
                                        std::function<uint64_t()> now_us, bool to_log = false);

}  // namespace tc
