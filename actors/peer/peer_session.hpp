#pragma once
// peer_session: one CAF io broker per TCP connection, a thin shell over
// session_core (framing, handshake, ping, rate limits). It reports to the
// peer manager and writes what the manager gives it. peer_io owns the
// listening socket and the dialer and forks a session for each connection.

#include <caf/io/all.hpp>

#include "actors/peer/session_fault.hpp"
#include "messages/actors.hpp"

namespace tc {

struct session_setup {
  peer::session_config cfg;
  std::shared_ptr<consensus::signer> signer;  // the node key
  peer_manager_actor mgr;
  std::function<uint64_t()> now_ms;
  std::function<hash256()> random32;  // handshake and ping nonces
  size_t max_write_buffer_bytes = 64u << 20;
  uint64_t tick_ms = 2'000;           // timeouts are checked this often (pings are 10 s apart)
  peer::session_fault_factory fault;  // fault injection only: null on an honest node
};

struct session_state {
  session_state() = default;  // never an aggregate (CAF state pitfall)
  std::unique_ptr<peer::session_core> core;
  session_setup setup;
  caf::io::connection_handle hdl;
  peer::direction dir = peer::direction::inbound;
  bool done = false;
  bytes early;  // received before the manager admitted us
  std::unique_ptr<peer::session_fault> fault;
};

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
