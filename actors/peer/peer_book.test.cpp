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

TEST_CASE("inbound admission: limits, per-IP cap, rate per minute, bans") {
  book_config cfg;
  cfg.max_inbound = 3;
  cfg.max_per_ip = 2;
  cfg.max_new_per_minute = 3;
  peer_book book(cfg, key(1), "");
  CHECK_FALSE(book.admit_inbound("10.0.0.1", 0));
  book.on_open(1, direction::inbound, "10.0.0.1", "");
  CHECK_FALSE(book.admit_inbound("10.0.0.1", 0));
  book.on_open(2, direction::inbound, "10.0.0.1", "");
  auto r = book.admit_inbound("10.0.0.1", 0);
  REQUIRE(r);
  CHECK(r->reason.find("too many connections from 10.0.0.1") != std::string::npos);
  CHECK(r->code == reject_code::too_many_peers);
  CHECK_FALSE(book.admit_inbound("10.0.0.2", 0));
  book.on_open(3, direction::inbound, "10.0.0.2", "");
  r = book.admit_inbound("10.0.0.3", 0);
  REQUIRE(r);
  CHECK(r->reason.find("inbound limit") != std::string::npos);
  book.on_closed(1, 0);
  book.on_closed(2, 0);
  book.on_closed(3, 0);
  r = book.admit_inbound("10.0.0.4", 1);  // the 4th accept within a minute
  REQUIRE(r);
  CHECK(r->reason.find("rate limit") != std::string::npos);
  CHECK_FALSE(book.admit_inbound("10.0.0.4", 60'001));
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
  CHECK(book.admit_inbound("10.1.2.3", 1));
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
  CHECK(book.learn("127.0.0.1:3", key(3), 10));
  CHECK_FALSE(book.learn("127.0.0.1:3", key(3), 20));
  CHECK(book.learn("127.0.0.1:4", key(4), 5));
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

TEST_CASE("the address book stays bounded and keeps persistent entries") {
  book_config cfg;
  cfg.max_addresses = 3;
  peer_book book(cfg, key(1), "");
  book.add_persistent("seed:1");
  for (int i = 0; i < 10; ++i) book.learn("h:" + std::to_string(i), pubkey{}, uint64_t(i));
  CHECK(book.addresses().size() == 3);
  CHECK(book.addresses().count("seed:1"));
  CHECK(book.addresses().count("h:9"));
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
