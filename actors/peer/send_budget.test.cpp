#include "actors/peer/send_budget.hpp"
#include <doctest/doctest.h>
#include <vector>

using namespace tc::peer;

TEST_CASE("finding 4: peers that ask for blocks and never read hold one answer each, in total") {
  send_budget_config cfg;
  cfg.total_bytes = 64u << 20;
  cfg.per_peer_bytes = 24u << 20;
  send_budget b(cfg);
  const uint64_t answer = 12u << 20;
  // Forty peers each ask for blocks twenty times and read nothing.
  uint64_t served = 0;
  for (int round = 0; round < 20; ++round)
    for (uint64_t peer = 1; peer <= 40; ++peer)
      served += b.ask(peer, answer, send_kind::served) == send_verdict::send;
  CHECK(b.total() <= cfg.total_bytes);
  CHECK(served == 5);  // 5 x 12 MiB fit in 64 MiB; each of those peers got one answer
  for (uint64_t peer = 1; peer <= 40; ++peer) CHECK(b.backlog(peer) <= answer);
  // A peer that drains gets served again.
  b.on_report(1, answer, 0);
  CHECK(b.backlog(1) == 0);
  CHECK(b.ask(1, answer, send_kind::served) == send_verdict::send);
}

TEST_CASE("send budget: gossip skips slow readers, consensus closes a peer past its cap") {
  send_budget b;
  const auto& cfg = b.config();
  CHECK(b.ask(7, 900 << 10, send_kind::gossip) == send_verdict::send);
  CHECK(b.ask(7, 200 << 10, send_kind::gossip) == send_verdict::send);  // 1.1 MiB now
  CHECK(b.ask(7, 1 << 10, send_kind::gossip) == send_verdict::skip);    // over the backlog
  CHECK(b.ask(8, 1 << 10, send_kind::gossip) == send_verdict::send);    // others unaffected
  // The session took it all and wrote some: the backlog is what is unsent.
  b.on_report(7, 1100 << 10, 100 << 10);
  CHECK(b.backlog(7) == 100 << 10);
  CHECK(b.ask(7, 1 << 10, send_kind::gossip) == send_verdict::send);
  // Consensus frames always go, until the peer's cap.
  uint64_t big = cfg.per_peer_bytes / 3;
  CHECK(b.ask(9, big, send_kind::consensus) == send_verdict::send);
  CHECK(b.ask(9, big, send_kind::consensus) == send_verdict::send);
  CHECK(b.ask(9, big, send_kind::consensus) == send_verdict::send);
  CHECK(b.ask(9, big, send_kind::consensus) == send_verdict::close_peer);
  uint64_t before = b.total();
  b.on_gone(9);
  CHECK(b.total() == before - 3 * big);
  // A report from a peer never asked about, or a stale one, changes nothing.
  b.on_report(99, 5, 5);
  b.on_report(8, 0, 0);
  CHECK(b.backlog(8) == 1 << 10);
}

TEST_CASE("finding 4: answers are reserved before they are built, so a crowd asking at once fits") {
  send_budget_config cfg;
  cfg.total_bytes = 32u << 20;
  send_budget b(cfg);
  const uint64_t cap = 4u << 20;
  // Twenty peers ask at once; none of the answers has been built yet.
  std::vector<uint64_t> building;
  for (uint64_t peer = 1; peer <= 20; ++peer)
    if (b.reserve(peer, cap)) building.push_back(peer);
  CHECK(building.size() == 8);  // 8 x 4 MiB = the budget; the rest are declined
  CHECK(b.total() <= cfg.total_bytes);
  // A second request from a peer whose answer is being built is declined.
  CHECK_FALSE(b.reserve(building.front(), cap));
  // Answers come out smaller than the cap: the difference is released.
  for (uint64_t peer : building) b.settle(peer, cap, 1u << 20);
  CHECK(b.total() == 8u << 20);
  CHECK(b.reserve(20, cap));
  // An answer that was not sent (its session closed) releases everything.
  b.settle(20, cap, 0);
  CHECK(b.backlog(20) == 0);
  // A peer gone before its answer was settled changes nothing.
  b.on_gone(1);
  b.settle(1, cap, cap);
  CHECK(b.backlog(1) == 0);
  CHECK(b.total() == 7u << 20);
}

TEST_CASE("send budget: a peer that does not read its tx answers is not sent more (getTxs)") {
  send_budget b;
  CHECK_FALSE(b.gossip_blocked(7));  // a peer never sent to
  // One answer of 5000 txs (about 1.2 MiB) handed, none read.
  CHECK(b.ask(7, 1200 << 10, send_kind::gossip) == send_verdict::send);
  CHECK(b.gossip_blocked(7));
  CHECK_FALSE(b.gossip_blocked(8));
  // It reads: answered again.
  b.on_report(7, 1200 << 10, 0);
  CHECK_FALSE(b.gossip_blocked(7));
  // The node over half its budget: nobody gets gossip.
  send_budget_config cfg;
  cfg.total_bytes = 4u << 20;
  send_budget small(cfg);
  CHECK(small.ask(1, 900 << 10, send_kind::consensus) == send_verdict::send);
  CHECK(small.ask(2, 900 << 10, send_kind::consensus) == send_verdict::send);
  CHECK(small.ask(3, 300 << 10, send_kind::consensus) == send_verdict::send);
  CHECK(small.gossip_blocked(4));
}
