#pragma once
// A map from hashes to values that keeps the last `capacity` keys added,
// oldest out first: the shape of every "what this node saw recently" table
// (gossip dedup, committed txs, checked signatures, frames kept to answer
// peers). On the hot path of every relayed tx, so it is laid out for it: the
// entries sit in one ring in arrival order (eviction is the ring's head, no
// second queue of keys), found through an open-addressing index of ring
// positions (linear probing, no node per entry, no modulo by a prime). The
// index is at most half full. Keys are placed by the salted hasher: their
// bits come from peers, who could otherwise pile them into one run.
//
// Memory grows with use, doubling up to `capacity`: a node that saw little
// holds little (idle RSS).

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "crypto/assert.hpp"
#include "crypto/bytes.hpp"

namespace tc {

// K is any key with == and a hasher H (outpoints in storage's read cache).
template <class V, class K = hash256, class H = fixed_bytes_hasher>
class recent_table {
 public:
  explicit recent_table(size_t capacity) : capacity_(capacity) { TC_ASSERT(capacity > 0); }

  // The value of `k`, value-initialized and added if absent (the oldest
  // leaving when full); second: added by this call. Re-adding a key held
  // does not move it: it leaves when its first addition would.
  std::pair<V*, bool> try_emplace(const K& k) {
    uint64_t h = hasher_(k);
    if (size_t p = position(k, h); p != npos) return {&ring_[p].value, false};
    if (count_ == ring_.size()) {
      if (ring_.size() < capacity_)
        grow();
      else
        pop_oldest();
    }
    size_t pos = head_ + count_;
    if (pos >= ring_.size()) pos -= ring_.size();
    ring_[pos].key = k;
    ring_[pos].hash = h;
    ring_[pos].value = V{};
    place(pos, h);
    ++count_;
    return {&ring_[pos].value, true};
  }
  V* find(const K& k) {
    size_t p = position(k, hasher_(k));
    return p == npos ? nullptr : &ring_[p].value;
  }
  const V* find(const K& k) const {
    size_t p = position(k, hasher_(k));
    return p == npos ? nullptr : &ring_[p].value;
  }
  bool contains(const K& k) const { return find(k) != nullptr; }
  size_t size() const { return count_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return count_ == 0; }

  // The oldest entry, for a caller that also bounds something else (bytes).
  const V& oldest_value() const {
    TC_ASSERT(count_ > 0);
    return ring_[head_].value;
  }
  // Forgets every key and gives the memory back.
  void clear() {
    ring_ = {};
    index_ = {};
    head_ = count_ = mask_ = 0;
  }
  void pop_oldest() {
    TC_ASSERT(count_ > 0);
    unplace(head_);
    ring_[head_].value = V{};  // release what it holds now, not when reused
    if (++head_ == ring_.size()) head_ = 0;
    --count_;
  }

 private:
  struct entry {
    K key{};
    uint64_t hash = 0;
    V value{};
  };
  static constexpr uint32_t empty_slot = 0;  // index_ holds ring position + 1

  static constexpr size_t npos = SIZE_MAX;

  // The ring position of `k` (hashed to `h`), npos when absent.
  size_t position(const K& k, uint64_t h) const {
    if (index_.empty()) return npos;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      uint32_t s = index_[i];
      if (s == empty_slot) return npos;
      const entry& e = ring_[s - 1];
      if (e.hash == h && e.key == k) return s - 1;
    }
  }
  void place(size_t pos, uint64_t h) {
    size_t i = h & mask_;
    while (index_[i] != empty_slot) i = (i + 1) & mask_;
    index_[i] = static_cast<uint32_t>(pos + 1);
  }
  // Removes ring position `pos` from the index; the entries after it in
  // its run move back so that no lookup stops early (no tombstones).
  void unplace(size_t pos) {
    size_t i = ring_[pos].hash & mask_;
    while (index_[i] != pos + 1) i = (i + 1) & mask_;
    for (size_t j = (i + 1) & mask_; index_[j] != empty_slot; j = (j + 1) & mask_) {
      size_t home = ring_[index_[j] - 1].hash & mask_;
      // The entry at j may fill the hole at i unless its home lies in (i, j].
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      index_[i] = index_[j];
      i = j;
    }
    index_[i] = empty_slot;
  }
  void grow() {
    size_t n = std::min(capacity_, std::max<size_t>(16, ring_.size() * 2));
    TC_ASSERT(n < UINT32_MAX);
    std::vector<entry> ring(n);
    for (size_t i = 0; i < count_; ++i) {
      size_t p = head_ + i;
      if (p >= ring_.size()) p -= ring_.size();
      ring[i] = std::move(ring_[p]);
    }
    ring_ = std::move(ring);
    head_ = 0;
    size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    index_.assign(slots, empty_slot);
    mask_ = slots - 1;
    for (size_t i = 0; i < count_; ++i) place(i, ring_[i].hash);
  }

  size_t capacity_;
  std::vector<entry> ring_;  // arrival order from head_, wrapping
  size_t head_ = 0;
  size_t count_ = 0;
  std::vector<uint32_t> index_;
  size_t mask_ = 0;
  H hasher_;
};

}  // namespace tc
