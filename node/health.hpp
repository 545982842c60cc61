#pragma once
// What GET /health answers, as a pure judgement over a snapshot of the node
// (no CAF: unit-tested directly). The answer names a reason, never chain data
// (no height, hash or key), so it may be served without authentication.

#include <cstdint>
#include <string>
#include <vector>

namespace tc {

struct health_inputs {
  bool halted = false;   // a fork was proven
  bool syncing = false;  // the sync actor is fetching blocks
  uint64_t tip_height = 0;
  uint64_t sync_target = 0;  // best height peers announced
  uint64_t tip_time_ms = 0;  // the tip block's timestamp
  uint64_t now_ms = 0;
  uint64_t stale_after_ms = 60'000;
  bool p2p_enabled = true;
  size_t peers = 0;
  bool is_validator = false;
  // Validators: this node's power plus the connected validators', of the total.
  uint64_t reachable_power = 0;
  uint64_t total_power = 0;
};

struct health_verdict {
  bool ok = true;
  std::string status;  // "ok", "syncing", "no_quorum", "no_peers", "stalled", "halted"
  std::string reason;  // for an operator; empty when ok
};

// Syncing: more than `lag_blocks` behind what peers announce.
health_verdict judge_health(const health_inputs& in, uint64_t lag_blocks = 2);

// More than 2/3 of the power (the quorum rule of validator_set).
inline bool quorum_reachable(uint64_t power, uint64_t total) {
  return total > 0 && power * 3 > total * 2;
}

// The operator's log lines about the quorum, on changes only: "Consensus
// activated: N of M masternodes active" when the connected validators
// (this one included) first hold more than 2/3 of the power, "Consensus
// paused: ..." when they no longer do, and "Only N masternodes active
// (minimum M required)" while fewer than the chain's minimum are connected.
struct quorum_sample {
  size_t active = 0;  // validators connected, this one included
  size_t total = 0;   // validators in the set
  uint64_t active_power = 0;
  uint64_t total_power = 0;
  size_t min_validators = 1;
};
class quorum_watch {
 public:
  // The lines to log for this sample (empty: nothing changed).
  std::vector<std::string> on_sample(const quorum_sample& s);

 private:
  bool seen_ = false;
  bool active_ = false;
  bool below_min_ = false;
};

// The JSON body: {"status":"ok"} or {"status":..,"reason":..}.
std::string health_json(const health_verdict& v);

}  // namespace tc
