#include "actors/peer/gossip.hpp"

#include "crypto/assert.hpp"

namespace tc::peer {

route route_of(const message& m, const inbound_facts& f) {
  if (std::holds_alternative<tx>(m)) return f.has_key ? route::tx_intake : route::ignore;
  if (std::holds_alternative<proposal>(m) || std::holds_alternative<prevote>(m) ||
      std::holds_alternative<precommit>(m))
    return f.has_key ? route::consensus : route::ignore;
  // One request per peer at the chain reader at a time: a peer cannot queue
  // disk reads in front of others'. Honest sync never overlaps.
  if (std::holds_alternative<get_blocks>(m))
    return f.serving_peer ? route::busy_serving : route::serve_blocks;
  if (std::holds_alternative<blocks>(m))
    return f.probe_expected ? route::fork_probe : route::to_sync;
  if (std::holds_alternative<tip>(m)) return route::tip;
  if (std::holds_alternative<get_tip>(m)) return route::answer_tip;
  if (std::holds_alternative<get_peers>(m)) return route::answer_peers;
  if (std::holds_alternative<peers>(m)) return route::learn_peers;
  return route::ignore;
}

consensus_gate::verdict consensus_gate::admit(const hash256& key, bool seen) {
  if (keys_.size() >= max_) {
    ++dropped_;
    return verdict::overloaded;
  }
  // Remembered as seen once consensus has judged it (not before: a copy
  // refused for now, say for a height this node has not reached, must not
  // shut out a later re-send); a copy arriving meanwhile is dropped.
  if (seen || !keys_.insert(key).second) return verdict::duplicate;
  TC_ASSERT(keys_.size() <= max_);
  return verdict::ask;
}

consensus_gate::outcome consensus_gate::judged(const hash256& key,
                                               const consensus::relay_decision& d) {
  TC_ASSERT(keys_.count(key) == 1);  // every question the gate let through is answered once
  keys_.erase(key);
  return outcome{!d.later, d.relay, d.penalty};
}

void consensus_gate::failed(const hash256& key) {
  keys_.erase(key);
}

admission_outcome after_admission(const std::vector<uint64_t>& from,
                                  const std::vector<bool>& accepted) {
  admission_outcome out;
  for (size_t i = 0; i < from.size(); ++i) {
    bool ok = i < accepted.size() && accepted[i];
    if (ok) {
      out.relay.push_back(i);
      if (from[i] != 0) out.useful.push_back(from[i]);
    } else if (from[i] != 0) {
      out.refused.emplace_back(from[i], i);
    }
  }
  return out;
}

std::vector<fanout_write> plan_fanout(const std::vector<uint64_t>& ready,
                                      const std::vector<fanout_frame>& frames, size_t max_bytes) {
  std::vector<fanout_write> out;
  for (uint64_t s : ready) {
    fanout_write w{s, {}};
    size_t used = 0;
    for (size_t i = 0; i < frames.size(); ++i) {
      if (frames[i].from == s) continue;
      if (!w.frames.empty() && used + frames[i].bytes > max_bytes) {
        out.push_back(std::move(w));
        w = fanout_write{s, {}};
        used = 0;
      }
      w.frames.push_back(i);
      used += frames[i].bytes;
    }
    if (!w.frames.empty()) out.push_back(std::move(w));
  }
  return out;
}

}  // namespace tc::peer
