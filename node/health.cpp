#include "node/health.hpp"

#include <nlohmann/json.hpp>

namespace tc {

health_verdict judge_health(const health_inputs& in, uint64_t lag_blocks) {
  if (in.halted)
    return {false, "halted", "a fork was proven; this node stopped following the chain"};
  if (in.syncing && in.sync_target > in.tip_height + lag_blocks)
    return {false, "syncing", "catching up with peers"};
  if (in.is_validator && !quorum_reachable(in.reachable_power, in.total_power)) {
    auto pct = in.total_power ? 100.0 * in.reachable_power / in.total_power : 0.0;
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "connected validators hold %.1f%% of the voting power; a quorum needs more "
                  "than 66.7%%",
                  pct);
    return {false, "no_quorum", buf};
  }
  if (in.p2p_enabled && in.peers == 0 && !in.is_validator)
    return {false, "no_peers", "no peers connected"};
  if (in.now_ms > in.tip_time_ms && in.now_ms - in.tip_time_ms > in.stale_after_ms)
    return {false, "stalled",
            "no block for " + std::to_string((in.now_ms - in.tip_time_ms) / 1000) + " s"};
  return {true, "ok", ""};
}

std::vector<std::string> quorum_watch::on_sample(const quorum_sample& s) {
  std::vector<std::string> out;
  bool active = quorum_reachable(s.active_power, s.total_power);
  bool below_min = s.active < s.min_validators;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f%%",
                s.total_power ? 100.0 * s.active_power / s.total_power : 0.0);
  std::string counts =
      std::to_string(s.active) + " of " + std::to_string(s.total) + " masternodes active";
  if (below_min && (!seen_ || !below_min_))
    out.push_back("Only " + std::to_string(s.active) + " masternodes active (minimum " +
                  std::to_string(s.min_validators) +
                  " required): start more validators or check their network.addnode");
  if (active && (!seen_ || !active_))
    out.push_back("Consensus activated: " + counts + " (" + pct + " of the voting power)");
  if (!active && seen_ && active_)
    out.push_back("Consensus paused: " + counts + ", " + pct +
                  " of the voting power (more than 66.7% required); blocks wait until enough "
                  "validators are back");
  seen_ = true;
  active_ = active;
  below_min_ = below_min;
  return out;
}

std::string health_json(const health_verdict& v) {
  nlohmann::json j{{"status", v.status}};
  if (!v.ok) j["reason"] = v.reason;
  return j.dump();
}

}  // namespace tc
