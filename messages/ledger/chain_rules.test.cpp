#include "messages/ledger/chain_rules.hpp"

#include <doctest/doctest.h>

#include "messages/encoding.hpp"
#include "messages/limits.hpp"
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

// Review finding: slashing removed the validator whatever was left, so with
// the set at min_validators one equivocation halted the chain for good.
TEST_CASE("review: evidence never takes the set below min_validators") {
  chain_builder cb;
  cb.genesis.params.min_validators = 4;
  auto cs = cb.open_memory();
  const secret_key& bad = cb.operators[2];
  block b = cb.make_block(*cs, {}, 0);
  b.evidence_list.push_back({signed_vote(cb, bad, 1, 0xaa), signed_vote(cb, bad, 1, 0xbb)});
  test::seal(b);
  auto s = cb.connect(*cs, b);
  REQUIRE_MESSAGE(s.ok(), s.error_message());
  const masternode& m = cs->masternodes().at(bad.public_key());
  CHECK(m.slashed);  // the collateral is forfeit
  CHECK(m.collateral_locked_at(1'000'000, cs->params().validator_set_delay));
  CHECK(cs->validators_at(3).size() == 4);  // but it stays: 3 could never produce a block
}

// Review finding: evidence against a key that left long ago rewrote its
// removed_height, which put it back into the sets of past heights.
TEST_CASE("review: evidence rewrites no past height's validator set") {
  chain_params p;
  p.min_validators = 1;
  p.validator_set_delay = 2;
  registry reg;
  auto add = [&](uint8_t i) -> masternode& {
    masternode m;
    m.operator_key.v.fill(i);
    m.tier = mn_tier::bronze;
    return reg[m.operator_key] = m;
  };
  add(1);
  add(2);
  add(3);
  masternode& gone = add(4);
  gone.removed_height = 3;  // deregistered at 3: in the set up to height 4
  apply_evidence(reg, gone.operator_key, 50, p);
  CHECK_FALSE(gone.slashed);
  CHECK(gone.removed_height == 3u);
  CHECK_FALSE(gone.active_at(20, 2));

  masternode& leaving = add(5);
  leaving.removed_height = 49;  // in the set up to height 50
  apply_evidence(reg, leaving.operator_key, 50, p);
  CHECK(leaving.slashed);
  CHECK(leaving.active_at(50, 2));
  CHECK_FALSE(leaving.active_at(51, 2));

  p.min_validators = 3;
  masternode& kept = reg.begin()->second;  // live: 1, 2, 3 (= min)
  apply_evidence(reg, kept.operator_key, 60, p);
  CHECK(kept.slashed);
  CHECK_FALSE(kept.removed_height);
  CHECK(kept.active_at(61, 2));
  add(6);  // room again: the next evidence removes it
  apply_evidence(reg, kept.operator_key, 70, p);
  CHECK(kept.removed_height == 70u);
  CHECK_FALSE(kept.active_at(71, 2));
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
  auto outs = reward_outputs(p, 5, 7, set[1].operator_key, set);
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
  CHECK_FALSE(reward_outputs(p, 5, 0, stranger, set).ok());
}

TEST_CASE("review: the subsidy stops at the supply cap; fees still pay") {
  chain_params p;
  p.block_reward = 100 * coin;
  p.genesis_supply = max_money - 250 * coin;  // room for two and a half blocks
  CHECK(block_subsidy(p, 1) == 100 * coin);
  CHECK(block_subsidy(p, 2) == 100 * coin);
  CHECK(block_subsidy(p, 3) == 50 * coin);
  CHECK(block_subsidy(p, 4) == 0);
  CHECK(block_subsidy(p, UINT64_MAX) == 0);  // no overflow at any height
  amount issued = p.genesis_supply;
  for (uint64_t h = 1; h <= 10; ++h) issued += block_subsidy(p, h);
  CHECK(issued == max_money);
  std::vector<masternode> set(1);
  set[0].operator_key.v.fill(1);
  auto outs = reward_outputs(p, 9, 7, set[0].operator_key, set);
  REQUIRE(outs.ok());
  REQUIRE(outs->size() == 1);
  CHECK((*outs)[0].value == 7);  // fees only
  // Mainnet's parameters reach the cap too: at 100 TIME a block it once
  // would have passed 1e9 TIME within months.
  chain_params m;
  m.block_reward = 100 * coin;
  m.genesis_supply = 0;
  CHECK(block_subsidy(m, 10'000'000) == 100 * coin);
  CHECK(block_subsidy(m, 10'000'001) == 0);
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

TEST_CASE(
    "review: slashing costs the collateral; the set never outgrows certificates or drops below its "
    "minimum") {
  chain_params p;
  p.min_validators = 2;
  p.allow_free_tier = true;
  p.min_tx_fee = 1;
  registry reg;
  auto add = [&](uint8_t i, mn_tier t) {
    masternode m;
    m.operator_key.v.fill(i);
    m.tier = t;
    m.collateral = {hash256{{i}}, 0};
    reg[m.operator_key] = m;
  };
  add(1, mn_tier::bronze);
  add(2, mn_tier::free);
  // A slashed masternode's collateral stays locked, whatever the height.
  masternode& slashed = reg.begin()->second;
  slashed.slashed = true;
  slashed.removed_height = 5;
  CHECK(slashed.collateral_locked_at(5 + 1000, 2));
  CHECK(locked_collateral(reg, 1'000'000, 2).count(slashed.collateral));
  slashed.slashed = false;
  slashed.removed_height.reset();

  tx_output funds{10 * coin, {}};
  utxo_lookup lookup = [&](const outpoint&) { return std::optional<utxo_entry>{{funds, 0}}; };
  std::set<outpoint> none;
  auto check = [&](const transaction& tx) {
    return check_tx_contextual(tx, txid(tx), lookup, {p, reg, none, 10, false});
  };
  transaction dereg;
  dereg.kind = tx_kind::mn_deregister;
  dereg.inputs.push_back({{hash256{{9}}, 0}, {}});
  dereg.outputs.push_back({coin, {}});
  dereg.deregistration = mn_deregistration{reg.begin()->first, {}};
  auto r = check(dereg);
  REQUIRE_FALSE(r.ok());  // 2 live, min 2: the last ones cannot leave
  CHECK(r.error_message().find("min_validators") != std::string::npos);
  add(3, mn_tier::free);
  CHECK(check(dereg).ok());

  transaction reg_tx;
  reg_tx.kind = tx_kind::mn_register;
  reg_tx.inputs.push_back({{hash256{{9}}, 1}, {}});
  reg_tx.outputs.push_back({coin, {}});
  mn_registration mr;
  mr.operator_key.v.fill(0xee);
  reg_tx.registration = mr;
  CHECK(check(reg_tx).ok());
  for (size_t i = reg.size(); i < limits::max_validators; ++i) {
    masternode m;
    m.operator_key.v.fill(0x77);
    m.operator_key.v[0] = static_cast<uint8_t>(i);
    m.operator_key.v[1] = static_cast<uint8_t>(i >> 8);
    reg[m.operator_key] = m;
  }
  REQUIRE(reg.size() == limits::max_validators);
  r = check(reg_tx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("masternode limit") != std::string::npos);
}
