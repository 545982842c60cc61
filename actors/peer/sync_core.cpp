#include "actors/peer/sync_core.hpp"

#include <algorithm>

namespace tc::peer {

uint64_t approx_bytes(const block_with_cert& b) {
  uint64_t n = 256 + 128 * b.cert.sigs.size();
  for (const auto& tx : b.blk.txs) n += 64 + 112 * tx.inputs.size() + 48 * tx.outputs.size();
  return n;
}

sync_core::buffer_map::iterator sync_core::unbuffer(buffer_map::iterator it) {
  TC_ASSERT(buffered_bytes_ >= it->second.bytes);
  buffered_bytes_ -= it->second.bytes;
  return buffer_.erase(it);
}

void sync_core::unbuffer_through(uint64_t height) {
  while (!buffer_.empty() && buffer_.begin()->first <= height) unbuffer(buffer_.begin());
}

sync_actions sync_core::on_local_tip(uint64_t height, uint64_t now_ms) {
  sync_actions out;
  if (height <= local_) return out;
  local_ = height;
  one_behind_since_ms_.reset();  // a new height: a new grace
  retry_at_ms_ = 0;              // consensus moved on: whatever it was busy with is done
  unbuffer_through(local_);
  fill(now_ms, out);
  return out;
}

sync_actions sync_core::on_peer_tip(uint64_t peer, uint64_t height, uint64_t now_ms) {
  sync_actions out;
  uint64_t& t = tips_[peer];
  t = std::max(t, height);
  target_ = std::max(target_, t);
  fill(now_ms, out);
  return out;
}

uint32_t sync_core::blocks_for(uint64_t peer) const {
  auto it = per_request_.find(peer);
  return it == per_request_.end() ? cfg_.batch_blocks : it->second;
}

sync_actions sync_core::on_peer_gone(uint64_t peer, uint64_t now_ms) {
  sync_actions out;
  tips_.erase(peer);
  per_request_.erase(peer);
  for (auto it = inflight_.begin(); it != inflight_.end();)
    it = it->second.peer == peer ? inflight_.erase(it) : std::next(it);
  recompute_target();
  fill(now_ms, out);
  return out;
}

sync_actions sync_core::on_blocks(uint64_t peer, std::vector<block_with_cert> list,
                                  uint64_t now_ms) {
  sync_actions out;
  // The request this answers: the peer's oldest outstanding one.
  auto req = std::find_if(inflight_.begin(), inflight_.end(),
                          [&](auto& r) { return r.second.peer == peer; });
  if (req == inflight_.end()) {
    if (!list.empty()) out.push_back(punish_peer{peer, 20, "blocks nobody asked for"});
    return out;
  }
  uint64_t from = req->first, count = req->second.count;
  inflight_.erase(req);
  if (list.size() > count) {
    out.push_back(punish_peer{peer, 50, "more blocks than requested"});
    fill(now_ms, out);
    return out;
  }
  // Fewer than asked (the answer's byte cap): ask that many next time; all
  // of them: ask for a few more again, up to batch_blocks.
  if (!list.empty() && list.size() < count) per_request_[peer] = static_cast<uint32_t>(list.size());
  if (!list.empty() && list.size() == count)
    per_request_[peer] = static_cast<uint32_t>(std::min<uint64_t>(
        cfg_.batch_blocks, std::max<uint64_t>(blocks_for(peer), count + count / 2 + 1)));
  if (list.empty() && tips_.count(peer) && tips_[peer] >= from)
    out.push_back(punish_peer{
        peer, 5, "announced height " + std::to_string(tips_[peer]) + " but served no blocks"});
  for (size_t i = 0; i < list.size(); ++i) {
    auto& b = list[i];
    if (b.blk.header.height != from + i || b.cert.height != from + i) {
      out.push_back(punish_peer{peer, 50, "served blocks out of the requested sequence"});
      break;
    }
    if (from + i > local_ && !buffer_.count(from + i)) {
      uint64_t bytes = approx_bytes(b);
      buffered_bytes_ += bytes;
      buffer_[from + i] = held{peer, std::make_shared<const block_with_cert>(std::move(b)), bytes};
    }
  }
  fill(now_ms, out);
  return out;
}

sync_actions sync_core::on_applied(uint64_t height, apply_result r, const std::string& why,
                                   uint64_t now_ms) {
  sync_actions out;
  bool was_ahead = ahead_ && *ahead_ == height;
  if (was_ahead) ahead_.reset();
  if (applying_ && *applying_ == height) applying_.reset();
  if (r == apply_result::ok) {
    local_ = std::max(local_, height);
    unbuffer_through(local_);
  } else if (r == apply_result::invalid) {
    auto it = buffer_.find(height);
    if (it != buffer_.end()) {
      uint64_t peer = it->second.peer;
      out.push_back(punish_peer{peer, 100,
                                "served an invalid block or certificate at height " +
                                    std::to_string(height) + ": " + why});
      drop_from(peer);
    }
  }
  // Stays buffered. An ahead offer usually finds consensus a step behind:
  // offered again once our tip moves, with no pause.
  if (r == apply_result::retry && was_ahead) ahead_refused_at_ = local_;
  if (r == apply_result::retry && !was_ahead) retry_at_ms_ = now_ms + cfg_.retry_delay_ms;
  fill(now_ms, out);
  return out;
}

void sync_core::drop_from(uint64_t peer) {
  for (auto it = buffer_.begin(); it != buffer_.end();)
    it = it->second.peer == peer ? unbuffer(it) : std::next(it);
  for (auto it = inflight_.begin(); it != inflight_.end();)
    it = it->second.peer == peer ? inflight_.erase(it) : std::next(it);
  tips_.erase(peer);
  per_request_.erase(peer);
  recompute_target();
}

sync_actions sync_core::on_tick(uint64_t now_ms) {
  sync_actions out;
  for (auto it = inflight_.begin(); it != inflight_.end();) {
    if (it->second.deadline_ms <= now_ms) {
      out.push_back(punish_peer{it->second.peer, 10, "sync request timed out"});
      it = inflight_.erase(it);
    } else {
      ++it;
    }
  }
  fill(now_ms, out);
  return out;
}

void sync_core::recompute_target() {
  target_ = local_;
  for (auto& [p, h] : tips_) target_ = std::max(target_, h);
}

bool sync_core::covered(uint64_t h) const {
  if (buffer_.count(h)) return true;
  auto it = inflight_.upper_bound(h);
  if (it == inflight_.begin()) return false;
  --it;
  return h < it->first + it->second.count;
}

sync_actions sync_core::on_checked(uint64_t height,
                                   const std::shared_ptr<const block_with_cert>& blk,
                                   uint64_t now_ms) {
  sync_actions out;
  auto it = checks_.find(height);
  if (it != checks_.end() && it->second.blk == blk) it->second.done = true;
  fill(now_ms, out);
  return out;
}

bool sync_core::ready(uint64_t h) const {
  auto b = buffer_.find(h);
  if (b == buffer_.end()) return false;
  if (cfg_.verify_ahead_txs == 0) return true;
  auto c = checks_.find(h);
  return c != checks_.end() && c->second.blk == b->second.blk && c->second.done;
}

// Checks for the buffered run above our tip, oldest first, while the txs
// under check (or checked and not yet applied) stay within the bound.
void sync_core::start_checks(sync_actions& out) {
  // A check of a block no longer buffered (applied, or dropped with its
  // peer) is forgotten; its answer then finds nothing.
  for (auto it = checks_.begin(); it != checks_.end();) {
    auto b = buffer_.find(it->first);
    it =
        (b == buffer_.end() || b->second.blk != it->second.blk) ? checks_.erase(it) : std::next(it);
  }
  uint64_t txs = 0;
  for (uint64_t h = local_ + 1;; ++h) {
    auto b = buffer_.find(h);
    if (b == buffer_.end()) return;
    uint64_t n = std::max<uint64_t>(1, b->second.blk->blk.txs.size());
    if (txs > 0 && txs + n > cfg_.verify_ahead_txs) return;
    txs += n;
    if (!checks_.count(h)) {
      checks_[h] = check{b->second.blk, false};
      out.push_back(check_block{h, b->second.blk});
    }
  }
}

// Hands consensus the next block, and with offer_ahead the one after it.
void sync_core::offer(uint64_t now_ms, sync_actions& out) {
  if (applying_ && *applying_ <= local_) applying_.reset();
  if (ahead_ && *ahead_ <= local_) ahead_.reset();
  // The block held ahead is now the next one: consensus still holds it.
  if (!applying_ && ahead_ && *ahead_ == local_ + 1)
    applying_ = std::exchange(ahead_, std::nullopt);
  if (!applying_ && now_ms >= retry_at_ms_ && ready(local_ + 1)) {
    auto it = buffer_.find(local_ + 1);
    applying_ = local_ + 1;
    out.push_back(apply_block{it->second.peer, it->second.blk});
  }
  if (cfg_.offer_ahead && applying_ == local_ + 1 && !ahead_ && ahead_refused_at_ != local_ &&
      ready(local_ + 2)) {
    auto it = buffer_.find(local_ + 2);
    ahead_ = local_ + 2;
    out.push_back(apply_block{it->second.peer, it->second.blk});
  }
  TC_ASSERT(!ahead_ || (applying_ && *ahead_ == *applying_ + 1) || *ahead_ == local_ + 2);
}

void sync_core::fill(uint64_t now_ms, sync_actions& out) {
  if (cfg_.verify_ahead_txs > 0) start_checks(out);
  offer(now_ms, out);
  if (target_ == local_ + 1) {
    if (!one_behind_since_ms_) one_behind_since_ms_ = now_ms;
    if (now_ms < *one_behind_since_ms_ + cfg_.one_behind_grace_ms) return;
  }
  uint64_t last = std::min(target_, local_ + cfg_.window_blocks);
  // A full buffer still asks for the block that lets it drain.
  if (buffered_bytes_ >= cfg_.window_bytes) last = std::min(last, local_ + 1);
  uint64_t h = local_ + 1;
  TC_ASSERT(buffer_.size() <= cfg_.window_blocks + cfg_.batch_blocks);
  while (inflight_.size() < cfg_.max_in_flight && h <= last) {
    if (covered(h)) {
      ++h;
      continue;
    }
    // An idle peer that has h, round-robin: one request per peer at a
    // time spreads a long catch-up over several peers.
    std::optional<uint64_t> pick;
    auto it = tips_.lower_bound(next_peer_);
    for (size_t n = 0; n < tips_.size() && !pick; ++n, ++it) {
      if (it == tips_.end()) it = tips_.begin();
      uint64_t peer = it->first;
      if (it->second >= h && std::none_of(inflight_.begin(), inflight_.end(),
                                          [&](auto& r) { return r.second.peer == peer; }))
        pick = peer;
    }
    if (!pick) break;
    next_peer_ = *pick + 1;
    uint64_t end = std::min({last, tips_[*pick], h + blocks_for(*pick) - 1});
    uint64_t e = h;
    while (e < end && !covered(e + 1)) ++e;
    auto count = static_cast<uint32_t>(e - h + 1);
    // A request starts above our tip, stays inside the window and the
    // peer's tip, and overlaps nothing requested or buffered.
    TC_ASSERT(h > local_ && e <= last && e <= tips_[*pick] && count <= cfg_.batch_blocks);
    TC_ASSERT(!covered(h) && (count == 1 || !covered(e)));
    uint64_t timeout_ms = std::min(cfg_.request_timeout_ms,
                                   request_timeout_base_ms + request_timeout_per_block_ms * count);
    inflight_[h] = pending{*pick, count, now_ms + timeout_ms};
    out.push_back(request_blocks{*pick, h, count});
    h = e + 1;
  }
}

}  // namespace tc::peer
