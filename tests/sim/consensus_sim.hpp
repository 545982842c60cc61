#pragma once
// Byzantine simulator for the consensus core: n cores, a seeded network that
// delays, drops, duplicates, reorders and partitions messages, a virtual
// clock, Byzantine behaviours, and checkers for agreement, validity,
// liveness and self-evidence. Deterministic: the same parameters and seed
// give the same trace, byte for byte.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tc::sim {

// Names accepted by --behaviour.
const std::vector<std::string>& behaviour_names();

struct sim_params {
  uint64_t seed = 1;
  size_t nodes = 4;
  size_t byzantine = 0;                 // validators of equal power
  std::vector<std::string> behaviours;  // each Byzantine node draws one per run
  uint64_t target_height = 8;
  uint32_t drop_per_mille = 20;
  uint32_t duplicate_per_mille = 20;
  uint64_t min_delay_ms = 2;
  uint64_t max_delay_ms = 60;
  bool partitions = true;                // form and heal one partition per run
  uint64_t liveness_bound_ms = 600'000;  // after the heal, all honest reach target
  // BIP340 for every signature (slow), or a keyed-hash stand-in that the
  // simulated adversaries do not forge (fast; the protocol logic is the same).
  bool real_crypto = false;
};

struct sim_result {
  bool ok = true;
  std::vector<std::string> violations;  // "agreement: ...", "validity: ...", ...
  uint64_t min_honest_height = 0;
  uint64_t end_time_ms = 0;
  uint64_t messages = 0;
  uint64_t evidence_found = 0;
  std::string byzantine_summary;  // "n2:equivocate n3:silent"
  std::string trace_digest;       // sha256 of the trace text
};

// Runs one simulation; writes the trace to `trace` when given.
sim_result run(const sim_params& p, std::ostream* trace = nullptr);

// The command line that replays a run.
std::string replay_command(const sim_params& p);

}  // namespace tc::sim
