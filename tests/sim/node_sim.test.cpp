#include "tests/sim/node_sim.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/sim/checkers.hpp"
#include "tests/sim/net_model.hpp"

using namespace tc;
using namespace tc::sim;

TEST_CASE("scenario files: keys, ranges and fault names are checked") {
  auto ok = parse_scenario(R"(
name = "x"
nodes = 4
powers = ["gold", "bronze", "bronze", "free"]
duration_s = 30
[network]
latency_ms = [1, 9]
drop = 0.02
[[partition]]
at_s = 2
until_s = 4.5
isolate = 3
[[fault]]
node = 1
name = "consensus:delay=300"
start_s = 1
stop_s = 10
[load]
tx_per_s = 5
)",
                           "t.toml");
  REQUIRE(ok.ok());
  CHECK(ok->tiers[0] == mn_tier::gold);
  CHECK(ok->partitions[0].until_ms == 4500);
  CHECK(ok->faults[0].stop_ms == 10'000);
  CHECK(heal_time_ms(*ok) == 10'000);
  CHECK_FALSE(parse_scenario("nodez = 4", "t").ok());
  CHECK_FALSE(parse_scenario("[[fault]]\nnode = 9\nname = \"peer:garbage\"", "t").ok());
  CHECK_FALSE(parse_scenario("[[fault]]\nnode = 0\nname = \"peer:gossip\"", "t").ok());
  CHECK_FALSE(parse_scenario("[network]\ndrop = 0.9", "t").ok());
  CHECK_FALSE(parse_scenario("duration_s = 5\n[[partition]]\nuntil_s = 4\nisolate = 0", "t").ok());
  CHECK_FALSE(parse_scenario("nodes = 129", "t").ok());
  // Scale checks, and --nodes: more nodes are bronze; a fault must still
  // name a node that exists.
  auto scale =
      parse_scenario("nodes = 100\n[check]\nmax_p50_block_ms = 3000\nmin_heights = 5", "t");
  REQUIRE(scale.ok());
  CHECK(scale->max_p50_block_ms == 3000);
  CHECK(scale->min_heights == 5);
  auto bigger = with_nodes(*ok, 20);
  REQUIRE(bigger.ok());
  CHECK(bigger->tiers.size() == 20);
  CHECK(bigger->tiers[19] == mn_tier::bronze);
  CHECK(bigger->tiers[0] == mn_tier::gold);
  CHECK_FALSE(with_nodes(*ok, 1).ok());  // its fault names node 1
  CHECK_FALSE(with_nodes(*ok, 200).ok());
}

TEST_CASE("a scenario written out reads back as the same scenario") {
  auto same = [](const scenario& a, const scenario& b) {
    bool parts = a.partitions.size() == b.partitions.size();
    for (size_t i = 0; parts && i < a.partitions.size(); ++i) {
      const auto &x = a.partitions[i], &y = b.partitions[i];
      parts = x.at_ms == y.at_ms && x.until_ms == y.until_ms && x.groups == y.groups &&
              x.one_way == y.one_way;
    }
    bool faults = a.faults.size() == b.faults.size();
    for (size_t i = 0; faults && i < a.faults.size(); ++i) {
      const auto &x = a.faults[i], &y = b.faults[i];
      faults = x.node == y.node && x.name == y.name && x.start_ms == y.start_ms &&
               x.stop_ms == y.stop_ms;
    }
    return parts && faults && a.name == b.name && a.nodes == b.nodes && a.tiers == b.tiers &&
           a.duration_ms == b.duration_ms && a.block_interval_ms == b.block_interval_ms &&
           a.latency_min_ms == b.latency_min_ms && a.latency_max_ms == b.latency_max_ms &&
           a.drop == b.drop && a.duplicate == b.duplicate && a.tx_per_s == b.tx_per_s &&
           a.heal_grace_ms == b.heal_grace_ms &&
           a.min_blocks_after_heal == b.min_blocks_after_heal &&
           a.expect_violation == b.expect_violation && a.max_rss_mb == b.max_rss_mb &&
           a.max_p50_block_ms == b.max_p50_block_ms && a.min_heights == b.min_heights;
  };
  size_t with_partition = 0, one_way = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    scenario s = random_scenario(seed);
    with_partition += !s.partitions.empty();
    one_way += !s.partitions.empty() && s.partitions[0].one_way;
    auto back = parse_scenario(to_toml(s), "seed " + std::to_string(seed));
    REQUIRE_MESSAGE(back.ok(), back.error_message());
    CHECK_MESSAGE(same(s, *back), "seed ", seed, ":\n", to_toml(s));
  }
  CHECK(with_partition > 0);
  CHECK(one_way > 0);
  // A hand-written file: unequal powers, two groups, times in seconds.
  auto f = parse_scenario(
      "nodes = 3\npowers = [\"gold\", \"free\", \"silver\"]\n[[fault]]\nnode = 1\n"
      "name = \"consensus:delay=120\"\nstart_s = 0.001\nstop_s = 3.3\n[[partition]]\nat_s = 1.1\n"
      "until_s = 2.9\ngroups = [[0], [1, 2]]\n",
      "t");
  REQUIRE_MESSAGE(f.ok(), f.error_message());
  auto back = parse_scenario(to_toml(*f), "t");
  REQUIRE(back.ok());
  CHECK(same(*f, *back));
  CHECK(back->faults[0].stop_ms == 3300);
  CHECK(back->partitions[0].at_ms == 1100);  // 1.1 s is not 1099 ms
  CHECK(back->duration_ms == 20'000);        // the defaults are seconds too
  CHECK(back->heal_grace_ms == 5'000);
}

TEST_CASE("the network model: partitions cut, one-way cuts, seeded losses replay") {
  scenario s;
  s.nodes = 4;
  s.drop = 0.1;
  s.partitions.push_back({1000, 2000, {{0, 1}}, false});
  s.partitions.push_back({3000, 4000, {{2}}, true});
  net_model m(s, 5);
  CHECK(m.connected(0, 2, 500));
  CHECK_FALSE(m.connected(0, 2, 1500));
  CHECK(m.connected(0, 1, 1500));
  CHECK(m.connected(2, 3, 1500));
  CHECK_FALSE(m.connected(2, 0, 3500));
  CHECK(m.connected(0, 2, 3500));
  CHECK(m.on_send(0, 2, 1500).empty());
  net_model a(s, 9), b(s, 9);
  std::vector<std::vector<uint64_t>> ra, rb;
  for (int i = 0; i < 1000; ++i) ra.push_back(a.on_send(0, 3, 0)), rb.push_back(b.on_send(0, 3, 0));
  CHECK(ra == rb);
  CHECK(a.lost() > 50);
  CHECK(a.lost() < 150);
}

TEST_CASE("the agreement checker fails on diverging chains") {
  hash256 x, y;
  x.v.fill(1);
  y.v.fill(2);
  stored_chain a{0, {x, x, x}, {}, {}}, b{1, {x, x}, {}, {}}, c{2, {x, y, x, x}, {}, {}};
  CHECK(check_agreement({a, b}).empty());
  auto v = check_agreement({a, b, c});
  REQUIRE(v.size() == 2);
  CHECK(v[0].checker == "agreement");
  CHECK(v[0].detail.find("height 2") != std::string::npos);
}

TEST_CASE("four honest nodes finalize, agree, and the same seed replays the same run") {
  scenario s;
  s.name = "honest";
  s.nodes = 4;
  s.tiers.assign(4, mn_tier::bronze);
  s.duration_ms = 8'000;
  s.tx_per_s = 20;
  s.heal_grace_ms = 1'000;
  run_options o;
  o.seed = 3;
  auto r1 = run_scenario(s, o);
  INFO(r1.summary());
  CHECK(r1.violations.empty());
  REQUIRE(r1.nodes.size() == 4);
  CHECK(r1.nodes[0].height >= 5);
  CHECK(r1.txs_final > 0);
  auto r2 = run_scenario(s, o);
  CHECK(r2.nodes[0].height == r1.nodes[0].height);
  CHECK(r2.frames == r1.frames);
  CHECK(r2.bytes == r1.bytes);
  CHECK(r2.txs_final == r1.txs_final);
  // Tracing the run does not change it.
  run_options traced = o;
  traced.trace_file =
      (std::filesystem::temp_directory_path() / ("node_sim_trace_" + std::to_string(::getpid())))
          .string();
  auto rt = run_scenario(s, traced);
  CHECK(rt.nodes[0].height == r1.nodes[0].height);
  CHECK(rt.frames == r1.frames);
  CHECK(rt.bytes == r1.bytes);
  CHECK(rt.txs_final == r1.txs_final);
  for (size_t i = 0; i < 4; ++i) {
    std::string f = traced.trace_file + ".node" + std::to_string(i) + ".json";
    CHECK(std::filesystem::file_size(f) > 1000);
    std::filesystem::remove(f);
  }
  // The scale figures are there, and their checks can fail.
  CHECK(r1.min_honest_height >= 5);
  CHECK(r1.block_p50_ms >= s.block_interval_ms);
  CHECK(r1.block_max_ms >= r1.block_p50_ms);
  CHECK(r1.bytes_per_node_height() > 0);
  s.max_p50_block_ms = 1;
  s.min_heights = 10'000;
  auto r3 = run_scenario(s, o);
  CHECK(r3.violations.size() == 2);
  CHECK(r3.has("liveness"));
}
