#pragma once
// Transactions from peers on their way to the mempool: one queue per peer,
// served round robin, with a byte bound for all and a fair share for each,
// so one peer's flood fills only its own queue and never shuts out the txs
// other peers relay. And the cost of junk: txs the mempool turned away
// without proving fault (missing inputs, a double spend, a fee too low) are
// free up to a per-peer allowance; past it each costs misbehaviour points,
// so a flood of junk ends in a ban instead of costing nothing. The
// allowance grows with the peer's useful txs: under load an honest relay's
// txs often lose a race (committed in a block before our copy is checked),
// and that share must never add up to a ban. Pure.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <unordered_set>
#include <vector>

#include "crypto/bytes.hpp"
#include "crypto/recent_hashes.hpp"

namespace tc::peer {

using std::size_t;

struct tx_intake_config {
  uint64_t total_bytes = 64u << 20;
  size_t total_txs = 50'000;
  uint64_t min_share_bytes = 2u << 20;  // a peer may always queue this much
  double junk_per_s = 20;               // free junk per second, whatever the peer sends
  double junk_burst = 1'000;            // the allowance's cap
  double junk_per_useful = 1;  // allowance earned by each tx of the peer's the mempool took
  uint32_t junk_points = 2;    // per junk tx past the allowance
};

template <class T>
class tx_intake {
 public:
  explicit tx_intake(tx_intake_config cfg = {}) : cfg_(cfg) {}

  // False: dropped (the node is full, or this peer is over its share).
  bool push(uint64_t peer, uint64_t bytes, T item) {
    auto& q = queues_[peer];
    size_t active = 0;
    for (auto& [id, pq] : queues_) active += !pq.items.empty() || id == peer;
    uint64_t share = std::max(cfg_.min_share_bytes, cfg_.total_bytes / std::max<size_t>(active, 1));
    if (bytes_ + bytes > cfg_.total_bytes || count_ >= cfg_.total_txs || q.bytes + bytes > share) {
      if (q.items.empty()) queues_.erase(peer);
      return false;
    }
    q.items.push_back({bytes, std::move(item)});
    q.bytes += bytes;
    bytes_ += bytes;
    ++count_;
    return true;
  }

  // Up to `n` items, one per peer in turn.
  std::vector<T> pop(size_t n) {
    std::vector<T> out;
    while (out.size() < n && count_ > 0) {
      auto it = queues_.upper_bound(cursor_);
      if (it == queues_.end()) it = queues_.begin();
      cursor_ = it->first;
      auto& e = it->second.items.front();
      it->second.bytes -= e.bytes;
      bytes_ -= e.bytes;
      --count_;
      out.push_back(std::move(e.item));
      it->second.items.pop_front();
      if (it->second.items.empty()) queues_.erase(it);
    }
    return out;
  }

  // A tx from `peer` the mempool took: it earns allowance.
  void on_useful(uint64_t peer, uint64_t now_ms) {
    auto& b = bucket_of(peer, now_ms);
    b.tokens = std::min(cfg_.junk_burst, b.tokens + cfg_.junk_per_useful);
  }

  // A tx from `peer` the mempool refused without proof of fault (missing
  // inputs, a double spend, a low fee), with both sides' best heights.
  // Returns the points it costs: none while the peer is ahead of us (its
  // txs spend outputs of blocks we do not have yet, so they look like junk
  // here only because this node is behind), else on_junk's.
  uint32_t on_unusable(uint64_t peer, uint64_t peer_height, uint64_t our_height, uint64_t now_ms) {
    return peer_height > our_height ? 0 : on_junk(peer, now_ms);
  }

  // A tx from `peer` the mempool refused without proof of fault. Returns
  // the points it costs (0 within the allowance).
  uint32_t on_junk(uint64_t peer, uint64_t now_ms) {
    auto& b = bucket_of(peer, now_ms);
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return 0;
    }
    return cfg_.junk_points;
  }

  void on_gone(uint64_t peer) {
    junk_.erase(peer);
    auto it = queues_.find(peer);
    if (it == queues_.end()) return;
    bytes_ -= it->second.bytes;
    count_ -= it->second.items.size();
    queues_.erase(it);
  }

  size_t size() const { return count_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t bytes_of(uint64_t peer) const {
    auto it = queues_.find(peer);
    return it == queues_.end() ? 0 : it->second.bytes;
  }

 private:
  struct entry {
    uint64_t bytes;
    T item;
  };
  struct queue {
    std::deque<entry> items;
    uint64_t bytes = 0;
  };
  struct bucket {
    double tokens = 0;
    uint64_t last_ms = 0;
  };
  bucket& bucket_of(uint64_t peer, uint64_t now_ms) {
    auto [it, fresh] = junk_.try_emplace(peer);
    auto& b = it->second;
    if (fresh) b = {cfg_.junk_burst / 5, now_ms};
    if (now_ms > b.last_ms) {
      b.tokens = std::min(cfg_.junk_burst,
                          b.tokens + cfg_.junk_per_s * double(now_ms - b.last_ms) / 1000.0);
      b.last_ms = now_ms;
    }
    return b;
  }

  tx_intake_config cfg_;
  std::map<uint64_t, queue> queues_;
  std::map<uint64_t, bucket> junk_;
  uint64_t bytes_ = 0;
  size_t count_ = 0;
  uint64_t cursor_ = 0;
};

// The txs of recently committed blocks (wtxids, oldest dropped first). An
// honest relay's copy of a tx often arrives after a block committed it: the
// proposer put it in its block before its gossip reached us, or it sat in
// our intake queue meanwhile. Its input is then spent, and without this set
// every such copy spent the relay's junk allowance: under load that banned
// honest validators from each other. A copy of a tx in here is taken as a
// duplicate; one committed longer ago than the set reaches is junk again,
// so replaying old txs is not free. Pure.
class recent_commits : public recent_hashes {
 public:
  explicit recent_commits(size_t capacity = 100'000) : recent_hashes(capacity) {}
};

}  // namespace tc::peer
