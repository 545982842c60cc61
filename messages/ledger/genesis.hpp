#pragma once
// Chain parameters and the genesis block, read from a genesis file (TOML).
// The genesis hash commits to the chain id and every parameter, so two nodes
// with different rules can never agree on a genesis by accident.

#include <string>

#include "crypto/bech32m.hpp"
#include "messages/encoding.hpp"

namespace tc {

struct chain_params {
  std::string chain_id;
  network net = network::localnet;
  uint64_t genesis_time_ms = 0;
  amount block_reward = 100 * coin;
  uint32_t proposer_share_percent = 10;  // the rest goes to validators by tier weight
  amount min_tx_fee = 1000;              // per transaction, in units
  bool allow_free_tier = false;
  uint32_t min_validators = 3;
  uint32_t validator_set_delay = 2;  // registry changes in block h take effect at h + delay
  uint64_t max_future_drift_ms = 15'000;
  // signing_domain(chain_id, genesis hash): what every signature is bound
  // to. Derived, not a parameter (params_hash leaves it out): set by
  // chain_store::open and genesis_domain().
  sign_domain domain;
  // What the genesis block created (allocations and collateral outputs).
  // Derived like `domain`: set by chain_store::open.
  amount genesis_supply = 0;
};

struct genesis_masternode {
  pubkey operator_key;
  pubkey owner;  // receives rewards; owns the collateral created in genesis
  mn_tier tier = mn_tier::free;
  std::string net_address;
};

struct genesis_spec {
  chain_params params;
  std::vector<tx_output> allocations;
  std::vector<genesis_masternode> masternodes;
};

// Errors name the file, the key and the reason.
result<genesis_spec> load_genesis_file(const std::string& path);
result<genesis_spec> parse_genesis(const std::string& toml_text, const std::string& origin);

// Deterministic: txs[0] is the genesis tx paying the allocations, then one
// collateral output per non-free masternode (in listed order).
block make_genesis_block(const genesis_spec& g);
hash256 params_hash(const chain_params& p);
hash256 genesis_hash(const genesis_spec& g);  // block_hash of make_genesis_block(g)
sign_domain genesis_domain(const genesis_spec& g);

}  // namespace tc
