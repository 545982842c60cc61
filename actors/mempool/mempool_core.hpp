#pragma once
// Mempool policy, pure: bounded by count and bytes, ordered by fee-rate,
// first-seen wins on conflicts (a spent-outpoint index), lowest fee-rate
// evicted when full. Admission's UTXO and signature checks happen outside
// (chain and verifier actors); this class decides what the pool holds.

#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "messages/encoding.hpp"

namespace tc {

struct mempool_limits {
  size_t max_txs = 200'000;
  size_t max_bytes = 128u << 20;
};

struct pool_entry {
  std::shared_ptr<const transaction> tx;
  tx_digest digest;
  amount fee = 0;
  uint64_t seq = 0;  // arrival order: ties in fee-rate go to the older tx
  // Units per 1000 bytes, integer so ordering is exact.
  uint64_t feerate() const {
    return static_cast<uint64_t>(fee) * 1000 / std::max<size_t>(digest.size, 1);
  }
};

class mempool_core {
 public:
  explicit mempool_core(mempool_limits limits) : limits_(limits) {}

  // Cheap checks before the expensive ones: not already here, no input
  // already spent by a pool tx (first seen wins).
  status pre_check(const transaction& tx, const tx_digest& d) const;
  // Adds a fully validated tx. When the pool is over its limits the lowest
  // fee-rate txs leave; if that would be the new tx itself it is refused.
  // Returns the txids evicted.
  result<std::vector<hash256>> insert(std::shared_ptr<const transaction> tx, const tx_digest& d,
                                      amount fee);
  // After a committed block: drops its txs and every pool tx spending an
  // output the block spent. Returns how many left.
  size_t on_block(const block& b);
  void remove(const hash256& txid);

  // Highest fee-rate first, within the caps.
  std::vector<const pool_entry*> select(size_t max_txs, size_t max_bytes) const;
  const pool_entry* find(const hash256& txid) const;
  bool verified(const hash256& wtxid) const { return by_wtxid_.count(wtxid) > 0; }
  std::vector<hash256> txids() const;
  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }
  const mempool_limits& limits() const { return limits_; }

 private:
  struct order_key {
    uint64_t feerate;
    uint64_t seq;
    hash256 txid;
    bool operator<(const order_key& o) const {  // best first
      if (feerate != o.feerate) return feerate > o.feerate;
      return seq < o.seq;
    }
  };
  order_key key_of(const pool_entry& e) const { return {e.feerate(), e.seq, e.digest.txid}; }

  mempool_limits limits_;
  std::unordered_map<hash256, pool_entry, fixed_bytes_hasher> entries_;
  std::unordered_map<outpoint, hash256, outpoint_hasher> spent_by_;
  std::unordered_map<hash256, hash256, fixed_bytes_hasher> by_wtxid_;  // wtxid -> txid
  std::set<order_key> order_;
  size_t bytes_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace tc
