#include "actors/peer/tx_intake.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace tc::peer;

TEST_CASE("finding 4/5: one peer's flood fills its own share; other peers' txs still get in") {
  tx_intake_config cfg;
  cfg.total_bytes = 10u << 20;
  cfg.min_share_bytes = 1u << 20;
  tx_intake<int> in(cfg);
  // The flooder sends 512 KiB txs as fast as it may.
  int accepted = 0;
  for (int i = 0; i < 1'000; ++i) accepted += in.push(1, 512u << 10, i);
  CHECK(in.bytes() <= cfg.total_bytes);
  CHECK(accepted == 20);  // alone it may use the whole 10 MiB
  // An honest peer arrives: the flooder's queue is full, but the newcomer's
  // share is its own... the total is full, so room comes as the queue drains.
  auto first = in.pop(4);
  CHECK(first.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(in.push(2, 300, 10'000 + i));
  // The flooder cannot retake the room while over its share of two.
  CHECK_FALSE(in.push(1, 512u << 10, -1));
  // Round robin: the honest peer's txs are not stuck behind the flood.
  auto next = in.pop(6);
  int honest = 0;
  for (int x : next) honest += x >= 10'000;
  CHECK(honest >= 3);
}

TEST_CASE("finding 5: junk txs are free up to an allowance, then cost points") {
  tx_intake_config cfg;
  cfg.junk_per_s = 10;
  cfg.junk_burst = 250;  // a newcomer starts with a fifth: 50
  cfg.junk_points = 2;
  tx_intake<int> in(cfg);
  uint32_t points = 0;
  for (int i = 0; i < 100; ++i) points += in.on_junk(3, 1'000);
  CHECK(points == 100);              // 50 free, 50 at 2 points: a ban at the default score
  CHECK(in.on_junk(4, 1'000) == 0);  // another peer has its own allowance
  CHECK(in.on_junk(3, 1'100) == 0);  // 100 ms later one more is free
  CHECK(in.on_junk(3, 1'100) == 2);
  in.on_gone(3);
  CHECK(in.on_junk(3, 1'100) == 0);  // forgotten with its session
}

TEST_CASE("finding 5: an honest relay under load, whose txs often lose a race, is never charged") {
  tx_intake<int> in;  // the defaults
  // 2000 txs a second for a minute, a third of them refused because a block
  // committed them before this node checked its copy.
  uint32_t points = 0;
  for (uint64_t ms = 0; ms < 60'000; ++ms)
    for (int i = 0; i < 2; ++i) {
      if ((ms * 2 + i) % 3 == 0)
        points += in.on_junk(5, ms);
      else
        in.on_useful(5, ms);
    }
  CHECK(points == 0);
  // A peer that only ever sends junk is charged within seconds.
  uint32_t junk_points = 0;
  for (uint64_t ms = 0; ms < 2'000 && junk_points < 100; ++ms) junk_points += in.on_junk(6, ms);
  CHECK(junk_points >= 100);
}

TEST_CASE("finding 5: a peer ahead of us is not charged for txs this node cannot use yet") {
  tx_intake_config cfg;
  cfg.junk_burst = 5;  // a newcomer starts with 1 free junk tx
  tx_intake<int> in(cfg);
  // Validators under load: the peer committed block 11 and relays txs
  // spending its outputs while this node is still at 10.
  uint32_t points = 0;
  for (int i = 0; i < 10'000; ++i) points += in.on_unusable(7, 11, 10, 1'000);
  CHECK(points == 0);
  // Level with us, the same txs are junk: past the allowance they cost.
  CHECK(in.on_unusable(7, 11, 11, 1'000) == 0);  // the one free
  CHECK(in.on_unusable(7, 11, 11, 1'000) == cfg.junk_points);
  CHECK(in.on_unusable(7, 9, 11, 1'000) == cfg.junk_points);  // behind us: no excuse
}

TEST_CASE("tx intake: bounded by count too, and forgets a peer's queue when it goes") {
  tx_intake_config cfg;
  cfg.total_txs = 3;
  tx_intake<int> in(cfg);
  CHECK(in.push(1, 10, 1));
  CHECK(in.push(2, 10, 2));
  CHECK(in.push(2, 10, 3));
  CHECK_FALSE(in.push(3, 10, 4));
  in.on_gone(2);
  CHECK(in.size() == 1);
  CHECK(in.bytes() == 10);
  CHECK(in.pop(10) == std::vector<int>{1});
  CHECK(in.size() == 0);
}

TEST_CASE("recent_commits remembers the last 100,000 committed txs, then forgets the oldest") {
  // A relay's late copy of a tx committed within that reach is a duplicate,
  // not junk; one older than that is junk again (replays are not free).
  recent_commits rc;
  auto id = [](uint32_t n) {
    tc::hash256 h;
    std::memcpy(h.v.data(), &n, sizeof n);
    return h;
  };
  for (uint32_t n = 0; n <= 100'000; ++n) rc.add(id(n));
  CHECK(rc.size() == 100'000);
  CHECK_FALSE(rc.contains(id(0)));
  CHECK(rc.contains(id(1)));
  CHECK(rc.contains(id(100'000)));
}
