#include "actors/peer/fork_watch.hpp"

namespace tc::peer {

void fork_watch::on_local_tip(uint64_t height, const hash256& h) {
  ours_[height] = h;
  while (ours_.size() > remember_) ours_.erase(ours_.begin());
}

std::optional<uint64_t> fork_watch::on_peer_tip(uint64_t peer, uint64_t height, const hash256& h,
                                                uint64_t now_ms) {
  auto it = ours_.find(height);
  if (it == ours_.end() || it->second == h) return std::nullopt;
  auto p = probes_.find(peer);
  if (p != probes_.end()) {
    bool waiting = !p->second.answered && now_ms < p->second.sent_ms + probe_timeout_ms_;
    if (waiting) return std::nullopt;  // one at a time
    if (p->second.answered && p->second.height == height &&
        now_ms < p->second.sent_ms + reprobe_ms_)
      return std::nullopt;
  }
  probes_[peer] = probe{height, now_ms, false};
  return height;
}

bool fork_watch::take_probe_answer(uint64_t peer, const std::vector<block_with_cert>& list) {
  auto p = probes_.find(peer);
  if (p == probes_.end() || p->second.answered || list.size() != 1) return false;
  if (list[0].blk.header.height != p->second.height) return false;
  p->second.answered = true;
  return true;
}

}  // namespace tc::peer
