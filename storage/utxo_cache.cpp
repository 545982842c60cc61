#include "storage/utxo_cache.hpp"

#include <algorithm>

#include "crypto/assert.hpp"
#include "storage/undo.hpp"

namespace tc {

void utxo_overlay::apply(const utxo_delta& d) {
  for (const auto& [o, e] : d.spent) {
    auto it = map_.find(o);
    if (it != map_.end() && it->second.live) {
      map_.erase(it);  // created and spent above the flush: never on disk
    } else {
      // Spent twice would be a ledger bug, not peer input (blocks are
      // validated before their delta exists).
      TC_ASSERT(it == map_.end());
      map_.emplace(o, slot{e, false});
    }
    --count_change_;
  }
  for (const auto& [o, e] : d.created) {
    auto [it, fresh] = map_.emplace(o, slot{e, true});
    TC_ASSERT(fresh);  // txids are unique: an output is created once
    ++count_change_;
  }
}

void utxo_overlay::clear() {
  map_.clear();
  count_change_ = 0;
}

std::vector<std::pair<outpoint, const utxo_overlay::slot*>> utxo_overlay::sorted() const {
  // The height sits beside the key while sorting: reading it through the
  // slot pointer in every comparison cost a cache miss each, and a flush
  // sorts hundreds of thousands of slots.
  struct keyed {
    uint64_t height;
    outpoint o;
    const slot* s;
  };
  std::vector<keyed> k;
  k.reserve(map_.size());
  for (const auto& [o, s] : map_) k.push_back({s.entry.height, o, &s});
  std::sort(k.begin(), k.end(), [](const keyed& a, const keyed& b) {
    return table_order(a.height, a.o, b.height, b.o);
  });
  std::vector<std::pair<outpoint, const slot*>> out;
  out.reserve(k.size());
  for (const auto& e : k) out.push_back({e.o, e.s});
  return out;
}

std::vector<std::pair<outpoint, const utxo_overlay::slot*>> utxo_overlay::of_owner(
    const pubkey& owner) const {
  std::vector<std::pair<outpoint, const slot*>> out;
  for (const auto& [o, s] : map_)
    if (s.entry.out.owner == owner) out.push_back({o, &s});
  return out;
}

void utxo_delta_chain::add(utxo_delta_ptr d) {
  TC_ASSERT(d);
  if (d->height <= flushed_) return;
  if (!deltas_.empty() && d->height <= deltas_.back()->height) {
    for (const auto& held : deltas_)
      if (held->height == d->height && held->block == d->block) return;
    while (!deltas_.empty() && deltas_.back()->height >= d->height) deltas_.pop_back();
    rebuild();
  }
  overlay_.apply(*d);
  tx_count_ += d->txs.size();
  deltas_.push_back(std::move(d));
}

void utxo_delta_chain::set_flushed(uint64_t height) {
  if (height == flushed_) return;
  bool down = height < flushed_;
  flushed_ = height;
  if (down) {
    // Only a disconnect lowers the mark, and it flushes first: every delta
    // kept is of a block that is gone or already on disk.
    deltas_.clear();
    overlay_.clear();
    tx_count_ = 0;
    return;
  }
  auto keep = std::find_if(deltas_.begin(), deltas_.end(),
                           [&](const utxo_delta_ptr& d) { return d->height > height; });
  if (keep == deltas_.begin()) return;
  deltas_.erase(deltas_.begin(), keep);
  rebuild();
}

void utxo_delta_chain::rebuild() {
  overlay_.clear();
  tx_count_ = 0;
  for (const auto& d : deltas_) {
    overlay_.apply(*d);
    tx_count_ += d->txs.size();
  }
}

std::optional<std::pair<uint64_t, uint32_t>> utxo_delta_chain::find_tx(const hash256& id) const {
  for (const auto& d : deltas_) {
    auto it = std::lower_bound(d->txs.begin(), d->txs.end(), id,
                               [](const auto& row, const hash256& k) { return row.first < k; });
    if (it != d->txs.end() && it->first == id) return std::make_pair(d->height, it->second);
  }
  return std::nullopt;
}

std::vector<std::tuple<hash256, uint64_t, uint32_t>> utxo_delta_chain::sorted_txs() const {
  std::vector<std::tuple<hash256, uint64_t, uint32_t>> out;
  out.reserve(tx_count_);
  for (const auto& d : deltas_)
    for (const auto& [id, pos] : d->txs) out.emplace_back(id, d->height, pos);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  return out;
}

}  // namespace tc
