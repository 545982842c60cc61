#pragma once
// When a pool tx is announced again (PROTOCOL.md §7). Each tx is announced
// once, when admitted; that announcement can be lost (a frame the send
// budget dropped, a partition that kept the connections open), and then a
// tx this node acknowledged may wait here while only this node could
// propose it. So a tx still waiting is announced again as it turns each of
// `ages_ms` old, and after the last of them every `repeat_ms` with all the
// others that old.
//
// The pool does not keep arrival times: it numbers its txs in arrival order
// (mempool_core::next_seq), and this schedule remembers that number at each
// tick, so "arrived more than 3 s ago" is "numbered below the mark read 3 s
// ago". Pure: the peer manager reads the marks and asks the pool for the
// ranges due.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace tc::peer {

// The pool txs numbered in [first, second).
using seq_range = std::pair<uint64_t, uint64_t>;

struct reannounce_config {
  std::vector<uint64_t> ages_ms = {3'000, 8'000, 20'000};
  uint64_t repeat_ms = 30'000;  // past the last age, all at once this often
};

class reannounce_schedule {
 public:
  explicit reannounce_schedule(reannounce_config cfg = {});

  // The pool's next_seq as read at `now_ms`. One lower than the last read
  // means the pool started numbering again: the history is dropped.
  void on_mark(uint64_t now_ms, uint64_t mark);
  // The ranges whose txs, if still waiting, are due an announcement at
  // `now_ms`: those that turned an age since the last call, and at each
  // repeat all older than the last age. Each range once per age.
  std::vector<seq_range> due(uint64_t now_ms);
  size_t marks_kept() const { return marks_.size(); }

 private:
  // The mark read last at or before `ms` (0: none that old).
  uint64_t mark_at(uint64_t ms) const;

  reannounce_config cfg_;
  uint64_t oldest_age_ms_ = 0;
  std::deque<std::pair<uint64_t, uint64_t>> marks_;  // (ms, mark), oldest first
  std::vector<uint64_t> done_;                       // per age: announced below this mark
  uint64_t repeated_ms_ = 0;
};

}  // namespace tc::peer
