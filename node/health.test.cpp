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
