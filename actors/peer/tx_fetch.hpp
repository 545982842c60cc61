#pragma once
// Tx announcements (protocol 5, PROTOCOL.md §7): a node tells its peers the
// wtxids of the txs it admitted (tx_inv), and a peer asks for the bodies it
// lacks (get_txs), from one announcer at a time. Without them each node got
// every tx body once from each neighbour, and decoded and hashed every copy;
// now a body is pushed whole to log2(n) peers only (plan_tx_relay) and the
// other copies shrink to 32 bytes. Pure: the peer manager carries the
// requests out.
//
// What a peer can do with it: an announcement costs a hash lookup per wtxid
// and, for the new ones, a slot in the fetch table; a peer holds at most
// `per_peer` slots, all peers together `max_in_flight`. A peer that
// announces and never answers delays a tx by `fetch_timeout_ms` per such
// announcer, up to `max_sources`: then the next announcer is asked. It is
// not charged for it: an honest peer may have seen the tx committed or
// evicted between its announcement and our question.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "crypto/recent_table.hpp"
#include "messages/peer.hpp"

namespace tc::peer {

struct tx_fetch_config {
  size_t max_in_flight = 100'000;  // wtxids asked for and not arrived, all peers
  size_t per_peer = 20'000;        // of those, asked of one peer
  size_t max_sources = 4;          // announcers remembered per wtxid
  uint64_t fetch_timeout_ms = 2'000;
};

// Ask `peer` for these bodies (one get_txs, at most limits::max_get_txs).
struct tx_request {
  uint64_t peer = 0;
  std::vector<hash256> wtxids;
};
using tx_requests = std::vector<tx_request>;

class tx_fetch_core {
 public:
  explicit tx_fetch_core(tx_fetch_config cfg = {}) : cfg_(cfg) {}

  // `from` announced `wtxids`. Those `known` to the node (in its mempool,
  // seen or committed) are skipped; those already asked of another peer
  // make `from` one more source; the rest are asked of `from`.
  tx_requests on_announce(uint64_t from, const std::vector<hash256>& wtxids,
                          const std::function<bool(const hash256&)>& known, uint64_t now_ms);
  // A body arrived (from anyone, asked or not), or its tx was committed.
  void on_arrived(const hash256& wtxid);
  // Questions older than the timeout go to the next source, or are dropped.
  tx_requests on_tick(uint64_t now_ms);
  // The peer's questions go to the next source at once.
  tx_requests on_peer_gone(uint64_t peer, uint64_t now_ms);

  size_t in_flight() const { return wants_.size(); }
  size_t asked_of(uint64_t peer) const;
  bool wanted(const hash256& wtxid) const { return wants_.count(wtxid) > 0; }
  uint64_t timed_out() const { return timed_out_; }  // questions that got no body in time
  uint64_t refused() const { return refused_; }      // announcements past the bounds

 private:
  struct want {
    std::vector<uint64_t> sources;  // announcers, in order; sources[next - 1] was asked
    size_t next = 0;
    uint64_t asked_ms = 0;
  };
  // Asks the next source of `w`; false when none is left (the caller erases it).
  bool ask_next(const hash256& wtxid, want& w, uint64_t now_ms, tx_requests& out);
  void release(const want& w);
  void add(tx_requests& out, uint64_t peer, const hash256& wtxid);

  tx_fetch_config cfg_;
  std::unordered_map<hash256, want, fixed_bytes_hasher> wants_;
  std::unordered_map<uint64_t, size_t> asked_;  // peer -> wtxids asked of it
  // (deadline, wtxid) in the order asked: the timeout is one constant, so
  // deadlines are ascending. An entry is stale once its want was asked again
  // or ended; a stale one is skipped.
  std::deque<std::pair<uint64_t, hash256>> deadlines_;
  uint64_t timed_out_ = 0;
  uint64_t refused_ = 0;
};

// ---- announcing ----
struct announce_item {
  hash256 wtxid;
  uint64_t from = 0;  // the session it came from (0: this node)
};
// Each admitted tx to every session in `ready` (the peers that speak
// tx_inv) but the one it came from: whole to tx_push_fanout of them (picked
// by a hash of the wtxid and the session, as relay_targets does), announced
// to the rest. Announcing only would add two one-way delays per hop, and on
// a WAN link most proposals would then name txs their receivers have not
// fetched yet, costing a getBlockTxs round trip before each vote; a push
// epidemic with fanout log2(n) reaches nearly every node in one or two hops
// and the announcements cover the rest. Messages of at most max_tx_inv.
//
// Except to `near` peers (a lowest round trip under tx_push_min_rtt_ms): a tx
// this node relays, rather than originates, is only announced to them. The
// push saves one round trip, which on such a link is less than the mempool's
// own batching adds to each hop (~20 ms), while a relayed push is mostly a
// copy its receiver already has: in a 4-validator localnet each node took
// 2.25 bodies per tx, each decoded and hashed, and CPU per tx fell ~10 % with
// announcements instead (README, "Benchmarks"). On WAN links the push stays:
// announcing only, a 16-validator run at 50-200 ms one way made blocks 37 %
// slower. The origin's push is never a duplicate and stays everywhere.
constexpr uint64_t tx_push_min_rtt_ms = 20;
size_t tx_push_fanout(size_t peers);  // ceil(log2(peers + 1))
struct tx_relay_plan {
  std::vector<std::pair<uint64_t, std::vector<size_t>>> push;  // session, indexes into items
  std::vector<std::pair<uint64_t, tx_inv>> announce;
};
tx_relay_plan plan_tx_relay(const std::vector<uint64_t>& ready,
                            const std::vector<announce_item>& items,
                            const std::vector<uint64_t>& near = {});

// ---- answering ----
// The frames of recently admitted txs, to answer get_txs without asking the
// mempool or encoding again: the bytes that were received are the bytes
// sent on. Bounded by count and bytes; the oldest go first.
class recent_frames {
 public:
  recent_frames(size_t max_count = 50'000, size_t max_bytes = 32u << 20)
      : max_bytes_(max_bytes), by_id_(max_count) {}
  void put(const hash256& wtxid, std::shared_ptr<const bytes> frame);
  std::shared_ptr<const bytes> find(const hash256& wtxid) const;
  size_t size() const { return by_id_.size(); }
  size_t bytes_held() const { return bytes_; }

 private:
  size_t max_bytes_;
  size_t bytes_ = 0;
  recent_table<std::shared_ptr<const bytes>> by_id_;
};

}  // namespace tc::peer
