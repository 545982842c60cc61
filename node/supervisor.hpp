#pragma once
// The node supervisor: spawns every actor linked to itself, so an exit
// (signal, RPC stop, or a child's failure) spreads over the links and the
// whole node stops in order; logs the periodic status line.

#include "actors/consensus/consensus_actor.hpp"
#include "actors/peer/peer_session.hpp"
#include "node/config.hpp"
#include "storage/chain_store.hpp"

namespace tc {

struct supervisor_setup {
  node_config cfg;
  std::shared_ptr<chain_store> store;  // handed to the chain actor
  consensus_setup consensus;
  std::function<uint64_t()> now_ms;
  std::function<uint64_t()> now_us;  // trace timestamps
  std::function<void()> request_stop;
  std::shared_ptr<consensus::signer> node_key;  // peer handshakes (the masternode key if any)
  std::function<hash256()> random32;            // handshake and ping nonces
  // The chain actor (SQLite blocks) and the signature verifiers (long CPU
  // jobs that would hold up consensus on a shared worker) get threads of
  // their own; the deterministic simulator runs everything on its one thread.
  bool own_threads = true;
  // Unset: real sockets. See manager_setup::spawn_io.
  std::function<caf::actor(caf::local_actor*, const io_setup&)> spawn_peer_io;
  // Faulty behaviours for this node (fault injection builds only; names as
  // in actors/fault/fault.hpp). Empty: an honest node.
  std::vector<std::string> faults;
  uint64_t fault_seed = 0;
  // Whether a fault (by its name as given) is on now; unset: always.
  std::function<bool(const std::string&)> fault_active;
};

caf::behavior node_supervisor(caf::event_based_actor* self, supervisor_setup setup);

}  // namespace tc
