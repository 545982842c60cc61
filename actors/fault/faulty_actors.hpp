#pragma once
// The faulty actors: each one takes the place of an honest actor of a node
// (same typed interface, so nothing else in the node changes) and carries
// out one behaviour from fault.hpp. They wrap the honest actor rather than
// re-implement it: a faulty consensus still runs the real core and only
// tampers with what leaves it, which is exactly what a Byzantine validator
// running our code with a patch would do.

#include "actors/chain/chain_interface.hpp"
#include "actors/consensus/consensus_interface.hpp"
#include "actors/fault/fault.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/peer/peer_interface.hpp"
#include "actors/producer/producer_interface.hpp"

namespace tc::fault {

struct context {
  sign_domain domain;           // what signatures are bound to (chain id and genesis)
  std::shared_ptr<signer> key;  // the validator's key (consensus faults)
  uint64_t seed = 0;            // every random choice derives from it
  size_t max_block_bytes = 0;
  // Funds the node may spend (mempool:poison-pairs): in timed the masternode
  // key, which owns its rewards; in the simulator its masternode's owner.
  std::optional<secret_key> wallet;
  amount min_tx_fee = 0;
  // Whether the behaviour is on right now (the simulator switches faults on
  // and off on a schedule); null: always.
  std::function<bool()> active;
  bool on() const { return !active || active(); }
};

// Spawned linked to `parent`; the returned handle replaces `honest`.
consensus_actor wrap_consensus(caf::event_based_actor* parent, consensus_actor honest,
                               const spec& s, const context& ctx);
producer_actor wrap_producer(caf::event_based_actor* parent, producer_actor honest, const spec& s,
                             const context& ctx);
// mempool:flood: an actor that hands the peer manager junk txs to gossip.
caf::actor start_flooder(caf::event_based_actor* parent, peer_manager_actor peers, const spec& s,
                         const context& ctx);
// mempool:poison-pairs: an actor that gossips pairs valid alone, not together.
caf::actor start_poisoner(caf::event_based_actor* parent, peer_manager_actor peers,
                          chain_actor chain, const spec& s, const context& ctx);
// peer:* faults: what each session of the node installs (null: none).
peer::session_fault_factory session_faults(const spec& s, const context& ctx);

}  // namespace tc::fault
