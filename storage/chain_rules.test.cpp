#include "storage/chain_rules.hpp"

#include <doctest/doctest.h>

#include "messages/encoding.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;
using test::chain_builder;

namespace {
// Splits one of `owner`'s outputs into `amounts` (+ change); returns the new outpoints.
std::vector<std::pair<outpoint, tx_output>> split(chain_builder& cb, chain_store& cs,
                                                  const secret_key& owner,
                                                  std::vector<amount> amounts) {
  amount fee = cs.params().min_tx_fee;
  auto u = cs.utxos_of(owner.public_key(), 1).at(0);
  std::vector<tx_output> outs;
  amount rest = u.second.out.value - fee;
  for (amount a : amounts) outs.push_back({a, owner.public_key()}), rest -= a;
  outs.push_back({rest, owner.public_key()});
  transaction tx = test::make_transfer(cb.domain(), u.first, u.second.out, owner, outs);
  REQUIRE(cb.connect(cs, cb.make_block(cs, {tx}, fee)).ok());
  std::vector<std::pair<outpoint, tx_output>> made;
  for (uint32_t i = 0; i < outs.size(); ++i) made.push_back({{txid(tx), i}, outs[i]});
  return made;
}
vote signed_vote(const chain_builder& cb, const secret_key& k, uint64_t h, uint8_t fill) {
  vote v{vote_type::precommit, h, 0, {}, k.public_key(), {}};
  v.block_hash.v.fill(fill);
  v.sig = k.sign(vote_sign_bytes(cb.domain(), v), hash256{});
  return v;
}
}  // namespace

TEST_CASE("one registration per collateral, even within one block") {
  chain_builder cb;
  auto cs = cb.open_memory();
  const secret_key& owner = cb.owners[2];
  amount fee = cs->params().min_tx_fee;
  auto outs = split(cb, *cs, owner, {1'000 * coin, 10 * coin, 10 * coin});
  secret_key op1 = test::key_from_seed(7001), op2 = test::key_from_seed(7002);
  auto r1 = cb.make_registration(outs[1], owner, mn_tier::bronze, outs[0].first, outs[0].second,
                                 owner, op1, fee);
  auto r2 = cb.make_registration(outs[2], owner, mn_tier::bronze, outs[0].first, outs[0].second,
                                 owner, op2, fee);
  auto s = cb.connect(*cs, cb.make_block(*cs, {r1, r2}, 2 * fee));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("already locked") != std::string::npos);
  REQUIRE(cb.connect(*cs, cb.make_block(*cs, {r1}, fee)).ok());
  s = cb.connect(*cs, cb.make_block(*cs, {r2}, fee));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("already locked") != std::string::npos);
  // The same operator key twice is refused too.
  auto again = cb.make_registration(outs[2], owner, mn_tier::free, {}, {}, owner, op1, fee);
  s = cb.connect(*cs, cb.make_block(*cs, {again}, fee));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("already a registered masternode") != std::string::npos);
}

TEST_CASE("free tier only where the network allows it") {
  for (bool allowed : {true, false}) {
    CAPTURE(allowed);
    chain_builder cb(8, 3);  // gold, silver, bronze: no free-tier genesis masternode
    cb.genesis.params.allow_free_tier = allowed;
    auto cs = cb.open_memory();
    const secret_key& payer = cb.owners[3];
    auto outs = split(cb, *cs, payer, {10 * coin});
    secret_key op = test::key_from_seed(7100);
    auto reg = cb.make_registration(outs[0], payer, mn_tier::free, {}, {}, payer, op,
                                    cs->params().min_tx_fee);
    auto s = cb.connect(*cs, cb.make_block(*cs, {reg}, cs->params().min_tx_fee));
    CHECK(s.ok() == allowed);
    if (!allowed) CHECK(s.error_message().find("free tier is not allowed") != std::string::npos);
    if (allowed) CHECK(cs->masternodes().at(op.public_key()).owner == op.public_key());
  }
}

TEST_CASE("outputs may be spent later in the same block, not earlier") {
  chain_builder cb;
  auto cs = cb.open_memory();
  const secret_key& k = cb.owners[0];
  amount fee = cs->params().min_tx_fee;
  auto u = cs->utxos_of(k.public_key(), 1).at(0);
  transaction a = test::make_transfer(cb.domain(), u.first, u.second.out, k,
                                      {{u.second.out.value - fee, k.public_key()}});
  tx_output a_out = a.outputs[0];
  transaction b = test::make_transfer(cb.domain(), {txid(a), 0}, a_out, k,
                                      {{a_out.value - fee, k.public_key()}});
  hash256 before = cs->utxo_digest()->first;
  CHECK_FALSE(cb.connect(*cs, cb.make_block(*cs, {b, a}, 2 * fee)).ok());
  CHECK(cs->utxo_digest()->first == before);
  REQUIRE(cb.connect(*cs, cb.make_block(*cs, {a, b}, 2 * fee)).ok());
  CHECK_FALSE(cs->get_utxo({txid(a), 0}).has_value());
  CHECK(cs->get_utxo({txid(b), 0}).has_value());
  REQUIRE(cs->disconnect_tip().ok());
  CHECK(cs->utxo_digest()->first == before);
}

