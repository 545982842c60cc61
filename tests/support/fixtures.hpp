#pragma once
// Deterministic keys, signed transactions and blocks for tests and benchmarks.

#include <string>

#include "messages/encoding.hpp"

namespace tc::test {

// The same seed always gives the same key.
secret_key key_from_seed(uint64_t seed);

// The signing domain of a chain that exists only in a test: `chain_id` with
// a zero genesis hash (chain_builder::domain() gives a real chain's).
sign_domain domain_of(std::string_view chain_id);

// Signs every input of `tx` against the output it spends; deterministic aux.
void sign_inputs(const sign_domain& domain, transaction& tx, const std::vector<tx_output>& spent,
                 const std::vector<const secret_key*>& keys);

// A 1-input transfer of `spent` (owned by `key`) into `outputs`.
transaction make_transfer(const sign_domain& domain, const outpoint& prev, const tx_output& spent,
                          const secret_key& key, std::vector<tx_output> outputs);

// Fills merkle root and evidence hash so the block is well formed.
void seal(block& b);

// A sealed (unsigned) round-0 proposal at height 9: the reward, then
// `transfers` signed 1-input transfers whose inputs differ by `salt`.
proposal sample_proposal(size_t transfers, uint8_t salt = 1);

// Unique scratch path under /tmp for this process.
std::string temp_path(const std::string& name);

}  // namespace tc::test
