#pragma once
// The validator set of one height: keys and voting power (tier weight),
// quorum arithmetic, deterministic weighted proposer selection and the
// standalone commit-certificate verifier used by sync.

#include <optional>
#include <string_view>
#include <vector>

#include "crypto/signer.hpp"
#include "messages/encoding.hpp"
#include "messages/types.hpp"

namespace tc {
struct masternode;
}

namespace tc::consensus {

struct validator {
  pubkey key;
  uint64_t power = 0;
};

class validator_set {
 public:
  validator_set() = default;
  // Sorted by key; keys must be unique and powers positive.
  explicit validator_set(std::vector<validator> v);
  static validator_set from_masternodes(const std::vector<masternode>& active);

  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  uint64_t total_power() const { return total_; }
  const validator& at(size_t i) const { return v_[i]; }
  const std::vector<validator>& members() const { return v_; }
  std::optional<size_t> index_of(const pubkey& k) const;

  // More than 2/3 of the total power (exactly 2/3 is not enough).
  bool is_quorum(uint64_t power) const { return power * 3 > total_ * 2; }
  // More than 1/3: at least one honest validator is among them.
  bool exceeds_one_third(uint64_t power) const { return power * 3 > total_; }

  // Round r: the (r mod n)-th step of a shuffle weighted by power drawn
  // from tagged_hash(height) (round 0 is a plain weighted pick). Every
  // validator proposes within n rounds. Identical on every node.
  size_t proposer_index(uint64_t height, uint32_t round) const;
  const pubkey& proposer(uint64_t height, uint32_t round) const {
    return v_[proposer_index(height, round)].key;
  }

 private:
  std::vector<validator> v_;
  uint64_t total_ = 0;
};

// Precommit signatures by distinct members of `set` for cert's block at its
// height and round, worth more than 2/3 of the power.
status verify_certificate(const sign_domain& domain, const commit_certificate& cert,
                          const validator_set& set, sig_verifier& verifier);

}  // namespace tc::consensus
