#include "tests/support/fixtures.hpp"

#include <unistd.h>

#include "crypto/hash.hpp"

namespace tc::test {

secret_key key_from_seed(uint64_t seed) {
  for (uint64_t attempt = 0;; ++attempt) {
    byte_writer w;
    w.u64(seed);
    w.u64(attempt);
    auto k = secret_key::from_bytes(tagged_hash("TimeCoin/test-key", w.data()));
    if (k) return std::move(k).value();
  }
}

sign_domain domain_of(std::string_view chain_id) {
  return signing_domain(chain_id, hash256{});
}

void sign_inputs(const sign_domain& domain, transaction& tx, const std::vector<tx_output>& spent,
                 const std::vector<const secret_key*>& keys) {
  TC_ASSERT(spent.size() == tx.inputs.size() && keys.size() == tx.inputs.size());
  hash256 id = txid(tx);
  for (size_t i = 0; i < tx.inputs.size(); ++i)
    tx.inputs[i].sig =
        keys[i]->sign(tx_sighash(domain, id, static_cast<uint32_t>(i), spent[i]), hash256{});
}

transaction make_transfer(const sign_domain& domain, const outpoint& prev, const tx_output& spent,
                          const secret_key& key, std::vector<tx_output> outputs) {
  transaction tx;
  tx.kind = tx_kind::transfer;
  tx.inputs.push_back({prev, {}});
  tx.outputs = std::move(outputs);
  sign_inputs(domain, tx, {spent}, {&key});
  return tx;
}

proposal sample_proposal(size_t transfers, uint8_t salt) {
  auto domain = domain_of("timecoin-test");
  block b;
  b.header.height = 9;
  b.header.proposer = key_from_seed(1).public_key();
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = 9;
  reward.outputs.push_back({50 * coin, b.header.proposer});
  b.txs.push_back(reward);
  for (size_t i = 0; i < transfers; ++i) {
    hash256 prev;
    prev.v.fill(static_cast<uint8_t>(i + 1));
    prev.v[0] = salt;
    tx_output spent{10, key_from_seed(2).public_key()};
    b.txs.push_back(make_transfer(domain, {prev, 0}, spent, key_from_seed(2),
                                  {{9, key_from_seed(3).public_key()}}));
  }
  seal(b);
  return proposal{9, 0, -1, std::make_shared<const block>(b), b.header.proposer, {}};
}

void seal(block& b) {
  b.header.merkle_root = tx_merkle_root(b.txs);
  b.header.evidence_hash = evidence_hash(b.evidence_list);
}

std::string temp_path(const std::string& name) {
  return "/tmp/tc_test_" + std::to_string(::getpid()) + "_" + name;
}

}  // namespace tc::test
