#pragma once
// The block producer: fills a proposal from the mempool by fee-rate up to the
// block caps, adds the exact reward outputs, and has the chain validate the
// result (with the mempool's verified signatures) before handing it over.

#include <map>

#include "actors/chain/chain_interface.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/producer/producer_interface.hpp"

namespace tc {

struct producer_state {
  producer_state() = default;
  chain_actor chain;
  mempool_actor mempool;
  std::function<uint64_t()> now_ms;
  uint64_t max_block_txs = 0;
  uint64_t max_block_bytes = 0;
  tracer_actor tracer;
  // Evidence waiting for a block, one per validator (one proof is enough to
  // remove it), bounded: at most one entry per validator of the set.
  std::map<pubkey, evidence> pending_evidence;
};
constexpr size_t max_pending_evidence = 256;

producer_actor::behavior_type producer_impl(producer_actor::stateful_pointer<producer_state> self,
                                            chain_actor chain, mempool_actor mempool,
                                            std::function<uint64_t()> now_ms,
                                            uint64_t max_block_txs, uint64_t max_block_bytes);

}  // namespace tc
