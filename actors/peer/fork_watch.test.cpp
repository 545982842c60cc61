#include "actors/peer/fork_watch.hpp"

#include <doctest/doctest.h>

using namespace tc;
using namespace tc::peer;

namespace {
hash256 h(uint8_t b) {
  hash256 x;
  x.v.fill(b);
  return x;
}
block_with_cert at(uint64_t height) {
  block_with_cert b;
  b.blk.header.height = height;
  b.cert.height = height;
  return b;
}
}  // namespace

TEST_CASE("finding 8: a peer's other hash at a committed height is fetched once, then left") {
  fork_watch w(3, 60'000);
  for (uint64_t i = 1; i <= 5; ++i) w.on_local_tip(i, h(uint8_t(i)));
  CHECK_FALSE(w.on_peer_tip(7, 5, h(5), 0));  // the same block: nothing to see
  CHECK_FALSE(w.on_peer_tip(7, 9, h(1), 0));  // above our tip: sync's business
  CHECK_FALSE(w.on_peer_tip(7, 1, h(9), 0));  // forgotten height (only the last 3 kept)
  CHECK(w.on_peer_tip(7, 5, h(6), 0) == 5u);
  CHECK_FALSE(w.on_peer_tip(7, 4, h(6), 10));    // one probe per peer at a time
  CHECK(w.on_peer_tip(8, 5, h(6), 10) == 5u);    // another peer has its own
  CHECK_FALSE(w.take_probe_answer(7, {at(4)}));  // not what was asked
  CHECK_FALSE(w.take_probe_answer(7, {at(5), at(6)}));
  CHECK(w.take_probe_answer(7, {at(5)}));
  CHECK_FALSE(w.take_probe_answer(7, {at(5)}));  // answered already: sync's blocks
  CHECK_FALSE(w.on_peer_tip(7, 5, h(6), 1000));  // the same height again, within a minute
  CHECK(w.on_peer_tip(7, 4, h(6), 1000) == 4u);  // another height
  CHECK_FALSE(w.take_probe_answer(7, {}));       // nothing served: sync's, not the probe's
  CHECK(w.take_probe_answer(7, {at(4)}));
  CHECK(w.on_peer_tip(7, 4, h(6), 61'001) == 4u);
  w.on_peer_gone(7);
  w.on_peer_gone(8);
  CHECK(w.pending() == 0);
}

// Review finding: a peer drops a get_blocks that overlaps one it is still
// serving (sync's), so a probe could go unanswered; the peer was then never
// probed again. And an empty sync reply was taken for the probe's answer.
TEST_CASE("review: an unanswered probe times out; an empty list is no answer") {
  fork_watch w(8, 60'000, 10'000);
  w.on_local_tip(5, h(5));
  CHECK(w.on_peer_tip(7, 5, h(6), 0) == 5u);
  CHECK_FALSE(w.take_probe_answer(7, {}));
  CHECK(w.pending() == 1);
  CHECK_FALSE(w.on_peer_tip(7, 5, h(6), 9'999));   // still waiting
  CHECK(w.on_peer_tip(7, 5, h(6), 10'000) == 5u);  // given up: asked again
  CHECK(w.take_probe_answer(7, {at(5)}));
  CHECK_FALSE(w.on_peer_tip(7, 5, h(6), 20'000));  // answered: once a minute
}
