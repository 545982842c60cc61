#pragma once
// A whole-node simulation scenario (a small TOML file, see
// tests/sim/scenarios/README.md): nodes and their voting powers, the
// network's latency and losses, partitions, faulty actors with start and
// stop times, a transaction load, the run's length and what to check.

#include <string>
#include <vector>

#include "crypto/result.hpp"
#include "messages/types.hpp"

namespace tc::sim {

struct partition_spec {
  uint64_t at_ms = 0, until_ms = 0;
  // Messages between different groups are lost (nodes in no group form
  // one more group). With `one_way`, only messages from groups[0] to the
  // other groups are lost.
  std::vector<std::vector<uint32_t>> groups;
  bool one_way = false;
};

struct fault_entry {
  uint32_t node = 0;
  std::string name;  // fault::parse syntax: "consensus:delay=300"
  uint64_t start_ms = 0;
  uint64_t stop_ms = UINT64_MAX;  // never stops
};

struct scenario {
  std::string name;
  std::string file;
  uint32_t nodes = 4;
  std::vector<mn_tier> tiers;  // per node; voting power follows the tier
  uint64_t duration_ms = 20'000;
  uint64_t block_interval_ms = 200;
  // network
  uint64_t latency_min_ms = 2, latency_max_ms = 20;
  double drop = 0, duplicate = 0;
  std::vector<partition_spec> partitions;
  std::vector<fault_entry> faults;
  double tx_per_s = 0;
  // checks
  uint64_t heal_grace_ms = 5'000;  // after the last fault/partition ends
  uint64_t min_blocks_after_heal = 3;
  std::string expect_violation;  // empty: every checker must pass
  uint64_t max_rss_mb = 1024;
  // Scale checks (0: none): the median gap between consecutive blocks'
  // timestamps on the honest chain, and the least height every honest node
  // must reach.
  uint64_t max_p50_block_ms = 0;
  uint64_t min_heights = 0;
};

result<scenario> load_scenario(const std::string& path);
result<scenario> parse_scenario(const std::string& toml_text, const std::string& origin);

// A random scenario from `seed` (the --random mix): 4 to 7 nodes, at most f
// of them faulty with behaviours from the catalogue, partitions, drops.
scenario random_scenario(uint64_t seed);

// The scenario with `nodes` nodes (1..128): the added ones are bronze.
// Fails when a fault or partition names a node that would not exist.
result<scenario> with_nodes(const scenario& s, uint32_t nodes);

// The scenario as a scenario file that parse_scenario reads back to the
// same scenario (a random run kept as a regression file).
std::string to_toml(const scenario& s);

// Milliseconds after which no fault or partition is active any more.
uint64_t heal_time_ms(const scenario& s);

}  // namespace tc::sim
