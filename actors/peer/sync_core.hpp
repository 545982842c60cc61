#pragma once
// Catch-up sync, without I/O: which block ranges to ask which peers for,
// reassembling their answers in height order, handing blocks one at a time
// to consensus (which verifies each certificate against the validator set it
// computes itself), and blaming the peer that served something invalid.

#include <map>
#include <memory>
#include <optional>

#include "actors/consensus/sync_verdict.hpp"
#include "messages/peer.hpp"

namespace tc::peer {

struct sync_config {
  uint32_t batch_blocks = 50;            // blocks per get_blocks
  uint32_t max_in_flight = 3;            // requests outstanding, each to a different peer
  uint64_t request_timeout_ms = 10'000;  // cap; small requests time out sooner
  uint64_t window_blocks = 500;          // blocks requested or buffered beyond our tip
  uint64_t retry_delay_ms = 200;         // before offering consensus a block it was not ready for
  // Peers only one block ahead: that is usually the height consensus is
  // finishing right now (a peer's commit and tip announcement overtook our
  // last precommits), so fetching it would move the whole block twice and
  // validate it again. Fetch only when it has not landed after this long.
  uint64_t one_behind_grace_ms = 1'000;
};

// A request's deadline: a lost request or a peer that ignores it costs a
// little more than the answer would take, not always the full cap.
constexpr uint64_t request_timeout_base_ms = 2'000;
constexpr uint64_t request_timeout_per_block_ms = 160;

struct request_blocks {
  uint64_t peer;
  uint64_t from;
  uint32_t count;
};
struct apply_block {  // answer with on_applied
  uint64_t peer;
  std::shared_ptr<const block_with_cert> blk;
};
struct punish_peer {
  uint64_t peer;
  uint32_t points;
  std::string why;
};
using sync_action = std::variant<request_blocks, apply_block, punish_peer>;
using sync_actions = std::vector<sync_action>;

using apply_result = consensus::apply_result;

class sync_core {
 public:
  explicit sync_core(sync_config cfg = {}) : cfg_(cfg) {}

  sync_actions on_local_tip(uint64_t height, uint64_t now_ms);
  sync_actions on_peer_tip(uint64_t peer, uint64_t height, uint64_t now_ms);
  sync_actions on_peer_gone(uint64_t peer, uint64_t now_ms);
  sync_actions on_blocks(uint64_t peer, std::vector<block_with_cert> list, uint64_t now_ms);
  sync_actions on_applied(uint64_t height, apply_result r, const std::string& why, uint64_t now_ms);
  sync_actions on_tick(uint64_t now_ms);

  uint64_t local() const { return local_; }
  uint64_t target() const { return target_; }
  bool behind() const { return target_ > local_; }
  size_t buffered() const { return buffer_.size(); }
  size_t in_flight() const { return inflight_.size(); }

 private:
  struct pending {
    uint64_t peer;
    uint32_t count;
    uint64_t deadline_ms;
  };
  struct held {
    uint64_t peer;
    std::shared_ptr<const block_with_cert> blk;
  };
  void fill(uint64_t now_ms, sync_actions& out);
  bool covered(uint64_t h) const;
  void drop_from(uint64_t peer);
  void recompute_target();  // after a peer's tip is forgotten

  sync_config cfg_;
  uint64_t local_ = 0;
  uint64_t target_ = 0;
  std::map<uint64_t, uint64_t> tips_;            // peer -> announced height
  std::map<uint64_t, pending> inflight_;         // from height -> request
  std::map<uint64_t, held> buffer_;              // height -> block awaiting its turn
  std::optional<uint64_t> applying_;             // height handed to consensus
  std::optional<uint64_t> one_behind_since_ms_;  // target == local + 1 since then
  uint64_t retry_at_ms_ = 0;                     // consensus was not ready: wait a little
  uint64_t next_peer_ = 0;                       // round-robin cursor
};

}  // namespace tc::peer
