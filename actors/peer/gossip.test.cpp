#include "actors/peer/gossip.hpp"

#include <doctest/doctest.h>

using namespace tc;
using namespace tc::peer;

namespace {
hash256 key(uint8_t b) {
  hash256 h;
  h.v[0] = b;
  return h;
}
}  // namespace

TEST_CASE("gossip: each message kind goes where the protocol says") {
  inbound_facts keyed{true, false, false};
  CHECK(route_of(message{tx{}}, keyed) == route::tx_intake);
  CHECK(route_of(message{proposal{}}, keyed) == route::consensus);
  CHECK(route_of(message{prevote{}}, keyed) == route::consensus);
  CHECK(route_of(message{precommit{}}, keyed) == route::consensus);
  // Without a content key (the session could not compute one) gossip is
  // not taken: it could not be deduplicated.
  inbound_facts unkeyed{};
  CHECK(route_of(message{tx{}}, unkeyed) == route::ignore);
  CHECK(route_of(message{prevote{}}, unkeyed) == route::ignore);
  CHECK(route_of(message{get_blocks{1, 10}}, unkeyed) == route::serve_blocks);
  CHECK(route_of(message{get_blocks{1, 10}}, inbound_facts{false, true, false}) ==
        route::busy_serving);
  CHECK(route_of(message{blocks{}}, unkeyed) == route::to_sync);
  CHECK(route_of(message{blocks{}}, inbound_facts{false, false, true}) == route::fork_probe);
  CHECK(route_of(message{tip{}}, unkeyed) == route::tip);
  CHECK(route_of(message{get_tip{}}, unkeyed) == route::answer_tip);
  CHECK(route_of(message{get_peers{}}, unkeyed) == route::answer_peers);
  CHECK(route_of(message{peers{}}, unkeyed) == route::learn_peers);
  CHECK(route_of(message{evidence{}}, keyed) == route::ignore);
  CHECK(route_of(message{commit_certificate{}}, keyed) == route::ignore);
}

TEST_CASE("gossip: the consensus gate asks once per content, bounded, and remembers by verdict") {
  consensus_gate gate(2);
  CHECK(gate.admit(key(1), false) == consensus_gate::verdict::ask);
  // A copy while the first is judged, and one judged before: dropped.
  CHECK(gate.admit(key(1), false) == consensus_gate::verdict::duplicate);
  CHECK(gate.admit(key(2), true) == consensus_gate::verdict::duplicate);
  CHECK(gate.admit(key(3), false) == consensus_gate::verdict::ask);
  // Two in flight: consensus is behind, the next is dropped and counted.
  CHECK(gate.admit(key(4), false) == consensus_gate::verdict::overloaded);
  CHECK(gate.dropped() == 1);
  CHECK(gate.in_flight() == 2);
  // Accepted: remembered and relayed.
  auto ok = gate.judged(key(1), consensus::relay_decision{true, 0, "", false});
  CHECK(ok.remember);
  CHECK(ok.relay);
  CHECK(ok.penalty == 0);
  // Refused for now (a height not reached yet): not remembered, so a later
  // re-send is judged again; not relayed.
  auto later = gate.judged(key(3), consensus::relay_decision{false, 0, "next height", true});
  CHECK_FALSE(later.remember);
  CHECK_FALSE(later.relay);
  CHECK(gate.in_flight() == 0);
  CHECK(gate.admit(key(3), false) == consensus_gate::verdict::ask);
  // Provably bad: remembered, not relayed, the sender blamed.
  auto bad = gate.judged(key(3), consensus::relay_decision{false, 25, "bad signature", false});
  CHECK(bad.remember);
  CHECK_FALSE(bad.relay);
  CHECK(bad.penalty == 25);
  // No answer (consensus stopped): the key is free again.
  CHECK(gate.admit(key(5), false) == consensus_gate::verdict::ask);
  gate.failed(key(5));
  CHECK(gate.admit(key(5), false) == consensus_gate::verdict::ask);
}

TEST_CASE("gossip: accepted txs are relayed and credit their peer; refused ones are charged") {
  auto o = after_admission({7, 0, 9, 7}, {true, true, false});  // the last verdict is missing
  CHECK(o.relay == std::vector<size_t>{0, 1});
  CHECK(o.useful == std::vector<uint64_t>{7});  // this node's own tx credits nobody
  REQUIRE(o.refused.size() == 2);
  CHECK(o.refused[0] == std::make_pair(uint64_t{9}, size_t{2}));
  CHECK(o.refused[1] == std::make_pair(uint64_t{7}, size_t{3}));
}

TEST_CASE("gossip: fan-out never sends a frame back to its peer and packs writes up to the cap") {
  std::vector<fanout_frame> frames{{400, 1}, {400, 2}, {400, 0}, {900, 3}};
  auto plan = plan_fanout({1, 2, 3}, frames, 1000);
  std::map<uint64_t, std::vector<std::vector<size_t>>> by_session;
  for (const auto& w : plan) by_session[w.session].push_back(w.frames);
  // Session 1: frames 1, 2 (800 bytes), then 3 alone (900 would pass 1000).
  CHECK(by_session[1] == std::vector<std::vector<size_t>>{{1, 2}, {3}});
  CHECK(by_session[2] == std::vector<std::vector<size_t>>{{0, 2}, {3}});
  CHECK(by_session[3] == std::vector<std::vector<size_t>>{{0, 1}, {2}});
  for (const auto& w : plan) {
    size_t bytes = 0;
    for (size_t i : w.frames) {
      CHECK(frames[i].from != w.session);
      bytes += frames[i].bytes;
    }
    CHECK((bytes <= 1000 || w.frames.size() == 1));
  }
  // A frame larger than the cap goes alone; no ready session, no writes.
  auto big = plan_fanout({5}, {{5000, 0}, {10, 0}}, 1000);
  REQUIRE(big.size() == 2);
  CHECK(big[0].frames == std::vector<size_t>{0});
  CHECK(plan_fanout({}, frames, 1000).empty());
}
