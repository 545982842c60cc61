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
  // Blocks buffered (their size in memory, estimated) beyond which only the
  // next block to apply is asked for: 500 full blocks would be gigabytes.
  // In flight on top: max_in_flight replies, each under a frame's cap.
  uint64_t window_bytes = 64u << 20;
  // Signatures checked ahead: the blocks after our tip are handed out to be
  // checked (check_block, answered with on_checked) while earlier ones
  // connect, up to this many txs at a time (always at least one block), and
  // a block is applied only once its check answered. 0: no checks ahead
  // (the connect checks every signature itself, on one core).
  uint64_t verify_ahead_txs = 0;
  // Offer the block after the one consensus is applying as well, so that
  // consensus holds it (hashed and checked against its header by the
  // offerer) and starts on it as soon as the height starts, instead of
  // waiting for the verdict to travel here and the next offer back. At
  // most two offers are out; a refused ahead offer costs no retry pause and
  // is not repeated until our tip moves.
  bool offer_ahead = false;
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
struct check_block {  // answer with on_checked, whatever the check found
  uint64_t height;
  std::shared_ptr<const block_with_cert> blk;
};
struct punish_peer {
  uint64_t peer;
  uint32_t points;
  std::string why;
};
using sync_action = std::variant<request_blocks, apply_block, check_block, punish_peer>;
using sync_actions = std::vector<sync_action>;

using apply_result = consensus::apply_result;

// A block's size in memory, near enough to bound the sync's buffer: what
// its decoded txs and certificate hold.
uint64_t approx_bytes(const block_with_cert& b);

class sync_core {
 public:
  explicit sync_core(sync_config cfg = {}) : cfg_(cfg) {}

  sync_actions on_local_tip(uint64_t height, uint64_t now_ms);
  sync_actions on_peer_tip(uint64_t peer, uint64_t height, uint64_t now_ms);
  sync_actions on_peer_gone(uint64_t peer, uint64_t now_ms);
  sync_actions on_blocks(uint64_t peer, std::vector<block_with_cert> list, uint64_t now_ms);
  sync_actions on_applied(uint64_t height, apply_result r, const std::string& why, uint64_t now_ms);
  sync_actions on_tick(uint64_t now_ms);
  // The check of this block (by identity: a block since replaced by another
  // peer's copy is checked again) has finished.
  sync_actions on_checked(uint64_t height, const std::shared_ptr<const block_with_cert>& blk,
                          uint64_t now_ms);

  uint64_t local() const { return local_; }
  uint64_t target() const { return target_; }
  bool behind() const { return target_ > local_; }
  size_t buffered() const { return buffer_.size(); }
  uint64_t buffered_bytes() const { return buffered_bytes_; }
  size_t in_flight() const { return inflight_.size(); }
  size_t checks() const { return checks_.size(); }
  uint32_t blocks_per_request(uint64_t peer) const { return blocks_for(peer); }

 private:
  struct pending {
    uint64_t peer;
    uint32_t count;
    uint64_t deadline_ms;
  };
  struct held {
    uint64_t peer;
    std::shared_ptr<const block_with_cert> blk;
    uint64_t bytes;  // approx_bytes
  };
  using buffer_map = std::map<uint64_t, held>;
  buffer_map::iterator unbuffer(buffer_map::iterator it);
  void unbuffer_through(uint64_t height);
  struct check {
    std::shared_ptr<const block_with_cert> blk;
    bool done = false;
  };
  void fill(uint64_t now_ms, sync_actions& out);
  void offer(uint64_t now_ms, sync_actions& out);
  void start_checks(sync_actions& out);
  bool ready(uint64_t h) const;  // buffered, and its check (if any is due) done
  bool covered(uint64_t h) const;
  void drop_from(uint64_t peer);
  void recompute_target();  // after a peer's tip is forgotten

  sync_config cfg_;
  uint64_t local_ = 0;
  uint64_t target_ = 0;
  std::map<uint64_t, uint64_t> tips_;     // peer -> announced height
  std::map<uint64_t, pending> inflight_;  // from height -> request
  buffer_map buffer_;                     // height -> block awaiting its turn
  uint64_t buffered_bytes_ = 0;
  std::map<uint64_t, check> checks_;             // height -> its signature check
  std::optional<uint64_t> applying_;             // height handed to consensus
  std::optional<uint64_t> ahead_;                // and the one after it (offer_ahead)
  std::optional<uint64_t> ahead_refused_at_;     // local_ when consensus refused ahead_
  std::optional<uint64_t> one_behind_since_ms_;  // target == local + 1 since then
  uint64_t retry_at_ms_ = 0;                     // consensus was not ready: wait a little
  uint64_t next_peer_ = 0;                       // round-robin cursor
  // Blocks per request, per peer: what it served per answer lately. An
  // answer is capped in bytes (4 MiB), so of 50 large blocks asked a peer
  // sends two, and asking one peer for 50 left the next blocks to that one
  // peer while the others fetched blocks far ahead. Sized to the answers,
  // the next blocks come from every peer at once. Per peer: one that
  // answers a block at a time only makes its own requests small.
  std::map<uint64_t, uint32_t> per_request_;
  uint32_t blocks_for(uint64_t peer) const;
};

}  // namespace tc::peer
