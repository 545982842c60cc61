// timed-sim: whole-node deterministic simulation with faulty actors. Runs a
// scenario file (or a random mix) for one or more seeds, prints a summary per
// run and, for a failing run, the command that replays it exactly. Exit 0
// only when every run passed its checks (or showed the violation the
// scenario expects).

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "actors/fault/fault.hpp"
#include "tests/sim/node_sim.hpp"

using namespace tc;

namespace {
// %V: the simulation's virtual time, so node logs line up with the schedule.
class virtual_time_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string t = fmt::format("{:9.3f}s", static_cast<double>(sim::virtual_now_ms()) / 1000.0);
    dest.append(t.data(), t.data() + t.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<virtual_time_flag>();
  }
};
// %N: the node whose actor wrote the line ("n3"), blank for the network.
class node_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    int n = sim::current_node();
    std::string s = n < 0 ? std::string("   ") : fmt::format("n{:<2}", n);
    dest.append(s.data(), s.data() + s.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<node_flag>();
  }
};
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"timed-sim — N complete TimeCoin nodes, a simulated network, faulty actors"};
  std::string scenario_file, trace_file, workdir;
  uint64_t seed = 1, seeds = 1, runs = 0;
  bool random_mix = false, keep = false, quiet = false, list = false, print = false;
  int verbosity = 0;
  uint32_t nodes_override = 0;
  app.add_option("--scenario", scenario_file, "scenario file (TOML, see tests/sim/scenarios)");
  app.add_option("--seed", seed, "seed of the (first) run");
  app.add_option("--nodes", nodes_override,
                 "run the scenario with this many nodes (1..128; extra nodes are bronze)");
  app.add_option("--seeds", seeds, "runs of the scenario with seeds seed, seed+1, ...");
  app.add_flag("--random", random_mix, "random scenarios instead of a file (with --runs)");
  app.add_option("--runs", runs, "random scenarios to run (seeds seed, seed+1, ...)");
  app.add_option("--trace", trace_file,
                 "write each node's message-flow trace to FILE.node<i>.json");
  app.add_option("--workdir", workdir, "where node databases go (default /dev/shm or /tmp)");
  app.add_flag("--keep", keep, "keep the node databases");
  app.add_flag("--quiet", quiet, "print failing runs and the total only");
  app.add_flag("--list-faults", list, "print the faulty actors and exit");
  app.add_flag("--print-scenario", print,
               "print each run's scenario as a scenario file and exit (a failing random run\n"
               "kept in tests/sim/regressions/NAME.SEED.toml)");
  app.add_flag("-v", verbosity, "node logs: -v warnings, -vv info, -vvv debug");
  CLI11_PARSE(app, argc, argv);
  if (list) {
    std::cout << fault::describe_all();
    return 0;
  }
  if (scenario_file.empty() == !random_mix) {
    std::cerr << "timed-sim: give --scenario FILE or --random\n";
    return 2;
  }
  spdlog::set_level(verbosity >= 3   ? spdlog::level::debug
                    : verbosity == 2 ? spdlog::level::info
                    : verbosity == 1 ? spdlog::level::warn
                                     : spdlog::level::off);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<virtual_time_flag>('V');
  formatter->add_flag<node_flag>('N').set_pattern("%V %N %^%-5l%$ %v");
  spdlog::set_formatter(std::move(formatter));
  std::optional<sim::scenario> fixed;
  if (!random_mix) {
    auto s = sim::load_scenario(scenario_file);
    if (!s) {
      std::cerr << "timed-sim: " << s.error_message() << "\n";
      return 2;
    }
    fixed = *s;
    if (nodes_override) {
      auto resized = sim::with_nodes(*fixed, nodes_override);
      if (!resized) {
        std::cerr << "timed-sim: " << resized.error_message() << "\n";
        return 2;
      }
      fixed = *resized;
    }
  }
  uint64_t n = random_mix ? std::max<uint64_t>(runs, 1) : seeds;
  uint64_t failed = 0, expected_seen = 0;
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t sd = seed + k;
    sim::scenario sc = fixed ? *fixed : sim::random_scenario(sd);
    if (print) {
      std::cout << "# timed-sim seed " << sd << "\n" << sim::to_toml(sc);
      continue;
    }
    sim::run_options opt;
    opt.seed = sd;
    opt.workdir = workdir;
    opt.keep = keep;
    if (!trace_file.empty() && k == 0) opt.trace_file = trace_file;
    auto r = sim::run_scenario(sc, opt);
    // A scenario that expects a violation proves a checker can fail: some
    // run must show it (not every schedule of a Byzantine attack succeeds).
    bool expecting = !sc.expect_violation.empty();
    // A false or missing proof of a fork fails even a run that expects
    // another violation: over-f runs must show the fork being caught.
    bool ok =
        expecting ? r.has(sc.expect_violation) && !r.has("accountability") : r.violations.empty();
    if (expecting && ok) ++expected_seen;
    if (!ok && !expecting) ++failed;
    if (!quiet || (!ok && !expecting)) {
      std::cout << (ok ? "PASS " : expecting ? "---- " : "FAIL ") << r.summary() << "\n";
      if (!sc.expect_violation.empty())
        std::cout << "  expected violation: " << sc.expect_violation
                  << (r.has(sc.expect_violation) ? " (seen: the checker fails as it must)"
                                                 : " (NOT seen)")
                  << "\n";
    }
    // --trace FILE replays the same run with its message flow written out.
    if (!ok && !expecting)
      std::cout << "  replay: timed-sim "
                << (fixed ? "--scenario " + scenario_file : std::string("--random --runs 1"))
                << " --seed " << sd << " -vvv [--trace FILE]\n";
  }
  if (print) return 0;
  if (fixed && !fixed->expect_violation.empty()) {
    std::cout << "expected violation '" << fixed->expect_violation << "' seen in " << expected_seen
              << "/" << n << " runs\n";
    return expected_seen ? 0 : 1;
  }
  std::cout << (failed ? "FAILED " : "passed ") << n - failed << "/" << n << " runs\n";
  return failed ? 1 : 0;
}
