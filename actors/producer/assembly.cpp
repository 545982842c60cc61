#include "actors/producer/assembly.hpp"

#include <algorithm>

#include "crypto/assert.hpp"
#include "messages/encoding.hpp"
#include "messages/limits.hpp"

namespace tc::producer {

block assemble(const tip_view& tip, uint64_t height, const pubkey& proposer, uint64_t now_ms,
               const std::vector<tx_ref>& txs, const std::vector<hash256>& wtxids,
               std::vector<tx_output> reward_outs, const std::vector<evidence>& ev) {
  TC_ASSERT(wtxids.size() == txs.size());
  TC_ASSERT(ev.size() <= limits::max_block_evidence);
  block b;
  b.header.height = height;
  b.header.timestamp_ms = std::max(now_ms, tip.timestamp_ms + 1);
  b.header.prev_hash = tip.hash;
  b.header.proposer = proposer;
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = height;
  reward.outputs = std::move(reward_outs);
  std::vector<hash256> leaves;
  leaves.reserve(txs.size() + 1);
  leaves.push_back(wtxid(reward));
  leaves.insert(leaves.end(), wtxids.begin(), wtxids.end());
  b.txs.reserve(txs.size() + 1);
  b.txs.push_back(std::move(reward));
  for (const auto& t : txs) b.txs.push_back(*t);
  b.evidence_list = ev;
  b.header.merkle_root = merkle_root(leaves);
  b.header.evidence_hash = evidence_hash(b.evidence_list);
  return b;
}

void evidence_pool::on_evidence(const evidence& e) {
  if (by_validator_.size() < max_ || by_validator_.count(e.a.validator))
    by_validator_[e.a.validator] = e;
  TC_ASSERT(by_validator_.size() <= max_);
}

void evidence_pool::on_committed(const block& b) {
  for (const auto& e : b.evidence_list) by_validator_.erase(e.a.validator);
}

std::vector<evidence> evidence_pool::for_block(size_t max) const {
  std::vector<evidence> out;
  for (const auto& [key, e] : by_validator_) {
    if (out.size() >= max) break;
    out.push_back(e);
  }
  return out;
}

assembly::assembly(uint64_t height, uint32_t round, const pubkey& proposer, limits lim,
                   evidence_pool& pool)
    : height_(height), round_(round), proposer_(proposer), lim_(lim), pool_(pool) {
  TC_ASSERT(lim.max_block_txs >= 1);
}

steps assembly::start() {
  return {ask_tip{}};
}

steps assembly::on_tip(const tip_view& t) {
  if (rechecking_) {
    rechecking_ = false;
    if (t.hash == tip_.hash) return next_rung(failed_);
    return to_empty("the chain moved to height " + std::to_string(t.height) +
                        " while the block at height " + std::to_string(height_) +
                        " was built; it is stale (" + failed_ + ")",
                    true);
  }
  tip_ = t;
  // One slot and 64 KiB stay free for the reward tx, the header and the
  // count fields.
  uint64_t reserve = 64u << 10;
  return {ask_select{lim_.max_block_txs - 1,
                     lim_.max_block_bytes > reserve ? lim_.max_block_bytes - reserve : 0}};
}

steps assembly::on_selected(std::vector<tx_ref> txs, std::vector<hash256> wtxids, amount fees) {
  // The mempool's answer is our own process's, not a peer's: a mismatch is
  // a bug.
  TC_ASSERT(txs.size() == wtxids.size());
  TC_ASSERT(txs.size() < lim_.max_block_txs);
  txs_ = std::move(txs);
  wtxids_ = std::move(wtxids);
  fees_ = fees;
  return ask_for_reward();
}

steps assembly::ask_for_reward() {
  return {ask_reward{height_, at_ == stage::empty ? amount{0} : fees_, proposer_}};
}

steps assembly::on_reward(std::vector<tx_output> outs, uint64_t now_ms) {
  TC_ASSERT(!done_);
  if (at_ == stage::empty) {
    // The last resort is not dry-run: a reward-only block on the tip has
    // nothing left to fail on but the chain itself.
    done_ = true;
    return {deliver{std::make_shared<const block>(
        assemble(tip_, height_, proposer_, now_ms, {}, {}, std::move(outs), {}))}};
  }
  std::vector<evidence> ev;
  if (at_ != stage::no_evidence) ev = pool_.for_block(tc::limits::max_block_evidence);
  auto blk = std::make_shared<const block>(
      assemble(tip_, height_, proposer_, now_ms, txs_, wtxids_, std::move(outs), ev));
  return {ask_validate{std::move(blk), wtxids_}};
}

steps assembly::on_validated(const std::string& error) {
  TC_ASSERT(!done_ && !rechecking_);
  if (error.empty()) return {};  // the shell delivers the block it validated
  failed_ = error;
  rechecking_ = true;
  return {ask_tip{}};
}

steps assembly::next_rung(const std::string& error) {
  if (at_ == stage::as_selected && !txs_.empty()) {
    at_ = stage::filtered;
    return {ask_filter{txs_}};
  }
  if (at_ != stage::no_evidence && pool_.size() > 0) {
    steps out{fallback_note{"built block at height " + std::to_string(height_) +
                            " does not validate (" + error + "); dropping " +
                            std::to_string(pool_.size()) + " pending evidence and building again"}};
    // Evidence that does not verify would fail every block from now on.
    pool_.clear();
    at_ = stage::no_evidence;
    auto more = ask_for_reward();
    out.insert(out.end(), more.begin(), more.end());
    return out;
  }
  return to_empty("built block at height " + std::to_string(height_) + " does not validate (" +
                  error + "); proposing an empty block");
}

steps assembly::on_filtered(const tx_selection& keep) {
  TC_ASSERT(at_ == stage::filtered);
  evict ev;
  std::vector<tx_ref> kept_txs;
  std::vector<hash256> kept_ids;
  for (const auto& [i, why] : keep.dropped) {
    TC_ASSERT(i < txs_.size());
    ev.txids.push_back(txid(*txs_[i]));
    ev.why.push_back(why);
  }
  for (size_t i : keep.kept) {
    TC_ASSERT(i < txs_.size());
    kept_txs.push_back(txs_[i]);
    kept_ids.push_back(wtxids_[i]);
  }
  txs_ = std::move(kept_txs);
  wtxids_ = std::move(kept_ids);
  fees_ = keep.fees;
  steps out;
  if (!ev.txids.empty()) out.push_back(std::move(ev));
  auto more = ask_for_reward();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

steps assembly::on_filter_failed(const std::string& why) {
  return to_empty("cannot filter the block at height " + std::to_string(height_) + ": " + why);
}

steps assembly::to_empty(const std::string& why, bool stale) {
  at_ = stage::empty;
  steps out{fallback_note{why, stale}};
  auto more = ask_for_reward();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

}  // namespace tc::producer
