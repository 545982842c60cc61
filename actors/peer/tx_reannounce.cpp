#include "actors/peer/tx_reannounce.hpp"

#include <algorithm>

namespace tc::peer {

namespace {
// Marks older than the oldest age are dropped but one; a tick that reads
// marks faster than once a millisecond still keeps memory bounded.
constexpr size_t max_marks = 4096;
}  // namespace

reannounce_schedule::reannounce_schedule(reannounce_config cfg)
    : cfg_(std::move(cfg)), done_(cfg_.ages_ms.size(), 0) {
  for (uint64_t a : cfg_.ages_ms) oldest_age_ms_ = std::max(oldest_age_ms_, a);
}

void reannounce_schedule::on_mark(uint64_t now_ms, uint64_t mark) {
  if (!marks_.empty() && now_ms < marks_.back().first) return;
  // A number lower than one read before: the pool started over (a new
  // mempool actor numbers from 0), so the history describes other txs.
  if (!marks_.empty() && mark < marks_.back().second) {
    marks_.clear();
    std::fill(done_.begin(), done_.end(), 0);
  }
  marks_.emplace_back(now_ms, mark);
  // Keep the newest mark at least oldest_age_ms_ old: mark_at needs it.
  while (marks_.size() > 1 && marks_[1].first + oldest_age_ms_ <= now_ms) marks_.pop_front();
  while (marks_.size() > max_marks) marks_.pop_front();
}

uint64_t reannounce_schedule::mark_at(uint64_t ms) const {
  auto it = std::upper_bound(marks_.begin(), marks_.end(), ms,
                             [](uint64_t t, const auto& m) { return t < m.first; });
  return it == marks_.begin() ? 0 : std::prev(it)->second;
}

std::vector<seq_range> reannounce_schedule::due(uint64_t now_ms) {
  std::vector<seq_range> out;
  for (size_t i = 0; i < cfg_.ages_ms.size(); ++i) {
    if (now_ms < cfg_.ages_ms[i]) continue;
    uint64_t hi = mark_at(now_ms - cfg_.ages_ms[i]);
    if (hi > done_[i]) out.emplace_back(done_[i], hi);
    done_[i] = std::max(done_[i], hi);
  }
  if (cfg_.repeat_ms > 0 && now_ms >= oldest_age_ms_ && now_ms - repeated_ms_ >= cfg_.repeat_ms) {
    repeated_ms_ = now_ms;
    if (uint64_t hi = mark_at(now_ms - oldest_age_ms_); hi > 0) out.emplace_back(0, hi);
  }
  return out;
}

}  // namespace tc::peer
