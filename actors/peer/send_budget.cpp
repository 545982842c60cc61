#include "actors/peer/send_budget.hpp"

#include "crypto/assert.hpp"

namespace tc::peer {

void send_budget::recount(peer_state& p) {
  uint64_t now = p.unsent + (p.handed - p.taken);
  TC_ASSERT(total_ >= p.counted);
  total_ = total_ - p.counted + now;
  p.counted = now;
}

uint64_t send_budget::backlog(uint64_t peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.counted;
}

send_verdict send_budget::ask(uint64_t peer, uint64_t bytes, send_kind kind) {
  peer_state& p = peers_[peer];
  uint64_t mine = p.counted;
  switch (kind) {
    case send_kind::gossip:
      if (mine > cfg_.gossip_backlog_bytes || total_ + bytes > cfg_.total_bytes / 2)
        return send_verdict::skip;
      break;
    case send_kind::served:
      if (mine > cfg_.gossip_backlog_bytes || total_ + bytes > cfg_.total_bytes)
        return send_verdict::skip;
      break;
    case send_kind::consensus:
      if (mine + bytes > cfg_.per_peer_bytes) return send_verdict::close_peer;
      break;
  }
  p.handed += bytes;
  recount(p);
  return send_verdict::send;
}

bool send_budget::gossip_blocked(uint64_t peer) const {
  auto it = peers_.find(peer);
  uint64_t mine = it == peers_.end() ? 0 : it->second.counted;
  return mine > cfg_.gossip_backlog_bytes || total_ > cfg_.total_bytes / 2;
}

bool send_budget::reserve(uint64_t peer, uint64_t bytes) {
  return ask(peer, bytes, send_kind::served) == send_verdict::send;
}

void send_budget::settle(uint64_t peer, uint64_t reserved, uint64_t actual) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  peer_state& p = it->second;
  TC_ASSERT(p.handed >= reserved);
  p.handed = p.handed - reserved + actual;
  recount(p);
}

void send_budget::on_report(uint64_t peer, uint64_t taken_total, uint64_t unsent) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  peer_state& p = it->second;
  // Reports can only lag what was handed; a confused one is clamped.
  p.taken = std::min(std::max(p.taken, taken_total), p.handed);
  p.unsent = unsent;
  recount(p);
}

void send_budget::on_gone(uint64_t peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  total_ -= it->second.counted;
  peers_.erase(it);
}

}  // namespace tc::peer
