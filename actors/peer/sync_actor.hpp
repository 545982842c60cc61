#pragma once
// The sync actor: a thin shell over sync_core. Peers' tips and block
// batches arrive from the peer manager; blocks go to consensus one at a time.

#include "actors/peer/peer_interface.hpp"
#include "actors/peer/sync_core.hpp"

namespace tc {

struct sync_actor_state {
  sync_actor_state() = default;  // never an aggregate (CAF state pitfall)
  std::unique_ptr<peer::sync_core> core;
  peer_manager_actor mgr;
  consensus_actor consensus;
  std::function<uint64_t()> now_ms;
  uint64_t last_log_ms = 0, log_height = 0;
  bool was_behind = false;
  tracer_actor tracer;
};

sync_actor::behavior_type sync_impl(sync_actor::stateful_pointer<sync_actor_state> self,
                                    peer_manager_actor mgr, consensus_actor consensus,
                                    uint64_t local_height, std::function<uint64_t()> now_ms);

}  // namespace tc
