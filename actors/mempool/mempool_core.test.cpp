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
  return std::make_shared<const transaction>(
      test::make_transfer(test::domain_of("c"), {prev, index}, {10 * coin, key.public_key()}, key,
                          {{out, key.public_key()}}));
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

namespace {
std::shared_ptr<const transaction> registration(uint32_t fee_input, mn_tier tier,
                                                const outpoint& collateral, uint64_t op_seed) {
  transaction t = *tx_spending(fee_input);
  t.kind = tx_kind::mn_register;
  mn_registration r;
  r.tier = tier;
  r.collateral = collateral;
  r.operator_key = test::key_from_seed(op_seed).public_key();
  r.net_address = "127.0.0.1:1";
  t.registration = r;
  return std::make_shared<const transaction>(t);
}
std::shared_ptr<const transaction> deregistration(uint32_t fee_input, uint64_t op_seed) {
  transaction t = *tx_spending(fee_input);
  t.kind = tx_kind::mn_deregister;
  t.deregistration = mn_deregistration{test::key_from_seed(op_seed).public_key(), {}};
  return std::make_shared<const transaction>(t);
}
// Inserts `first`, then `second`: the second must be refused as a conflict.
void check_pair(const std::shared_ptr<const transaction>& first,
                const std::shared_ptr<const transaction>& second) {
  mempool_core m({100, 1 << 20});
  REQUIRE(m.insert(first, digest_tx(*first), 1000).ok());
  CHECK_FALSE(m.pre_check(*second, digest_tx(*second)).ok());
  auto r = m.insert(second, digest_tx(*second), 1'000'000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("first seen wins") != std::string::npos);
  CHECK(m.size() == 1);
  // A block carrying the second (another node saw it first) evicts the first.
  block b;
  b.txs.push_back(*second);
  CHECK(m.on_block(b) == 1);
  CHECK(m.size() == 0);
}
}  // namespace

TEST_CASE("finding 3: pairs valid alone but not together never share the pool") {
  outpoint c{txid(*tx_spending(500)), 0};
  SUBCASE("a registration locking C, and a transfer spending C") {
    auto spend_c = std::make_shared<const transaction>(test::make_transfer(
        test::domain_of("c"), c, {10 * coin, {}}, test::key_from_seed(1), {{coin, {}}}));
    check_pair(registration(1, mn_tier::bronze, c, 77), spend_c);
    check_pair(spend_c, registration(1, mn_tier::bronze, c, 77));
  }
  SUBCASE("two registrations on one collateral") {
    check_pair(registration(1, mn_tier::bronze, c, 77), registration(2, mn_tier::bronze, c, 78));
  }
  SUBCASE("two free-tier registrations of one operator key") {
    check_pair(registration(1, mn_tier::free, {}, 77), registration(2, mn_tier::free, {}, 77));
  }
  SUBCASE("two deregistrations of one masternode") {
    check_pair(deregistration(1, 77), deregistration(2, 77));
  }
  SUBCASE("unrelated registrations and deregistrations coexist") {
    mempool_core m({100, 1 << 20});
    for (auto& t : {registration(1, mn_tier::free, {}, 77), registration(2, mn_tier::free, {}, 78),
                    deregistration(3, 79), deregistration(4, 80)})
      CHECK(m.insert(t, digest_tx(*t), 1000).ok());
    CHECK(m.size() == 4);
  }
}

TEST_CASE("a newcomer the pool cannot make room for leaves the pool as it was") {
  auto small = tx_spending(1);
  size_t one = digest_tx(*small).size;
  mempool_core m({1000, one * 2 + one / 2});
  auto cheap = tx_spending(2), dear = tx_spending(3);
  REQUIRE(m.insert(cheap, digest_tx(*cheap), 100).ok());
  REQUIRE(m.insert(dear, digest_tx(*dear), 100'000).ok());
  // Needs both out, but outbids only the cheap one: refused, nothing evicted.
  transaction big = *tx_spending(4);
  big.outputs.assign(5, big.outputs[0]);
  for (auto& o : big.outputs) o.value = coin / 8;
  auto bigp = std::make_shared<const transaction>(big);
  size_t big_size = digest_tx(big).size;
  REQUIRE(big_size > one + one / 2);
  auto r = m.insert(bigp, digest_tx(big), static_cast<amount>(big_size) * 10);
  CHECK_FALSE(r.ok());
  CHECK(m.size() == 2);
  CHECK(m.find(txid(*cheap)) != nullptr);
}

TEST_CASE("a pooled tx is found by its wtxid, and only while pooled") {
  mempool_core m({100, 1 << 20});
  auto a = tx_spending(7);
  REQUIRE(m.insert(a, digest_tx(*a), 1000).ok());
  CHECK((m.find_wtxid(wtxid(*a)) == a));
  CHECK((m.find_wtxid(txid(*a)) == nullptr));  // a txid is not a wtxid
  m.remove(txid(*a));
  CHECK((m.find_wtxid(wtxid(*a)) == nullptr));
}

TEST_CASE("waiting_in lists the txs numbered in the ranges, each once, oldest first, bounded") {
  mempool_core m({100, 1 << 20});
  std::vector<std::shared_ptr<const transaction>> txs;
  auto add = [&](uint32_t n) {
    txs.push_back(tx_spending(n));
    REQUIRE(m.insert(txs.back(), digest_tx(*txs.back()), 1000 * n).ok());
  };
  auto w_of = [&](size_t i) { return digest_tx(*txs[i]).wtxid; };
  CHECK(m.waiting_in({{0, m.next_seq()}}, 10).empty());
  add(1);
  add(2);
  add(3);
  uint64_t mark = m.next_seq();
  add(4);  // arrived after the mark: not waiting yet
  auto w = m.waiting_in({{0, mark}}, 10);
  REQUIRE(w.size() == 3);
  // Oldest first, whatever the fee-rate order.
  CHECK(w[0] == w_of(0));
  CHECK(w[1] == w_of(1));
  CHECK(w[2] == w_of(2));
  auto two = m.waiting_in({{0, mark}}, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[1] == w_of(1));
  // Several ranges, overlapping: each tx once, in arrival order.
  w = m.waiting_in({{mark, mark + 1}, {0, 1}, {0, 2}}, 10);
  REQUIRE(w.size() == 3);
  CHECK(w[0] == w_of(0));
  CHECK(w[1] == w_of(1));
  CHECK(w[2] == w_of(3));
  CHECK(m.waiting_in({}, 10).empty());
  CHECK(m.waiting_in({{1, 1}}, 10).empty());
  // A tx that left is no longer listed.
  m.remove(txid(*txs[0]));
  w = m.waiting_in({{0, mark}}, 10);
  REQUIRE(w.size() == 2);
  CHECK(w[0] == w_of(1));
  CHECK(m.waiting_in({{0, m.next_seq()}}, 10).size() == 3);
}
