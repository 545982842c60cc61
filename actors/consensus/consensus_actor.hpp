#pragma once
// The consensus actor: runs the pure core with real timers, asks the
// producer for blocks and the chain for validation, commits decided blocks,
// and persists the signed record before any vote or proposal leaves.

#include <deque>
#include "actors/chain/chain_interface.hpp"
#include "actors/consensus/consensus_interface.hpp"
#include "actors/consensus/core.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/producer/producer_interface.hpp"

namespace tc {

struct consensus_actor_state {
  consensus_actor_state() = default;
  ~consensus_actor_state();
  std::unique_ptr<consensus::core> core;
  std::unique_ptr<tc::signer> signer;  // null: observer
  std::unique_ptr<cached_verifier> verifier;
  consensus::consensus_config cfg;
  sign_domain domain;         // what signatures are bound to (chain id and genesis)
  bool trust_synced = false;  // consensus_setup::trust_synced_certificates
  chain_actor chain;
  mempool_actor mempool;
  producer_actor producer;
  sign_guard_actor guard;  // every signed record is durable there before it is sent
  std::function<uint64_t()> now_ms;
  std::optional<commit_certificate> last_cert;
  uint64_t last_commit_ms = 0;
  tracer_actor tracer;
  // The block the chain checked last (our producer's or a validated
  // proposal): committing it needs no verified set from the mempool, since
  // the chain already checked its signatures.
  block_ptr last_checked;
  // The signed-vote record known to be on disk.
  std::optional<consensus::signed_record> durable_record;
  // Peers: gossip out, tips to announce; sync: blocks the network already
  // committed, fed one at a time through the core's certificate check.
  gossip_out_actor peers;
  tip_listener_actor sync;
  bool height_ready = false;  // the core runs core->height() (its validator set is loaded)
  struct pending_sync {
    block_cert_ptr blk;
    caf::typed_response_promise<sync_verdict> rp;
    digests_ptr digests;  // of blk's body, which matched its header
  };
  // Offered synced blocks of consecutive heights, each until its height
  // starts: the first for the height being decided (or, while one commits,
  // the next), then at most one more, so that the next block is at hand the
  // moment a commit ends.
  std::deque<pending_sync> sync_queue;
  static constexpr size_t max_sync_queue = 2;
  // Set once a fork is proven: no more signing, deciding or relaying.
  bool halted = false;
  uint64_t fork_linger_ms = 0;
  std::optional<caf::typed_response_promise<sync_verdict>> sync_commit;  // decided by a certificate
  digests_ptr sync_digests;  // of sync_commit's block, for the connect
  // The node's metrics (metrics_atom); a private set until it arrives.
  metrics::metrics_ptr metrics = std::make_shared<metrics::node_metrics>();
  uint64_t seen_height = 0;  // the height and round the metrics last saw
  uint32_t seen_round = 0;
  uint64_t height_started_us = 0;
};

struct consensus_setup {
  sign_domain domain;  // what signatures are bound to (chain id and genesis)
  consensus::consensus_config cfg;
  std::optional<secret_key> key;  // the masternode key, when validating
  std::optional<consensus::signed_record> persisted;
  // BIP340 aux randomness off: replayable runs (the simulator).
  bool deterministic_signatures = false;
  // After a proven fork the node stops following the chain at once, keeps
  // answering (getforkevidence) this long, then exits (halt_reason).
  uint64_t fork_linger_ms = 30'000;
  // Blocks applied by the sync whose commit certificate verifies against
  // the validator set this node computed are connected without checking
  // their txs' signatures: a quorum's word stands for them. Every other
  // rule (UTXOs, amounts, body against header) is still checked. Off by
  // default ([network] sync_trust_certificates).
  bool trust_synced_certificates = false;
};

consensus_actor::behavior_type consensus_impl(
    consensus_actor::stateful_pointer<consensus_actor_state> self, consensus_setup setup,
    chain_actor chain, mempool_actor mempool, producer_actor producer, sign_guard_actor guard,
    std::function<uint64_t()> now_ms);

}  // namespace tc
