#pragma once
// The peer layer's typed interfaces: the peer manager (which implements
// consensus's gossip port), its sessions' reports, and the sync actor
// (which implements consensus's tip port).

#include "actors/consensus/consensus_interface.hpp"
#include "actors/peer/session_core.hpp"
#include "storage/peer_store.hpp"

namespace tc {

// What consensus and RPC see of the peer manager.
using peer_out_actor = gossip_out_actor;

// ---- sync (catch-up from peers) ----
using peertip_atom = caf::atom_constant<caf::atom("peertip")>;
using gone_atom = caf::atom_constant<caf::atom("gone")>;
struct sync_status {
  bool syncing = false;
  uint64_t local = 0, target = 0;
};
using sync_actor = tip_listener_actor::extend<
    caf::reacts_to<peertip_atom, uint64_t, uint64_t>,  // peer id, its height
    caf::reacts_to<gone_atom, uint64_t>,
    caf::reacts_to<blocks_atom, uint64_t, std::vector<block_with_cert>>, caf::reacts_to<tick_atom>,
    caf::replies_to<status_atom>::with<sync_status>, caf::reacts_to<trace_atom, tracer_actor>>;

// ---- peer manager and sessions ----
// A session (one CAF io broker per connection, untyped) reports to the
// manager with these; the manager answers a session with
//   (go_atom, best_height)        handshake may start
//   (send_atom, frame_ptr)        write a frame
//   (punish_atom, points, why)    misbehaviour found above the session
//   (close_atom, code, reason)    send a reject, close now
struct session_open {
  peer::direction dir = peer::direction::inbound;
  std::string ip;
  std::string remote;       // ip:port of the socket
  std::string dialed_addr;  // outbound: the address we dialed
};
struct session_closed {
  std::string reason;
  uint32_t score = 0;
  bool ban = false;
  uint32_t peer_reject = 0;  // the peer closed us with this reject code (0: it did not)
  uint32_t code = 0;         // our reject's code (peer::reject_code; 0: none sent)
};
struct peer_inbound {
  msg_ptr msg;
  frame_ptr payload;           // the payload (canonical: relayed unchanged)
  std::optional<hash256> key;  // gossip_key, for dedup (gossiped kinds only)
};
// The messages one read of a socket carried, in order: one mailbox message
// instead of one per frame.
using peer_inbound_batch = std::vector<peer_inbound>;
struct peer_status {
  uint64_t id = 0;
  std::string direction, remote;
  peer::hello hello;
  peer::session_stats stats;
};
using open_atom = caf::atom_constant<caf::atom("open")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using inbound_atom = caf::atom_constant<caf::atom("inbound")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using hedge_atom = caf::atom_constant<caf::atom("hedge")>;  // a rebuild's hedge is due
using dialed_atom = caf::atom_constant<caf::atom("dialed")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using relay_atom = caf::atom_constant<caf::atom("relay")>;
using send_atom = caf::atom_constant<caf::atom("send")>;
using punish_atom = caf::atom_constant<caf::atom("punish")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using bans_atom = caf::atom_constant<caf::atom("bans")>;
// An operator's ban or unban (RPC setban/clearban). Subjects are as stored:
// "ip:ADDRESS" or "key:HEX". The answer: the bans added or removed.
struct ban_admin {
  bool add = true;
  std::string subject;       // remove: empty means every ban
  uint64_t duration_ms = 0;  // add: 0 bans for good
  std::string reason;
};
using banadmin_atom = caf::atom_constant<caf::atom("banadmin")>;
// RPC addnode ADDR add|remove|onetry and disconnectnode ADDR|ID. The answer:
// empty when done, else why not.
struct node_admin {
  std::string op;  // add, remove, onetry, disconnect
  std::string target;
};
using nodeadmin_atom = caf::atom_constant<caf::atom("nodeadmin")>;
// RPC getaddednodeinfo: the addnode entries (config and RPC).
struct added_node {
  std::string addr;
  bool connected = false;
  pubkey key;              // proved there; zero until dialed
  std::string last_error;  // why the last dial failed, if it did
};
using added_atom = caf::atom_constant<caf::atom("added")>;
// At most this many addnode entries (config and RPC together).
constexpr size_t max_added_nodes = 64;
using go_atom = caf::atom_constant<caf::atom("go")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
// Flow control: the manager returns credit for inbound messages it handled.
using credit_atom = caf::atom_constant<caf::atom("credit")>;

using peer_manager_actor = gossip_out_actor::extend<
    caf::reacts_to<open_atom, caf::actor, session_open>,
    caf::reacts_to<ready_atom, caf::actor, peer::hello>,
    caf::reacts_to<closed_atom, caf::actor, session_closed>,
    caf::reacts_to<inbound_atom, caf::actor, peer_inbound>,
    caf::reacts_to<inbound_atom, caf::actor, peer_inbound_batch>,
    caf::reacts_to<stats_atom, caf::actor, peer::session_stats>,
    caf::reacts_to<dialed_atom, std::string, std::string>,  // a dial failed: address, error
    caf::reacts_to<wire_atom, consensus_actor, sync_actor>,
    // Txs accepted through RPC, to gossip.
    caf::reacts_to<relay_atom, tx_batch>,
    // Sync: a message to one peer, and blame for one.
    caf::reacts_to<send_atom, uint64_t, msg_ptr>,
    caf::reacts_to<punish_atom, uint64_t, uint32_t, std::string>, caf::reacts_to<tick_atom>,
    caf::reacts_to<hedge_atom>, caf::replies_to<peers_atom>::with<std::vector<peer_status>>,
    caf::replies_to<bans_atom>::with<std::vector<stored_ban>>,
    caf::replies_to<banadmin_atom, ban_admin>::with<uint64_t>,
    caf::replies_to<nodeadmin_atom, node_admin>::with<std::string>,
    caf::replies_to<added_atom>::with<std::vector<added_node>>,
    caf::reacts_to<trace_atom, tracer_actor>>;

}  // namespace tc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::sync_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::session_open)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::session_closed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer_inbound)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer_inbound_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::peer_status>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::stored_ban>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::node_admin)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::added_node>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::ban_admin)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer::hello)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer::session_stats)
