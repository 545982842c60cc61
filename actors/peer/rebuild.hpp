#pragma once
// Rebuilding compact proposals (PROTOCOL.md §7): the txs a compact proposal
// names by wtxid come from the mempool, and those it lacks from the peers
// that sent the proposal, one at a time. Pure: the peer manager carries out
// the actions. It also keeps the last full blocks, to answer get_block_txs.
//
// What a peer can do with it: a compact proposal costs a mempool lookup and
// at most one fetch per source; txs that do not hash to the wtxids asked for
// cost 25 points and move the fetch to the next source; a source that does
// not answer in time costs 10; each peer starts at most `per_peer` rebuilds,
// all of them together at most `max_pending`.

#include <deque>
#include <memory>
#include <set>
#include <unordered_map>
#include <variant>

#include "crypto/result.hpp"
#include "messages/compact.hpp"
#include "messages/encoding.hpp"

namespace tc::peer {

struct rebuild_config {
  size_t max_pending = 32;
  size_t per_peer = 2;
  size_t max_sources = 4;  // peers remembered as holding one proposal
  uint64_t fetch_timeout_ms = 2'000;
  size_t held_blocks = 8;  // full blocks kept to answer get_block_txs
  // Unanswered this long, the same question goes to the next source too
  // (the same peer again when there is none), without blame: a round's
  // prevote waits ~1 s for the rebuild, so one lost or slow answer waited
  // out for fetch_timeout_ms cost the round. Whichever answers first counts.
  uint64_t hedge_ms = 400;
};

using tx_ref = std::shared_ptr<const transaction>;

namespace rebuild_do {
struct lookup {  // ask the mempool for these bodies
  hash256 key;
  std::vector<hash256> wtxids;
};
struct fetch {  // ask a peer for the bodies still missing
  uint64_t peer;
  get_block_txs req;
  bool hedge = false;  // the same question again, after hedge_ms (rebuild_config)
};
struct ready {  // rebuilt and checked: on to consensus
  hash256 key;
  proposal p;
  std::shared_ptr<const bytes> payload;  // the compact form as received
  std::vector<uint64_t> sources;         // the sender first, then peers that sent copies
};
struct blame {
  uint64_t peer;
  uint32_t points;
  std::string why;
};
struct dropped {  // given up (no source left, or the pool is full)
  hash256 key;
  std::string why;
};
}  // namespace rebuild_do
using rebuild_action = std::variant<rebuild_do::lookup, rebuild_do::fetch, rebuild_do::ready,
                                    rebuild_do::blame, rebuild_do::dropped>;
using rebuild_actions = std::vector<rebuild_action>;

constexpr uint32_t wrong_txs_penalty = 25;
constexpr uint32_t no_answer_penalty = 10;
constexpr uint32_t bad_request_penalty = 10;

// Whether a compact proposal may take a rebuild slot. Only one consensus
// could take now may: the next height (or the one after, while this node's
// tip catches up), proposed and signed by a validator of the next height.
// Otherwise a peer with no validator key could fill every slot with
// proposals of its own key, and the round's real proposal would find none
// free. An empty `validators` (not known yet) skips that check only.
enum class compact_admission : uint8_t { rebuild, not_now, not_validator, bad_signature };
compact_admission admit_compact(const compact_proposal& c, uint64_t tip_height,
                                const std::set<pubkey>& validators, const sign_domain& domain);

class rebuild_core {
 public:
  explicit rebuild_core(rebuild_config cfg = {}) : cfg_(cfg) {}

  // A compact proposal that passed check_compact, under its gossip key.
  // Another copy of one being rebuilt only adds its sender as a source.
  rebuild_actions on_compact(uint64_t from, const hash256& key,
                             std::shared_ptr<const compact_proposal> c,
                             std::shared_ptr<const bytes> payload, uint64_t now_ms);
  // The mempool's answer to `lookup`: found[i] is the body of wtxids[i], or null.
  rebuild_actions on_lookup(const hash256& key, const std::vector<tx_ref>& found, uint64_t now_ms);
  rebuild_actions on_block_txs(uint64_t from, const block_txs& m, uint64_t now_ms);
  rebuild_actions on_tick(uint64_t now_ms);
  rebuild_actions on_peer_gone(uint64_t peer, uint64_t now_ms);

  bool rebuilding(const hash256& key) const { return pending_.count(key) > 0; }
  const rebuild_config& config() const { return cfg_; }
  size_t pending() const { return pending_.size(); }

  // A full block this node holds (its own proposal, or one consensus took).
  void hold(block_ptr b);
  // The answer to get_block_txs: nullopt when the block is not held (an
  // honest peer may ask after it aged out); an error for a request no
  // honest peer makes (indexes out of range, not ascending).
  result<std::optional<block_txs>> serve(const get_block_txs& g) const;

 private:
  struct rebuild {
    std::shared_ptr<const compact_proposal> c;
    hash256 block;
    std::shared_ptr<const bytes> payload;
    // Who sent it first: named to consensus and blamed for an ill-formed
    // block even after it disconnected (`sources` then loses it).
    uint64_t sender = 0;
    std::vector<uint64_t> sources;
    size_t next_source = 0;
    std::vector<tx_ref> txs;      // by position in c->wtxids; null: missing
    std::vector<uint32_t> asked;  // block positions (1-based) asked of `asked_peer`
    uint64_t asked_peer = 0;
    uint64_t asked_ms = 0;
    uint64_t hedge_peer = 0;  // asked the same, hedge_ms later (0: nobody yet)
    uint64_t hedge_asked_ms = 0;
    bool looked_up = false;
  };
  // Each returns false when the rebuild ended (ready or given up): the
  // caller erases it.
  bool ask_next(const hash256& key, rebuild& r, uint64_t now_ms, rebuild_actions& out);
  bool fill_or_ask(const hash256& key, rebuild& r, uint64_t now_ms, rebuild_actions& out);
  void hedge(rebuild& r, uint64_t now_ms, rebuild_actions& out);
  // The asked peer timed out or left: the hedge's peer, if any, takes its place.
  bool promote_hedge(rebuild& r);
  void finish(const hash256& key, rebuild& r, rebuild_actions& out);
  size_t started_by(uint64_t peer) const;

  rebuild_config cfg_;
  std::unordered_map<hash256, rebuild, fixed_bytes_hasher> pending_;
  std::deque<std::pair<hash256, block_ptr>> held_;  // by block hash, oldest first
};

}  // namespace tc::peer
