#include "actors/peer/gossip.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

using namespace tc;
using namespace tc::peer;

namespace {
hash256 key(uint8_t b, int more = 0) {
  hash256 h;
  h.v[0] = b;
  h.v[1] = static_cast<uint8_t>(more);
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
  CHECK(route_of(message{tx_inv{}}, unkeyed) == route::tx_announce);
  CHECK(route_of(message{get_txs{}}, unkeyed) == route::serve_get_txs);
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

TEST_CASE("gossip: copies that arrive while a message is judged name peers that have it") {
  consensus_gate gate;
  CHECK(gate.admit(key(1), false, 7) == consensus_gate::verdict::ask);
  for (uint64_t from = 8; from < 30; ++from)
    CHECK(gate.admit(key(1), false, from) == consensus_gate::verdict::duplicate);
  auto o = gate.judged(key(1), consensus::relay_decision{true, 0, "", false});
  // The first sender, then copies' senders, at most 8 kept.
  REQUIRE(o.holders.size() == 8);
  CHECK(o.holders[0] == 7);
  CHECK(o.holders[7] == 14);
  // A message from this node itself (0) has no holder.
  CHECK(gate.admit(key(2), false, 0) == consensus_gate::verdict::ask);
  CHECK(gate.judged(key(2), consensus::relay_decision{}).holders.empty());
}

TEST_CASE("gossip: relays go to O(log n) peers, never to one that has the message") {
  CHECK(relay_fanout(0) == 0);
  CHECK(relay_fanout(3) == 3);  // a 4-validator mesh: everyone
  CHECK(relay_fanout(9) == 8);
  CHECK(relay_fanout(15) == 8);
  CHECK(relay_fanout(99) == 14);
  for (size_t p = 1; p < 300; ++p) {
    CHECK(relay_fanout(p) <= p);
    CHECK(relay_fanout(p) >= relay_fanout(p - 1));
  }
  std::vector<uint64_t> ready;
  for (uint64_t s = 1; s <= 99; ++s) ready.push_back(s);
  std::vector<uint64_t> holders = {3, 5, 8};
  std::map<uint64_t, size_t> picked;
  for (int k = 0; k < 500; ++k) {
    auto t = relay_targets(ready, holders, key(static_cast<uint8_t>(k % 256), k / 256));
    CHECK(t.size() == 14);
    CHECK(std::set<uint64_t>(t.begin(), t.end()).size() == t.size());
    for (uint64_t s : t) {
      CHECK(std::find(holders.begin(), holders.end(), s) == holders.end());
      ++picked[s];
    }
  }
  // Each message takes other paths: every peer but the holders is used, and
  // none carries far more than its share (14 of 96 per message).
  CHECK(picked.size() == 96);
  for (auto& [s, n] : picked) CHECK(n < 3 * 500 * 14 / 96);
  // The same message picks the same peers (a run replays).
  CHECK(relay_targets(ready, holders, key(1)) == relay_targets(ready, holders, key(1)));
  // Fewer candidates than the fanout: all of them.
  auto few = relay_targets({1, 2, 3, 4}, {2}, key(9));
  CHECK(std::set<uint64_t>(few.begin(), few.end()) == std::set<uint64_t>({1, 3, 4}));
}
