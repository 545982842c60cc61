#include "actors/peer/peer_book.hpp"

#include <doctest/doctest.h>

#include "tests/support/fixtures.hpp"

using namespace tc;
using namespace tc::peer;

namespace {
pubkey key(uint64_t seed) {
  return test::key_from_seed(seed).public_key();
}
hello hello_from(const pubkey& k, std::string addr = {}) {
  return hello{k, std::move(addr), 0, "t"};
}
}  // namespace

TEST_CASE("what an upgrade can cause never bans an addnode peer or a validator") {
  auto code = [](reject_code c) { return static_cast<uint32_t>(c); };
  CHECK(spared_from_ban(code(reject_code::wrong_version), true));
  CHECK(spared_from_ban(code(reject_code::undecodable), true));
  // Anyone else is charged as before, and a protected peer for anything else.
  CHECK_FALSE(spared_from_ban(code(reject_code::wrong_version), false));
  CHECK_FALSE(spared_from_ban(code(reject_code::undecodable), false));
  CHECK_FALSE(spared_from_ban(code(reject_code::protocol_violation), true));
  CHECK_FALSE(spared_from_ban(code(reject_code::rate_limited), true));
  CHECK_FALSE(spared_from_ban(0, true));
}

TEST_CASE("simultaneous dial: both sides keep the connection dialed by the smaller key") {
  pubkey a = key(1), b = key(2);
  if (b < a) std::swap(a, b);
  // Many orders of readiness; both books must pick the same connection.
  for (int order = 0; order < 4; ++order) {
    peer_book at_a({}, a, "127.0.0.1:1"), at_b({}, b, "127.0.0.1:2");
    // Connection 1: dialed by a. Connection 2: dialed by b.
    at_a.on_open(1, direction::outbound, "127.0.0.1", "127.0.0.1:2");
    at_a.on_open(2, direction::inbound, "127.0.0.1", "");
    at_b.on_open(1, direction::inbound, "127.0.0.1", "");
    at_b.on_open(2, direction::outbound, "127.0.0.1", "127.0.0.1:1");
    auto settle = [&](peer_book& book, const pubkey& other, bool first_is_1) {
      std::set<uint64_t> alive = {1, 2};
      for (uint64_t id : first_is_1 ? std::vector<uint64_t>{1, 2} : std::vector<uint64_t>{2, 1}) {
        auto v = book.on_ready(id, hello_from(other), 0);
        if (!v.accept) alive.erase(id);
        if (v.close_other) alive.erase(*v.close_other);
      }
      return alive;
    };
    auto kept_a = settle(at_a, b, order & 1);
    auto kept_b = settle(at_b, a, order & 2);
    CHECK(kept_a == std::set<uint64_t>{1});
    CHECK(kept_b == std::set<uint64_t>{1});
  }
}

