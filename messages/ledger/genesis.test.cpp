#include "messages/ledger/genesis.hpp"

#include <doctest/doctest.h>

#include "messages/encoding.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
std::string addr(uint64_t seed) {
  return encode_address(network::localnet, test::key_from_seed(seed).public_key());
}
std::string sample() {
  return "chain_id = \"timecoin-localnet\"\nnetwork = \"localnet\"\ntime_ms = 1700000000000\n"
         "[params]\nblock_reward = \"100\"\nproposer_share_percent = 20\nmin_tx_fee = \"0.0001\"\n"
         "allow_free_tier = true\nmin_validators = 1\n"
         "[[allocation]]\naddress = \"" +
         addr(1) +
         "\"\namount = \"5000\"\n"
         "[[masternode]]\noperator = \"" +
         addr(2) + "\"\nowner = \"" + addr(1) +
         "\"\ntier = \"silver\"\naddress = \"127.0.0.1:24100\"\n"
         "[[masternode]]\noperator = \"" +
         addr(3) + "\"\ntier = \"free\"\naddress = \"127.0.0.1:24110\"\n";
}
}  // namespace

TEST_CASE("genesis file parses and its hash is deterministic") {
  auto g = parse_genesis(sample(), "sample.toml");
  REQUIRE_MESSAGE(g.ok(), g.error_message());
  CHECK(g->params.chain_id == "timecoin-localnet");
  CHECK(g->params.proposer_share_percent == 20);
  CHECK(g->params.min_tx_fee == 10'000);
  CHECK(g->allocations.size() == 1);
  REQUIRE(g->masternodes.size() == 2);
  CHECK(g->masternodes[1].owner == g->masternodes[1].operator_key);
  block b = make_genesis_block(*g);
  // Allocation, then the silver collateral; the free tier has none.
  REQUIRE(b.txs[0].outputs.size() == 2);
  CHECK(b.txs[0].outputs[1].value == 10'000 * coin);
  auto g2 = parse_genesis(sample(), "again.toml");
  CHECK(block_hash(make_genesis_block(*g2).header) == block_hash(b.header));
  // Any parameter changes the genesis hash.
  g2->params.min_validators = 2;
  CHECK(block_hash(make_genesis_block(*g2).header) != block_hash(b.header));
}

TEST_CASE("bad genesis files name the key and the reason") {
  auto expect = [](const std::string& text, const char* needle) {
    auto g = parse_genesis(text, "bad.toml");
    REQUIRE_FALSE(g.ok());
    CAPTURE(g.error_message());
    CHECK(g.error_message().find("bad.toml") != std::string::npos);
    CHECK(g.error_message().find(needle) != std::string::npos);
  };
  std::string base = sample();
  expect(base + "bogus = 1\n", "unknown key");
  expect("chain_id = 5\n", "chain_id: wrong type");
  expect("chain_id = \"x\"\nnetwork = \"moonnet\"\ntime_ms = 1\n", "unknown network");
  expect("chain_id = \"x\"\nnetwork = \"localnet\"\ntime_ms = 1\n[[allocation]]\naddress = \"" +
             addr(1) + "\"\namount = \"-4\"\n",
         "allocation[0].amount");
  expect("chain_id = \"x\"\nnetwork = \"mainnet\"\ntime_ms = 1\n[[allocation]]\naddress = \"" +
             addr(1) + "\"\namount = \"4\"\n",
         "prefix");
  expect("chain_id = \"x\"\nnetwork = \"localnet\"\ntime_ms = 1\n[[masternode]]\noperator = \"" +
             addr(1) + "\"\ntier = \"free\"\naddress = \"a:1\"\n",
         "free tier is not allowed");
  expect("chain_id = \"x\"\nnetwork = \"localnet\"\ntime_ms = 1\n", "at least one");
  expect("chain_id = \"x\"\nnetwork = \n", "line");
}

TEST_CASE("shipped genesis files load") {
  const char* dir = TC_SOURCE_DIR;
  for (const char* name : {"testnet.toml", "mainnet.toml"}) {
    CAPTURE(name);
    auto g = load_genesis_file(std::string(dir) + "/deploy/genesis/" + name);
    REQUIRE_MESSAGE(g.ok(), g.error_message());
    CHECK(g->masternodes.size() >= g->params.min_validators);
  }
}
