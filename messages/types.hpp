#pragma once
// Ledger domain types: plain data, no behaviour beyond comparison. Hashes are
// in encoding.hpp, wire conversion in codec.hpp, rules in validation.hpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "crypto/schnorr.hpp"
#include "messages/amount.hpp"

namespace tc {

struct outpoint {
  hash256 txid;
  uint32_t index = 0;
  auto tie() const { return std::tie(txid, index); }
  friend bool operator==(const outpoint& a, const outpoint& b) { return a.tie() == b.tie(); }
  friend bool operator!=(const outpoint& a, const outpoint& b) { return !(a == b); }
  friend bool operator<(const outpoint& a, const outpoint& b) { return a.tie() < b.tie(); }
};

struct outpoint_hasher {
  size_t operator()(const outpoint& o) const {
    return fixed_bytes_hasher{}(o.txid) ^ (static_cast<size_t>(o.index) * 0x9e3779b97f4a7c15ULL);
  }
};

struct tx_output {
  amount value = 0;
  pubkey owner;
  auto tie() const { return std::tie(value, owner); }
  friend bool operator==(const tx_output& a, const tx_output& b) { return a.tie() == b.tie(); }
};

struct tx_input {
  outpoint prev;
  signature sig;
  auto tie() const { return std::tie(prev, sig); }
  friend bool operator==(const tx_input& a, const tx_input& b) { return a.tie() == b.tie(); }
};

enum class tx_kind : uint8_t {
  transfer = 0,
  reward = 1,
  genesis = 2,
  mn_register = 3,
  mn_deregister = 4
};
enum class mn_tier : uint8_t { free = 0, bronze = 1, silver = 2, gold = 3 };

// Collateral 0 / 1,000 / 10,000 / 100,000 TIME; voting weight 1 / 10 / 100 / 1000.
amount tier_collateral(mn_tier t);
uint64_t tier_weight(mn_tier t);
const char* tier_name(mn_tier t);

struct mn_registration {
  mn_tier tier = mn_tier::free;
  outpoint collateral;  // zero for the free tier
  pubkey operator_key;
  std::string net_address;
  signature operator_sig;
  signature owner_sig;
  auto tie() const {
    return std::tie(tier, collateral, operator_key, net_address, operator_sig, owner_sig);
  }
  friend bool operator==(const mn_registration& a, const mn_registration& b) {
    return a.tie() == b.tie();
  }
};

struct mn_deregistration {
  pubkey operator_key;
  signature owner_sig;
  auto tie() const { return std::tie(operator_key, owner_sig); }
  friend bool operator==(const mn_deregistration& a, const mn_deregistration& b) {
    return a.tie() == b.tie();
  }
};

struct transaction {
  uint32_t version = 1;
  tx_kind kind = tx_kind::transfer;
  uint64_t height = 0;  // reward/genesis: the block's height (unique txids); else 0
  std::vector<tx_input> inputs;
  std::vector<tx_output> outputs;
  std::optional<mn_registration> registration;
  std::optional<mn_deregistration> deregistration;
  auto tie() const {
    return std::tie(version, kind, height, inputs, outputs, registration, deregistration);
  }
  friend bool operator==(const transaction& a, const transaction& b) { return a.tie() == b.tie(); }
};

struct block_header {
  uint32_t version = 1;
  uint64_t height = 0;
  uint64_t timestamp_ms = 0;
  hash256 prev_hash;
  hash256 merkle_root;
  hash256 evidence_hash;
  pubkey proposer;
  auto tie() const {
    return std::tie(version, height, timestamp_ms, prev_hash, merkle_root, evidence_hash, proposer);
  }
  friend bool operator==(const block_header& a, const block_header& b) {
    return a.tie() == b.tie();
  }
};

enum class vote_type : uint8_t { prevote = 0, precommit = 1 };

struct vote {
  vote_type type = vote_type::prevote;
  uint64_t height = 0;
  uint32_t round = 0;
  hash256 block_hash;  // all zero = nil
  pubkey validator;
  signature sig;
  bool is_nil() const { return block_hash.is_zero(); }
  auto tie() const { return std::tie(type, height, round, block_hash, validator, sig); }
  friend bool operator==(const vote& a, const vote& b) { return a.tie() == b.tie(); }
};

// Two votes by one validator for different blocks at the same height, round and type.
struct evidence {
  vote a;
  vote b;
  auto tie() const { return std::tie(a, b); }
  friend bool operator==(const evidence& x, const evidence& y) { return x.tie() == y.tie(); }
};

struct block {
  block_header header;
  std::vector<transaction> txs;  // txs[0] is the reward transaction
  std::vector<evidence> evidence_list;
  auto tie() const { return std::tie(header, txs, evidence_list); }
  friend bool operator==(const block& a, const block& b) { return a.tie() == b.tie(); }
};

struct commit_sig {
  pubkey validator;
  signature sig;
  auto tie() const { return std::tie(validator, sig); }
  friend bool operator==(const commit_sig& a, const commit_sig& b) { return a.tie() == b.tie(); }
};

// Precommits by more than 2/3 of the voting power for one block: finality.
struct commit_certificate {
  uint64_t height = 0;
  uint32_t round = 0;
  hash256 block_hash;
  std::vector<commit_sig> sigs;
  auto tie() const { return std::tie(height, round, block_hash, sigs); }
  friend bool operator==(const commit_certificate& a, const commit_certificate& b) {
    return a.tie() == b.tie();
  }
};

// Shared and immutable: a block of 20k txs is several MB, and a proposal
// passes through the producer, the core, the relay and the chain without a copy.
using block_ptr = std::shared_ptr<const block>;

struct proposal {
  uint64_t height = 0;
  uint32_t round = 0;
  int32_t pol_round = -1;
  block_ptr blk;  // never null once built or decoded
  pubkey proposer;
  signature sig;
  auto tie() const { return std::tie(height, round, pol_round, proposer, sig); }
  friend bool operator==(const proposal& a, const proposal& b) {
    return a.tie() == b.tie() && (a.blk == b.blk || (a.blk && b.blk && *a.blk == *b.blk));
  }
};

struct block_with_cert {
  block blk;
  commit_certificate cert;
  auto tie() const { return std::tie(blk, cert); }
  friend bool operator==(const block_with_cert& a, const block_with_cert& b) {
    return a.tie() == b.tie();
  }
};

}  // namespace tc
