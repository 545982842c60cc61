#pragma once
// Mempool policy, pure: bounded by count and bytes, ordered by fee-rate,
// first-seen wins on conflicts (an index of what each tx claims), lowest
// fee-rate evicted when full. Admission's UTXO and signature checks happen outside
// (chain and verifier actors); this class decides what the pool holds.

#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "crypto/recent_hashes.hpp"
#include "messages/encoding.hpp"

namespace tc {

// What a transaction takes for itself in the block that includes it: the
// outputs it spends, the collateral a registration locks, the operator key
// a registration takes, the masternode a deregistration removes. Two txs
// that take the same thing may each be valid alone but are never valid
// together (the chain rules refuse such a pair in one block), so the pool
// holds at most one of them: first seen wins. This covers every pair the
// rules refuse together: spend + spend, spend + registration locking that
// output, two registrations on one collateral or of one operator key, two
// deregistrations of one masternode.
struct claim {
  enum class kind : uint8_t { output = 0, operator_key = 1, masternode = 2 };
  kind k = kind::output;
  hash256 id;          // the output's txid, or the operator key
  uint32_t index = 0;  // the output's index; 0 for keys
  friend bool operator==(const claim& a, const claim& b) {
    return a.k == b.k && a.id == b.id && a.index == b.index;
  }
};
struct claim_hasher {
  size_t operator()(const claim& c) const {
    return fixed_bytes_hasher{}(c.id) ^ (static_cast<size_t>(c.index) * 0x9e3779b97f4a7c15ULL) ^
           static_cast<size_t>(c.k);
  }
};
std::vector<claim> claims_of(const transaction& tx);

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

  // Cheap checks before the expensive ones: not already here, nothing it
  // claims already claimed by a pool tx (first seen wins).
  status pre_check(const transaction& tx, const tx_digest& d) const;
  // Adds a fully validated tx. When the pool is over its limits the lowest
  // fee-rate txs leave; if that would be the new tx itself it is refused
  // and the pool is left as it was. Returns the txids evicted.
  result<std::vector<hash256>> insert(std::shared_ptr<const transaction> tx, const tx_digest& d,
                                      amount fee);
  // After a committed block: drops its txs and every pool tx claiming what
  // one of them claimed. Returns how many left.
  size_t on_block(const block& b);
  void remove(const hash256& txid);

  // Highest fee-rate first, within the caps.
  std::vector<const pool_entry*> select(size_t max_txs, size_t max_bytes) const;
  const pool_entry* find(const hash256& txid) const;
  std::shared_ptr<const transaction> find_wtxid(const hash256& wtxid) const;
  // Whether this node checked the tx's signatures: it is in the pool, or
  // they were checked ahead of its block (note_checked).
  bool verified(const hash256& wtxid) const {
    return by_wtxid_.count(wtxid) > 0 || checked_.contains(wtxid);
  }
  // Signatures checked outside admission (a synced block's, ahead of its
  // connect). Sound for any block that carries the tx: a wtxid commits to
  // the signatures and to the outpoints spent, whose content never changes.
  void note_checked(const hash256& wtxid) { checked_.add(wtxid); }
  std::vector<hash256> txids() const;
  // The wtxids of the txs still here whose arrival number (next_seq() at
  // their arrival) is in one of `ranges` ([first, second)), each once,
  // oldest first, at most `max`: txs that waited a given time, which the
  // peer layer announces again in case the first announcement was lost
  // (peer::reannounce_schedule).
  using seq_range = std::pair<uint64_t, uint64_t>;
  std::vector<hash256> waiting_in(const std::vector<seq_range>& ranges, size_t max) const;
  uint64_t next_seq() const { return next_seq_; }
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

  void check_invariants() const;

  mempool_limits limits_;
  std::unordered_map<hash256, pool_entry, fixed_bytes_hasher> entries_;
  // Who holds each claim; used with claims_of, which is a function of the
  // tx alone, so insert and remove agree on the keys.
  std::unordered_map<claim, hash256, claim_hasher> claimed_by_;
  std::unordered_map<hash256, hash256, fixed_bytes_hasher> by_wtxid_;  // wtxid -> txid
  std::set<order_key> order_;
  // Bounded: the sync checks at most a few blocks ahead of the one it applies.
  recent_hashes checked_{65'536};
  size_t bytes_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace tc
