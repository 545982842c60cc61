#include "actors/mempool/block_checks.hpp"

#include <unordered_map>

#include "crypto/assert.hpp"

namespace tc::mempool {

namespace {
bool plain_transfer(const transaction& tx) {
  return !tx.inputs.empty() && !tx.registration && !tx.deregistration;
}
}  // namespace

block_checks plan_block_checks(const block& b, const std::vector<hash256>& wtxids,
                               const std::function<bool(const hash256&)>& checked, size_t min_txs) {
  TC_ASSERT(wtxids.size() == b.txs.size());
  block_checks out;
  std::vector<size_t> todo;
  for (size_t i = 1; i < b.txs.size(); ++i)
    if (plain_transfer(b.txs[i]) && !checked(wtxids[i])) todo.push_back(i);
  if (todo.empty() || todo.size() < min_txs) return out;
  // Only now every txid: the common case (a mempool that had the block's
  // txs) pays nothing for it.
  std::unordered_map<outpoint, tx_output, outpoint_hasher> created;
  std::vector<hash256> txids(b.txs.size());
  for (size_t i = 0; i < b.txs.size(); ++i) {
    txids[i] = txid(b.txs[i]);
    for (uint32_t j = 0; j < b.txs[i].outputs.size(); ++j)
      created.emplace(outpoint{txids[i], j}, b.txs[i].outputs[j]);
  }
  for (size_t i : todo) {
    const transaction& tx = b.txs[i];
    size_t k = out.digests.size();
    out.digests.push_back({txids[i], wtxids[i], 0});
    out.index.push_back(i);
    out.spent.emplace_back(tx.inputs.size());
    for (size_t n = 0; n < tx.inputs.size(); ++n) {
      auto it = created.find(tx.inputs[n].prev);
      if (it != created.end())
        out.spent[k][n] = it->second;
      else
        out.missing.push_back({k, n, tx.inputs[n].prev});
    }
  }
  return out;
}

}  // namespace tc::mempool
