#include "actors/peer/tx_fetch.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "messages/limits.hpp"

using namespace tc;
using namespace tc::peer;

namespace {
hash256 id(uint8_t n) {
  hash256 h;
  h.v[0] = n;
  h.v[31] = static_cast<uint8_t>(n * 7 + 1);
  return h;
}
const auto none_known = [](const hash256&) { return false; };
}  // namespace

TEST_CASE("tx fetch: new wtxids are asked of their first announcer, once") {
  tx_fetch_core f;
  auto r = f.on_announce(1, {id(1), id(2)}, none_known, 0);
  REQUIRE(r.size() == 1);
  CHECK(r[0].peer == 1);
  CHECK(r[0].wtxids == std::vector<hash256>{id(1), id(2)});
  // A second announcer of the same txs is not asked, only remembered.
  CHECK(f.on_announce(2, {id(2), id(1)}, none_known, 5).empty());
  CHECK(f.in_flight() == 2);
  CHECK(f.asked_of(1) == 2);
  CHECK(f.asked_of(2) == 0);
  // Known ones (in the mempool, seen, committed) are never asked for.
  std::set<hash256> known{id(3)};
  auto is_known = [&](const hash256& h) { return known.count(h) > 0; };
  CHECK(f.on_announce(2, {id(3)}, is_known, 5).empty());
  // A wtxid twice in one announcement is asked once.
  auto twice = f.on_announce(3, {id(4), id(4)}, none_known, 5);
  REQUIRE(twice.size() == 1);
  CHECK(twice[0].wtxids.size() == 1);
}

