#pragma once
// The txs whose admission is under way, and the block queries that wait for
// them. Pure: the mempool actor carries out what it returns.
//
// Why wait: a proposal's txs reach a validator twice, as gossip and inside
// the block. At saturation 8-16 % of a proposal's txs were still in
// admission (prepared or on the verifiers) when consensus asked which were
// checked, and the chain then checked them again, one by one on its own
// thread, on the round's critical path. Waiting a bounded time for those
// admissions reuses their checks instead. A tx whose admission fails stays
// unchecked, so the chain checks it as before: waiting never widens what
// counts as checked.
//
// What a peer can do with it: nothing it could not do before. Only the
// node's own admissions are waited for, at most `max_wait_ms`, and at most
// `max_parked` queries wait (a further one answers the oldest at once).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "messages/types.hpp"

namespace tc::mempool {

class admission_waits {
 public:
  struct config {
    size_t max_parked = 4;
    uint64_t max_wait_ms = 300;
  };
  admission_waits() = default;
  explicit admission_waits(config c) : config_(c) {}

  // An admission starts (the same tx may be in two batches at once).
  void begin(const hash256& wtxid, std::shared_ptr<const transaction> tx);
  // Its verdict is in; returns the parked queries that now wait for nothing.
  std::vector<uint64_t> end(const std::vector<hash256>& wtxids);
  bool admitting(const hash256& wtxid) const { return admitting_.count(wtxid) > 0; }
  // The body of a tx in admission, or null: a compact proposal's rebuild
  // takes it rather than fetching it from a peer.
  std::shared_ptr<const transaction> body(const hash256& wtxid) const;
  size_t admitting_count() const { return admitting_.size(); }

  struct parked {
    uint64_t id;
    size_t awaited;                      // how many of the query's txs it waits for
    std::optional<uint64_t> answer_now;  // the oldest query, pushed out
  };
  // A query for these unchecked txs: parked if some are in admission, else
  // nullopt (answer at once).
  std::optional<parked> park(const std::vector<hash256>& unchecked);
  // `max_wait_ms` after its park, query `id` is answered if it still waits
  // (then this returns true).
  bool expire(uint64_t id);
  size_t parked_count() const { return queries_.size(); }
  const config& limits() const { return config_; }

 private:
  struct admitting_entry {
    uint32_t count = 0;
    std::shared_ptr<const transaction> tx;
  };
  struct query {
    uint64_t id;
    size_t remaining;
  };

  config config_;
  std::unordered_map<hash256, admitting_entry, fixed_bytes_hasher> admitting_;
  // For each awaited wtxid, the queries waiting for it.
  std::unordered_map<hash256, std::vector<uint64_t>, fixed_bytes_hasher> waiters_;
  std::deque<query> queries_;  // oldest first
  uint64_t next_id_ = 1;
};

}  // namespace tc::mempool