TEST_CASE("equivocation evidence removes the validator from the next height on") {
  chain_builder cb;
  auto cs = cb.open_memory();
  const secret_key& bad = cb.operators[2];  // the bronze validator
  CHECK(cs->validators_at(2).size() == 4);
  block b = cb.make_block(*cs, {}, 0);
  b.evidence_list.push_back({signed_vote(cb, bad, 1, 0xaa), signed_vote(cb, bad, 1, 0xbb)});
  test::seal(b);
  // Not evidence: same block twice, different validators, a bad signature.
  for (int variant = 0; variant < 3; ++variant) {
    block w = b;
    auto& e = w.evidence_list[0];
    if (variant == 0) e.b = e.a;
    if (variant == 1) e.b = signed_vote(cb, cb.operators[1], 1, 0xbb);
    if (variant == 2) e.b.sig.v[0] ^= 1;
    test::seal(w);
    CHECK_FALSE(cb.connect(*cs, w).ok());
  }
  auto s = cb.connect(*cs, b);
  REQUIRE_MESSAGE(s.ok(), s.error_message());
  CHECK(cs->masternodes().at(bad.public_key()).slashed);
  CHECK(cs->validators_at(1).size() == 4);
  CHECK(cs->validators_at(2).size() == 3);
  REQUIRE(cs->disconnect_tip().ok());
  CHECK_FALSE(cs->masternodes().at(bad.public_key()).slashed);
}

TEST_CASE("reward split follows tier weights; dust goes to the proposer") {
  chain_params p;
  p.block_reward = 100 * coin;
  p.proposer_share_percent = 10;
  std::vector<masternode> set(3);
  mn_tier tiers[] = {mn_tier::gold, mn_tier::silver, mn_tier::free};
  for (size_t i = 0; i < 3; ++i) {
    set[i].operator_key.v.fill(static_cast<uint8_t>(i + 1));
    set[i].owner.v.fill(static_cast<uint8_t>(i + 10));
    set[i].tier = tiers[i];
  }
  auto outs = reward_outputs(p, 7, set[1].operator_key, set);
  REQUIRE(outs.ok());
  amount total = 0;
  for (auto& o : *outs) total += o.value;
  CHECK(total == 100 * coin + 7);
  // 90% split 1000:100:1 of 9,000,000,006.3 ...; proposer gets 10% + dust.
  amount rest = (100 * coin + 7) - (100 * coin + 7) / 10;
  CHECK((*outs)[1].value == rest * 1000 / 1101);
  CHECK((*outs)[2].value == rest * 100 / 1101);
  CHECK((*outs)[3].value == rest * 1 / 1101);
  CHECK((*outs)[0].owner == set[1].owner);
  pubkey stranger;
  stranger.v.fill(99);
  CHECK_FALSE(reward_outputs(p, 0, stranger, set).ok());
}

TEST_CASE("an operator key registers once, ever: a removed masternode cannot come back") {
  chain_builder cb;
  cb.genesis.params.allow_free_tier = true;
  auto cs = cb.open_memory();
  const secret_key& owner = cb.owners[3];
  amount fee = cs->params().min_tx_fee;
  auto outs = split(cb, *cs, owner, {10 * coin, 10 * coin, 10 * coin});
  secret_key op = test::key_from_seed(7003);
  cb.operators.push_back(op);  // certify() signs for it while it is active
  auto reg = cb.make_registration(outs[0], owner, mn_tier::free, {}, {}, owner, op, fee);
  auto s = cb.connect(*cs, cb.make_block(*cs, {reg}, fee));
  REQUIRE_MESSAGE(s.ok(), s.error_message());
  auto dereg = cb.make_deregistration(outs[1], owner, op.public_key(),
                                      tx_output{0, op.public_key()}, op, fee);
  s = cb.connect(*cs, cb.make_block(*cs, {dereg}, fee));
  REQUIRE_MESSAGE(s.ok(), s.error_message());
  auto again = cb.make_registration(outs[2], owner, mn_tier::free, {}, {}, owner, op, fee);
  s = cb.connect(*cs, cb.make_block(*cs, {again}, fee));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("was a masternode before") != std::string::npos);
}
