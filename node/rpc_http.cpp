#include "node/rpc_http.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace tc {

namespace {

using job_atom = caf::atom_constant<caf::atom("rpcjob")>;
using answer_atom = caf::atom_constant<caf::atom("rpcanswer")>;
using conn_state_atom = caf::atom_constant<caf::atom("rpcstate")>;
using evict_atom = caf::atom_constant<caf::atom("rpcevict")>;
using tick_atom = caf::atom_constant<caf::atom("rpctick")>;
constexpr auto tick = std::chrono::milliseconds(250);
constexpr uint64_t drain_limit_ms = 5'000;

using setup_ptr = std::shared_ptr<const rpc_http_setup>;

// ---- one connection ----

struct conn_state {
  setup_ptr setup;
  caf::actor listener;
  caf::io::connection_handle hdl;
  std::unique_ptr<http::conn_core> core;
  bool reading = true;
  bool done = false;
  std::function<void()> after_sent;  // of the response being written
  bool all_sent = true;              // no written byte awaits its ack
  // Closing once the answer is out (Connection: close with an after_sent,
  // e.g. `stop`): since when, and why.
  std::optional<uint64_t> draining_since_ms;
  std::string drain_why;
  // Last reported to the listener.
  bool told_auth = false, told_evictable = true;
};
using conn_ptr = caf::io::stateful_broker<conn_state>*;

// Closes the connection; the actor itself quits at its next tick. A tick
// is always pending while it runs, and one that arrives after the broker
// quit is never freed (CAF 0.17; LeakSanitizer showed every such broker
// kept alive by its own message), so the tick is what ends it.
void finish(conn_ptr self, const std::string& why) {
  auto& st = self->state;
  if (st.done) return;
  st.done = true;
  if (auto f = std::exchange(st.after_sent, nullptr)) f();
  TC_LOG("rpc", debug, "rpc connection {} closed: {}", self->id(), why);
  self->flush(st.hdl);
  self->close(st.hdl);  // after what was written
}

// Carries out the core's actions, then reads or pauses as it wants and
// tells the listener what changed.
void exec(conn_ptr self, http::actions acts) {
  auto& st = self->state;
  for (auto& a : acts) {
    if (st.done) return;
    if (auto* w = std::get_if<http::write>(&a)) {
      auto& buf = self->wr_buf(st.hdl);
      buf.insert(buf.end(), w->bytes.begin(), w->bytes.end());
      st.all_sent = false;
      self->flush(st.hdl);
    } else if (auto* d = std::get_if<http::dispatch>(&a)) {
      self->send(st.listener, job_atom::value, caf::actor_cast<caf::actor>(self),
                 std::move(d->req));
    } else if (auto* c = std::get_if<http::close>(&a)) {
      // An after_sent (stop) must not run before its answer is out: the
      // close waits for the write's ack (or drain_limit_ms).
      if (!st.after_sent || st.all_sent) return finish(self, c->why);
      st.draining_since_ms = st.setup->now_ms();
      st.drain_why = c->why;
      self->halt(st.hdl);
      return;
    }
  }
  if (st.core->wants_read() != st.reading) {
    st.reading = !st.reading;
    if (st.reading)
      self->trigger(st.hdl);
    else
      self->halt(st.hdl);
  }
  bool auth = st.core->authenticated(), evictable = st.core->evictable();
  if (auth != st.told_auth || evictable != st.told_evictable) {
    st.told_auth = auth;
    st.told_evictable = evictable;
    self->send(st.listener, conn_state_atom::value, caf::actor_cast<caf::actor>(self), auth,
               evictable);
  }
}

caf::behavior conn_impl(conn_ptr self, caf::io::connection_handle hdl, setup_ptr setup,
                        caf::actor listener) {
  auto& st = self->state;
  st.setup = setup;
  st.listener = listener;
  st.hdl = hdl;
  st.core = std::make_unique<http::conn_core>(setup->limits, setup->authorize, setup->now_ms());
  self->configure_read(hdl, caf::io::receive_policy::at_most(64 * 1024));
  self->ack_writes(hdl, true);
  self->delayed_send(self, tick, tick_atom::value);
  // Stopping (the listener went down): close now, quit at the tick.
  self->set_exit_handler([self](const caf::exit_msg& m) {
    finish(self, "stopping (" + caf::to_string(m.reason) + ")");
  });
  return {
      [self](const caf::io::new_data_msg& msg) {
        auto& st = self->state;
        if (st.done) return;
        std::string_view data(msg.buf.data(), msg.buf.size());
        exec(self, st.core->on_bytes(st.setup->now_ms(), data));
      },
      [self](const caf::io::data_transferred_msg& msg) {
        auto& st = self->state;
        if (st.done) return;
        st.core->on_written(st.setup->now_ms(), msg.remaining);
        if (msg.remaining == 0) {
          st.all_sent = true;
          if (auto f = std::exchange(st.after_sent, nullptr)) f();
        }
        if (st.draining_since_ms) {
          if (st.all_sent) finish(self, st.drain_why);
          return;
        }
        exec(self, {});
      },
      [self](answer_atom, const http::response& r) {
        auto& st = self->state;
        if (st.done) {
          if (r.after_sent) r.after_sent();
          return;
        }
        st.after_sent = r.after_sent;
        exec(self, st.core->on_response(st.setup->now_ms(), r));
      },
      [self](evict_atom) { finish(self, "evicted for a newer connection"); },
      [self](tick_atom) {
        auto& st = self->state;
        if (st.done) return self->quit();
        if (!st.draining_since_ms)
          exec(self, st.core->on_tick(st.setup->now_ms()));
        else if (st.setup->now_ms() >= *st.draining_since_ms + drain_limit_ms)
          finish(self, st.drain_why + " (the answer was not read in time)");
        self->delayed_send(self, tick, tick_atom::value);  // quits there once done
      },
      [self](const caf::io::connection_closed_msg&) { finish(self, "closed by the client"); },
  };
}

// ---- workers ----

caf::behavior worker_impl(caf::event_based_actor* self, setup_ptr setup) {
  (void)self;
  return {
      [setup](job_atom, const http::request& req) -> http::response {
        try {
          return setup->serve(req);
        } catch (const std::exception& e) {  // nothing a client sends may kill a worker
          return http::response{500, std::string("{\"error\":\"internal error\"}")};
        }
      },
  };
}

// ---- the listener and dispatcher ----

struct listener_state {
  setup_ptr setup;
  struct conn {
    bool authenticated = false;
    bool evictable = true;
    uint64_t seq = 0;  // arrival order: the oldest goes first
    // The after_sent of an answer sent to it: run here if the connection
    // ends without running it (it may be gone before the answer arrives).
    std::function<void()> after_sent;
  };
  std::map<caf::actor, conn> conns;
  uint64_t next_seq = 0;
  std::vector<caf::actor> idle_workers;
  std::deque<std::pair<caf::actor, http::request>> queue;
};
using listener_ptr = caf::io::stateful_broker<listener_state>*;

// The slot to free for a newcomer: the oldest connection holding no
// request, preferring one that never authenticated.
std::optional<caf::actor> victim(const listener_state& st) {
  std::optional<caf::actor> best;
  std::pair<bool, uint64_t> best_key{true, UINT64_MAX};
  for (const auto& [a, c] : st.conns) {
    if (!c.evictable) continue;
    std::pair<bool, uint64_t> key{c.authenticated, c.seq};
    if (key < best_key) best_key = key, best = a;
  }
  return best;
}

void pump(listener_ptr self) {
  auto& st = self->state;
  while (!st.queue.empty() && !st.idle_workers.empty()) {
    auto [conn, req] = std::move(st.queue.front());
    st.queue.pop_front();
    caf::actor worker = st.idle_workers.back();
    st.idle_workers.pop_back();
    // The one request between actors without a CAF timeout: a job is one
    // body, and its own calls are bounded (each ask to the node 60 s, a wait
    // 60 s, a batch 1,000 calls). A CAF request timeout here parks a timer
    // message in the clock that outlives the listener at shutdown and keeps
    // every connection it answered alive (LeakSanitizer shows them).
    self->request(worker, caf::infinite, job_atom::value, std::move(req))
        .then(
            [self, conn, worker](http::response& r) {
              auto& conns = self->state.conns;
              if (r.after_sent) {
                auto c = conns.find(conn);
                if (c == conns.end()) {
                  std::exchange(r.after_sent, nullptr)();  // nobody left to answer
                } else {
                  auto once = std::make_shared<std::atomic<bool>>(false);
                  r.after_sent = [once, f = std::move(r.after_sent)] {
                    if (!once->exchange(true)) f();
                  };
                  c->second.after_sent = r.after_sent;
                }
              }
              self->send(conn, answer_atom::value, std::move(r));
              self->state.idle_workers.push_back(worker);
              pump(self);
            },
            [self, conn, worker](caf::error& e) {
              bool late = e == caf::sec::request_timeout;
              self->send(conn, answer_atom::value,
                         late ? http::response{504, std::string("{\"error\":\"timed out\"}")}
                              : http::response{503, std::string("{\"error\":\"stopping\"}")});
              self->state.idle_workers.push_back(worker);
            });
  }
}

caf::behavior listener_impl(listener_ptr self, setup_ptr setup) {
  auto& st = self->state;
  st.setup = setup;
  auto acc = self->add_tcp_doorman(setup->port, setup->bind.c_str(), true);
  if (!acc) {
    std::string err = "cannot listen for " + setup->name + " on " + setup->bind + ":" +
                      std::to_string(setup->port) + ": " + caf::to_string(acc.error()) +
                      " (port in use? set [" + setup->section + "] port)";
    spdlog::critical("{}", err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  for (uint32_t i = 0; i < std::max<uint32_t>(setup->workers, 1); ++i)
    st.idle_workers.push_back(self->spawn<caf::detached + caf::linked>(worker_impl, setup));
  spdlog::info("{} listening on {}:{}", setup->name, setup->bind, acc->second);
  if (setup->on_listening) setup->on_listening(acc->second);
  self->set_down_handler([self](const caf::down_msg& d) {
    auto& st = self->state;
    for (auto it = st.conns.begin(); it != st.conns.end(); ++it)
      if (it->first.address() == d.source) {
        auto after_sent = std::move(it->second.after_sent);
        st.conns.erase(it);
        if (after_sent) after_sent();
        break;
      }
  });
  return {
      [self](const caf::io::new_connection_msg& msg) {
        auto& st = self->state;
        if (st.conns.size() >= st.setup->max_connections) {
          auto v = victim(st);
          if (!v) {
            TC_LOG("rpc", debug, "rpc: every connection is busy; refusing a new one");
            self->close(msg.handle);
            return;
          }
          self->send(*v, evict_atom::value);
          st.conns.erase(*v);
        }
        auto conn = self->fork(conn_impl, msg.handle, st.setup, caf::actor_cast<caf::actor>(self));
        self->monitor(conn);
        self->link_to(conn);
        st.conns[conn] = listener_state::conn{false, true, st.next_seq++, {}};
      },
      [self](conn_state_atom, const caf::actor& conn, bool authenticated, bool evictable) {
        auto it = self->state.conns.find(conn);
        if (it == self->state.conns.end()) return;
        it->second.authenticated = authenticated;
        it->second.evictable = evictable;
      },
      [self](job_atom, const caf::actor& conn, http::request& req) {
        auto& st = self->state;
        if (st.queue.size() >= st.setup->max_queued) {
          self->send(conn, answer_atom::value,
                     http::response{503, std::string("{\"error\":\"server busy\"}")});
          return;
        }
        st.queue.emplace_back(conn, std::move(req));
        pump(self);
      },
      [](const caf::io::acceptor_closed_msg&) { spdlog::warn("RPC listener closed"); },
  };
}

}  // namespace

caf::actor spawn_rpc_http(caf::actor_system& sys, rpc_http_setup setup) {
  return sys.middleman().spawn_broker(listener_impl,
                                      std::make_shared<const rpc_http_setup>(std::move(setup)));
}

}  // namespace tc
