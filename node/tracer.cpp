#include "node/tracer.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace tc {

using json = nlohmann::json;

tracer_state::~tracer_state() {
  if (!file) return;
  std::fputs("\n]\n", file);
  std::fclose(file);
  spdlog::info("trace closed: {} events written, {} dropped over the bound", events, dropped);
}

namespace {
void write(tracer_state& st, const json& j) {
  std::fputs(st.events++ == 0 ? "\n" : ",\n", st.file);
  std::fputs(j.dump().c_str(), st.file);
}
int tid_of(tracer_state& st, const std::string& actor) {
  auto it = st.tids.find(actor);
  if (it != st.tids.end()) return it->second;
  int tid = static_cast<int>(st.tids.size()) + 1;
  st.tids.emplace(actor, tid);
  write(st, {{"name", "thread_name"},
             {"ph", "M"},
             {"pid", 1},
             {"tid", tid},
             {"args", {{"name", actor}}}});
  return tid;
}
}  // namespace

tracer_actor::behavior_type tracer_impl(tracer_actor::stateful_pointer<tracer_state> self,
                                        std::string path, uint64_t max_events,
                                        std::function<uint64_t()> now_us, bool to_log) {
  auto& st = self->state;
  st.to_log = to_log;
  st.max_events = max_events;
  st.now_us = std::move(now_us);
  st.file = path.empty() ? nullptr : std::fopen(path.c_str(), "w");
  if (path.empty()) {
    // A placeholder (supervisor_setup::trace_placeholder): records nothing.
  } else if (!st.file) {
    spdlog::error("cannot open trace file {}; tracing stays off", path);
  } else {
    std::fputs("[", st.file);
    write(st, {{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "timed"}}}});
    spdlog::info("tracing message flow to {}", path);
  }
  return {
      [self](const trace_event& e) {
        auto& st = self->state;
        if (st.to_log)
          spdlog::trace("msg {} -> {}: {} h={} r={} {}", e.from, e.to, e.kind, e.height, e.round,
                        e.summary);
        if (!st.file) return;
        if (st.events + 3 > st.max_events) {
          ++st.dropped;
          return;
        }
        uint64_t ts = st.now_us();
        int from = tid_of(st, e.from), to = tid_of(st, e.to);
        json args{{"from", e.from}, {"to", e.to}, {"height", e.height}, {"round", e.round}};
        if (!e.summary.empty()) args["summary"] = e.summary;
        write(st, {{"name", e.kind},
                   {"cat", "msg"},
                   {"ph", "i"},
                   {"s", "t"},
                   {"ts", ts},
                   {"pid", 1},
                   {"tid", from},
                   {"args", args}});
        uint64_t id = st.events;
        write(st, {{"name", e.kind},
                   {"cat", "flow"},
                   {"ph", "s"},
                   {"id", id},
                   {"ts", ts},
                   {"pid", 1},
                   {"tid", from}});
        write(st, {{"name", e.kind},
                   {"cat", "flow"},
                   {"ph", "f"},
                   {"bp", "e"},
                   {"id", id},
                   {"ts", ts + 1},
                   {"pid", 1},
                   {"tid", to}});
      },
  };
}

}  // namespace tc
