#include "actors/mempool/mempool_core.hpp"

namespace tc {

status mempool_core::pre_check(const transaction& tx, const tx_digest& d) const {
  if (entries_.count(d.txid)) return make_error("transaction already in the mempool");
  for (const auto& in : tx.inputs) {
    auto it = spent_by_.find(in.prev);
    if (it != spent_by_.end())
      return make_error("conflicts with mempool transaction " + it->second.hex() +
                        " (first seen wins)");
  }
  if (d.size > limits_.max_bytes) return make_error("transaction larger than the mempool");
  return ok_status();
}

result<std::vector<hash256>> mempool_core::insert(std::shared_ptr<const transaction> tx,
                                                  const tx_digest& d, amount fee) {
  TC_TRY(pre_check(*tx, d));
  pool_entry e{std::move(tx), d, fee, next_seq_++};
  std::vector<hash256> evicted;
  // Make room first, never below the newcomer's own fee-rate.
  while (entries_.size() + 1 > limits_.max_txs || bytes_ + d.size > limits_.max_bytes) {
    auto worst = std::prev(order_.end());
    if (!(key_of(e) < *worst))
      return make_error("mempool full: fee-rate " + std::to_string(e.feerate()) +
                        " per kB is below the lowest accepted");
    evicted.push_back(worst->txid);
    remove(worst->txid);
  }
  for (const auto& in : e.tx->inputs) spent_by_[in.prev] = d.txid;
  by_wtxid_[d.wtxid] = d.txid;
  order_.insert(key_of(e));
  bytes_ += d.size;
  entries_.emplace(d.txid, std::move(e));
  return evicted;
}

void mempool_core::remove(const hash256& txid) {
  auto it = entries_.find(txid);
  if (it == entries_.end()) return;
  const pool_entry& e = it->second;
  for (const auto& in : e.tx->inputs) {
    auto s = spent_by_.find(in.prev);
    if (s != spent_by_.end() && s->second == txid) spent_by_.erase(s);
  }
  by_wtxid_.erase(e.digest.wtxid);
  order_.erase(key_of(e));
  bytes_ -= e.digest.size;
  entries_.erase(it);
}

size_t mempool_core::on_block(const block& b) {
  // Every pool tx has inputs (a stateless rule), so the spent-outpoint index
  // finds the block's own txs as well as those conflicting with them,
  // without hashing the block's txs (tens of thousands per block).
  size_t before = entries_.size();
  for (const auto& tx : b.txs)
    for (const auto& in : tx.inputs) {
      auto s = spent_by_.find(in.prev);
      if (s == spent_by_.end()) continue;
      hash256 id = s->second;  // a copy: remove() erases the index entry
      remove(id);
    }
  return before - entries_.size();
}

std::vector<const pool_entry*> mempool_core::select(size_t max_txs, size_t max_bytes) const {
  std::vector<const pool_entry*> out;
  size_t used = 0;
  for (const auto& k : order_) {
    if (out.size() >= max_txs) break;
    const pool_entry& e = entries_.at(k.txid);
    if (used + e.digest.size > max_bytes) continue;  // a smaller one may still fit
    used += e.digest.size;
    out.push_back(&e);
  }
  return out;
}

const pool_entry* mempool_core::find(const hash256& txid) const {
  auto it = entries_.find(txid);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<hash256> mempool_core::txids() const {
  std::vector<hash256> out;
  for (const auto& k : order_) out.push_back(k.txid);
  return out;
}

}  // namespace tc
