#include "node/health.hpp"

#include <doctest/doctest.h>

using namespace tc;

namespace {
health_inputs healthy_validator() {
  health_inputs in;
  in.tip_height = 100;
  in.sync_target = 100;
  in.tip_time_ms = 1'000'000;
  in.now_ms = 1'001'000;
  in.peers = 3;
  in.is_validator = true;
  in.reachable_power = 30;
  in.total_power = 40;
  return in;
}
}  // namespace

TEST_CASE("a synced validator in a quorum is healthy") {
  auto v = judge_health(healthy_validator());
  CHECK(v.ok);
  CHECK(health_json(v) == "{\"status\":\"ok\"}");
}

TEST_CASE("each unhealthy state has its own status") {
  auto in = healthy_validator();
  in.halted = true;
  CHECK(judge_health(in).status == "halted");

  in = healthy_validator();
  in.syncing = true;
  in.sync_target = 150;
  CHECK(judge_health(in).status == "syncing");
  in.sync_target = 102;  // within the lag: still healthy
  CHECK(judge_health(in).ok);

  in = healthy_validator();
  in.reachable_power = 26;  // 26/40 = 65%: exactly 2/3 or less is no quorum
  auto v = judge_health(in);
  CHECK(v.status == "no_quorum");
  CHECK(v.reason.find("65.0%") != std::string::npos);
  in.total_power = 39;
  in.reachable_power = 26;  // exactly 2/3
  CHECK(judge_health(in).status == "no_quorum");
  in.reachable_power = 27;
  CHECK(judge_health(in).ok);

  in = healthy_validator();
  in.is_validator = false;
  in.peers = 0;
  CHECK(judge_health(in).status == "no_peers");
  in.p2p_enabled = false;  // a lone node on purpose
  CHECK(judge_health(in).ok);

  in = healthy_validator();
  in.now_ms = in.tip_time_ms + 61'000;
  v = judge_health(in);
  CHECK(v.status == "stalled");
  CHECK_FALSE(v.ok);
}

TEST_CASE("the body carries no chain data") {
  auto in = healthy_validator();
  in.syncing = true;
  in.sync_target = 123456;
  auto body = health_json(judge_health(in));
  CHECK(body.find("123456") == std::string::npos);
  CHECK(body.find("100") == std::string::npos);
}

TEST_CASE("quorum lines come on changes only") {
  quorum_watch w;
  quorum_sample s{1, 4, 10, 40, 3};
  auto l = w.on_sample(s);
  REQUIRE(l.size() == 1);
  CHECK(l[0] ==
        "Only 1 masternodes active (minimum 3 required): start more validators or check "
        "their network.addnode");
  CHECK(w.on_sample(s).empty());  // unchanged: silent
  s = {3, 4, 30, 40, 3};
  l = w.on_sample(s);
  REQUIRE(l.size() == 1);
  CHECK(l[0] == "Consensus activated: 3 of 4 masternodes active (75.0% of the voting power)");
  CHECK(w.on_sample(s).empty());
  s = {2, 4, 20, 40, 3};
  l = w.on_sample(s);
  REQUIRE(l.size() == 2);
  CHECK(l[0].rfind("Only 2 masternodes active", 0) == 0);
  CHECK(l[1].rfind("Consensus paused: 2 of 4 masternodes active, 50.0% of the voting power", 0) ==
        0);
  s = {4, 4, 40, 40, 3};
  CHECK(w.on_sample(s) ==
        std::vector<std::string>{
            "Consensus activated: 4 of 4 masternodes active (100.0% of the voting power)"});
}
