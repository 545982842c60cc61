#pragma once
// One memory budget, in bytes, for everything the node has queued to send
// to all its peers. The manager asks before it hands a session a frame;
// sessions report what they have taken and what is still unsent, so the
// manager knows each peer's backlog exactly: unsent on the socket plus what
// is still on its way to the session. Pure: no CAF, no clock.
//
// The policy, by what the frame is:
//  - gossip (relayed txs): skipped for a peer with more than
//    gossip_backlog_bytes unsent, or when the node is over half its budget;
//    a slow reader misses tx gossip (it gets the txs in blocks);
//  - served data (getBlocks answers): only to a peer whose earlier data
//    has drained below gossip_backlog_bytes, and within the budget; else
//    the request is declined (the peer asks again later), so peers that ask
//    and never read cannot hold more than one answer each. An answer is
//    reserved at its size cap when the request is taken, before it is read
//    from disk, and settled at its real size when it is handed over: answers
//    being built count too, so many peers asking at once cannot make the
//    node build more than the budget holds;
//  - consensus and control: always queued, up to the per-peer cap; a peer
//    over the cap is too slow to keep and the manager closes it.

#include <cstdint>
#include <map>

namespace tc::peer {

struct send_budget_config {
  uint64_t total_bytes = 128u << 20;
  uint64_t per_peer_bytes = 24u << 20;  // above one full block answer (16 MiB frame cap)
  uint64_t gossip_backlog_bytes = 1u << 20;
};

enum class send_kind : uint8_t { gossip, served, consensus };
enum class send_verdict : uint8_t { send, skip, close_peer };

class send_budget {
 public:
  explicit send_budget(send_budget_config cfg = {}) : cfg_(cfg) {}

  // Before handing `bytes` to `peer`'s session; on `send` the bytes count.
  send_verdict ask(uint64_t peer, uint64_t bytes, send_kind kind);
  // A served answer of at most `bytes`, before it is built: false if the
  // policy above declines it. Counts as handed until settle().
  bool reserve(uint64_t peer, uint64_t bytes);
  // The answer reserved with `reserved` is `actual` bytes (0: it was not
  // sent after all). A peer gone in between is ignored.
  void settle(uint64_t peer, uint64_t reserved, uint64_t actual);
  // The session's report: all bytes it took from the manager so far, and
  // what is still unsent in its socket buffers.
  void on_report(uint64_t peer, uint64_t taken_total, uint64_t unsent);
  void on_gone(uint64_t peer);

  uint64_t backlog(uint64_t peer) const;
  // Gossip to `peer` would be skipped whatever its size: an answer that
  // would be (getTxs) is not even built.
  bool gossip_blocked(uint64_t peer) const;
  uint64_t total() const { return total_; }
  const send_budget_config& config() const { return cfg_; }

 private:
  struct peer_state {
    uint64_t handed = 0;   // handed to the session, total
    uint64_t taken = 0;    // of which the session has taken (last report)
    uint64_t unsent = 0;   // on the socket, not yet written (last report)
    uint64_t counted = 0;  // this peer's share of total_
  };
  void recount(peer_state& p);

  send_budget_config cfg_;
  std::map<uint64_t, peer_state> peers_;
  uint64_t total_ = 0;
};

}  // namespace tc::peer
