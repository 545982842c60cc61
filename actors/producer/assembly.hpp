#pragma once
// Block assembly without CAF: the pure core the producer actor drives. One
// `assembly` builds one block. It asks (through the steps it returns) for
// the tip, the mempool's selection by fee-rate, the reward outputs and a
// dry-run validation, and walks a fallback ladder when the block does not
// validate: the selection as is, then only the txs the chain's filter
// keeps (evicting the rest), then without the pending evidence, then the
// empty block. Before each rung it asks the tip again: a block that failed
// because the chain moved on (another proposer's block committed while this
// one was built, common under load) says nothing about its txs or the
// evidence, so a stale build goes straight to the empty block, which
// consensus drops as stale. The shell answers each step and feeds the
// answer back.

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "messages/ledger/chain_rules.hpp"
#include "messages/types.hpp"

namespace tc::producer {

using tx_ref = std::shared_ptr<const transaction>;

struct tip_view {
  uint64_t height = 0;
  hash256 hash;
  uint64_t timestamp_ms = 0;
};

// The block on `tip`: the reward tx first, then `txs` (whose wtxids the
// mempool computed once, at admission), then `ev`; the header's roots
// filled in. The timestamp is now, but always after the tip's.
block assemble(const tip_view& tip, uint64_t height, const pubkey& proposer, uint64_t now_ms,
               const std::vector<tx_ref>& txs, const std::vector<hash256>& wtxids,
               std::vector<tx_output> reward_outs, const std::vector<evidence>& ev);

// Evidence waiting for a block, one per validator (one proof is enough to
// remove it); bounded: a new validator beyond `max` is not added.
class evidence_pool {
 public:
  explicit evidence_pool(size_t max = 256) : max_(max) {}
  void on_evidence(const evidence& e);
  void on_committed(const block& b);  // its evidence need not go in again
  void clear() { by_validator_.clear(); }
  // The first `max` (the rest wait for later blocks).
  std::vector<evidence> for_block(size_t max) const;
  size_t size() const { return by_validator_.size(); }

 private:
  std::map<pubkey, evidence> by_validator_;
  size_t max_;
};

// What the shell does for the core. Each ask_* is answered with the
// matching on_* call.
struct ask_tip {};
struct ask_select {
  uint64_t max_txs = 0;
  uint64_t max_bytes = 0;
};
struct ask_reward {
  uint64_t height = 0;
  amount fees = 0;
  pubkey proposer;
};
// Dry-run `blk` on the chain, with the signatures of `wtxids` the mempool
// already checked.
struct ask_validate {
  block_ptr blk;
  std::vector<hash256> wtxids;
};
// Which of `txs`, in order, fit together into the next block.
struct ask_filter {
  std::vector<tx_ref> txs;
};
// Txs that do not fit: out of the mempool too, so the next block does not
// trip on them again.
struct evict {
  std::vector<hash256> txids;
  std::vector<std::string> why;
};
struct fallback_note {  // a failed attempt, for the log
  std::string text;
  bool stale = false;  // the chain moved on: routine under load, not an error
};
struct deliver {
  block_ptr blk;
};
using step = std::variant<ask_tip, ask_select, ask_reward, ask_validate, ask_filter, evict,
                          fallback_note, deliver>;
using steps = std::vector<step>;

class assembly {
 public:
  struct limits {
    uint64_t max_block_txs = 0;
    uint64_t max_block_bytes = 0;
  };
  // `pool` outlives the assembly (the producer owns both).
  assembly(uint64_t height, uint32_t round, const pubkey& proposer, limits lim,
           evidence_pool& pool);

  steps start();
  steps on_tip(const tip_view& t);
  steps on_selected(std::vector<tx_ref> txs, std::vector<hash256> wtxids, amount fees);
  steps on_reward(std::vector<tx_output> outs, uint64_t now_ms);
  // "" when the block validated, else why not; a failure asks the tip
  // again, and the answer (on_tip) picks the next rung.
  steps on_validated(const std::string& error);
  steps on_filtered(const tx_selection& keep);
  steps on_filter_failed(const std::string& why);

  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  bool done() const { return done_; }

 private:
  enum class stage : uint8_t { as_selected, filtered, no_evidence, empty };
  steps ask_for_reward();
  steps next_rung(const std::string& error);
  steps to_empty(const std::string& why, bool stale = false);

  uint64_t height_;
  uint32_t round_;
  pubkey proposer_;
  limits lim_;
  evidence_pool& pool_;
  tip_view tip_;
  std::vector<tx_ref> txs_;
  std::vector<hash256> wtxids_;
  amount fees_ = 0;
  stage at_ = stage::as_selected;
  std::string failed_;  // why the last dry run failed, while the tip is asked again
  bool rechecking_ = false;
  bool done_ = false;
};

}  // namespace tc::producer