TEST_CASE("inbound admission: limits, per-IP cap, per-network cap and rate, bans") {
  book_config cfg;
  cfg.max_inbound = 4;
  cfg.max_per_ip = 2;
  cfg.max_inbound_per_group = 3;
  cfg.max_new_per_minute = 3;
  cfg.protected_inbound = 0;
  peer_book book(cfg, key(1), "");
  CHECK(book.admit_inbound("10.0.0.1", 0).admit);
  book.on_open(1, direction::inbound, "10.0.0.1", "");
  CHECK(book.admit_inbound("10.0.0.1", 0).admit);
  book.on_open(2, direction::inbound, "10.0.0.1", "");
  auto r = book.admit_inbound("10.0.0.1", 0);
  REQUIRE_FALSE(r.admit);
  CHECK(r.reason.find("too many connections from 10.0.0.1") != std::string::npos);
  CHECK(r.code == reject_code::too_many_peers);
  CHECK(book.admit_inbound("10.0.0.2", 0).admit);
  book.on_open(3, direction::inbound, "10.0.0.2", "");
  r = book.admit_inbound("10.0.9.9", 0);  // the same /16: its cap of 3 is reached
  REQUIRE_FALSE(r.admit);
  CHECK(r.reason.find("network v4:10.0") != std::string::npos);
  book.on_closed(1, 0);
  book.on_closed(2, 0);
  book.on_closed(3, 0);
  r = book.admit_inbound("10.0.0.4", 1);  // the 4th accept from 10.0/16 within a minute
  REQUIRE_FALSE(r.admit);
  CHECK(r.reason.find("rate limit") != std::string::npos);
  CHECK(book.admit_inbound("10.0.0.4", 60'001).admit);
}

TEST_CASE("finding 3: one address connecting at the rate limit does not lock out other networks") {
  book_config cfg;
  cfg.max_new_per_minute = 60;
  peer_book book(cfg, key(1), "");
  // The attacker opens two connections a second, each closed at once.
  uint64_t id = 1, now = 0;
  for (; now < 120'000; now += 500) {
    if (book.admit_inbound("203.0.113.5", now).admit) {
      book.on_open(id, direction::inbound, "203.0.113.5", "", now);
      book.on_closed(id++, now + 10);
    }
  }
  int more = 0;  // its own budget is spent: at most the one slot that just expired
  while (more < 100 && book.admit_inbound("203.0.113.5", now).admit) ++more;
  CHECK(more <= 1);
  // Honest peers elsewhere still get in.
  for (int i = 0; i < 10; ++i)
    CHECK(book.admit_inbound("198.51." + std::to_string(i) + ".7", now).admit);
  // So does another loopback address (each is a network of its own).
  CHECK(book.admit_inbound("127.0.0.1", now).admit);
}

TEST_CASE("finding 3: a full inbound table evicts a newcomer-heavy network, never old peers") {
  book_config cfg;
  cfg.max_inbound = 6;
  cfg.max_inbound_per_group = 6;
  cfg.protected_inbound = 2;
  peer_book book(cfg, key(1), "");
  // Two long-lived honest peers from different networks.
  book.on_open(1, direction::inbound, "198.51.100.1", "", 0);
  book.on_ready(1, hello_from(key(11)), 0);
  book.on_open(2, direction::inbound, "192.0.2.1", "", 10);
  book.on_ready(2, hello_from(key(12)), 10);
  // An attacker fills the rest from one /16.
  for (uint64_t id = 3; id <= 6; ++id) {
    REQUIRE(book.admit_inbound("203.0." + std::to_string(id) + ".1", 1'000 + id).admit);
    book.on_open(id, direction::inbound, "203.0." + std::to_string(id) + ".1", "", 1'000 + id);
  }
  auto a = book.admit_inbound("100.64.0.1", 5'000);
  REQUIRE(a.admit);
  REQUIRE(a.evict);
  CHECK(*a.evict >= 3);  // one of the attacker's, the newest
  CHECK(*a.evict == 6);
  // With only protected peers left nothing can be evicted.
  book_config tight = cfg;
  tight.max_inbound = 2;
  peer_book small(tight, key(1), "");
  small.on_open(1, direction::inbound, "198.51.100.1", "", 0);
  small.on_ready(1, hello_from(key(11)), 0);
  small.on_open(2, direction::inbound, "192.0.2.1", "", 0);
  small.on_ready(2, hello_from(key(12)), 0);
  CHECK_FALSE(small.admit_inbound("100.64.0.1", 1).admit);
}

TEST_CASE("finding 3: ban and score tables stay bounded; expired bans are forgotten") {
  book_config cfg;
  cfg.max_bans = 50;
  cfg.max_scores = 50;
  peer_book book(cfg, key(1), "");
  for (uint64_t i = 0; i < 1'000; ++i) {
    book.on_misbehaviour(key_subject(key(100 + i % 500)), i % 2 ? 100 : 1, "x", i);
    CHECK(book.bans().size() <= 50);
    CHECK(book.scored() <= 50);
  }
  book.on_misbehaviour("key:permanent", 100, "x", 0);
  book.prune(100 * 60'000);  // every 10-minute ban has ended
  CHECK(book.bans().size() <= 1);
}

TEST_CASE("misbehaviour points fade, one a minute: slips far apart never add up to a ban") {
  peer_book book({}, key(1), "");
  std::string s = key_subject(key(9));
  CHECK_FALSE(book.on_misbehaviour(s, 60, "slip", 0));
  CHECK(book.points(s, 0) == 60);
  CHECK(book.points(s, 30 * 60'000) == 30);
  // Thirty minutes on, another 60 make 90: no ban (without fading, 120 would ban).
  CHECK_FALSE(book.on_misbehaviour(s, 60, "slip", 30 * 60'000));
  CHECK(book.points(s, 30 * 60'000) == 90);
  // The same two slips a second apart still ban at once.
  std::string t = key_subject(key(10));
  CHECK_FALSE(book.on_misbehaviour(t, 60, "burst", 0));
  CHECK(book.on_misbehaviour(t, 60, "burst", 1'000));
  // Fully faded points leave the table at the next prune.
  book.prune(10 * 3'600'000);
  CHECK(book.points(s, 10 * 3'600'000) == 0);
  CHECK(book.scored() == 0);
}

TEST_CASE("operator bans: setban replaces a ban, clearban starts a subject afresh") {
  peer_book book({}, key(1), "");
  std::string s = ip_subject("10.1.2.3");
  auto b = book.set_ban(s, 60'000, "by hand", 1'000);
  CHECK(b.until_ms == 61'000);
  CHECK(book.banned(s, 60'999));
  CHECK_FALSE(book.banned(s, 61'001));
  CHECK_FALSE(book.admit_inbound("10.1.2.3", 2'000).admit);
  CHECK(book.set_ban(s, 0, "for good", 2'000).until_ms == 0);  // replaces the timed one
  CHECK(book.banned(s, 1'000'000'000));
  // Misbehaviour points and escalation levels go with clearban.
  std::string k = key_subject(key(7));
  book.on_misbehaviour(k, 100, "x", 0);
  book.on_misbehaviour(k, 60, "x", 0);
  CHECK(book.scored() == 1);
  CHECK(book.clear_bans(s) == std::vector<std::string>{s});
  CHECK_FALSE(book.banned(s, 3'000));
  CHECK(book.clear_bans(s).empty());       // nothing left to lift
  CHECK(book.clear_bans("").size() == 1);  // the key's ban
  CHECK(book.scored() == 0);
  CHECK(book.bans().empty());
  // Its next ban is level 1 again (10 minutes), not the escalated one.
  auto again = book.on_misbehaviour(k, 100, "x", 5'000);
  REQUIRE(again);
  CHECK(again->level == 1);
}

TEST_CASE("finding 3: the shared loopback address is never banned, other addresses are") {
  peer_book book({}, key(1), "");
  CHECK_FALSE(book.on_misbehaviour(ip_subject("127.0.0.1"), 1000, "garbage", 0));
  CHECK(book.admit_inbound("127.0.0.1", 1).admit);
  CHECK(book.on_misbehaviour(ip_subject("127.0.0.66"), 100, "garbage", 0));
  auto r = book.admit_inbound("127.0.0.66", 1);
  CHECK_FALSE(r.admit);
  CHECK(r.code == reject_code::banned);
}

TEST_CASE("bans escalate: minutes, then hours, then permanent; loopback is never banned by IP") {
  peer_book book({}, key(1), "");
  std::string s = key_subject(key(5));
  CHECK_FALSE(book.on_misbehaviour(s, 60, "x", 0));
  auto b1 = book.on_misbehaviour(s, 60, "x", 0);
  REQUIRE(b1);
  CHECK(b1->level == 1);
  CHECK(b1->until_ms == 10 * 60'000);
  CHECK(book.banned(s, 1));
  CHECK_FALSE(book.banned(s, 10 * 60'000));
  auto b2 = book.on_misbehaviour(s, 100, "x", 10 * 60'000);
  REQUIRE(b2);
  CHECK(b2->level == 2);
  CHECK(b2->until_ms == 10 * 60'000 + 24 * 3'600'000ull);
  auto b3 = book.on_misbehaviour(s, 100, "x", 100 * 3'600'000ull);
  REQUIRE(b3);
  CHECK(b3->until_ms == 0);
  CHECK(book.banned(s, ~0ull - 1));
  CHECK_FALSE(book.on_misbehaviour(ip_subject("127.0.0.1"), 1000, "garbage", 0));
  CHECK(book.on_misbehaviour(ip_subject("10.1.2.3"), 100, "garbage", 0));
  CHECK_FALSE(book.admit_inbound("10.1.2.3", 1).admit);
}

TEST_CASE("a banned key cannot complete a connection") {
  peer_book book({}, key(1), "");
  book.on_misbehaviour(key_subject(key(3)), 100, "bad block", 0);
  book.on_open(1, direction::inbound, "10.0.0.1", "");
  auto v = book.on_ready(1, hello_from(key(3)), 5);
  CHECK_FALSE(v.accept);
  CHECK(v.reason == "node key is banned");
  CHECK(v.code == reject_code::banned);
}

TEST_CASE("address book: dial candidates respect slots, back-off and connections") {
  book_config cfg;
  cfg.max_outbound = 2;
  peer_book book(cfg, key(1), "127.0.0.1:1");
  book.add_persistent("127.0.0.1:2");
  book.add_persistent("127.0.0.1:1");  // ourselves: never dialled
  CHECK(book.learn("127.0.0.1:3", "127.0.0.1", 10, 100));
  CHECK_FALSE(book.learn("127.0.0.1:3", "127.0.0.1", 20, 100));
  CHECK(book.learn("127.0.0.1:4", "127.0.0.1", 5, 100));
  auto c = book.dial_candidates(0);
  CHECK(c == std::vector<std::string>{"127.0.0.1:2", "127.0.0.1:3"});
  CHECK(book.dial_candidates(0).empty());  // both slots are being dialled
  book.on_dial_failed("127.0.0.1:2", 0);
  c = book.dial_candidates(0);
  CHECK(c == std::vector<std::string>{"127.0.0.1:4"});  // :2 backs off
  book.on_dial_failed("127.0.0.1:2", 0);                // not dialing, but back-off grows anyway
  book.on_dial_failed("127.0.0.1:4", 0);
  CHECK(book.dial_candidates(999).empty());
  CHECK(book.dial_candidates(1'000) == std::vector<std::string>{"127.0.0.1:4"});
  CHECK(book.addresses().at("127.0.0.1:2").failures == 2);
}

TEST_CASE("finding 2: gossiped addresses are validated, clamped, and never rewrite known entries") {
  address_config cfg;
  address_book book(cfg, "198.51.100.1:24200");
  uint64_t now = 1'000'000;
  // Not addresses a node could listen on.
  for (const char* bad : {"evil.example:24200", "0.0.0.0:1", "255.255.255.255:1", "224.0.0.1:1",
                          "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1", ":24200", "10.0.0.1:+80",
                          "[::]:1", "010.0.0.1:1", "198.51.100.1:24200"})
    CHECK_FALSE(book.learn(bad, "203.0.113.9", now, now));
  // A stranger cannot point us at our own machine.
  CHECK_FALSE(book.learn("127.0.0.1:22", "203.0.113.9", now, now));
  CHECK(book.learn("127.0.0.1:24201", "127.0.0.1", now, now));  // a local peer can
  // A far-future time is clamped to now: it cannot win the dial order.
  CHECK(book.learn("192.0.2.10:24200", "203.0.113.9", UINT64_MAX, now));
  CHECK(book.addresses().at("192.0.2.10:24200").last_seen_ms == now);
  // A configured entry and a tried one are not touched by claims.
  book.add_persistent("192.0.2.20:24200");
  CHECK_FALSE(book.learn("192.0.2.20:24200", "203.0.113.9", now, now));
  book.learn("192.0.2.30:24200", "198.51.100.7", now - 5, now);
  book.on_connected("192.0.2.30:24200", key(30), now);
  CHECK_FALSE(book.learn("192.0.2.30:24200", "203.0.113.9", UINT64_MAX, now));
  const auto& tried = book.addresses().at("192.0.2.30:24200");
  CHECK(tried.key == key(30));
  CHECK(tried.tried);
  CHECK(tried.last_seen_ms == now);
  // Dial order: configured, then tried, then new.
  auto order = book.dial_order();
  REQUIRE(order.size() >= 3);
  CHECK(order[0]->addr == "192.0.2.20:24200");
  CHECK(order[1]->addr == "192.0.2.30:24200");
}

TEST_CASE("finding 2: one network cannot fill the new table or push out tried entries") {
  address_config cfg;
  cfg.max_new = 100;
  cfg.max_per_source_group = 10;
  address_book book(cfg, "");
  uint64_t now = 1'000;
  for (int i = 0; i < 20; ++i)
    book.learn("192.0.2." + std::to_string(i + 1) + ":24200", "198.51.100.1", now, now);
  book.on_connected("192.0.2.1:24200", key(1), now);  // one we reached: tried
  // The attacker's network sends thousands of addresses.
  for (int i = 0; i < 5'000; ++i)
    book.learn("10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1:24200",
               "203.0.113.66", now + 10, now + 10);
  size_t from_attacker = 0, honest = 0;
  for (auto& [addr, a] : book.addresses()) (addr.rfind("10.", 0) == 0 ? from_attacker : honest)++;
  CHECK(from_attacker <= 10);
  CHECK(honest == 10);  // the honest source's own share, untouched
  CHECK(book.addresses().at("192.0.2.1:24200").tried);
  CHECK(book.new_count() <= cfg.max_new);
}

TEST_CASE("an address we dialed is verified even when the duplicate rule drops that connection") {
  pubkey me = key(1), other = key(2);
  // `other` keeps the connection it dialed when its key is the smaller one.
  if (me < other) std::swap(me, other);
  peer_book book({}, me, "");
  book.add_persistent("127.0.0.1:2");
  book.on_open(1, direction::inbound, "127.0.0.1", "");
  REQUIRE(book.on_ready(1, hello_from(other), 0).accept);
  book.on_open(2, direction::outbound, "127.0.0.1", "127.0.0.1:2");
  CHECK_FALSE(book.on_ready(2, hello_from(other), 5).accept);  // the duplicate loses
  CHECK(book.addresses().at("127.0.0.1:2").key == other);      // shared in getPeers, saved
}

TEST_CASE("the address book stays bounded and keeps persistent entries") {
  address_config cfg;
  cfg.max_new = 3;
  cfg.max_per_source_group = 3;
  address_book book(cfg, "");
  book.add_persistent("seed:1");
  for (int i = 0; i < 10; ++i)
    book.learn("192.0.2." + std::to_string(i + 1) + ":1", "198.51.100.1", uint64_t(i), 100);
  CHECK(book.addresses().size() == 4);
  CHECK(book.addresses().count("seed:1"));
  CHECK(book.addresses().count("192.0.2.10:1"));
}

TEST_CASE("reject 11 (banned there) backs a dialer off for ten minutes, then longer") {
  book_config cfg;
  peer_book book(cfg, key(1), "");
  book.add_persistent("192.0.2.5:24200");
  auto c = book.dial_candidates(0);
  REQUIRE(c.size() == 1);
  book.on_open(1, direction::outbound, "192.0.2.5", "192.0.2.5:24200", 0);
  book.on_ready(1, hello_from(key(5)), 10);
  book.on_closed(1, 20, static_cast<uint32_t>(reject_code::banned));
  CHECK(book.dial_candidates(2'000).empty());  // the old code redialed after 1 s
  CHECK(book.dial_candidates(20 + 10 * 60'000 - 1).empty());
  c = book.dial_candidates(20 + 10 * 60'000);
  REQUIRE(c.size() == 1);
  book.on_open(2, direction::outbound, "192.0.2.5", "192.0.2.5:24200", 0);
  book.on_ready(2, hello_from(key(5)), 10 * 60'000 + 30);
  book.on_closed(2, 10 * 60'000 + 40, static_cast<uint32_t>(reject_code::banned));
  CHECK(book.addresses().at("192.0.2.5:24200").next_try_ms == 10 * 60'000 + 40 + 20 * 60'000);
}

TEST_CASE("gossip dedup forgets the oldest hashes beyond its capacity") {
  book_config cfg;
  cfg.seen_capacity = 2;
  peer_book book(cfg, key(1), "");
  hash256 a{{1}}, b{{2}}, c{{3}};
  CHECK(book.first_seen(a));
  CHECK_FALSE(book.first_seen(a));
  CHECK(book.first_seen(b));
  CHECK(book.first_seen(c));
  CHECK(book.first_seen(a));  // evicted, so new again
}

TEST_CASE("a restored ban keeps its level, so the next ban escalates") {
  peer_book book({}, key(1), "");
  std::string s = key_subject(key(6));
  book.restore_ban(s, ban_entry{5, 2, "earlier"});
  CHECK_FALSE(book.banned(s, 5));
  auto b = book.on_misbehaviour(s, 100, "again", 10);
  REQUIRE(b);
  CHECK(b->level == 3);
  CHECK(b->until_ms == 0);
}
