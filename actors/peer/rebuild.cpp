#include "actors/peer/rebuild.hpp"

#include <algorithm>
#include <utility>

#include "crypto/assert.hpp"
#include "crypto/schnorr.hpp"
#include "messages/validation.hpp"

namespace tc::peer {

compact_admission admit_compact(const compact_proposal& c, uint64_t tip_height,
                                const std::set<pubkey>& validators, const sign_domain& domain) {
  if (c.height <= tip_height || c.height > tip_height + 2) return compact_admission::not_now;
  if (!validators.empty() && !validators.count(c.proposer)) return compact_admission::not_validator;
  auto msg = proposal_sign_bytes(domain, c.height, c.round, c.pol_round, block_hash(c.header));
  if (!verify(c.proposer, msg, c.sig)) return compact_admission::bad_signature;
  return compact_admission::rebuild;
}

size_t rebuild_core::started_by(uint64_t peer) const {
  return static_cast<size_t>(std::count_if(pending_.begin(), pending_.end(),
                                           [&](auto& kv) { return kv.second.sender == peer; }));
}

rebuild_actions rebuild_core::on_compact(uint64_t from, const hash256& key,
                                         std::shared_ptr<const compact_proposal> c,
                                         std::shared_ptr<const bytes> payload, uint64_t now_ms) {
  TC_ASSERT(c != nullptr);
  rebuild_actions out;
  if (auto it = pending_.find(key); it != pending_.end()) {
    auto& src = it->second.sources;
    if (src.size() < cfg_.max_sources && std::find(src.begin(), src.end(), from) == src.end())
      src.push_back(from);
    return out;
  }
  if (pending_.size() >= cfg_.max_pending) {
    out.push_back(rebuild_do::dropped{key, "too many proposals being rebuilt"});
    return out;
  }
  if (started_by(from) >= cfg_.per_peer) {
    out.push_back(rebuild_do::dropped{key, "this peer's proposals are still being rebuilt"});
    return out;
  }
  rebuild r;
  r.block = block_hash(c->header);
  r.payload = std::move(payload);
  r.sender = from;
  r.sources.push_back(from);
  r.txs.resize(c->wtxids.size());
  r.c = std::move(c);
  if (r.c->wtxids.empty()) {
    finish(key, r, out);
    return out;
  }
  out.push_back(rebuild_do::lookup{key, r.c->wtxids});
  r.asked_ms = now_ms;
  pending_.emplace(key, std::move(r));
  return out;
}

rebuild_actions rebuild_core::on_lookup(const hash256& key, const std::vector<tx_ref>& found,
                                        uint64_t now_ms) {
  rebuild_actions out;
  auto it = pending_.find(key);
  if (it == pending_.end() || it->second.looked_up) return out;
  rebuild& r = it->second;
  r.looked_up = true;
  // A failed lookup (the mempool gone, or late) answers nothing: all are fetched.
  if (found.size() == r.txs.size()) r.txs = found;
  if (!fill_or_ask(key, r, now_ms, out)) pending_.erase(it);
  return out;
}

bool rebuild_core::fill_or_ask(const hash256& key, rebuild& r, uint64_t now_ms,
                               rebuild_actions& out) {
  if (std::all_of(r.txs.begin(), r.txs.end(), [](const tx_ref& t) { return t != nullptr; })) {
    finish(key, r, out);
    return false;
  }
  return ask_next(key, r, now_ms, out);
}

bool rebuild_core::ask_next(const hash256& key, rebuild& r, uint64_t now_ms, rebuild_actions& out) {
  r.asked.clear();
  r.asked_peer = r.hedge_peer = 0;
  if (r.next_source >= r.sources.size()) {
    out.push_back(rebuild_do::dropped{key, "no peer served the txs it lacks"});
    return false;
  }
  for (size_t i = 0; i < r.txs.size(); ++i)
    if (!r.txs[i]) r.asked.push_back(static_cast<uint32_t>(i + 1));
  r.asked_peer = r.sources[r.next_source++];
  r.asked_ms = now_ms;
  out.push_back(rebuild_do::fetch{r.asked_peer, get_block_txs{r.block, r.asked}});
  return true;
}

void rebuild_core::hedge(rebuild& r, uint64_t now_ms, rebuild_actions& out) {
  r.hedge_peer = r.next_source < r.sources.size() ? r.sources[r.next_source++] : r.asked_peer;
  r.hedge_asked_ms = now_ms;
  out.push_back(rebuild_do::fetch{r.hedge_peer, get_block_txs{r.block, r.asked}, true});
}

bool rebuild_core::promote_hedge(rebuild& r) {
  if (r.hedge_peer == 0 || r.hedge_peer == r.asked_peer) return false;
  r.asked_peer = std::exchange(r.hedge_peer, 0);
  r.asked_ms = r.hedge_asked_ms;
  return true;
}

rebuild_actions rebuild_core::on_block_txs(uint64_t from, const block_txs& m, uint64_t now_ms) {
  rebuild_actions out;
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](auto& kv) {
    const rebuild& r = kv.second;
    return r.block == m.block_hash && r.asked_peer != 0 &&
           (r.asked_peer == from || r.hedge_peer == from);
  });
  // Unasked, or late after its time ran out: nothing to do, no fault proved.
  if (it == pending_.end()) return out;
  rebuild& r = it->second;
  bool match = m.txs.size() == r.asked.size();
  std::vector<tx_ref> got;
  for (size_t i = 0; match && i < m.txs.size(); ++i) {
    match = wtxid(m.txs[i]) == r.c->wtxids[r.asked[i] - 1];
    got.push_back(std::make_shared<const transaction>(m.txs[i]));
  }
  if (!match) {
    out.push_back(
        rebuild_do::blame{from, wrong_txs_penalty, "served txs that are not the block's"});
    if (!ask_next(it->first, r, now_ms, out)) pending_.erase(it);
    return out;
  }
  for (size_t i = 0; i < got.size(); ++i) r.txs[r.asked[i] - 1] = std::move(got[i]);
  r.asked.clear();
  r.asked_peer = r.hedge_peer = 0;
  if (!fill_or_ask(it->first, r, now_ms, out)) pending_.erase(it);
  return out;
}

