#include "actors/mempool/mempool_core.hpp"

#include <doctest/doctest.h>

#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
std::shared_ptr<const transaction> tx_spending(uint32_t n, uint32_t index = 0, amount out = coin) {
  auto key = test::key_from_seed(1);
  hash256 prev;
  prev.v[0] = static_cast<uint8_t>(n);
  prev.v[1] = static_cast<uint8_t>(n >> 8);
  return std::make_shared<const transaction>(test::make_transfer(
      "c", {prev, index}, {10 * coin, key.public_key()}, key, {{out, key.public_key()}}));
}
}  // namespace

TEST_CASE("first seen wins on conflicts") {
  mempool_core m({100, 1 << 20});
  auto a = tx_spending(1, 0, coin), b = tx_spending(1, 0, 2 * coin);  // same input
  REQUIRE(m.insert(a, digest_tx(*a), 1000).ok());
  auto r = m.insert(b, digest_tx(*b), 1'000'000);  // even with a higher fee
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("first seen wins") != std::string::npos);
  CHECK_FALSE(m.insert(a, digest_tx(*a), 1000).ok());  // duplicate
  CHECK(m.size() == 1);
}

TEST_CASE("selection is by fee-rate, eviction takes the lowest") {
  mempool_core m({3, 1 << 20});
  std::vector<std::shared_ptr<const transaction>> txs;
  for (uint32_t i = 0; i < 3; ++i) {
    txs.push_back(tx_spending(10 + i));
    REQUIRE(m.insert(txs.back(), digest_tx(*txs.back()), 1000 * (i + 1)).ok());
  }
  auto sel = m.select(10, 1 << 20);
  REQUIRE(sel.size() == 3);
  CHECK(sel[0]->fee == 3000);
  CHECK(sel[2]->fee == 1000);
  // Full: a better tx evicts the worst, a worse one is refused.
  auto better = tx_spending(20);
  auto ev = m.insert(better, digest_tx(*better), 5000);
  REQUIRE(ev.ok());
  REQUIRE(ev->size() == 1);
  CHECK((*ev)[0] == txid(*txs[0]));
  auto worse = tx_spending(21);
  CHECK_FALSE(m.insert(worse, digest_tx(*worse), 10).ok());
  CHECK(m.size() == 3);
  // The evicted tx's input is free again.
  auto again = tx_spending(10, 0, 2 * coin);
  CHECK(m.pre_check(*again, digest_tx(*again)).ok());
}

TEST_CASE("byte bound holds") {
  auto t = tx_spending(1);
  size_t one = digest_tx(*t).size;
  mempool_core m({1000, one * 2});
  for (uint32_t i = 0; i < 10; ++i) {
    auto x = tx_spending(100 + i);
    (void)m.insert(x, digest_tx(*x), 1000 + i);
    CHECK(m.bytes() <= one * 2);
  }
  CHECK(m.size() == 2);
}

TEST_CASE("a committed block removes its txs and conflicting ones") {
  mempool_core m({100, 1 << 20});
  auto a = tx_spending(1), b = tx_spending(2), c = tx_spending(3);
  for (auto& t : {a, b, c}) REQUIRE(m.insert(t, digest_tx(*t), 1000).ok());
  CHECK(m.verified(digest_tx(*a).wtxid));
  block blk;
  blk.txs.push_back(*a);                            // included
  blk.txs.push_back(*tx_spending(2, 0, 3 * coin));  // spends b's input
  CHECK(m.on_block(blk) == 2);
  CHECK(m.size() == 1);
  CHECK(m.find(txid(*c)) != nullptr);
  CHECK_FALSE(m.verified(digest_tx(*a).wtxid));
}
