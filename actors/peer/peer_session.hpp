#pragma once
// peer_session: one CAF io broker per TCP connection, a thin shell over
// session_core (framing, handshake, ping, rate limits). It reports to the
// peer manager and writes what the manager gives it. peer_io owns the
// listening socket and the dialer and forks a session for each connection.

#include <caf/io/all.hpp>

#include <cstring>

#include "actors/peer/outbox.hpp"
#include "actors/peer/session_fault.hpp"
#include "actors/peer/peer_interface.hpp"

namespace tc {

struct session_setup {
  peer::session_config cfg;
  std::shared_ptr<tc::signer> signer;  // the node key
  peer_manager_actor mgr;
  std::function<uint64_t()> now_ms;
  std::function<hash256()> random32;  // handshake and ping nonces
  // A backstop above the manager's per-peer send budget (send_budget.hpp),
  // which keeps a peer's backlog lower: a session never holds more unsent.
  size_t max_write_buffer_bytes = 32u << 20;
  uint64_t tick_ms = 2'000;  // timeouts are checked this often (pings are 10 s apart)
  // Flow control: with this many inbound payload bytes not yet credited
  // back by the manager, the session stops reading its socket (TCP then
  // pushes back on the peer) until the manager has caught up to half of it.
  uint32_t window_bytes = 4u << 20;
  peer::session_fault_factory fault;  // fault injection only: null on an honest node
};

// A session reports what it took from the manager at least this often (in
// bytes taken), so the manager's send budget sees its backlog drain.
constexpr uint64_t report_taken_every_bytes = 128u << 10;

struct session_state {
  session_state() = default;  // never an aggregate (CAF state pitfall)
  std::unique_ptr<peer::session_core> core;
  session_setup setup;
  caf::io::connection_handle hdl;
  peer::direction dir = peer::direction::inbound;
  bool done = false;
  bytes early;                              // received before the manager admitted us
  std::optional<peer::flow_window> window;  // set with the session's setup
  uint64_t taken_bytes = 0;                 // frames taken from the manager, in bytes
  peer::outbox out;                         // sealed bytes not yet written
  uint64_t reported_unsent = 0, reported_taken = 0;
  std::unique_ptr<peer::session_fault> fault;
};

// What a session shell does with session_core's actions, shared by the
// socket broker below and the whole-node simulator's session: deliveries and
// readiness go to the manager; writing and closing are the shell's own.
// Returns how many payload bytes went to the manager.
template <class Self, class Write, class Finish>
size_t run_session_actions(Self* self, const session_setup& setup, peer::session_fault* fault,
                           const bool& done, peer::session_actions acts, Write write,
                           Finish finish) {
  auto me = caf::actor_cast<caf::actor>(self);
  // Transactions go to the manager as one message per read, at normal
  // priority; everything else (proposals, votes, tips, sync) overtakes them
  // in the manager's mailbox, so a tx flood cannot delay consensus. The
  // readiness notice travels at the same priority as what follows it.
  peer_inbound_batch inbound;
  size_t delivered = 0;
  auto deliver_inbound = [&] {
    for (auto& in : inbound) delivered += in.payload->size();
    if (inbound.size() == 1)
      self->send(setup.mgr, inbound_atom::value, me, std::move(inbound.front()));
    else if (!inbound.empty())
      self->send(setup.mgr, inbound_atom::value, me, std::move(inbound));
    inbound.clear();
  };
  for (auto& a : acts) {
    if (done) return delivered;
    if (auto* d = std::get_if<peer::deliver>(&a)) {
      if (fault) fault->on_received(*d->payload);
      bool is_tx = std::holds_alternative<peer::tx>(d->msg);
      peer_inbound in{std::make_shared<const peer::message>(std::move(d->msg)),
                      std::move(d->payload), d->key};
      if (is_tx)
        inbound.push_back(std::move(in));
      else {
        delivered += in.payload->size();
        self->template send<caf::message_priority::high>(setup.mgr, inbound_atom::value, me,
                                                         std::move(in));
      }
      continue;
    }
    deliver_inbound();
    if (auto* f = std::get_if<peer::send_frame>(&a)) {
      write(f->frame);
    } else if (auto* r = std::get_if<peer::became_ready>(&a)) {
      self->template send<caf::message_priority::high>(setup.mgr, ready_atom::value, me, r->peer);
    } else if (auto* c = std::get_if<peer::close_session>(&a)) {
      finish(*c);
    }
  }
  if (!done) deliver_inbound();
  return delivered;
}

// A ping nonce from the injected random source.
inline uint64_t nonce64(const hash256& h) {
  uint64_t v = 0;
  std::memcpy(&v, h.data(), sizeof v);
  return v;
}

caf::behavior peer_session_impl(caf::io::stateful_broker<session_state>* self,
                                caf::io::connection_handle hdl, session_setup setup,
                                peer::direction dir, std::string dialed_addr);

struct io_setup {
  std::string listen_host;
  uint16_t port = 0;  // 0: do not listen
  session_setup session;
};

// Listens (on listen_host only), dials on (dial_atom, "host:port") without
// blocking itself (a detached dialer connects), forks a session per socket.
caf::behavior peer_io_impl(caf::io::broker* self, io_setup setup);

}  // namespace tc
