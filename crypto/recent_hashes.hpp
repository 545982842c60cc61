#pragma once
// A set of the last `capacity` distinct hashes added, oldest out first: what
// a node remembers of recent events (committed txs, checked signatures, gossip
// seen) without growing with the chain.

#include "crypto/recent_table.hpp"

namespace tc {

class recent_hashes {
 public:
  explicit recent_hashes(size_t capacity) : table_(capacity) {}
  // A hash already held keeps its place: re-adding does not extend its life.
  // True when it was not held.
  bool add(const hash256& h) { return table_.try_emplace(h).second; }
  bool contains(const hash256& h) const { return table_.contains(h); }
  size_t size() const { return table_.size(); }

 private:
  struct nothing {};
  recent_table<nothing> table_;
};

}  // namespace tc
