#include "tests/sim/sim_net.hpp"

#include <spdlog/spdlog.h>

#include <deque>

#include "messages/codec.hpp"

namespace tc::sim {

// The first 16 nodes share one /16, as the small scenarios always had them;
// beyond, each node has a /16 of its own (100 validators are not in one
// network), so the per-network inbound limit does not cap a large mesh.
std::string node_ip(uint32_t node) {
  if (node < 16) return "10.0.0." + std::to_string(node + 1);
  return "10." + std::to_string(node) + ".0.1";
}
std::string node_addr(uint32_t node) {
  return node_ip(node) + ":24100";
}

namespace {

// ---- the network ----

// What arrives at a session: wire bytes, always all of them and at once, in
// order (the records of an encrypted stream cannot be lost, duplicated or
// reordered without breaking it), and the network model's fate for the
// messages they carry: one latency per copy that arrives (none: lost; two:
// duplicated). The session applies it to the messages it decrypted, so
// gossip and consensus still meet loss, duplicates and reordering, as a
// real node does through full queues, relays and different paths.
struct arriving {
  frame_ptr wire;
  std::vector<uint64_t> delays_ms;
};
struct endpoint {
  uint32_t node = 0;
  caf::actor session;             // null until the session attached
  std::vector<arriving> waiting;  // arrived before it attached
  uint64_t sent = 0;              // frames this side sent
};
constexpr uint64_t handshake_frames = 3;  // preamble, hello and its ack, each way
struct connection {
  endpoint side[2];
};

struct net_state {
  std::map<std::string, std::pair<uint32_t, caf::actor>> listeners;  // addr -> node, io
  std::map<uint64_t, connection> conns;
  uint64_t next_conn = 1;
};

constexpr size_t max_waiting_frames = 256;

// ---- one connection's session: the peer_session broker's logic on
// simulated bytes instead of a socket ----

struct sim_session_state {
  sim_session_state() = default;
  std::unique_ptr<peer::session_core> core;
  session_setup setup;
  caf::actor net;
  uint64_t conn = 0;
  uint8_t side = 0;
  peer::direction dir = peer::direction::inbound;
  bool done = false;
  std::vector<arriving> early;
  std::unique_ptr<peer::session_fault> fault;
  // The broker's flow control, with the frames a paused socket would have
  // left unread queued here instead.
  std::optional<peer::flow_window> window;
  std::deque<arriving> unread;
  uint64_t taken_bytes = 0, reported_taken = 0;
  std::map<uint64_t, peer::deliver> pending;  // decrypted, on their simulated way
  uint64_t next_pending = 0;
  uint64_t min_delay_ms = UINT64_MAX;  // lowest latency of a frame from the peer
};
using session_ptr = caf::stateful_actor<sim_session_state>*;

// The model delays the messages a session delivers, not the bytes its core
// reads, so a pong comes back at once and the core measures no round trip.
// The manager picks tx relay by round trip (tx_fetch.hpp): report the one the
// model imposes, twice the lowest one-way latency seen so far.
peer::session_stats sim_stats(const sim_session_state& st) {
  peer::session_stats s = st.core->stats();
  s.taken_bytes = st.taken_bytes;  // the simulated socket writes at once
  if (st.min_delay_ms != UINT64_MAX) s.rtt_ms = *(s.min_rtt_ms = 2 * st.min_delay_ms);
  return s;
}

void finish(session_ptr self, const std::string& reason, uint32_t score, bool ban,
            uint32_t peer_reject = 0) {
  auto& st = self->state;
  if (st.done) return;
  st.done = true;
  self->send(st.setup.mgr, closed_atom::value, caf::actor_cast<caf::actor>(self),
             session_closed{reason, score, ban, peer_reject});
  self->send(st.net, netclose_atom::value, st.conn, st.side);
  self->quit();
}

void write(session_ptr self, frame_ptr f) {
  if (!self->state.done)
    self->send(self->state.net, netsend_atom::value, self->state.conn, self->state.side,
               std::move(f));
}

// Plaintext frames the node sends: sealed into this connection's records.
void write_frames(session_ptr self, const bytes& frames) {
  auto& st = self->state;
  if (st.done || !st.core || !st.core->can_seal()) return;
  write(self, std::make_shared<const bytes>(st.core->seal(frames)));
}

void exec(session_ptr self, peer::session_actions acts) {
  auto& st = self->state;
  size_t delivered = run_session_actions(
      self, st.setup, st.fault.get(), st.done, std::move(acts),
      [self](const frame_ptr& f) { write(self, f); },
      [self](const peer::close_session& c) {
        finish(self, c.reason, c.score, c.ban, c.peer_reject);
      });
  st.window->on_delivered(delivered);
}

// The session's own actions run now; the messages it decrypted reach the
// manager after the network model's latency, once per copy.
void exec_arrived(session_ptr self, peer::session_actions acts,
                  const std::vector<uint64_t>& delays_ms) {
  auto& st = self->state;
  peer::session_actions now;
  for (auto& a : acts) {
    if (!std::holds_alternative<peer::deliver>(a)) {
      now.push_back(std::move(a));
      continue;
    }
    for (uint64_t d : delays_ms) {
      uint64_t id = st.next_pending++;
      st.pending.emplace(id, std::get<peer::deliver>(a));
      self->delayed_send(self, std::chrono::milliseconds(d), simdeliver_atom::value, id);
    }
  }
  exec(self, std::move(now));
}

void read_unread(session_ptr self) {
  auto& st = self->state;
  while (!st.unread.empty() && !st.window->paused() && !st.done) {
    arriving a = std::move(st.unread.front());
    st.unread.pop_front();
    exec_arrived(self, st.core->on_bytes(st.setup.now_ms(), *a.wire), a.delays_ms);
  }
}

caf::behavior sim_session_impl(session_ptr self, session_setup setup, caf::actor net, uint64_t conn,
                               uint8_t side, peer::direction dir, session_open info) {
  auto& st = self->state;
  st.setup = std::move(setup);
  st.window.emplace(st.setup.window_bytes);
  st.net = std::move(net);
  st.conn = conn;
  st.side = side;
  st.dir = dir;
  self->monitor(st.setup.mgr);
  self->send(st.net, attach_atom::value, conn, side, caf::actor_cast<caf::actor>(self));
  self->send(st.setup.mgr, open_atom::value, caf::actor_cast<caf::actor>(self), info);
  self->set_down_handler([self](const caf::down_msg&) {
    self->state.done = true;
    self->send(self->state.net, netclose_atom::value, self->state.conn, self->state.side);
    self->quit();
  });
  return {
      [self](go_atom, uint64_t best_height) {
        auto& st = self->state;
        if (st.core || st.done) return;
        st.core = std::make_unique<peer::session_core>(st.setup.cfg, *st.setup.signer, st.dir,
                                                       st.setup.random32(), best_height,
                                                       st.setup.now_ms());
        if (st.setup.fault) st.fault = st.setup.fault();
        exec(self, st.core->on_open());
        for (auto& a : std::exchange(st.early, {}))
          if (!st.done)
            exec_arrived(self, st.core->on_bytes(st.setup.now_ms(), *a.wire), a.delays_ms);
        self->delayed_send(self, std::chrono::milliseconds(st.setup.tick_ms), tick_atom::value);
      },
      [self](simdeliver_atom, uint64_t id) {
        auto& st = self->state;
        auto it = st.pending.find(id);
        if (it == st.pending.end()) return;
        peer::session_actions acts{std::move(it->second)};
        st.pending.erase(it);
        if (!st.done) exec(self, std::move(acts));
      },
      [self](simdata_atom, const frame_ptr& data, const std::vector<uint64_t>& delays_ms) {
        auto& st = self->state;
        if (st.done) return;
        for (uint64_t d : delays_ms) st.min_delay_ms = std::min(st.min_delay_ms, d);
        if (!st.core) {
          if (st.early.size() >= max_waiting_frames)
            return finish(self, "too much data before admission", 0, false);
          st.early.push_back({data, delays_ms});
          return;
        }
        st.unread.push_back({data, delays_ms});
        read_unread(self);
      },
      [self](send_atom, const frame_ptr& frame) {
        auto& st = self->state;
        if (!st.core || !st.core->ready() || st.done) return;
        st.core->on_sent(frame->size());
        st.taken_bytes += frame->size();
        if (st.fault)
          write_frames(self, st.fault->outgoing(*frame));
        else
          write_frames(self, *frame);
        if (st.taken_bytes - st.reported_taken >= report_taken_every_bytes) {
          st.reported_taken = st.taken_bytes;
          self->send(st.setup.mgr, stats_atom::value, caf::actor_cast<caf::actor>(self),
                     sim_stats(st));
        }
      },
      [self](punish_atom, uint32_t points, const std::string& why) {
        if (self->state.core) exec(self, self->state.core->on_penalty(points, why));
      },
      [self](credit_atom, uint32_t n) {
        if (self->state.window->on_credit(n)) read_unread(self);
      },
      [self](close_atom, uint32_t code, const std::string& reason) {
        auto& st = self->state;
        if (st.core && !st.done)
          exec(self, st.core->on_close(static_cast<peer::reject_code>(code), reason));
        finish(self, reason, 0, false);
      },
      [self](tick_atom) {
        auto& st = self->state;
        if (st.done || !st.core) return;
        exec(self, st.core->on_tick(st.setup.now_ms(), nonce64(st.setup.random32())));
        if (st.done) return;
        if (st.fault && st.core->ready())
          for (auto& junk : st.fault->on_tick(st.setup.now_ms())) write_frames(self, junk);
        st.reported_taken = st.taken_bytes;
        self->send(st.setup.mgr, stats_atom::value, caf::actor_cast<caf::actor>(self),
                   sim_stats(st));
        self->delayed_send(self, std::chrono::milliseconds(st.setup.tick_ms), tick_atom::value);
      },
      [self](simclosed_atom) { finish(self, "connection closed by the peer", 0, false); },
  };
}

// ---- per node: where the real node has its listener and dialer ----

caf::behavior sim_io_impl(caf::event_based_actor* self, io_setup setup, caf::actor net,
                          uint32_t node) {
  self->send(net, register_atom::value, node_addr(node), node, caf::actor_cast<caf::actor>(self));
  auto s = std::make_shared<const session_setup>(setup.session);
  return {
      [=](dial_atom, const std::string& addr) {
        self->send(net, dial_atom::value, node, addr, caf::actor_cast<caf::actor>(self));
      },
      [=](dialed_atom, const std::string& addr, const std::string& err) {
        self->send(s->mgr, dialed_atom::value, addr, err);
      },
      [=](simconn_atom, uint64_t conn, uint8_t side, uint32_t remote_node,
          const std::string& dialed) {
        auto dir = side == 0 ? peer::direction::outbound : peer::direction::inbound;
        std::string remote = side == 0 ? node_addr(remote_node)
                                       : node_ip(remote_node) + ":" + std::to_string(40000 + conn);
        self->spawn(sim_session_impl, *s, net, conn, side, dir,
                    session_open{dir, node_ip(remote_node), remote, dialed});
      },
  };
}

void deliver(caf::event_based_actor* self, net_model& model, net_stats& stats, uint64_t now,
             endpoint& from, endpoint& to, const frame_ptr& f) {
  ++stats.frames;
  stats.bytes += f->size();
  auto delays = model.on_send(from.node, to.node, now, from.sent++ < handshake_frames);
  if (delays.empty()) ++stats.lost;
  if (delays.size() > 1) ++stats.duplicated;
  if (!to.session) {
    if (to.waiting.size() < max_waiting_frames) to.waiting.push_back({f, delays});
    return;
  }
  self->send(to.session, simdata_atom::value, f, delays);
}

}  // namespace

caf::behavior sim_net_impl(caf::event_based_actor* self, net_model* model, net_stats* stats,
                           std::function<uint64_t()> now_ms) {
  auto st = std::make_shared<net_state>();
  return {
      [=](register_atom, const std::string& addr, uint32_t node, const caf::actor& io) {
        st->listeners[addr] = {node, io};
      },
      [=](dial_atom, uint32_t from, const std::string& addr, const caf::actor& from_io) {
        auto it = st->listeners.find(addr);
        if (it == st->listeners.end() || !model->connected(from, it->second.first, now_ms())) {
          ++stats->refused;
          self->send(from_io, dialed_atom::value, addr,
                     std::string("connection refused (simulated network)"));
          return;
        }
        uint64_t id = st->next_conn++;
        ++stats->connections;
        connection& c = st->conns[id];
        c.side[0].node = from;
        c.side[1].node = it->second.first;
        self->send(from_io, simconn_atom::value, id, uint8_t{0}, it->second.first, addr);
        self->send(it->second.second, simconn_atom::value, id, uint8_t{1}, from, std::string());
      },
      [=](attach_atom, uint64_t conn, uint8_t side, const caf::actor& session) {
        auto it = st->conns.find(conn);
        if (it == st->conns.end() || side > 1) {
          self->send(session, simclosed_atom::value);
          return;
        }
        endpoint& e = it->second.side[side];
        e.session = session;
        for (auto& a : std::exchange(e.waiting, {}))
          self->send(session, simdata_atom::value, a.wire, a.delays_ms);
      },
      [=](netsend_atom, uint64_t conn, uint8_t side, const frame_ptr& f) {
        auto it = st->conns.find(conn);
        if (it == st->conns.end() || side > 1) return;
        deliver(self, *model, *stats, now_ms(), it->second.side[side], it->second.side[1 - side],
                f);
      },
      [=](netclose_atom, uint64_t conn, uint8_t side) {
        auto it = st->conns.find(conn);
        if (it == st->conns.end() || side > 1) return;
        caf::actor other = it->second.side[1 - side].session;
        st->conns.erase(it);
        // The FIN is never lost, and arrives after whatever was sent before
        // it (a reject's reason): the other side learns why.
        if (other)
          self->delayed_send(other, std::chrono::milliseconds(model->max_latency_ms() + 1),
                             simclosed_atom::value);
      },
  };
}

std::function<caf::actor(caf::local_actor*, const io_setup&)> sim_io_factory(caf::actor net,
                                                                             uint32_t node) {
  return [net, node](caf::local_actor* mgr, io_setup setup) {
    // The smallest window: floods pause and resume sessions often, and a
    // manager that stopped returning credit would stall the run.
    setup.session.window_bytes = 2 * peer::flow_credit_step;
    return mgr->spawn(sim_io_impl, setup, net, node);
  };
}

}  // namespace tc::sim
