#pragma once
// The UTXO- and registry-dependent ledger rules, as pure functions over a
// lookup, so the chain store, the mempool and the block producer share them.

#include <functional>
#include <map>
#include <optional>
#include <set>

#include "messages/ledger/genesis.hpp"

namespace tc {

struct utxo_entry {
  tx_output out;
  uint64_t height = 0;  // block that created it
  friend bool operator==(const utxo_entry& a, const utxo_entry& b) {
    return a.out == b.out && a.height == b.height;
  }
};

struct masternode {
  pubkey operator_key;
  pubkey owner;  // collateral owner; receives rewards (free tier: the operator)
  mn_tier tier = mn_tier::free;
  outpoint collateral;
  std::string net_address;
  uint64_t registered_height = 0;
  std::optional<uint64_t> removed_height;
  bool slashed = false;  // removed by committed equivocation evidence

  // Registration and removal take effect `delay` blocks after the block that
  // carried them; genesis masternodes are active from height 1.
  bool active_at(uint64_t height, uint32_t delay) const;
  // Collateral stays locked until the removal has taken effect.
  bool collateral_locked_at(uint64_t height, uint32_t delay) const;
  friend bool operator==(const masternode& a, const masternode& b);
};

using registry = std::map<pubkey, masternode>;

// Active masternodes at `height`, ordered by operator key.
std::vector<masternode> active_set(const registry& reg, uint64_t height, uint32_t delay);
uint64_t total_weight(const std::vector<masternode>& set);

// The new coins a block at `height` may create: block_reward, until what
// genesis created plus every earlier block's subsidy reaches the supply cap
// (max_money); then less, then nothing (fees still go to the validators).
amount block_subsidy(const chain_params& p, uint64_t height);

// The exact reward outputs of a block: its subsidy + fees; proposer_share
// percent (plus rounding dust) to the proposer's owner, the rest to every
// active masternode's owner in proportion to tier weight, in set order; zero
// amounts are left out. Fails when the proposer is not in the set.
result<std::vector<tx_output>> reward_outputs(const chain_params& p, uint64_t height, amount fees,
                                              const pubkey& proposer,
                                              const std::vector<masternode>& active);

using utxo_lookup = std::function<std::optional<utxo_entry>(const outpoint&)>;

// Collateral outpoints that may not be spent at `height`.
std::set<outpoint> locked_collateral(const registry& reg, uint64_t height, uint32_t delay);

struct tx_context {
  const chain_params& params;
  const registry& reg;
  const std::set<outpoint>& locked;  // locked_collateral(reg, height, delay)
  uint64_t height;                   // of the block the tx would be in
  bool check_signatures;             // false when a cache says they were already verified
};

// Contextual validity of a non-reward transaction whose stateless checks
// passed: inputs exist and are not locked collateral, inputs >= outputs,
// fee >= min_tx_fee, every signature verifies against the spent output's
// owner, and registration / deregistration rules. Returns the fee.
result<amount> check_tx_contextual(const transaction& tx, const hash256& id,
                                   const utxo_lookup& lookup, const tx_context& ctx);

// Which of a list of transactions fit together into the next block, in
// order: kept (indices, with their fees summed) and dropped (with why).
struct tx_selection {
  std::vector<size_t> kept;
  amount fees = 0;
  std::vector<std::pair<size_t, std::string>> dropped;
};

// Applies a committed registration / deregistration to the registry.
void apply_registry_change(registry& reg, const transaction& tx, const utxo_lookup& lookup,
                           uint64_t height);

// Two votes by one validator in the set, same height/round/type, different
// blocks, both signatures valid.
status verify_evidence(const sign_domain& domain, const evidence& e, const registry& reg);

// Verified evidence against `key` in the block at `height`. A validator in
// the set at `height` is slashed: its collateral stays locked for good and
// it leaves the set from height + 1, unless that would leave fewer than
// min_validators live masternodes (then no block could ever be produced
// again, so nothing could register): it stays, slashed, and later evidence
// removes it once there is room. A key not in the set at `height` (long
// gone, or not in yet) is left as it is: its record is history that the
// active sets of past heights are computed from.
void apply_evidence(registry& reg, const pubkey& key, uint64_t height, const chain_params& p);

}  // namespace tc
