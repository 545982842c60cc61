#include "actors/producer/assembly.hpp"

#include <doctest/doctest.h>

#include "messages/encoding.hpp"
#include "messages/limits.hpp"
#include "messages/validation.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using namespace tc::producer;

namespace {

tx_ref transfer(uint8_t tag) {
  transaction tx;
  tx.kind = tx_kind::transfer;
  tx_input in;
  in.prev.txid.v[0] = tag;
  tx.inputs.push_back(in);
  tx.outputs.push_back({1000 + tag, test::key_from_seed(tag).public_key()});
  return std::make_shared<const transaction>(std::move(tx));
}

evidence evidence_by(uint64_t seed) {
  evidence e;
  e.a.validator = e.b.validator = test::key_from_seed(seed).public_key();
  e.a.height = e.b.height = 4;
  e.b.block_hash.v[0] = 1;
  return e;
}

template <class T>
const T& only(const steps& s) {
  REQUIRE(s.size() == 1);
  REQUIRE(std::holds_alternative<T>(s[0]));
  return std::get<T>(s[0]);
}

template <class T>
const T& last(const steps& s) {
  REQUIRE(!s.empty());
  REQUIRE(std::holds_alternative<T>(s.back()));
  return std::get<T>(s.back());
}

template <class T>
bool has(const steps& s) {
  for (const auto& x : s)
    if (std::holds_alternative<T>(x)) return true;
  return false;
}

struct fixture {
  evidence_pool pool{4};
  pubkey proposer = test::key_from_seed(77).public_key();
  tip_view tip{9, hash256{}, 5'000};
  std::vector<tx_ref> txs{transfer(1), transfer(2), transfer(3)};
  std::vector<hash256> wtxids() const {
    std::vector<hash256> out;
    for (const auto& t : txs) out.push_back(wtxid(*t));
    return out;
  }
  assembly make() { return assembly(10, 2, proposer, {100, 1 << 20}, pool); }
  // One whose block (the three txs, fees 30) waits for its dry run.
  assembly at_dry_run() {
    assembly a = make();
    a.start();
    a.on_tip(tip);
    a.on_selected(txs, wtxids(), 30);
    a.on_reward(reward(530), 6'000);
    return a;
  }
  std::vector<tx_output> reward(amount v) const { return {{v, proposer}}; }
};

}  // namespace

TEST_CASE("assembly: tip, selection, reward, then a dry run of a well-formed block") {
  fixture f;
  f.pool.on_evidence(evidence_by(5));
  assembly a = f.make();
  only<ask_tip>(a.start());
  auto sel = only<ask_select>(a.on_tip(f.tip));
  CHECK(sel.max_txs == 99);  // one slot for the reward tx
  CHECK(sel.max_bytes == (1u << 20) - (64u << 10));
  auto rw = only<ask_reward>(a.on_selected(f.txs, f.wtxids(), 30));
  CHECK(rw.height == 10);
  CHECK(rw.fees == 30);
  CHECK(rw.proposer == f.proposer);
  auto v = only<ask_validate>(a.on_reward(f.reward(530), 4'000));
  const block& b = *v.blk;
  CHECK(v.wtxids == f.wtxids());
  CHECK(b.header.height == 10);
  CHECK(b.header.prev_hash == f.tip.hash);
  CHECK(b.header.proposer == f.proposer);
  CHECK(b.header.timestamp_ms == 5'001);  // the clock is behind the tip: just after it
  REQUIRE(b.txs.size() == 4);
  CHECK(b.txs[0].kind == tx_kind::reward);
  CHECK(b.txs[0].outputs[0].value == 530);
  CHECK(txid(b.txs[2]) == txid(*f.txs[1]));
  REQUIRE(b.evidence_list.size() == 1);
  CHECK(check_block_stateless(b).ok());  // roots match the body
  CHECK(a.on_validated("").empty());     // the shell delivers what it validated
}

TEST_CASE("assembly: a block that does not validate walks filter, no evidence, empty") {
  fixture f;
  f.pool.on_evidence(evidence_by(5));
  assembly a = f.at_dry_run();
  // 1: the tip has not moved, so the block itself is at fault: the chain's
  // filter keeps txs 0 and 2; tx 1 leaves the mempool too.
  only<ask_tip>(a.on_validated("inputs conflict"));
  auto filter = only<ask_filter>(a.on_tip(f.tip));
  CHECK(filter.txs.size() == 3);
  tx_selection keep;
  keep.kept = {0, 2};
  keep.fees = 20;
  keep.dropped = {{1, "spends a spent output"}};
  steps s = a.on_filtered(keep);
  REQUIRE(s.size() == 2);
  const auto& ev = std::get<evict>(s[0]);
  REQUIRE(ev.txids.size() == 1);
  CHECK(ev.txids[0] == txid(*f.txs[1]));
  CHECK(ev.why[0] == "spends a spent output");
  CHECK(std::get<ask_reward>(s[1]).fees == 20);
  auto v = only<ask_validate>(a.on_reward(f.reward(520), 6'000));
  CHECK(v.blk->txs.size() == 3);
  CHECK(v.blk->evidence_list.size() == 1);
  // 2: still invalid: the evidence goes (it would fail every block).
  only<ask_tip>(a.on_validated("evidence does not verify"));
  s = a.on_tip(f.tip);
  CHECK(has<fallback_note>(s));
  CHECK(last<ask_reward>(s).fees == 20);
  CHECK(f.pool.size() == 0);
  v = only<ask_validate>(a.on_reward(f.reward(520), 6'000));
  CHECK(v.blk->evidence_list.empty());
  CHECK(v.blk->txs.size() == 3);
  // 3: still invalid: the reward-only block, not dry-run.
  only<ask_tip>(a.on_validated("still wrong"));
  s = a.on_tip(f.tip);
  CHECK(has<fallback_note>(s));
  CHECK(last<ask_reward>(s).fees == 0);
  CHECK_FALSE(a.done());
  auto d = only<deliver>(a.on_reward(f.reward(500), 6'000));
  CHECK(a.done());
  CHECK(d.blk->txs.size() == 1);
  CHECK(d.blk->evidence_list.empty());
  CHECK(check_block_stateless(*d.blk).ok());
}

TEST_CASE("assembly: nothing to filter or drop goes straight to the empty block") {
  fixture f;
  assembly a = f.make();
  a.start();
  a.on_tip(f.tip);
  a.on_selected({}, {}, 0);
  a.on_reward(f.reward(500), 6'000);
  only<ask_tip>(a.on_validated("the chain refuses"));
  steps s = a.on_tip(f.tip);
  CHECK(has<fallback_note>(s));
  CHECK(last<ask_reward>(s).fees == 0);
  CHECK(only<deliver>(a.on_reward(f.reward(500), 6'000)).blk->txs.size() == 1);
}

TEST_CASE("assembly: a filter the chain cannot run ends in the empty block") {
  fixture f;
  assembly a = f.at_dry_run();
  only<ask_tip>(a.on_validated("bad"));
  only<ask_filter>(a.on_tip(f.tip));
  steps s = a.on_filter_failed("query_failed: disk");
  CHECK(std::get<fallback_note>(s[0]).text.find("query_failed: disk") != std::string::npos);
  CHECK(last<ask_reward>(s).fees == 0);
}

TEST_CASE("assembly: a build the chain outran is stale: no filter, no eviction, evidence kept") {
  // Another proposer's block at this height committed while this one was
  // built (a later round): the dry run fails on the tip, not on the txs.
  fixture f;
  f.pool.on_evidence(evidence_by(5));
  assembly a = f.at_dry_run();
  only<ask_tip>(a.on_validated("block height 10 does not extend tip 10"));
  tip_view moved{10, hash256{}, 5'500};
  moved.hash.v[0] = 1;
  steps s = a.on_tip(moved);
  CHECK_FALSE(has<ask_filter>(s));
  CHECK_FALSE(has<evict>(s));
  const auto& note = std::get<fallback_note>(s[0]);
  CHECK(note.stale);  // routine under load: not logged as an error
  CHECK(note.text.find("stale") != std::string::npos);
  CHECK(last<ask_reward>(s).fees == 0);
  CHECK(f.pool.size() == 1);  // the evidence waits for the next block
  auto d = only<deliver>(a.on_reward(f.reward(500), 6'000));
  CHECK(d.blk->header.height == 10);  // on the tip it was built on: consensus drops it
  CHECK(d.blk->header.prev_hash == f.tip.hash);
  CHECK(d.blk->txs.size() == 1);
  CHECK(a.done());
}

TEST_CASE("assembly: evidence in a block is capped; the pool is bounded and forgets what landed") {
  evidence_pool pool(3);
  for (uint64_t i = 1; i <= 5; ++i) pool.on_evidence(evidence_by(i));
  CHECK(pool.size() == 3);  // two new validators past the bound: not added
  evidence again = evidence_by(1);
  again.b.round = 7;
  pool.on_evidence(again);  // a known validator: updated, not added
  CHECK(pool.size() == 3);
  CHECK(pool.for_block(2).size() == 2);
  block b;
  b.evidence_list = pool.for_block(1);
  pool.on_committed(b);
  CHECK(pool.size() == 2);

  evidence_pool big(limits::max_block_evidence + 10);
  for (uint64_t i = 1; i <= limits::max_block_evidence + 10; ++i) big.on_evidence(evidence_by(i));
  fixture f;
  assembly a(10, 0, f.proposer, {100, 1 << 20}, big);
  a.start();
  a.on_tip(f.tip);
  a.on_selected({}, {}, 0);
  auto v = only<ask_validate>(a.on_reward(f.reward(500), 6'000));
  CHECK(v.blk->evidence_list.size() == limits::max_block_evidence);
}
