#include "crypto/recent_table.hpp"

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <memory>
#include <random>

using tc::hash256;

namespace {
hash256 key(uint64_t n) {
  hash256 h;
  for (size_t i = 0; i < 8; ++i) h.v[i] = static_cast<uint8_t>(n >> (8 * i));
  h.v[31] = 0x5a;
  return h;
}
}  // namespace

TEST_CASE("recent_table: the last `capacity` keys, oldest out first, values kept") {
  tc::recent_table<int> t(3);
  CHECK(t.empty());
  CHECK(t.find(key(1)) == nullptr);
  for (int i = 1; i <= 3; ++i) {
    auto [v, added] = t.try_emplace(key(i));
    CHECK(added);
    *v = i * 10;
  }
  auto again = t.try_emplace(key(2));  // held: not added, its value and place kept
  CHECK_FALSE(again.second);
  CHECK(*again.first == 20);
  t.try_emplace(key(4));  // past the bound: the oldest goes
  CHECK(t.size() == 3);
  CHECK_FALSE(t.contains(key(1)));
  REQUIRE(t.find(key(2)) != nullptr);
  CHECK(*t.find(key(2)) == 20);
  CHECK(*t.find(key(4)) == 0);  // value-initialized
  CHECK(t.oldest_value() == 20);
  t.pop_oldest();
  CHECK_FALSE(t.contains(key(2)));
  CHECK(t.size() == 2);
}

TEST_CASE("recent_table: a value leaves with its key (a frame is freed at eviction)") {
  tc::recent_table<std::shared_ptr<int>> t(2);
  auto held = std::make_shared<int>(7);
  *t.try_emplace(key(1)).first = held;
  CHECK(held.use_count() == 2);
  t.try_emplace(key(2));
  t.try_emplace(key(3));  // evicts key 1
  CHECK(held.use_count() == 1);
  *t.try_emplace(key(4)).first = held;  // evicts key 2
  t.pop_oldest();                       // key 3
  t.pop_oldest();                       // key 4
  CHECK(held.use_count() == 1);
  CHECK(t.empty());
}

// Against a plain model (map + queue), through growth, wrap-around,
// eviction and pop_oldest, with keys drawn from a small range so that many
// repeat and the index's runs are long and often shifted back.
TEST_CASE("recent_table: random operations agree with a reference model") {
  for (size_t capacity : {1u, 2u, 5u, 16u, 17u, 100u, 1000u}) {
    CAPTURE(capacity);
    tc::recent_table<uint64_t> t(capacity);
    std::map<uint64_t, uint64_t> model;
    std::deque<uint64_t> order;
    std::mt19937_64 rng(capacity);
    uint64_t range = capacity * 3 + 2;
    for (uint64_t step = 0; step < 20'000; ++step) {
      uint64_t k = rng() % range;
      uint64_t op = rng() % 10;
      if (op < 6) {
        auto [v, added] = t.try_emplace(key(k));
        bool fresh = model.count(k) == 0;
        REQUIRE(added == fresh);
        if (fresh) {
          if (order.size() == capacity) {
            model.erase(order.front());
            order.pop_front();
          }
          order.push_back(k);
          model[k] = step;
          *v = step;
        }
        REQUIRE(*v == model[k]);
      } else if (op < 9) {
        auto* v = t.find(key(k));
        REQUIRE((v != nullptr) == (model.count(k) > 0));
        if (v) REQUIRE(*v == model[k]);
      } else if (!order.empty()) {
        REQUIRE(t.oldest_value() == model[order.front()]);
        t.pop_oldest();
        model.erase(order.front());
        order.pop_front();
      }
      REQUIRE(t.size() == order.size());
    }
    for (uint64_t k = 0; k < range; ++k) REQUIRE(t.contains(key(k)) == (model.count(k) > 0));
  }
}
