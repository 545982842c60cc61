#pragma once
// A set of the last `capacity` distinct hashes added, oldest out first: what
// a node remembers of recent events (committed txs, checked signatures)
// without growing with the chain.

#include <deque>
#include <unordered_set>

#include "crypto/bytes.hpp"

namespace tc {

class recent_hashes {
 public:
  explicit recent_hashes(size_t capacity) : capacity_(capacity) {}
  // A hash already held keeps its place: re-adding does not extend its life.
  void add(const hash256& h) {
    if (!set_.insert(h).second) return;
    order_.push_back(h);
    if (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }
  bool contains(const hash256& h) const { return set_.count(h) > 0; }
  size_t size() const { return order_.size(); }

 private:
  size_t capacity_;
  std::unordered_set<hash256, fixed_bytes_hasher> set_;
  std::deque<hash256> order_;
};

}  // namespace tc
