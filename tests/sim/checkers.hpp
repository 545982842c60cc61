#pragma once
// The checkers of a whole-node simulation run, over the nodes' databases
// after the run (no actors): agreement, validity (every block replayed
// through full validation with its certificate), identical UTXO sets,
// committed evidence, and durability of what a node had finalized before it
// crashed. Liveness, acknowledged txs and memory are judged by the runner
// from what it observed.

#include <set>

#include "storage/chain_store.hpp"
#include "tests/sim/node_sim.hpp"

namespace tc::sim {

struct stored_chain {
  uint32_t node = 0;
  std::vector<hash256> hashes;          // [h - 1]: block hash at height h
  std::set<hash256> txids;              // every committed tx
  std::vector<uint64_t> timestamps_ms;  // [h - 1]: block h's header timestamp
};

// Reads a node's database (opened read-only for the check).
result<stored_chain> read_chain(uint32_t node, chain_store& cs);

// No two nodes have different blocks at one height.
std::vector<violation> check_agreement(const std::vector<stored_chain>& chains);

struct replay_outcome {
  hash256 digest_at;              // UTXO digest after block `at_height`
  std::set<pubkey> evidence;      // validators with committed equivocation evidence
  std::set<pubkey> active_after;  // validator set for the height after the tip
};
// Replays `cs`'s blocks into a fresh store of `genesis`, checking each
// certificate against the validator set the replay computes; the digest is
// taken at `at_height`.
result<replay_outcome> replay_chain(chain_store& cs, const genesis_spec& genesis,
                                    uint64_t at_height);

}  // namespace tc::sim
