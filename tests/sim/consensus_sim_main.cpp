// consensus-sim: drives n consensus cores through many heights under a
// seeded, faulty network with Byzantine validators, and checks agreement,
// validity, liveness and self-evidence. Exit 0 only when every run passed
// (or, with --expect-violation, when some run showed that violation).

#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>

#include "tests/sim/consensus_sim.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Byzantine simulator for the TimeCoin consensus core"};
  tc::sim::sim_params p;
  std::string behaviours, trace_file, expect;
  uint64_t runs = 1;
  bool random_seed = false, no_partitions = false, quiet = false;
  app.add_option("--nodes", p.nodes, "validators (equal power)")->check(CLI::Range(1, 200));
  app.add_option("--byzantine", p.byzantine, "how many of them are Byzantine");
  app.add_option("--behaviour", behaviours,
                 "comma-separated: silent, equivocate, vote-nil-always, lie-height, "
                 "bad-signature, withhold-then-release, crash-restart, stale-replay");
  app.add_option("--seed", p.seed, "first seed");
  app.add_flag("--random", random_seed, "pick the first seed at random (printed)");
  app.add_option("--runs", runs, "runs, with seeds seed, seed+1, ...");
  app.add_option("--heights", p.target_height, "target height every honest node must reach");
  app.add_option("--drop", p.drop_per_mille, "per-mille of messages dropped")
      ->check(CLI::Range(0, 500));
  app.add_flag("--no-partitions", no_partitions, "no partition forms");
  app.add_flag("--bip340", p.real_crypto,
               "real BIP340 signatures (slower) instead of the keyed-hash stand-in");
  app.add_option("--trace", trace_file, "write the message trace of the (first) run here");
  app.add_option("--expect-violation", expect,
                 "succeed only if some run violates this checker (agreement, validity, liveness)");
  app.add_flag("--quiet", quiet, "print only failures and the summary");
  CLI11_PARSE(app, argc, argv);
  p.partitions = !no_partitions;
  if (p.byzantine > p.nodes) {
    std::cerr << "--byzantine must not exceed --nodes\n";
    return 2;
  }
  std::stringstream ss(behaviours);
  for (std::string b; std::getline(ss, b, ',');) {
    const auto& known = tc::sim::behaviour_names();
    if (std::find(known.begin(), known.end(), b) == known.end()) {
      std::cerr << "unknown behaviour '" << b << "'\n";
      return 2;
    }
    p.behaviours.push_back(b);
  }
  if (p.byzantine && p.behaviours.empty()) p.behaviours = {"silent"};
  if (random_seed) p.seed = std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32);

  uint64_t passed = 0, failed = 0, expected_seen = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t k = 0; k < runs; ++k) {
    tc::sim::sim_params run_p = p;
    run_p.seed = p.seed + k;
    std::ofstream trace;
    if (k == 0 && !trace_file.empty()) trace.open(trace_file);
    auto r = tc::sim::run(run_p, trace.is_open() ? &trace : nullptr);
    bool has_expected = false;
    for (const auto& v : r.violations)
      has_expected |= !expect.empty() && v.rfind(expect + ":", 0) == 0;
    expected_seen += has_expected;
    if (r.ok) {
      ++passed;
      if (!quiet)
        std::cout << "ok   seed=" << run_p.seed << " height=" << r.min_honest_height
                  << " t=" << r.end_time_ms << "ms msgs=" << r.messages
                  << " evidence=" << r.evidence_found << " " << r.byzantine_summary << "\n";
    } else {
      ++failed;
      if (expect.empty() || !quiet || !has_expected) {
        std::cout << "FAIL seed=" << run_p.seed << " " << r.byzantine_summary << "\n";
        for (const auto& v : r.violations) std::cout << "     " << v << "\n";
        std::cout << "     replay: " << tc::sim::replay_command(run_p) << " --trace trace.txt\n";
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "consensus-sim: nodes=" << p.nodes << " byzantine=" << p.byzantine
            << " runs=" << runs << " seeds " << p.seed << ".." << p.seed + runs - 1 << " in "
            << secs << " s\n";
  if (!expect.empty()) {
    std::cout << "expected '" << expect << "' violations seen in " << expected_seen << " of "
              << runs << " runs\n";
    std::cout << (expected_seen ? 1 : 0) << " passed, " << (expected_seen ? 0 : 1) << " failed\n";
    return expected_seen ? 0 : 1;
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}
