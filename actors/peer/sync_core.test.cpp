#include "actors/peer/sync_core.hpp"

#include <doctest/doctest.h>

using namespace tc;
using namespace tc::peer;

namespace {
std::vector<block_with_cert> range(uint64_t from, uint64_t count) {
  std::vector<block_with_cert> v;
  for (uint64_t h = from; h < from + count; ++h) {
    block_with_cert b;
    b.blk.header.height = h;
    b.cert.height = h;
    v.push_back(b);
  }
  return v;
}
template <class T>
std::vector<T> only(const sync_actions& acts) {
  std::vector<T> v;
  for (auto& a : acts)
    if (auto* x = std::get_if<T>(&a)) v.push_back(*x);
  return v;
}
}  // namespace

TEST_CASE("a node behind asks several peers for consecutive batches") {
  sync_core s({50, 3, 10'000, 500, 200});
  s.on_local_tip(10, 0);
  s.on_peer_tip(1, 130, 0);
  s.on_peer_tip(2, 130, 0);
  auto acts = s.on_peer_tip(3, 130, 0);
  CHECK(s.target() == 130);
  // Requests went out as tips arrived; collect them all.
  CHECK(s.in_flight() == 3);
  auto more = only<request_blocks>(acts);
  REQUIRE(more.size() == 1);  // the third peer got the third range
  CHECK(more[0].peer == 3);
  CHECK(more[0].from == 111);
  CHECK(more[0].count == 20);
}

TEST_CASE("answers out of order are applied in height order, one at a time") {
  sync_core s({2, 3, 10'000, 500, 200});
  s.on_peer_tip(1, 4, 0);
  s.on_peer_tip(2, 4, 0);
  CHECK(s.in_flight() == 2);  // [1,2] from peer 1, [3,4] from peer 2
  auto a = s.on_blocks(2, range(3, 2), 1);
  CHECK(only<apply_block>(a).empty());  // height 1 is missing
  a = s.on_blocks(1, range(1, 2), 2);
  auto ap = only<apply_block>(a);
  REQUIRE(ap.size() == 1);
  CHECK(ap[0].blk->blk.header.height == 1);
  for (uint64_t h = 1; h <= 4; ++h) {
    a = s.on_applied(h, apply_result::ok, "", 3);
    ap = only<apply_block>(a);
    if (h < 4) {
      REQUIRE(ap.size() == 1);
      CHECK(ap[0].blk->blk.header.height == h + 1);
    } else {
      CHECK(ap.empty());
    }
  }
  CHECK(s.local() == 4);
  CHECK_FALSE(s.behind());
  CHECK(s.buffered() == 0);
}

TEST_CASE("a peer that served an invalid block is punished and others serve the range") {
  sync_core s({10, 1, 10'000, 500, 200});
  auto a = s.on_peer_tip(1, 3, 0);
  REQUIRE(only<request_blocks>(a).size() == 1);
  s.on_peer_tip(2, 3, 0);  // one request at a time: nothing new
  a = s.on_blocks(1, range(1, 3), 1);
  REQUIRE(only<apply_block>(a).size() == 1);
  a = s.on_applied(1, apply_result::invalid, "certificate: not enough power", 2);
  auto p = only<punish_peer>(a);
  REQUIRE(p.size() == 1);
  CHECK(p[0].peer == 1);
  CHECK(p[0].points == 100);
  CHECK(p[0].why.find("not enough power") != std::string::npos);
  auto r = only<request_blocks>(a);
  REQUIRE(r.size() == 1);
  CHECK(r[0].peer == 2);
  CHECK(r[0].from == 1);
  CHECK(s.buffered() == 0);
}

TEST_CASE("timeouts, gone peers and unrequested or misnumbered blocks") {
  sync_core s({10, 2, 1'000, 500, 200});
  s.on_peer_tip(1, 5, 0);
  CHECK(s.in_flight() == 1);
  auto a = s.on_tick(1'000);
  auto p = only<punish_peer>(a);
  REQUIRE(p.size() == 1);
  CHECK(p[0].why == "sync request timed out");
  CHECK(s.in_flight() == 1);  // asked again (the only peer)
  s.on_peer_gone(1, 1'001);
  CHECK(s.in_flight() == 0);
  CHECK_FALSE(s.behind());

  a = s.on_blocks(7, range(1, 1), 1'002);
  CHECK(only<punish_peer>(a).at(0).why == "blocks nobody asked for");

  s.on_peer_tip(2, 5, 1'003);
  auto bad = range(1, 2);
  bad[1].blk.header.height = 9;
  a = s.on_blocks(2, bad, 1'004);
  CHECK(only<punish_peer>(a).at(0).why == "served blocks out of the requested sequence");
  CHECK(s.buffered() == 1);  // height 1 was fine
}

TEST_CASE("the window bounds what is requested beyond our tip") {
  sync_core s({50, 100, 10'000, 120, 200});
  for (uint64_t p = 1; p <= 10; ++p) s.on_peer_tip(p, 100'000, 0);
  CHECK(s.in_flight() == 3);  // 50 + 50 + 20
}

TEST_CASE("a block consensus was not ready for is offered again after a pause") {
  sync_core s({10, 1, 10'000, 500, 200});
  s.on_peer_tip(1, 2, 0);
  auto a = s.on_blocks(1, range(1, 2), 1);
  REQUIRE(only<apply_block>(a).size() == 1);
  a = s.on_applied(1, apply_result::retry, "busy", 10);
  CHECK(only<apply_block>(a).empty());
  CHECK(only<apply_block>(s.on_tick(100)).empty());
  CHECK(only<apply_block>(s.on_tick(210)).size() == 1);
}

TEST_CASE("a small request times out sooner than the cap") {
  sync_core s({50, 1, 10'000, 500, 200});
  s.on_peer_tip(1, 3, 0);  // asks 1..3
  CHECK(only<punish_peer>(s.on_tick(2'000)).empty());
  CHECK(only<punish_peer>(s.on_tick(2'480)).size() == 1);  // 2 s + 3 x 160 ms
}

TEST_CASE("a peer one block ahead is given time to let consensus finish that height") {
  sync_core s({50, 3, 10'000, 500, 200, 1'000});
  s.on_local_tip(10, 0);
  CHECK(only<request_blocks>(s.on_peer_tip(1, 11, 100)).empty());
  CHECK(only<request_blocks>(s.on_tick(600)).empty());
  // Consensus finished height 11 itself: nothing was fetched. The peer's
  // next block starts a new grace.
  CHECK(only<request_blocks>(s.on_local_tip(11, 700)).empty());
  CHECK(only<request_blocks>(s.on_peer_tip(1, 12, 800)).empty());
  CHECK(only<request_blocks>(s.on_tick(1'500)).empty());
  auto r = only<request_blocks>(s.on_tick(1'800));  // 1 s after it was first one behind
  REQUIRE(r.size() == 1);
  CHECK(r[0].from == 12);
  // Two or more behind: fetched at once.
  sync_core t({50, 3, 10'000, 500, 200, 1'000});
  t.on_local_tip(10, 0);
  r = only<request_blocks>(t.on_peer_tip(1, 12, 100));
  REQUIRE(r.size() == 1);
  CHECK(r[0].from == 11);
}

TEST_CASE("with checks ahead, a block is applied only once its signature check answered") {
  sync_config cfg{10, 3, 10'000, 500, 200};
  cfg.verify_ahead_txs = 7;  // blocks of 3 txs: two under check at a time
  sync_core s(cfg);
  s.on_peer_tip(1, 5, 0);
  auto blocks = range(1, 5);
  for (auto& b : blocks) b.blk.txs.resize(3);
  auto a = s.on_blocks(1, blocks, 1);
  CHECK(only<apply_block>(a).empty());
  auto ck = only<check_block>(a);
  REQUIRE(ck.size() == 2);
  CHECK(ck[0].height == 1);
  CHECK(ck[1].height == 2);
  // The second's check answering first applies nothing: 1 is still under check.
  CHECK(only<apply_block>(s.on_checked(2, ck[1].blk, 2)).empty());
  // An answer about another copy of block 1 (since replaced) counts for nothing.
  auto stale = std::make_shared<const block_with_cert>(blocks[0]);
  CHECK(only<apply_block>(s.on_checked(1, stale, 3)).empty());
  a = s.on_checked(1, ck[0].blk, 4);
  auto ap = only<apply_block>(a);
  REQUIRE(ap.size() == 1);
  CHECK(ap[0].blk->blk.header.height == 1);
  CHECK(only<check_block>(a).empty());  // 1 and 2 still hold the bound
  a = s.on_applied(1, apply_result::ok, "", 5);
  ap = only<apply_block>(a);  // 2 was checked already: applied at once
  REQUIRE(ap.size() == 1);
  CHECK(ap[0].blk->blk.header.height == 2);
  ck = only<check_block>(a);  // 1 left the bound: 3 is checked now
  REQUIRE(ck.size() == 1);
  CHECK(ck[0].height == 3);
  CHECK(s.checks() == 2);
}

TEST_CASE(
    "checks ahead: an invalid block's check is forgotten and another peer's copy checked anew") {
  sync_config cfg{1, 3, 10'000, 500, 200};
  cfg.verify_ahead_txs = 100;
  sync_core s(cfg);
  s.on_peer_tip(1, 2, 0);  // [1] from peer 1
  s.on_peer_tip(2, 2, 0);  // [2] from peer 2
  auto blocks = range(1, 2);
  for (auto& b : blocks) b.blk.txs.resize(2);
  CHECK(only<check_block>(s.on_blocks(2, {blocks[1]}, 1)).empty());  // 1 is missing yet
  auto ck = only<check_block>(s.on_blocks(1, {blocks[0]}, 2));
  REQUIRE(ck.size() == 2);  // 1, then 2 behind it
  auto ap = only<apply_block>(s.on_checked(1, ck[0].blk, 3));
  REQUIRE(ap.size() == 1);
  auto a = s.on_applied(1, apply_result::invalid, "bad signature", 4);
  REQUIRE(only<punish_peer>(a).size() == 1);
  CHECK(s.checks() == 1);  // peer 1's block went, and its check with it; 2's stays
  auto req = only<request_blocks>(a);
  REQUIRE(req.size() == 1);
  CHECK(req[0].peer == 2);
  // Peer 2 serves height 1: a new check, and no apply before it ends.
  a = s.on_blocks(2, {blocks[0]}, 5);
  CHECK(only<apply_block>(a).empty());
  ck = only<check_block>(a);
  REQUIRE(ck.size() == 1);
  CHECK(ck[0].height == 1);
  CHECK(only<apply_block>(s.on_checked(1, ck[0].blk, 6)).size() == 1);
}

TEST_CASE("the buffer is bounded in bytes: past it only the block that drains it is asked for") {
  std::vector<block_with_cert> blocks = range(1, 40);
  for (auto& b : blocks) b.blk.txs.resize(100);  // about 6 kB each
  sync_config cfg{5, 3, 10'000, 500, 200};
  cfg.window_bytes = 3 * approx_bytes(blocks[0]);
  sync_core s(cfg);
  s.on_peer_tip(1, 40, 0);
  s.on_peer_tip(2, 40, 0);
  s.on_peer_tip(3, 40, 0);  // [1,5] peer 1, [6,10] peer 2, [11,15] peer 3
  auto slice = [&](uint64_t from, uint64_t n) {
    return std::vector<block_with_cert>(blocks.begin() + (from - 1),
                                        blocks.begin() + (from - 1 + n));
  };
  // Later ranges arrive first: 10 blocks buffered, over the bound, none applicable.
  s.on_blocks(2, slice(6, 5), 1);
  auto a = s.on_blocks(3, slice(11, 5), 2);
  CHECK(s.buffered_bytes() > cfg.window_bytes);
  CHECK(only<request_blocks>(a).empty());  // [1,5] is still in flight: nothing more
  // Peer 1 never answers: the retry asks for the next block alone.
  a = s.on_tick(20'000);
  auto req = only<request_blocks>(a);
  REQUIRE(req.size() == 1);
  CHECK(req[0].from == 1);
  CHECK(req[0].count == 1);
  // Served one at a time while the buffer is full; as blocks apply it
  // drains, and a range is asked for again.
  bool range_again = false;
  uint64_t now = 20'001;
  for (int step = 0; step < 100 && !range_again; ++step) {
    for (auto& r : only<request_blocks>(a)) {
      if (r.count > 1 && r.from > 15) range_again = true;
      if (r.count == 1) CHECK(r.from == s.local() + 1);
    }
    if (range_again) break;
    auto ap = only<apply_block>(a);
    auto rq = only<request_blocks>(a);
    if (!ap.empty())
      a = s.on_applied(ap[0].blk->blk.header.height, apply_result::ok, "", ++now);
    else if (!rq.empty())
      a = s.on_blocks(rq[0].peer, slice(rq[0].from, rq[0].count), ++now);
    else
      a = s.on_tick(++now);
  }
  CHECK(range_again);
  CHECK(s.buffered_bytes() < cfg.window_bytes);
}

namespace {
std::vector<uint64_t> offered(const sync_actions& acts) {
  std::vector<uint64_t> hs;
  for (auto& a : only<apply_block>(acts)) hs.push_back(a.blk->blk.header.height);
  return hs;
}
sync_core ahead_core() {
  sync_config cfg{10, 1, 10'000, 500, 200};
  cfg.offer_ahead = true;
  return sync_core(cfg);
}
}  // namespace

TEST_CASE("offers ahead: the block after the one applying is offered too, and takes its place") {
  sync_core s = ahead_core();
  s.on_peer_tip(1, 4, 0);
  auto a = s.on_blocks(1, range(1, 4), 1);
  CHECK(offered(a) == std::vector<uint64_t>{1, 2});
  // 1 applied: 2 is already with consensus, so only 3 goes out.
  CHECK(offered(s.on_applied(1, apply_result::ok, "", 2)) == std::vector<uint64_t>{3});
  CHECK(offered(s.on_applied(2, apply_result::ok, "", 3)) == std::vector<uint64_t>{4});
  CHECK(offered(s.on_applied(3, apply_result::ok, "", 4)).empty());
  CHECK(offered(s.on_applied(4, apply_result::ok, "", 5)).empty());
  CHECK(s.local() == 4);
  CHECK(s.buffered() == 0);
}

TEST_CASE("offers ahead: a refused ahead offer costs no pause and waits for the tip to move") {
  sync_core s = ahead_core();
  s.on_peer_tip(1, 4, 0);
  CHECK(offered(s.on_blocks(1, range(1, 4), 1)) == std::vector<uint64_t>{1, 2});
  // Consensus was not ready for 2: not offered again while 1 is applying
  // (that would ping-pong), whatever the ticks.
  CHECK(offered(s.on_applied(2, apply_result::retry, "not at that height yet", 2)).empty());
  CHECK(offered(s.on_tick(500)).empty());
  // 1 applied: 2 goes out at once (no retry pause), and 3 behind it.
  CHECK(offered(s.on_applied(1, apply_result::ok, "", 501)) == std::vector<uint64_t>{2, 3});
}

TEST_CASE("offers ahead: the next block refused pauses; the one held ahead still answers") {
  sync_core s = ahead_core();
  s.on_peer_tip(1, 4, 0);
  CHECK(offered(s.on_blocks(1, range(1, 4), 1)) == std::vector<uint64_t>{1, 2});
  CHECK(offered(s.on_applied(1, apply_result::retry, "busy", 10)).empty());
  CHECK(offered(s.on_tick(100)).empty());
  CHECK(offered(s.on_tick(210)) == std::vector<uint64_t>{1});  // 2 is still out
  CHECK(offered(s.on_applied(2, apply_result::retry, "not at that height yet", 211)).empty());
  CHECK(offered(s.on_applied(1, apply_result::ok, "", 212)) == std::vector<uint64_t>{2, 3});
}

TEST_CASE("offers ahead: consensus committing the next block itself promotes the one ahead") {
  sync_core s = ahead_core();
  s.on_peer_tip(1, 4, 0);
  CHECK(offered(s.on_blocks(1, range(1, 4), 1)) == std::vector<uint64_t>{1, 2});
  // Our tip moved to 1 (consensus decided it): 2, held by consensus, is
  // the next one now; 3 goes out ahead of it.
  CHECK(offered(s.on_local_tip(1, 2)) == std::vector<uint64_t>{3});
  // The old offer of 1 answers late: nothing changes.
  CHECK(offered(s.on_applied(1, apply_result::ok, "", 3)).empty());
  // An invalid block held ahead blames its peer; the next is offered again.
  auto a = s.on_applied(3, apply_result::invalid, "bad certificate", 4);
  REQUIRE(only<punish_peer>(a).size() == 1);
  CHECK(offered(s.on_applied(2, apply_result::ok, "", 5)).empty());  // 3 and 4 went with peer 1
  CHECK(s.local() == 2);
}

TEST_CASE(
    "requests are sized to what peers serve per answer, so every peer fetches the next blocks") {
  sync_core s({50, 3, 10'000, 500, 200});
  s.on_peer_tip(1, 400, 0);
  s.on_peer_tip(2, 400, 0);
  s.on_peer_tip(3, 400, 0);  // [1,50] peer 1, [51,100] peer 2, [101,150] peer 3
  CHECK(s.blocks_per_request(1) == 50);
  // Large blocks: each answer stops at its byte cap, after two blocks.
  auto r = only<request_blocks>(s.on_blocks(1, range(1, 2), 1));
  REQUIRE(r.size() == 1);
  CHECK(r[0].from == 3);
  CHECK(r[0].count == 2);
  r = only<request_blocks>(s.on_blocks(2, range(51, 2), 2));
  REQUIRE(r.size() == 1);
  CHECK(r[0].from == 5);  // the next blocks, not 53..100
  CHECK(r[0].count == 2);
  r = only<request_blocks>(s.on_blocks(3, range(101, 2), 3));
  REQUIRE(r.size() == 1);
  CHECK(r[0].from == 7);
  // Whole answers: the requests grow again, up to batch_blocks.
  r = only<request_blocks>(s.on_blocks(1, range(3, 2), 4));
  REQUIRE(r.size() == 1);
  CHECK(r[0].count == 4);
  uint64_t now = 5;
  for (int i = 0; i < 20; ++i) {
    auto from = r.at(0).from;
    auto count = r.at(0).count;
    uint64_t peer = r.at(0).peer;
    r = only<request_blocks>(s.on_blocks(peer, range(from, count), ++now));
    if (r.empty()) break;
  }
  CHECK(s.blocks_per_request(1) == 50);
}

TEST_CASE("a peer that answers a block at a time makes only its own requests small") {
  sync_core s({50, 3, 10'000, 500, 200});
  s.on_peer_tip(1, 400, 0);
  s.on_peer_tip(2, 400, 0);  // [1,50] peer 1, [51,100] peer 2
  auto r = only<request_blocks>(s.on_blocks(1, range(1, 1), 1));
  REQUIRE(r.size() == 1);
  CHECK(r[0].peer == 1);
  CHECK(r[0].count == 1);
  CHECK(s.blocks_per_request(1) == 1);
  CHECK(s.blocks_per_request(2) == 50);
  r = only<request_blocks>(s.on_blocks(2, range(51, 50), 2));
  REQUIRE(r.size() == 1);
  CHECK(r[0].peer == 2);
  CHECK(r[0].from == 3);    // peer 1 holds only 2
  CHECK(r[0].count == 48);  // up to 51, buffered already
  // Gone and back: a peer starts again from the full batch.
  s.on_peer_gone(1, 3);
  CHECK(s.blocks_per_request(1) == 50);
}
