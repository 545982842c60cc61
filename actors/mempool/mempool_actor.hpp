#pragma once

#include <deque>
// The mempool actor owns a mempool_core. Admission: stateless rules and
// conflicts here, UTXO rules on a chain reader, input signatures on a pool
// of verifier actors (in parallel); each signature is checked once per node
// and blocks reuse the result through the verified-wtxid query.

#include "actors/chain/chain_interface.hpp"
#include "actors/mempool/admission_waits.hpp"
#include "actors/mempool/mempool_core.hpp"
#include "actors/mempool/mempool_interface.hpp"

namespace tc {

struct mempool_actor_state {
  mempool_actor_state() : core(mempool_limits{}) {}
  mempool_core core;
  metrics::metrics_ptr metrics = std::make_shared<metrics::node_metrics>();
  chain_actor chain;
  chain_reader_actor preparer;          // a chain reader, or the chain actor itself
  const char* preparer_name = "chain";  // in traces
  std::vector<verifier_actor> verifiers;
  size_t next_verifier = 0;
  uint64_t generation = 0;  // bumped by every committed block
  // The outpoints spent by the last few committed blocks, by generation, or
  // null for a block that changed the registry. An admission whose chain
  // answers predate a block uses them instead of asking (and verifying) again.
  using spent_set = std::unordered_set<outpoint, outpoint_hasher>;
  std::deque<std::pair<uint64_t, std::shared_ptr<const spent_set>>> recent_spends;
  static constexpr size_t max_recent_spends = 4;
  uint64_t accepted = 0, rejected = 0;
  // Waiting for the pool to hold a tx (consensus, once per idle height).
  std::deque<caf::typed_response_promise<bool>> tx_waiters;
  static constexpr size_t max_tx_waiters = 4;
  tracer_actor tracer;
  // Txs in admission, and the block queries waiting for them (admission_waits.hpp).
  mempool::admission_waits waits;
  struct waiting_query {
    std::vector<hash256> wtxids;
    caf::typed_response_promise<verified_ptr> rp;
    uint64_t since_us = 0;
  };
  std::unordered_map<uint64_t, waiting_query> waiting;
};

mempool_actor::behavior_type mempool_actor_impl(
    mempool_actor::stateful_pointer<mempool_actor_state> self, mempool_limits limits,
    chain_actor chain, chain_reader_actor preparer, sign_domain domain, uint32_t verifiers,
    bool detach_verifiers);

verifier_actor::behavior_type verifier_impl(verifier_actor::pointer self, sign_domain domain);

}  // namespace tc
