#include "actors/consensus/validator_set.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "messages/encoding.hpp"
#include "messages/ledger/chain_rules.hpp"

namespace tc::consensus {

validator_set::validator_set(std::vector<validator> v) : v_(std::move(v)) {
  std::sort(v_.begin(), v_.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (size_t i = 0; i < v_.size(); ++i) {
    TC_ASSERT(v_[i].power > 0);
    TC_ASSERT(i == 0 || v_[i - 1].key != v_[i].key);
    total_ += v_[i].power;
  }
}

validator_set validator_set::from_masternodes(const std::vector<masternode>& active) {
  std::vector<validator> v;
  for (const auto& m : active) v.push_back({m.operator_key, tier_weight(m.tier)});
  return validator_set(std::move(v));
}

std::optional<size_t> validator_set::index_of(const pubkey& k) const {
  auto it = std::lower_bound(v_.begin(), v_.end(), k,
                             [](const validator& a, const pubkey& key) { return a.key < key; });
  if (it == v_.end() || it->key != k) return std::nullopt;
  return static_cast<size_t>(it - v_.begin());
}

size_t validator_set::proposer_index(uint64_t height, uint32_t round) const {
  TC_ASSERT(!v_.empty());
  // Round 0: a draw weighted by power from tagged_hash(height), so block
  // production (and its reward) follows the tiers. Later rounds rotate from
  // there through every validator in key order, so a validator holding a
  // lock gets to re-propose its value within n rounds: a purely random draw
  // per round can starve it for a long time (the simulator found a seed).
  byte_writer w;
  w.u64(height);
  hash256 h = tagged_hash("TimeCoin/proposer", w.data());
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = x << 8 | h.v[static_cast<size_t>(i)];
  uint64_t pick = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * total_) >> 64);
  size_t first = 0;
  for (; first < v_.size(); ++first) {
    if (pick < v_[first].power) break;
    pick -= v_[first].power;
  }
  TC_ASSERT(first < v_.size());
  return (first + round) % v_.size();
}

status verify_certificate(const sign_domain& domain, const commit_certificate& cert,
                          const validator_set& set, sig_verifier& verifier) {
  if (cert.block_hash.is_zero()) return make_error("certificate for a nil block");
  std::vector<bool> seen(set.size(), false);
  uint64_t power = 0;
  for (const auto& s : cert.sigs) {
    auto idx = set.index_of(s.validator);
    if (!idx) return make_error("certificate signer is not in the validator set");
    if (seen[*idx]) return make_error("certificate names a validator twice");
    seen[*idx] = true;
    vote v{vote_type::precommit, cert.height, cert.round, cert.block_hash, s.validator, s.sig};
    if (!verifier.verify(s.validator, vote_sign_bytes(domain, v), s.sig))
      return make_error("certificate carries an invalid signature");
    power += set.at(*idx).power;
  }
  if (!set.is_quorum(power))
    return make_error("certificate power " + std::to_string(power) + " of " +
                      std::to_string(set.total_power()) + " is not more than 2/3");
  return ok_status();
}

}  // namespace tc::consensus