TEST_CASE("tx fetch: a body that arrives ends the question, whoever sent it") {
  tx_fetch_core f;
  f.on_announce(1, {id(1)}, none_known, 0);
  f.on_announce(2, {id(1)}, none_known, 0);
  f.on_arrived(id(1));
  CHECK(f.in_flight() == 0);
  CHECK(f.asked_of(1) == 0);
  CHECK_FALSE(f.wanted(id(1)));
  // Nothing is asked again later.
  CHECK(f.on_tick(10'000).empty());
  CHECK(f.timed_out() == 0);
  f.on_arrived(id(9));  // not wanted: nothing to do
}

TEST_CASE(
    "tx fetch: an announcer that never answers delays a tx by one timeout, then the next "
    "is asked") {
  tx_fetch_config cfg;
  cfg.fetch_timeout_ms = 1'000;
  tx_fetch_core f(cfg);
  f.on_announce(66, {id(1), id(2)}, none_known, 0);  // the withholder is first
  f.on_announce(2, {id(1)}, none_known, 100);
  f.on_announce(3, {id(1), id(2)}, none_known, 200);
  CHECK(f.on_tick(999).empty());
  auto r = f.on_tick(1'000);
  // The next announcer of each, in the order they announced.
  REQUIRE(r.size() == 2);
  CHECK(r[0].peer == 2);
  CHECK(r[0].wtxids == std::vector<hash256>{id(1)});
  CHECK(r[1].peer == 3);
  CHECK(r[1].wtxids == std::vector<hash256>{id(2)});
  CHECK(f.timed_out() == 2);
  CHECK(f.asked_of(66) == 0);
  CHECK(f.asked_of(3) + f.asked_of(2) == 2);
  // Nobody answers: every source is tried once, then the tx is dropped.
  CHECK_FALSE(f.on_tick(2'000).empty());
  CHECK(f.on_tick(3'000).empty());
  CHECK(f.in_flight() == 0);
  CHECK(f.asked_of(2) == 0);
  CHECK(f.asked_of(3) == 0);
}

TEST_CASE("tx fetch: a peer that leaves hands its questions to the next source at once") {
  tx_fetch_core f;
  f.on_announce(1, {id(1), id(2)}, none_known, 0);
  f.on_announce(2, {id(1)}, none_known, 0);
  f.on_announce(3, {id(2)}, none_known, 0);
  f.on_announce(4, {id(3)}, none_known, 0);
  f.on_announce(1, {id(3)}, none_known, 0);  // a fallback for id(3)
  auto r = f.on_peer_gone(1, 50);
  std::set<std::pair<uint64_t, hash256>> asked;
  for (auto& q : r)
    for (auto& w : q.wtxids) asked.insert({q.peer, w});
  CHECK(asked == std::set<std::pair<uint64_t, hash256>>{{2, id(1)}, {3, id(2)}});
  CHECK(f.asked_of(1) == 0);
  // id(3) no longer falls back on peer 1: when 4 times out it is dropped.
  f.on_tick(100'000);
  f.on_tick(200'000);
  CHECK_FALSE(f.wanted(id(3)));
}

TEST_CASE(
    "tx fetch: announcements past the bounds are refused, and a flood cannot hold slots "
    "forever") {
  tx_fetch_config cfg;
  cfg.max_in_flight = 10;
  cfg.per_peer = 4;
  cfg.fetch_timeout_ms = 1'000;
  tx_fetch_core f(cfg);
  std::vector<hash256> flood;
  for (uint8_t i = 0; i < 8; ++i) flood.push_back(id(i));
  auto r = f.on_announce(66, flood, none_known, 0);
  REQUIRE(r.size() == 1);
  CHECK(r[0].wtxids.size() == 4);  // per_peer
  CHECK(f.refused() == 4);
  for (uint64_t p = 1; p <= 2; ++p) {
    std::vector<hash256> more;
    for (uint8_t i = 0; i < 5; ++i) more.push_back(id(static_cast<uint8_t>(100 + 10 * p + i)));
    f.on_announce(p, more, none_known, 0);
  }
  CHECK(f.in_flight() == 10);  // max_in_flight
  // An honest announcement of one of the flooder's wtxids only adds a source.
  CHECK(f.on_announce(5, {id(1)}, none_known, 0).empty());
  // The flooder never answers: its slots free up after the timeout, and id(1)
  // goes to the honest announcer.
  auto again = f.on_tick(1'000);
  CHECK(f.asked_of(66) == 0);
  bool honest_asked = false;
  for (auto& q : again)
    if (q.peer == 5 && q.wtxids == std::vector<hash256>{id(1)}) honest_asked = true;
  CHECK(honest_asked);
}

TEST_CASE("tx fetch: one get_txs carries at most max_get_txs wtxids") {
  tx_fetch_config cfg;
  cfg.max_in_flight = cfg.per_peer = 2 * limits::max_get_txs + 10;
  tx_fetch_core f(cfg);
  std::vector<hash256> many(limits::max_get_txs + 3);
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].v[0] = static_cast<uint8_t>(i);
    many[i].v[1] = static_cast<uint8_t>(i >> 8);
  }
  auto r = f.on_announce(1, many, none_known, 0);
  REQUIRE(r.size() == 2);
  CHECK(r[0].wtxids.size() == limits::max_get_txs);
  CHECK(r[1].wtxids.size() == 3);
}

// Checks that every tx reaches every session but its sender exactly once,
// whole or named; returns how many sessions got each tx whole.
static std::map<hash256, int> relay_count(const tx_relay_plan& plan,
                                          const std::vector<uint64_t>& ready,
                                          const std::vector<announce_item>& items) {
  std::map<std::pair<uint64_t, hash256>, int> got;
  std::map<hash256, int> pushed;
  for (auto& [s, idx] : plan.push)
    for (size_t i : idx) {
      ++got[{s, items[i].wtxid}];
      ++pushed[items[i].wtxid];
    }
  for (auto& [s, inv] : plan.announce)
    for (auto& w : inv.wtxids) ++got[{s, w}];
  for (const auto& it : items)
    for (uint64_t s : ready) CHECK(got[{s, it.wtxid}] == (s == it.from ? 0 : 1));
  return pushed;
}

TEST_CASE("tx relay: whole to log2(n) peers, announced to the rest, never to the sender") {
  CHECK(tx_push_fanout(0) == 0);
  CHECK(tx_push_fanout(1) == 1);
  CHECK(tx_push_fanout(3) == 2);
  CHECK(tx_push_fanout(15) == 4);
  CHECK(tx_push_fanout(99) == 7);
  std::vector<uint64_t> ready;
  for (uint64_t s = 1; s <= 15; ++s) ready.push_back(s);
  std::vector<announce_item> items;
  for (uint8_t i = 0; i < 40; ++i) items.push_back({id(i), i % 2 ? 3u : 0u});
  auto plan = plan_tx_relay(ready, items);
  auto pushed = relay_count(plan, ready, items);
  for (const auto& it : items) CHECK(pushed[it.wtxid] == 4);  // tx_push_fanout(15)
  // Different txs are pushed along different paths.
  std::set<uint64_t> pushers;
  for (auto& [s, idx] : plan.push) pushers.insert(s);
  CHECK(pushers.size() > 4);
  CHECK(plan_tx_relay({}, items).push.empty());
  // Announcements come in messages of at most max_tx_inv.
  std::vector<announce_item> many(limits::max_tx_inv * 2);
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].wtxid.v[0] = static_cast<uint8_t>(i);
    many[i].wtxid.v[1] = static_cast<uint8_t>(i >> 8);
  }
  auto big = plan_tx_relay({1, 2, 3, 4, 5, 6, 7}, many);  // 3 of 7 pushed, 4 announced
  for (auto& [s, inv] : big.announce) CHECK(inv.wtxids.size() <= limits::max_tx_inv);
}

TEST_CASE(
    "tx relay: a relayed tx is only announced to near peers; this node's own txs are pushed") {
  std::vector<uint64_t> ready{1, 2, 3};  // a 4-node mesh seen from one node
  std::vector<announce_item> items;
  for (uint8_t i = 0; i < 40; ++i) items.push_back({id(i), i % 2 ? 3u : 0u});
  auto count = [&](const tx_relay_plan& plan) { return relay_count(plan, ready, items); };
  // All near (a localnet, a LAN): own txs whole to 2 of 3, relayed ones named only.
  auto pushed = count(plan_tx_relay(ready, items, {1, 2, 3}));
  for (const auto& it : items) CHECK(pushed[it.wtxid] == (it.from == 0 ? 2 : 0));
  // None near (unmeasured or WAN): relayed ones whole to both others, as before.
  pushed = count(plan_tx_relay(ready, items, {}));
  for (const auto& it : items) CHECK(pushed[it.wtxid] == 2);
  // Mixed: a relayed tx is pushed to the far peer only, never to a near one.
  auto mixed = plan_tx_relay(ready, items, {2});
  pushed = count(mixed);
  for (auto& [s, idx] : mixed.push)
    for (size_t i : idx)
      if (items[i].from != 0) CHECK(s == 1);
  for (const auto& it : items) CHECK(pushed[it.wtxid] == (it.from == 0 ? 2 : 1));
}

TEST_CASE("recent frames: bounded by count and by bytes, oldest out first") {
  recent_frames r(3, 100);
  auto frame = [](size_t n) { return std::make_shared<const bytes>(bytes(n, 1)); };
  r.put(id(1), frame(10));
  r.put(id(2), frame(10));
  r.put(id(3), frame(10));
  r.put(id(4), frame(10));
  CHECK(r.size() == 3);
  CHECK((r.find(id(1)) == nullptr));
  CHECK((r.find(id(4)) != nullptr));
  r.put(id(5), frame(90));  // over the bytes: the older ones go
  CHECK(r.bytes_held() <= 100);
  CHECK((r.find(id(5)) != nullptr));
  CHECK((r.find(id(3)) == nullptr));
  r.put(id(5), frame(1));  // already held: kept as it was
  CHECK(r.find(id(5))->size() == 90);
}
