#pragma once
// timed-sim's engine: N complete nodes (supervisor, chain with its own
// SQLite file, mempool, producer, consensus, peer manager, sync) in one CAF
// actor system on the deterministic test coordinator, with a virtual clock
// and the simulated network in between. A run is a function of (scenario,
// seed): the same pair replays the same run, message for message.

#include "tests/sim/scenario.hpp"

namespace tc::sim {

struct run_options {
  uint64_t seed = 1;
  std::string workdir;     // node databases go under it (default: /dev/shm or /tmp)
  std::string trace_file;  // non-empty: message-flow trace of every node, FILE.node<i>.json
  bool keep = false;       // keep the databases after the run
};

struct violation {
  std::string
      checker;  // agreement, validity, utxo, liveness, evidence, durability, acknowledged, memory
  std::string detail;
};

struct node_report {
  uint32_t node = 0;
  std::string faults;  // as scheduled, comma-separated
  uint64_t height = 0;
  bool safety_checked = false;  // honest consensus and producer: held to agreement
};

struct run_report {
  std::string scenario_name;
  uint64_t seed = 0;
  std::vector<node_report> nodes;
  std::vector<violation> violations;
  uint64_t txs_sent = 0, txs_acknowledged = 0, txs_final = 0;
  uint64_t frames = 0, frames_lost = 0, frames_duplicated = 0, connections = 0;
  uint64_t faults_injected = 0, crashes = 0, evidence_committed = 0;
  uint64_t forks_detected = 0;  // nodes that stored valid proof of a fork
  uint64_t max_mempool = 0, peak_rss_mb = 0;
  uint64_t wall_ms = 0;
  // Scale: the wire bytes the network carried (sealed records, handshakes
  // included), the least height an honest node reached, and the gaps between
  // consecutive blocks' timestamps on the longest honest chain.
  uint64_t bytes = 0, min_honest_height = 0, block_p50_ms = 0, block_max_ms = 0;
  double bytes_per_node_height() const;
  bool has(const std::string& checker) const;
  std::string summary() const;
};

run_report run_scenario(const scenario& s, const run_options& opt);

// The virtual time of the run in progress, in ms (0 between runs): what
// timed-sim's log lines are stamped with.
uint64_t virtual_now_ms();
// The node whose actor is running (-1: none, or the simulated network): what
// timed-sim's log lines are labelled with.
int current_node();

}  // namespace tc::sim
