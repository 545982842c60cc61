#pragma once
// The sync actor: a thin shell over sync_core. Peers' tips and block
// batches arrive from the peer manager; blocks go to consensus one at a time.
// While one connects, the signatures of the next few are checked on the
// mempool's verifiers (their spent outputs from the blocks ahead or the
// chain reader), so a re-sync uses every core, not the chain actor's alone.

#include <unordered_map>

#include "actors/chain/chain_interface.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/peer/peer_interface.hpp"
#include "actors/peer/sync_core.hpp"

namespace tc {

struct sync_actor_state {
  sync_actor_state() = default;  // never an aggregate (CAF state pitfall)
  std::unique_ptr<peer::sync_core> core;
  peer_manager_actor mgr;
  consensus_actor consensus;
  chain_reader_actor reader;  // null: no checks ahead
  mempool_actor mempool;
  // Outputs of the blocks handed to a check and not yet well below our tip:
  // a later block's inputs that spend them need no lookup (and could not
  // get one: they are not connected yet). Bounded by max_known_outputs.
  std::unordered_map<outpoint, tx_output, outpoint_hasher> known;
  std::map<uint64_t, std::vector<outpoint>> known_by_height;
  static constexpr size_t max_known_outputs = 400'000;
  std::function<uint64_t()> now_ms;
  uint64_t last_log_ms = 0, log_height = 0;
  bool was_behind = false;
  tracer_actor tracer;
};

// Whom the sync asks: `reader` and `mempool` may be null (no checks ahead).
struct sync_wiring {
  peer_manager_actor mgr;
  consensus_actor consensus;
  chain_reader_actor reader;
  mempool_actor mempool;
};

sync_actor::behavior_type sync_impl(sync_actor::stateful_pointer<sync_actor_state> self,
                                    sync_wiring wiring, uint64_t local_height,
                                    std::function<uint64_t()> now_ms);

}  // namespace tc
