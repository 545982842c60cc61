#pragma once
// Builds valid random chains for storage tests, the crash test and benchmarks:
// a test genesis with known keys, and blocks of signed transfers that spend
// what the store says is unspent.

#include <random>
#include <set>

#include "storage/chain_store.hpp"
#include "tests/support/fixtures.hpp"

namespace tc::test {

// An outpoint told apart by its first txid byte, and an entry of `value` at
// `height` owned by nobody: for tests of UTXO caches, which need no chain.
inline outpoint tagged_outpoint(uint8_t tag, uint32_t index = 0) {
  outpoint o;
  o.txid.v[0] = tag;
  o.index = index;
  return o;
}
inline utxo_entry plain_entry(amount value, uint64_t height) {
  return {{value, pubkey{}}, height};
}

struct chain_builder {
  // `accounts` owner keys, each with `outputs_per_account` genesis outputs of
  // 1,000,000 TIME; `validators` masternodes (gold, silver, bronze, free, ...).
  chain_builder(size_t accounts = 8, size_t validators = 4, size_t outputs_per_account = 4);

  genesis_spec genesis;
  std::vector<secret_key> owners;
  std::vector<secret_key> operators;

  const secret_key* key_of(const pubkey& p) const;
  std::string chain_id() const { return genesis.params.chain_id; }
  // What this chain's signatures are bound to (follows edits of `genesis`).
  sign_domain domain() const { return genesis_domain(genesis); }

  // A block on top of cs's tip with up to `n_txs` random 1-in-2-out
  // transfers (fewer if not enough unlocked UTXOs), proposer picked from the
  // active set, correct reward outputs.
  block next_block(chain_store& cs, std::mt19937_64& rng, size_t n_txs);
  // Builds a block from given txs (reward and hashes filled in); fees must be known.
  block make_block(chain_store& cs, std::vector<transaction> txs, amount fees,
                   const pubkey* proposer = nullptr);
  // A registration of `op` paying `fee` from `funding` (owned by `payer`),
  // locking `coll` (owned by `owner`; ignored for the free tier).
  transaction make_registration(const std::pair<outpoint, tx_output>& funding,
                                const secret_key& payer, mn_tier tier, const outpoint& coll,
                                const tx_output& coll_out, const secret_key& owner,
                                const secret_key& op, amount fee) const;
  // A deregistration of `op`, signed by `signer` over `signed_out` (the
  // collateral output; for the free tier {0, op}).
  transaction make_deregistration(const std::pair<outpoint, tx_output>& funding,
                                  const secret_key& payer, const pubkey& op,
                                  const tx_output& signed_out, const secret_key& signer,
                                  amount fee) const;
  // A certificate naming the block, signed by every active validator.
  commit_certificate certify(chain_store& cs, const block& b) const;
  // An in-memory store of this genesis (aborts if it cannot be opened).
  std::unique_ptr<chain_store> open_memory() const;
  // Connects `b` with a certificate from certify(), at the block's own time.
  status connect(chain_store& cs, const block& b) const;
  connect_options at(const block& b) const {
    connect_options o;
    o.now_ms = b.header.timestamp_ms;
    return o;
  }
};

}  // namespace tc::test
