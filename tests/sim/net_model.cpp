#include "tests/sim/net_model.hpp"

#include <algorithm>

namespace tc::sim {

namespace {
// The group a node is in (nodes listed nowhere share one more group).
size_t group_of(const partition_spec& p, uint32_t node) {
  for (size_t g = 0; g < p.groups.size(); ++g)
    if (std::find(p.groups[g].begin(), p.groups[g].end(), node) != p.groups[g].end()) return g;
  return p.groups.size();
}
}  // namespace

net_model::net_model(const scenario& s, uint64_t seed) : s_(s), rng_(seed) {}

bool net_model::connected(uint32_t from, uint32_t to, uint64_t now_ms) const {
  for (const auto& p : s_.partitions) {
    if (now_ms < p.at_ms || now_ms >= p.until_ms) continue;
    size_t a = group_of(p, from), b = group_of(p, to);
    if (p.one_way ? (a == 0 && b != 0) : a != b) return false;
  }
  return true;
}

uint64_t net_model::latency() {
  uint64_t span = s_.latency_max_ms - s_.latency_min_ms + 1;
  return s_.latency_min_ms + rng_() % span;
}

std::vector<uint64_t> net_model::on_send(uint32_t from, uint32_t to, uint64_t now_ms,
                                         bool handshake) {
  ++sent_;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double drop_draw = u(rng_), dup_draw = u(rng_);
  uint64_t first = latency(), second = latency();
  if (handshake && connected(from, to, now_ms)) return {s_.latency_min_ms};
  if (!connected(from, to, now_ms) || drop_draw < s_.drop) {
    ++lost_;
    return {};
  }
  if (dup_draw < s_.duplicate) {
    ++duplicated_;
    return {first, first + second};
  }
  return {first};
}

}  // namespace tc::sim
