#include "messages/validation.hpp"

#include <doctest/doctest.h>

#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
const sign_domain chain = test::domain_of("timecoin-test");
transaction valid_tx() {
  auto key = test::key_from_seed(1);
  outpoint prev{test::key_from_seed(99).public_key().v == hash256{}.v
                    ? hash256{}
                    : hash256::from_view(test::key_from_seed(99).public_key()),
                0};
  return test::make_transfer(
      chain, prev, {10 * coin, key.public_key()}, key,
      {{6 * coin, test::key_from_seed(2).public_key()}, {3 * coin, key.public_key()}});
}
}  // namespace

TEST_CASE("a well-formed transfer passes") {
  CHECK(check_tx_stateless(valid_tx()).ok());
}

TEST_CASE("each stateless tx rule can fail") {
  auto expect_fail = [](transaction tx, const char* what) {
    CAPTURE(what);
    auto s = check_tx_stateless(tx);
    CHECK_FALSE(s.ok());
    if (!s.ok()) CHECK(s.error_message().find(what) != std::string::npos);
  };
  transaction t = valid_tx();
  t.inputs.clear();
  expect_fail(t, "no inputs");
  t = valid_tx();
  t.outputs.clear();
  expect_fail(t, "no outputs");
  t = valid_tx();
  t.outputs[0].value = 0;
  expect_fail(t, "positive");
  t = valid_tx();
  t.outputs[0].value = -5;
  expect_fail(t, "positive");
  t = valid_tx();
  t.outputs[0].value = max_money;
  expect_fail(t, "overflow");
  t = valid_tx();
  t.inputs.push_back(t.inputs[0]);
  expect_fail(t, "same output twice");
  t = valid_tx();
  t.version = 2;
  expect_fail(t, "version");
  t = valid_tx();
  t.height = 3;
  expect_fail(t, "height");
  t = valid_tx();
  t.kind = tx_kind::mn_register;
  expect_fail(t, "registration payload");
  t = valid_tx();
  t.deregistration = mn_deregistration{};
  expect_fail(t, "deregistration payload");
  t = valid_tx();
  t.outputs.assign(2001, t.outputs[0]);
  expect_fail(t, "too many outputs");
}

TEST_CASE("registration payload rules") {
  transaction t = valid_tx();
  t.kind = tx_kind::mn_register;
  mn_registration r;
  r.tier = mn_tier::bronze;
  r.collateral = {t.inputs[0].prev.txid, 5};
  r.operator_key = test::key_from_seed(3).public_key();
  r.net_address = "10.0.0.1:24000";
  t.registration = r;
  CHECK(check_tx_stateless(t).ok());
  t.registration->net_address = "nope";
  CHECK_FALSE(check_tx_stateless(t).ok());
  t.registration->net_address = "host:70000";
  CHECK_FALSE(check_tx_stateless(t).ok());
  t.registration->net_address = "10.0.0.1:24000";
  t.registration->tier = mn_tier::free;  // free tier with a collateral
  CHECK_FALSE(check_tx_stateless(t).ok());
  t.registration->tier = mn_tier::bronze;
  t.registration->collateral = t.inputs[0].prev;  // spends its own collateral
  CHECK_FALSE(check_tx_stateless(t).ok());
}

TEST_CASE("block shape rules") {
  block b;
  b.header.height = 5;
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = 5;
  reward.outputs.push_back({100 * coin, test::key_from_seed(1).public_key()});
  b.txs = {reward, valid_tx()};
  test::seal(b);
  CHECK(check_block_stateless(b).ok());

  block bad = b;
  bad.header.merkle_root.v[0] ^= 1;
  CHECK(check_block_stateless(bad).error_message() == "merkle root mismatch");
  bad = b;
  bad.txs[1].inputs[0].sig.v[0] ^= 1;  // signatures are committed by the root
  CHECK_FALSE(check_block_stateless(bad).ok());
  bad = b;
  bad.txs.push_back(bad.txs[1]);
  test::seal(bad);
  CHECK(check_block_stateless(bad).error_message() == "block spends an output twice");
  bad = b;
  std::swap(bad.txs[0], bad.txs[1]);
  test::seal(bad);
  CHECK_FALSE(check_block_stateless(bad).ok());
  bad = b;
  bad.txs.push_back(reward);
  test::seal(bad);
  CHECK_FALSE(check_block_stateless(bad).ok());
  bad = b;
  bad.txs[0].height = 4;
  test::seal(bad);
  CHECK_FALSE(check_block_stateless(bad).ok());
  bad = b;
  bad.txs.clear();
  CHECK_FALSE(check_block_stateless(bad).ok());
}
