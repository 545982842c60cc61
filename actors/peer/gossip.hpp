#pragma once
// The peer manager's routing and gossip decisions, without CAF: where an
// inbound message goes, the gate in front of consensus (dedup while a copy
// is being judged, a bound on questions in flight), what a judged message
// becomes (relay, remember, blame), which txs of a peer batch are gossiped
// on and to whom, and how relayed frames are packed per session. The shell
// (peer_manager.cpp) carries the decisions out; send_budget, tx_intake and
// peer_book hold the rest of its policy.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "actors/consensus/core.hpp"
#include "messages/peer.hpp"

namespace tc::peer {

// ---- routing ----
enum class route : uint8_t {
  tx_intake,      // a tx: the per-peer intake queue, then the mempool
  tx_announce,    // tx_inv: the ones not known are fetched (tx_fetch.hpp)
  serve_get_txs,  // get_txs: the bodies this node still holds
  consensus,      // a proposal or vote: the consensus gate
  rebuild,        // a compact proposal: rebuilt (rebuild.hpp), then the consensus gate
  serve_txs,      // get_block_txs: from the blocks the rebuild holds
  block_txs,      // txs a rebuild asked for
  serve_blocks,   // get_blocks: the chain reader
  busy_serving,   // get_blocks while this peer's last one is being served: dropped
  fork_probe,     // blocks answering our fork probe: consensus checks the certificate
  to_sync,        // other blocks: the sync actor
  tip,            // a peer's tip: sync and the fork watch
  answer_tip,     // get_tip
  answer_peers,   // get_peers
  learn_peers,    // peers: the address book
  ignore,         // not gossiped by this version (certificates, lone blocks, evidence, ...)
};
struct inbound_facts {
  bool has_key = false;         // the session computed the content key (gossip dedup)
  bool serving_peer = false;    // a get_blocks of this peer is being served
  bool probe_expected = false;  // the fork watch awaits this peer's answer
};
route route_of(const message& m, const inbound_facts& f);

// ---- the gate in front of consensus ----
// A proposal or vote goes to consensus once: copies that arrive while it is
// judged are dropped, and at most `max_in_flight` questions wait there
// (beyond that consensus is behind: drop rather than queue).
class consensus_gate {
 public:
  explicit consensus_gate(size_t max_in_flight = 1024) : max_(max_in_flight) {}
  enum class verdict : uint8_t { ask, duplicate, overloaded };
  // `seen`: the content key is already in the gossip dedup (judged before).
  // `from`: the session it came from (0: none); the senders of copies that
  // arrive while it is judged are kept, as peers that need no relay of it.
  verdict admit(const hash256& key, bool seen, uint64_t from = 0);
  // What to do once consensus judged the message.
  struct outcome {
    bool remember = false;          // mark the key seen (not when refused for now only)
    bool relay = false;             // to the peers relay_targets picks
    uint32_t penalty = 0;           // for the peer it came from
    std::vector<uint64_t> holders;  // sessions that sent it: they have it
  };
  outcome judged(const hash256& key, const consensus::relay_decision& d);
  void failed(const hash256& key);  // consensus did not answer: nothing to relay
  size_t in_flight() const { return keys_.size(); }
  bool judging(const hash256& key) const { return keys_.count(key) > 0; }
  uint64_t dropped() const { return dropped_; }

 private:
  // In flight: the sessions a copy came from (a few are enough to know).
  std::unordered_map<hash256, std::vector<uint64_t>, fixed_bytes_hasher> keys_;
  size_t max_;
  uint64_t dropped_ = 0;
};

// ---- relaying proposals and votes at scale ----
// Flooding every accepted vote to every peer costs each node a send per
// vote and peer: O(n^2) per height in a full mesh of n validators. A relay
// goes instead to at most relay_fanout(peers) peers, never to one known to
// have it (it sent us a copy, or signed it). Signers still send their own
// messages to every peer, and re-send them when a round times out, so the
// relays only have to cover lost links and peers the signer is not connected
// to: a push epidemic with fanout ~2 log2(n) reaches every node with high
// probability, and bytes per node per height grow as O(n log n).
size_t relay_fanout(size_t peers);
// ceil(log2(peers + 1)): the hops a push epidemic needs to reach a mesh of
// `peers`; relay_fanout and tx_push_fanout scale with it.
size_t push_bits(size_t peers);
// Which of `ready` get a relay of the message with content `key`: those not
// in `holders`, at most relay_fanout(ready.size()), chosen by a hash of
// (key, session) so that each message takes other paths and a run replays.
// `fanout` 0: relay_fanout(ready.size()).
std::vector<uint64_t> relay_targets(const std::vector<uint64_t>& ready,
                                    const std::vector<uint64_t>& holders, const hash256& key,
                                    size_t fanout = 0);

// ---- txs from peers, after the mempool judged them ----
struct admission_outcome {
  std::vector<size_t> relay;                         // batch indexes to gossip on
  std::vector<uint64_t> useful;                      // a peer per accepted tx (0s left out)
  std::vector<std::pair<uint64_t, size_t>> refused;  // (peer, batch index) to charge
};
// `from[i]`: the peer tx i came from (0: this node); `accepted[i]`: the
// mempool's verdict. A missing verdict counts as not accepted.
admission_outcome after_admission(const std::vector<uint64_t>& from,
                                  const std::vector<bool>& accepted);

// ---- fan-out ----
// Relayed frames to every ready session, never back to the one a frame came
// from, packed back to back into writes of at most `max_bytes` (a frame
// larger than that goes alone).
struct fanout_frame {
  size_t bytes = 0;
  uint64_t from = 0;  // 0: local
};
struct fanout_write {
  uint64_t session = 0;
  std::vector<size_t> frames;  // indexes, in order
};
std::vector<fanout_write> plan_fanout(const std::vector<uint64_t>& ready,
                                      const std::vector<fanout_frame>& frames, size_t max_bytes);

}  // namespace tc::peer
