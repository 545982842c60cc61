#include "actors/mempool/block_checks.hpp"

#include <doctest/doctest.h>

#include <set>

#include "tests/support/fixtures.hpp"

using namespace tc;
using namespace tc::mempool;

namespace {

transaction spending(const outpoint& prev, uint8_t tag) {
  transaction tx;
  tx_input in;
  in.prev = prev;
  tx.inputs.push_back(in);
  tx.outputs.push_back({1000 + tag, test::key_from_seed(tag).public_key()});
  return tx;
}

outpoint old_output(uint8_t tag) {
  outpoint o;
  o.txid.v[0] = tag;
  o.index = 1;
  return o;
}

// reward, a (old output), b (spends a's output), r (registry), c (old output)
struct fixture {
  block b;
  std::vector<hash256> wtxids;
  fixture() {
    transaction reward;
    reward.kind = tx_kind::reward;
    reward.height = 7;
    reward.outputs.push_back({50, test::key_from_seed(9).public_key()});
    b.txs.push_back(reward);
    b.txs.push_back(spending(old_output(1), 1));
    b.txs.push_back(spending({txid(b.txs[1]), 0}, 2));
    transaction reg = spending(old_output(3), 3);
    reg.registration = mn_registration{};
    b.txs.push_back(reg);
    b.txs.push_back(spending(old_output(4), 4));
    for (const auto& t : b.txs) wtxids.push_back(wtxid(t));
  }
};

}  // namespace

TEST_CASE("block checks: unchecked transfers, owners from the block or looked up") {
  fixture f;
  auto none = [](const hash256&) { return false; };
  block_checks c = plan_block_checks(f.b, f.wtxids, none, 1);
  // Not the reward (spends nothing) nor the registry tx (the chain checks
  // its payload signatures itself, so it must not count as checked here).
  REQUIRE(c.index == std::vector<size_t>{1, 2, 4});
  REQUIRE(c.digests.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    CHECK(c.digests[k].txid == txid(f.b.txs[c.index[k]]));
    CHECK(c.digests[k].wtxid == f.wtxids[c.index[k]]);
    CHECK(c.spent[k].size() == f.b.txs[c.index[k]].inputs.size());
  }
  CHECK(c.spent[1][0] == f.b.txs[1].outputs[0]);  // created by the block itself
  REQUIRE(c.missing.size() == 2);                 // the old outputs: the UTXO set's
  CHECK(c.missing[0].k == 0);
  CHECK(c.missing[0].op == old_output(1));
  CHECK(c.missing[1].k == 2);
  CHECK(c.missing[1].input == 0);
  CHECK(c.missing[1].op == old_output(4));
}

TEST_CASE("block checks: what the mempool checked is skipped; too few are left to the chain") {
  fixture f;
  std::set<hash256> known{f.wtxids[1], f.wtxids[4]};
  auto checked = [&](const hash256& w) { return known.count(w) > 0; };
  block_checks c = plan_block_checks(f.b, f.wtxids, checked, 1);
  REQUIRE(c.index == std::vector<size_t>{2});
  CHECK(c.missing.empty());  // its input is tx 1's output, in the block
  CHECK(plan_block_checks(f.b, f.wtxids, checked, 2).empty());
  known.insert(f.wtxids[2]);
  CHECK(plan_block_checks(f.b, f.wtxids, checked, 1).empty());
}
