#include "messages/compact.hpp"

#include <doctest/doctest.h>

#include "messages/codec.hpp"
#include "messages/gossip.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
std::vector<transaction> bodies(const proposal& p) {
  return {p.blk->txs.begin() + 1, p.blk->txs.end()};
}
}  // namespace

TEST_CASE("a compact proposal names the txs by wtxid and expands to the same proposal") {
  proposal p = test::sample_proposal(50);
  auto c = compact_of(p);
  CHECK(c.wtxids.size() == 50);
  CHECK(c.wtxids[2] == wtxid(p.blk->txs[3]));
  CHECK(check_compact(c).ok());
  CHECK(expand(c, bodies(p)) == p);
  // One key for both forms: a node holding either does not take the other.
  CHECK(gossip_key(c) == gossip_key(p));
  // The given wtxids are used as they are.
  std::vector<hash256> ids;
  for (auto& t : p.blk->txs) ids.push_back(wtxid(t));
  CHECK(compact_of(p, &ids) == c);
  // Far smaller on the wire than the full form.
  CHECK(encode_message(c).size() * 5 < encode_message(p).size());
}

TEST_CASE("a compact proposal that cannot stand for its header is refused") {
  auto c = compact_of(test::sample_proposal(4));
  SUBCASE("a wtxid swapped") {
    std::swap(c.wtxids[0], c.wtxids[1]);
    CHECK(check_compact(c).error_message() == "merkle root mismatch");
  }
  SUBCASE("a wtxid dropped") {
    c.wtxids.pop_back();
    CHECK(check_compact(c).error_message() == "merkle root mismatch");
  }
  SUBCASE("another reward") {
    c.reward.outputs[0].value += 1;
    CHECK(check_compact(c).error_message() == "merkle root mismatch");
  }
  SUBCASE("evidence not in the header") {
    c.evidence_list.push_back({});
    CHECK(check_compact(c).error_message() == "evidence hash mismatch");
  }
  SUBCASE("the reward is not a reward") {
    c.reward.kind = tx_kind::transfer;
    CHECK_FALSE(check_compact(c).ok());
  }
  SUBCASE("a tx twice, under a header sealed for it") {
    block b;
    b.header = c.header;
    b.txs.push_back(c.reward);
    auto p = test::sample_proposal(1);
    b.txs.push_back(p.blk->txs[1]);
    b.txs.push_back(p.blk->txs[1]);
    test::seal(b);
    auto twice = compact_of(proposal{9, 0, -1, std::make_shared<const block>(b), {}, {}});
    CHECK(check_compact(twice).error_message() == "a tx appears twice in the block");
  }
}
