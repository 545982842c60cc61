#include "messages/compact.hpp"

#include <algorithm>

#include "messages/limits.hpp"

namespace tc {

peer::compact_proposal compact_of(const proposal& p, const std::vector<hash256>* wtxids) {
  TC_ASSERT(p.blk && !p.blk->txs.empty());
  const block& b = *p.blk;
  peer::compact_proposal c{p.height, p.round,         p.pol_round, b.header, b.txs[0],
                           {},       b.evidence_list, p.proposer,  p.sig};
  c.wtxids.reserve(b.txs.size() - 1);
  if (wtxids) {
    TC_ASSERT(wtxids->size() == b.txs.size());
    c.wtxids.assign(wtxids->begin() + 1, wtxids->end());
  } else {
    for (size_t i = 1; i < b.txs.size(); ++i) c.wtxids.push_back(wtxid(b.txs[i]));
  }
  return c;
}

status check_compact(const peer::compact_proposal& c) {
  if (c.header.version != 1) return make_error("unsupported block version");
  if (c.wtxids.size() + 1 > limits::max_block_txs) return make_error("block has too many txs");
  if (c.evidence_list.size() > limits::max_block_evidence)
    return make_error("block has too much evidence");
  if (c.reward.kind != tx_kind::reward) return make_error("first tx is not the reward tx");
  if (c.reward.height != c.header.height) return make_error("reward tx height mismatch");
  std::vector<hash256> leaves;
  leaves.reserve(c.wtxids.size() + 1);
  leaves.push_back(wtxid(c.reward));
  leaves.insert(leaves.end(), c.wtxids.begin(), c.wtxids.end());
  if (merkle_root(leaves) != c.header.merkle_root) return make_error("merkle root mismatch");
  if (evidence_hash(c.evidence_list) != c.header.evidence_hash)
    return make_error("evidence hash mismatch");
  // A tx twice in one block spends its outputs twice: no valid block has it,
  // and a rebuild would fetch one body for two slots.
  std::sort(leaves.begin(), leaves.end());
  if (std::adjacent_find(leaves.begin(), leaves.end()) != leaves.end())
    return make_error("a tx appears twice in the block");
  return ok_status();
}

proposal expand(const peer::compact_proposal& c, std::vector<transaction> txs) {
  TC_ASSERT(txs.size() == c.wtxids.size());
  auto b = std::make_shared<block>();
  b->header = c.header;
  b->txs.reserve(txs.size() + 1);
  b->txs.push_back(c.reward);
  for (auto& t : txs) b->txs.push_back(std::move(t));
  b->evidence_list = c.evidence_list;
  return proposal{c.height, c.round, c.pol_round, std::move(b), c.proposer, c.sig};
}

}  // namespace tc
