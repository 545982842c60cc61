#include "actors/peer/tx_fetch.hpp"

#include <algorithm>
#include <map>

#include "actors/peer/gossip.hpp"
#include "crypto/assert.hpp"
#include "messages/limits.hpp"

namespace tc::peer {

size_t tx_fetch_core::asked_of(uint64_t peer) const {
  auto it = asked_.find(peer);
  return it == asked_.end() ? 0 : it->second;
}

void tx_fetch_core::add(tx_requests& out, uint64_t peer, const hash256& wtxid) {
  // Consecutive asks of one peer share a get_txs, up to its size bound.
  if (out.empty() || out.back().peer != peer || out.back().wtxids.size() >= limits::max_get_txs)
    out.push_back({peer, {}});
  out.back().wtxids.push_back(wtxid);
}

bool tx_fetch_core::ask_next(const hash256& wtxid, want& w, uint64_t now_ms, tx_requests& out) {
  while (w.next < w.sources.size()) {
    uint64_t peer = w.sources[w.next++];
    size_t& n = asked_[peer];
    if (n >= cfg_.per_peer) continue;  // that peer has enough questions open
    ++n;
    w.asked_ms = now_ms;
    deadlines_.emplace_back(now_ms + cfg_.fetch_timeout_ms, wtxid);
    add(out, peer, wtxid);
    return true;
  }
  return false;
}

void tx_fetch_core::release(const want& w) {
  if (w.next == 0) return;
  auto it = asked_.find(w.sources[w.next - 1]);
  TC_ASSERT(it != asked_.end() && it->second > 0);
  if (--it->second == 0) asked_.erase(it);
}

tx_requests tx_fetch_core::on_announce(uint64_t from, const std::vector<hash256>& wtxids,
                                       const std::function<bool(const hash256&)>& known,
                                       uint64_t now_ms) {
  tx_requests out;
  for (const auto& id : wtxids) {
    if (auto it = wants_.find(id); it != wants_.end()) {
      auto& s = it->second.sources;
      if (s.size() < cfg_.max_sources && std::find(s.begin(), s.end(), from) == s.end())
        s.push_back(from);
      continue;
    }
    if (known(id)) continue;
    if (wants_.size() >= cfg_.max_in_flight || asked_of(from) >= cfg_.per_peer) {
      ++refused_;  // another announcer, or the block, brings it
      continue;
    }
    auto& w = wants_[id];
    w.sources.push_back(from);
    bool asked = ask_next(id, w, now_ms, out);
    TC_ASSERT(asked);
  }
  return out;
}

void tx_fetch_core::on_arrived(const hash256& wtxid) {
  auto it = wants_.find(wtxid);
  if (it == wants_.end()) return;
  release(it->second);
  wants_.erase(it);
}

tx_requests tx_fetch_core::on_tick(uint64_t now_ms) {
  tx_requests out;
  // New deadlines are pushed while this runs: stop at those not yet due.
  while (!deadlines_.empty() && deadlines_.front().first <= now_ms) {
    auto [deadline, id] = deadlines_.front();
    deadlines_.pop_front();
    auto it = wants_.find(id);
    if (it == wants_.end() || it->second.asked_ms + cfg_.fetch_timeout_ms != deadline) continue;
    ++timed_out_;
    release(it->second);
    if (!ask_next(id, it->second, now_ms, out)) wants_.erase(it);
  }
  return out;
}

tx_requests tx_fetch_core::on_peer_gone(uint64_t peer, uint64_t now_ms) {
  tx_requests out;
  for (auto it = wants_.begin(); it != wants_.end();) {
    auto& w = it->second;
    bool asked_gone = w.next > 0 && w.sources[w.next - 1] == peer;
    // Not asked of it: it is no longer a source to fall back on.
    auto& s = w.sources;
    for (size_t i = w.next; i < s.size();)
      if (s[i] == peer)
        s.erase(s.begin() + static_cast<std::ptrdiff_t>(i));
      else
        ++i;
    if (asked_gone) {
      release(w);
      if (!ask_next(it->first, w, now_ms, out)) {
        it = wants_.erase(it);
        continue;
      }
    }
    ++it;
  }
  asked_.erase(peer);
  return out;
}

size_t tx_push_fanout(size_t peers) {
  return std::min(peers, push_bits(peers));
}

tx_relay_plan plan_tx_relay(const std::vector<uint64_t>& ready,
                            const std::vector<announce_item>& items,
                            const std::vector<uint64_t>& near) {
  std::map<uint64_t, std::vector<size_t>> push;
  std::map<uint64_t, std::vector<hash256>> announce;
  size_t fanout = tx_push_fanout(ready.size());
  std::vector<uint64_t> relay_holders = near;  // relayed txs are only announced to these
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    std::vector<uint64_t> whole;
    if (fanout && it.from == 0) {
      whole = relay_targets(ready, {}, it.wtxid, fanout);
    } else if (fanout) {
      relay_holders.push_back(it.from);
      whole = relay_targets(ready, relay_holders, it.wtxid, fanout);
      relay_holders.pop_back();
    }
    for (uint64_t s : ready) {
      if (s == it.from) continue;  // it has it
      if (std::find(whole.begin(), whole.end(), s) != whole.end())
        push[s].push_back(i);
      else
        announce[s].push_back(it.wtxid);
    }
  }
  tx_relay_plan plan;
  for (auto& [s, idx] : push) plan.push.emplace_back(s, std::move(idx));
  for (auto& [s, ids] : announce)
    for (size_t at = 0; at < ids.size(); at += limits::max_tx_inv) {
      size_t end = std::min(ids.size(), at + limits::max_tx_inv);
      plan.announce.push_back({s, tx_inv{{ids.begin() + static_cast<std::ptrdiff_t>(at),
                                          ids.begin() + static_cast<std::ptrdiff_t>(end)}}});
    }
  return plan;
}

void recent_frames::put(const hash256& wtxid, std::shared_ptr<const bytes> frame) {
  TC_ASSERT(frame != nullptr);
  // At max_count the table itself evicts the oldest frame: its bytes are
  // counted off first, while it is still the oldest.
  if (by_id_.contains(wtxid)) return;
  if (by_id_.size() == by_id_.capacity()) {
    bytes_ -= by_id_.oldest_value()->size();
    by_id_.pop_oldest();
  }
  bytes_ += frame->size();
  *by_id_.try_emplace(wtxid).first = std::move(frame);
  while (bytes_ > max_bytes_ && !by_id_.empty()) {
    bytes_ -= by_id_.oldest_value()->size();
    by_id_.pop_oldest();
  }
}

std::shared_ptr<const bytes> recent_frames::find(const hash256& wtxid) const {
  const auto* f = by_id_.find(wtxid);
  return f ? *f : nullptr;
}

}  // namespace tc::peer