rebuild_actions rebuild_core::on_tick(uint64_t now_ms) {
  rebuild_actions out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    rebuild& r = it->second;
    bool late = now_ms >= r.asked_ms + cfg_.fetch_timeout_ms;
    bool alive = true;
    if (late && r.asked_peer != 0) {
      out.push_back(rebuild_do::blame{r.asked_peer, no_answer_penalty,
                                      "did not serve a proposal's txs in time"});
      if (!promote_hedge(r)) alive = ask_next(it->first, r, now_ms, out);
    } else if (r.asked_peer != 0 && r.hedge_peer == 0 && now_ms >= r.asked_ms + cfg_.hedge_ms) {
      hedge(r, now_ms, out);
    } else if (late && !r.looked_up) {
      r.looked_up = true;  // the mempool did not answer: fetch everything
      alive = ask_next(it->first, r, now_ms, out);
    }
    it = alive ? std::next(it) : pending_.erase(it);
  }
  return out;
}

rebuild_actions rebuild_core::on_peer_gone(uint64_t peer, uint64_t now_ms) {
  rebuild_actions out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    rebuild& r = it->second;
    bool alive = true;
    // Sources already asked stay (next_source counts them); later ones go.
    auto later = r.sources.begin() + static_cast<std::ptrdiff_t>(r.next_source);
    r.sources.erase(std::remove(later, r.sources.end(), peer), r.sources.end());
    if (r.hedge_peer == peer && r.asked_peer != peer) r.hedge_peer = 0;
    if (r.asked_peer == peer && !promote_hedge(r)) alive = ask_next(it->first, r, now_ms, out);
    it = alive ? std::next(it) : pending_.erase(it);
  }
  return out;
}

void rebuild_core::finish(const hash256& key, rebuild& r, rebuild_actions& out) {
  std::vector<transaction> txs;
  txs.reserve(r.txs.size());
  for (auto& t : r.txs) txs.push_back(*t);
  proposal p = expand(*r.c, std::move(txs));
  // The bodies match their wtxids, so the block is the one the header
  // names; what is left is whether that block is well formed at all.
  if (auto s = check_block_stateless(*p.blk); !s) {
    out.push_back(rebuild_do::blame{
        r.sender, 25, "proposal's body does not match its header: " + s.error_message()});
    out.push_back(rebuild_do::dropped{key, "ill-formed block"});
    return;
  }
  // The sender first, as consensus expects, also when it has disconnected
  // since: an empty list here once crashed the node (timed-sim, seed 5148
  // after 148 runs: a sender gone while the mempool lookup was out).
  std::vector<uint64_t> sources{r.sender};
  for (uint64_t s : r.sources)
    if (s != r.sender) sources.push_back(s);
  out.push_back(rebuild_do::ready{key, std::move(p), r.payload, std::move(sources)});
}

void rebuild_core::hold(block_ptr b) {
  TC_ASSERT(b != nullptr);
  hash256 h = block_hash(b->header);
  for (auto& [held, _] : held_)
    if (held == h) return;
  held_.emplace_back(h, std::move(b));
  while (held_.size() > cfg_.held_blocks) held_.pop_front();
}

result<std::optional<block_txs>> rebuild_core::serve(const get_block_txs& g) const {
  auto it =
      std::find_if(held_.begin(), held_.end(), [&](auto& hb) { return hb.first == g.block_hash; });
  if (it == held_.end()) return std::optional<block_txs>{};
  const auto& txs = it->second->txs;
  block_txs out{g.block_hash, {}};
  out.txs.reserve(g.indexes.size());
  for (size_t i = 0; i < g.indexes.size(); ++i) {
    if (g.indexes[i] >= txs.size()) return make_error("asked for a tx past the block's end");
    if (i > 0 && g.indexes[i] <= g.indexes[i - 1])
      return make_error("asked for block txs out of order");
    out.txs.push_back(txs[g.indexes[i]]);
  }
  return std::optional<block_txs>{std::move(out)};
}

}  // namespace tc::peer
