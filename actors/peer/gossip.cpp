#include "actors/peer/gossip.hpp"

#include <algorithm>

#include "crypto/assert.hpp"

namespace tc::peer {

route route_of(const message& m, const inbound_facts& f) {
  if (std::holds_alternative<tx>(m)) return f.has_key ? route::tx_intake : route::ignore;
  if (std::holds_alternative<proposal>(m) || std::holds_alternative<prevote>(m) ||
      std::holds_alternative<precommit>(m))
    return f.has_key ? route::consensus : route::ignore;
  if (std::holds_alternative<compact_proposal>(m))
    return f.has_key ? route::rebuild : route::ignore;
  if (std::holds_alternative<tx_inv>(m)) return route::tx_announce;
  if (std::holds_alternative<get_txs>(m)) return route::serve_get_txs;
  if (std::holds_alternative<get_block_txs>(m)) return route::serve_txs;
  if (std::holds_alternative<block_txs>(m)) return route::block_txs;
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

namespace {
// Holders kept per message in flight: enough to spare the peers that sent
// copies at once, bounded so a message's entry stays small.
constexpr size_t max_holders = 8;
}  // namespace

consensus_gate::verdict consensus_gate::admit(const hash256& key, bool seen, uint64_t from) {
  if (seen) return verdict::duplicate;
  if (auto it = keys_.find(key); it != keys_.end()) {
    // A copy arriving while the first is judged is dropped; its sender has it.
    if (from != 0 && it->second.size() < max_holders) it->second.push_back(from);
    return verdict::duplicate;
  }
  if (keys_.size() >= max_) {
    ++dropped_;
    return verdict::overloaded;
  }
  // Remembered as seen once consensus has judged it (not before: a copy
  // refused for now, say for a height this node has not reached, must not
  // shut out a later re-send).
  auto& holders = keys_[key];
  if (from != 0) holders.push_back(from);
  TC_ASSERT(keys_.size() <= max_);
  return verdict::ask;
}

consensus_gate::outcome consensus_gate::judged(const hash256& key,
                                               const consensus::relay_decision& d) {
  auto it = keys_.find(key);
  TC_ASSERT(it != keys_.end());  // every question the gate let through is answered once
  outcome o{!d.later, d.relay, d.penalty, std::move(it->second)};
  keys_.erase(it);
  return o;
}

size_t push_bits(size_t peers) {
  size_t bits = 0;
  while ((size_t{1} << bits) < peers + 1) ++bits;
  return bits;
}

size_t relay_fanout(size_t peers) {
  // At least 4: all of a small mesh's peers.
  return std::min(peers, std::max<size_t>(4, 2 * push_bits(peers)));
}

std::vector<uint64_t> relay_targets(const std::vector<uint64_t>& ready,
                                    const std::vector<uint64_t>& holders, const hash256& key,
                                    size_t fanout) {
  uint64_t salt = 0;
  for (int i = 0; i < 8; ++i) salt = (salt << 8) | key.v[static_cast<size_t>(i)];
  // splitmix64 of (salt, session): a fixed pseudo-random order per message.
  auto rank = [salt](uint64_t s) {
    uint64_t z = salt + 0x9e3779b97f4a7c15ULL * (s + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::vector<std::pair<uint64_t, uint64_t>> ranked;
  for (uint64_t s : ready)
    if (std::find(holders.begin(), holders.end(), s) == holders.end())
      ranked.emplace_back(rank(s), s);
  size_t n = std::min(ranked.size(), fanout ? fanout : relay_fanout(ready.size()));
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end());
  std::vector<uint64_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(ranked[i].second);
  return out;
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
