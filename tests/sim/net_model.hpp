#pragma once
// The simulated network's decisions, without actors: for each frame one node
// sends another, when (if ever, and how many times) it arrives, from a
// seeded PRNG, the latency range, loss and duplication rates and the
// partitions active at that moment. The network actor only carries them out.

#include <random>

#include "tests/sim/scenario.hpp"

namespace tc::sim {

class net_model {
 public:
  net_model(const scenario& s, uint64_t seed);

  // Arrival delays in ms: empty = lost, two = duplicated. Different delays
  // for consecutive frames reorder them.
  // `handshake`: one of a connection's first frames each way. Those arrive
  // in order and are not lost (only partitions stop them): TCP set the
  // connection up. Loss, duplication and reordering model what gossip
  // through other peers does to the rest; the handshake is not gossip.
  std::vector<uint64_t> on_send(uint32_t from, uint32_t to, uint64_t now_ms,
                                bool handshake = false);
  // Can `from` reach `to` at all now (dials, and every frame)?
  bool connected(uint32_t from, uint32_t to, uint64_t now_ms) const;

  uint64_t max_latency_ms() const { return s_.latency_max_ms; }
  uint64_t sent() const { return sent_; }
  uint64_t lost() const { return lost_; }
  uint64_t duplicated() const { return duplicated_; }

 private:
  uint64_t latency();
  const scenario& s_;
  std::mt19937_64 rng_;
  uint64_t sent_ = 0, lost_ = 0, duplicated_ = 0;
};

}  // namespace tc::sim
