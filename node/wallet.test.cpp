#include "node/wallet.hpp"

#include <doctest/doctest.h>

#include <map>

#include "messages/ledger/chain_rules.hpp"

using namespace tc;

namespace {
outpoint op(uint8_t b, uint32_t i = 0) {
  outpoint o;
  o.txid.v.fill(b);
  o.index = i;
  return o;
}
secret_key key(uint8_t b) {
  hash256 h;
  h.v.fill(b);
  return *secret_key::from_hex(h.hex());
}
}  // namespace

TEST_CASE("wallet: coins are spent largest first, a kept collateral never") {
  std::vector<wallet::coin> coins{{op(1), 5}, {op(2), 50}, {op(3), 20}, {op(4), 1000}};
  auto s = wallet::select_coins(coins, 60, op(4));  // 1000 is the collateral
  REQUIRE(s);
  REQUIRE(s->inputs.size() == 2);
  CHECK(s->inputs[0].at == op(2));
  CHECK(s->inputs[1].at == op(3));
  CHECK(s->total == 70);
  auto exact = wallet::select_coins(coins, 1000);
  REQUIRE(exact);
  CHECK(exact->inputs.size() == 1);
  auto short_of = wallet::select_coins(coins, 76, op(4));
  REQUIRE_FALSE(short_of);
  CHECK(short_of.error_message().find("insufficient funds") != std::string::npos);
  CHECK_FALSE(wallet::select_coins({}, 1));
}

TEST_CASE("wallet: a funded, signed transfer passes the ledger's contextual rules") {
  chain_params p;
  p.chain_id = "wallet-test";
  hash256 genesis;
  genesis.v.fill(9);
  p.domain = signing_domain(p.chain_id, genesis);
  secret_key me = key(7);
  std::map<outpoint, utxo_entry> utxos;
  std::vector<wallet::coin> coins;
  for (uint8_t i = 1; i <= 4; ++i) {
    amount v = 100'000 * i;
    utxos[op(i)] = utxo_entry{tx_output{v, me.public_key()}, 1};
    coins.push_back({op(i), v});
  }
  transaction tx;
  pubkey dest = key(8).public_key();
  amount pay = 450'000, target = pay + p.min_tx_fee;
  tx.outputs.push_back({pay, dest});
  auto chosen = wallet::select_coins(coins, target);
  REQUIRE(chosen);
  wallet::fund(tx, *chosen, target, me.public_key());
  REQUIRE(tx.outputs.size() == 2);  // the payment and the change
  CHECK(tx.outputs[1].value == chosen->total - target);
  std::vector<amount> values;
  for (auto& c : chosen->inputs) values.push_back(c.value);
  wallet::sign(tx, p.domain, me, values);

  utxo_lookup lookup = [&](const outpoint& o) -> std::optional<utxo_entry> {
    auto it = utxos.find(o);
    return it == utxos.end() ? std::nullopt : std::optional<utxo_entry>(it->second);
  };
  registry reg;
  std::set<outpoint> locked;
  tx_context ctx{p, reg, locked, 2, true};
  auto fee = check_tx_contextual(tx, txid(tx), lookup, ctx);
  REQUIRE_MESSAGE(fee, fee.error_message());
  CHECK(*fee == p.min_tx_fee);

  // Signed for another chain, or with a value it does not spend: refused.
  transaction other = tx;
  wallet::sign(other, signing_domain("another-chain", genesis), me, values);
  CHECK_FALSE(check_tx_contextual(other, txid(other), lookup, ctx));
  values[0] += 1;
  wallet::sign(other, p.domain, me, values);
  CHECK_FALSE(check_tx_contextual(other, txid(other), lookup, ctx));
}
