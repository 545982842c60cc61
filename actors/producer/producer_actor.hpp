#pragma once
// The block producer: the shell of producer::assembly (assembly.hpp). It
// asks the chain and the mempool what the core's steps name and hands each
// answer back; the block goes to consensus once the chain dry-ran it.

#include "actors/chain/chain_interface.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/producer/assembly.hpp"
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
  // Evidence waiting for a block (bounded; see producer::evidence_pool).
  producer::evidence_pool evidence{256};
};

producer_actor::behavior_type producer_impl(producer_actor::stateful_pointer<producer_state> self,
                                            chain_actor chain, mempool_actor mempool,
                                            std::function<uint64_t()> now_ms,
                                            uint64_t max_block_txs, uint64_t max_block_bytes);

}  // namespace tc
