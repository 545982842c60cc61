#include "actors/mempool/mempool_core.hpp"

#include <algorithm>

namespace tc {

namespace {
hash256 key_id(const pubkey& k) {
  return hash256::from_view(k);
}
}  // namespace

std::vector<claim> claims_of(const transaction& tx) {
  std::vector<claim> out;
  out.reserve(tx.inputs.size() + 2);
  for (const auto& in : tx.inputs)
    out.push_back({claim::kind::output, in.prev.txid, in.prev.index});
  if (tx.registration) {
    const auto& r = *tx.registration;
    if (r.tier != mn_tier::free)
      out.push_back({claim::kind::output, r.collateral.txid, r.collateral.index});
    out.push_back({claim::kind::operator_key, key_id(r.operator_key), 0});
  }
  if (tx.deregistration)
    out.push_back({claim::kind::masternode, key_id(tx.deregistration->operator_key), 0});
  return out;
}

status mempool_core::pre_check(const transaction& tx, const tx_digest& d) const {
  if (entries_.count(d.txid)) return make_error("transaction already in the mempool");
  for (const auto& c : claims_of(tx)) {
    auto it = claimed_by_.find(c);
    if (it != claimed_by_.end())
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
  // Decide before changing anything: the txs that would make room are the
  // lowest fee-rate ones, and all of them must rank below the newcomer.
  std::vector<hash256> evicted;
  size_t count = entries_.size() + 1, used = bytes_ + d.size;
  for (auto worst = order_.rbegin(); count > limits_.max_txs || used > limits_.max_bytes; ++worst) {
    if (worst == order_.rend() || !(key_of(e) < *worst))
      return make_error("mempool full: fee-rate " + std::to_string(e.feerate()) +
                        " per kB is below the lowest accepted");
    evicted.push_back(worst->txid);
    count -= 1;
    used -= entries_.at(worst->txid).digest.size;
  }
  for (const auto& id : evicted) remove(id);
  for (const auto& c : claims_of(*e.tx)) claimed_by_[c] = d.txid;
  by_wtxid_[d.wtxid] = d.txid;
  order_.insert(key_of(e));
  bytes_ += d.size;
  entries_.emplace(d.txid, std::move(e));
  check_invariants();
  return evicted;
}

void mempool_core::check_invariants() const {
  // The indexes hold one entry per pool tx, and the byte count stays
  // within the bounds insert() enforces (O(1): no walk over the pool).
  TC_ASSERT(by_wtxid_.size() == entries_.size() && order_.size() == entries_.size());
  TC_ASSERT(entries_.size() <= limits_.max_txs && bytes_ <= limits_.max_bytes);
  TC_ASSERT(entries_.empty() ? bytes_ == 0 : bytes_ > 0);
}

void mempool_core::remove(const hash256& txid) {
  auto it = entries_.find(txid);
  if (it == entries_.end()) return;
  const pool_entry& e = it->second;
  for (const auto& c : claims_of(*e.tx)) {
    auto s = claimed_by_.find(c);
    if (s != claimed_by_.end() && s->second == txid) claimed_by_.erase(s);
  }
  by_wtxid_.erase(e.digest.wtxid);
  order_.erase(key_of(e));
  TC_ASSERT(bytes_ >= e.digest.size);
  bytes_ -= e.digest.size;
  entries_.erase(it);
  check_invariants();
}

size_t mempool_core::on_block(const block& b) {
  // Every pool tx claims its inputs (a stateless rule: no tx without one),
  // so the claim index finds the block's own txs as well as those that
  // conflict with them, without hashing the block's txs (tens of thousands
  // per block).
  size_t before = entries_.size();
  for (const auto& tx : b.txs)
    for (const auto& c : claims_of(tx)) {
      auto s = claimed_by_.find(c);
      if (s == claimed_by_.end()) continue;
      hash256 id = s->second;  // a copy: remove() erases the index entry
      remove(id);
    }
  check_invariants();
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

std::shared_ptr<const transaction> mempool_core::find_wtxid(const hash256& wtxid) const {
  auto it = by_wtxid_.find(wtxid);
  if (it == by_wtxid_.end()) return nullptr;
  const pool_entry* e = find(it->second);
  TC_ASSERT(e != nullptr);  // by_wtxid_ indexes entries_ exactly
  return e->tx;
}

std::vector<hash256> mempool_core::waiting_in(const std::vector<seq_range>& ranges,
                                              size_t max) const {
  // The `max` oldest in a heap whose top is the youngest kept: memory stays
  // at `max` however full the pool is.
  using item = std::pair<uint64_t, hash256>;
  auto younger = [](const item& a, const item& b) { return a.first < b.first; };
  std::vector<item> kept;
  if (max == 0 || ranges.empty()) return {};
  auto in_range = [&ranges](uint64_t q) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [q](const seq_range& r) { return r.first <= q && q < r.second; });
  };
  for (const auto& [txid, e] : entries_) {
    if (!in_range(e.seq)) continue;
    if (kept.size() < max) {
      kept.push_back({e.seq, e.digest.wtxid});
      std::push_heap(kept.begin(), kept.end(), younger);
    } else if (e.seq < kept.front().first) {
      std::pop_heap(kept.begin(), kept.end(), younger);
      kept.back() = {e.seq, e.digest.wtxid};
      std::push_heap(kept.begin(), kept.end(), younger);
    }
  }
  std::sort_heap(kept.begin(), kept.end(), younger);
  std::vector<hash256> out;
  out.reserve(kept.size());
  for (const auto& k : kept) out.push_back(k.second);
  return out;
}

std::vector<hash256> mempool_core::txids() const {
  std::vector<hash256> out;
  for (const auto& k : order_) out.push_back(k.txid);
  return out;
}

}  // namespace tc
