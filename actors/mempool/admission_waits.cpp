#include "actors/mempool/admission_waits.hpp"

#include <algorithm>

#include "crypto/assert.hpp"

namespace tc::mempool {

void admission_waits::begin(const hash256& wtxid, std::shared_ptr<const transaction> tx) {
  auto& e = admitting_[wtxid];
  ++e.count;
  if (!e.tx) e.tx = std::move(tx);
}

std::vector<uint64_t> admission_waits::end(const std::vector<hash256>& wtxids) {
  std::vector<uint64_t> ready;
  for (const auto& w : wtxids) {
    auto it = admitting_.find(w);
    TC_ASSERT(it != admitting_.end() && it->second.count > 0);  // every end has its begin
    if (--it->second.count > 0) continue;
    admitting_.erase(it);
    auto wt = waiters_.find(w);
    if (wt == waiters_.end()) continue;
    for (uint64_t id : wt->second) {
      auto q = std::find_if(queries_.begin(), queries_.end(),
                            [id](const query& x) { return x.id == id; });
      if (q != queries_.end() && --q->remaining == 0) {
        ready.push_back(id);
        queries_.erase(q);
      }
    }
    waiters_.erase(wt);
  }
  return ready;
}

std::shared_ptr<const transaction> admission_waits::body(const hash256& wtxid) const {
  auto it = admitting_.find(wtxid);
  return it == admitting_.end() ? nullptr : it->second.tx;
}

std::optional<admission_waits::parked> admission_waits::park(
    const std::vector<hash256>& unchecked) {
  size_t awaited = 0;
  uint64_t id = next_id_;
  for (const auto& w : unchecked)
    if (admitting_.count(w)) {
      auto& ids = waiters_[w];
      if (!ids.empty() && ids.back() == id) continue;  // listed twice in the query
      ids.push_back(id);
      ++awaited;
    }
  if (awaited == 0) return std::nullopt;
  ++next_id_;
  parked p{id, awaited, std::nullopt};
  if (queries_.size() >= config_.max_parked) {
    p.answer_now = queries_.front().id;
    queries_.pop_front();
  }
  queries_.push_back({id, awaited});
  return p;
}

bool admission_waits::expire(uint64_t id) {
  auto q =
      std::find_if(queries_.begin(), queries_.end(), [id](const query& x) { return x.id == id; });
  if (q == queries_.end()) return false;
  queries_.erase(q);
  return true;
}

}  // namespace tc::mempool
