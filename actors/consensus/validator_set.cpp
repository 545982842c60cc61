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

namespace {

// A number in [0, total) from tagged_hash(height[, draw]): the first draw of
// a height hashes the height alone, as the round-0 draw always has.
uint64_t draw_below(uint64_t total, uint64_t height, uint32_t draw) {
  byte_writer w;
  w.u64(height);
  if (draw > 0) w.u32(draw);
  hash256 h = tagged_hash("TimeCoin/proposer", w.data());
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = x << 8 | h.v[static_cast<size_t>(i)];
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * total) >> 64);
}

}  // namespace

size_t validator_set::proposer_index(uint64_t height, uint32_t round) const {
  TC_ASSERT(!v_.empty());
  // Rounds walk a shuffle of the set weighted by power, drawn from the
  // height: each next proposer is picked by power among those not picked
  // yet, and the order repeats every n rounds. So every validator proposes
  // within n rounds (a validator holding a lock gets to re-propose; a pure
  // draw per round starved one in the simulator), and a run of silent
  // low-power validators (free-tier keys nobody runs, cheap to register)
  // rarely holds consecutive rounds: a walk in key order gave each of them
  // a turn in line whatever its power, and four in a row stalled a height.
  uint32_t steps = round % static_cast<uint32_t>(v_.size());
  std::vector<bool> taken(v_.size(), false);
  uint64_t left = total_;
  size_t pick_index = 0;
  for (uint32_t k = 0; k <= steps; ++k) {
    uint64_t pick = draw_below(left, height, k);
    pick_index = v_.size();
    for (size_t i = 0; i < v_.size(); ++i) {
      if (taken[i]) continue;
      if (pick < v_[i].power) {
        pick_index = i;
        break;
      }
      pick -= v_[i].power;
    }
    TC_ASSERT(pick_index < v_.size());
    taken[pick_index] = true;
    left -= v_[pick_index].power;
  }
  return pick_index;
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
