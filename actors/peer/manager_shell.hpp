#pragma once
// The peer manager's shell, shared by its source files (peer_manager.cpp:
// sessions, routing, consensus gossip, serving; manager_txs.cpp: tx relay,
// announcements and fetches). Internal to the peer manager: nothing else
// includes it.

#include "actors/peer/peer_manager.hpp"
#include "messages/codec.hpp"

namespace tc::mgr {

using self_ptr = peer_manager_actor::stateful_pointer<manager_state>;

frame_ptr frame_of(const peer::message& m);

// Hands `f` to one session if the send budget allows (send_budget.hpp);
// a peer too slow to take consensus traffic is closed. False: not sent.
template <class Session>
bool hand(self_ptr self, uint64_t id, Session& s, const frame_ptr& f, peer::send_kind kind,
          bool high = false) {
  switch (self->state.budget.ask(id, f->size(), kind)) {
    case peer::send_verdict::send:
      if (high)
        caf::anon_send<caf::message_priority::high>(s.act, send_atom::value, f);
      else
        caf::anon_send(s.act, send_atom::value, f);
      return true;
    case peer::send_verdict::skip:
      ++self->state.sends_skipped;
      return false;
    case peer::send_verdict::close_peer:
      caf::anon_send(
          s.act, close_atom::value, static_cast<uint32_t>(peer::reject_code::protocol_violation),
          "not reading: " + std::to_string(self->state.budget.backlog(id) >> 20) + " MiB unsent");
      return false;
  }
  return false;
}

bool send_to(self_ptr self, uint64_t id, const frame_ptr& f,
             peer::send_kind kind = peer::send_kind::consensus);

// Frames packed back to back into writes of at most `max_bytes` per session
// (the wire is a stream of length-prefixed frames), each frame to every
// session in `to` but the one it came from.
struct outgoing {
  frame_ptr frame;
  uint64_t from = 0;  // 0: local
};
void send_coalesced(self_ptr self, const std::vector<uint64_t>& to,
                    const std::vector<outgoing>& frames);

void punish(self_ptr self, uint64_t id, uint32_t points, const std::string& why);

// ---- txs (manager_txs.cpp) ----
void take_tx(self_ptr self, uint64_t from, const peer_inbound& in, const peer::tx& t);
void relay_txs(self_ptr self, const tx_batch& txs);  // admitted by RPC
void take_tx_inv(self_ptr self, uint64_t from, const peer::tx_inv& inv);
void serve_get_txs(self_ptr self, uint64_t from, const peer::get_txs& g);
void txs_committed(self_ptr self, const block& b);
void txs_tick(self_ptr self);
void txs_peer_gone(self_ptr self, uint64_t id);
void txs_session_ready(self_ptr self, uint64_t id);  // its handshake done

}  // namespace tc::mgr
