#include "tests/sim/consensus_sim.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace tc::sim;

namespace {
sim_params mixed(uint64_t seed) {
  sim_params p;
  p.seed = seed;
  p.nodes = 7;
  p.byzantine = 2;
  p.behaviours = behaviour_names();
  return p;
}
}  // namespace

TEST_CASE("a seed replays byte for byte") {
  std::ostringstream a, b, c;
  auto ra = run(mixed(42), &a);
  auto rb = run(mixed(42), &b);
  auto rc = run(mixed(43), &c);
  CHECK(a.str().size() > 1000);
  CHECK(a.str() == b.str());
  CHECK(ra.trace_digest == rb.trace_digest);
  CHECK(ra.trace_digest.size() == 64);
  CHECK(a.str() != c.str());
  CHECK(ra.ok);
  CHECK(ra.messages == rb.messages);
}

TEST_CASE("replay command names every parameter") {
  auto cmd = replay_command(mixed(9));
  CHECK(cmd.find("--nodes 7") != std::string::npos);
  CHECK(cmd.find("--byzantine 2") != std::string::npos);
  CHECK(cmd.find("--seed 9") != std::string::npos);
  CHECK(cmd.find("equivocate") != std::string::npos);
}

TEST_CASE("checkers fail with f+1 Byzantine power") {
  // Two equivocators of four: conflicting commits must show up.
  size_t agreement = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    sim_params p;
    p.seed = seed;
    p.nodes = 4;
    p.byzantine = 2;
    p.behaviours = {"equivocate"};
    auto r = run(p);
    for (const auto& v : r.violations) agreement += v.rfind("agreement:", 0) == 0;
  }
  CHECK(agreement > 0);
  // Two silent of four: no quorum, so the liveness checker must fire.
  sim_params p;
  p.nodes = 4;
  p.byzantine = 2;
  p.behaviours = {"silent"};
  p.liveness_bound_ms = 60'000;
  auto r = run(p);
  REQUIRE_FALSE(r.ok);
  CHECK(r.violations.at(0).rfind("liveness:", 0) == 0);
}
