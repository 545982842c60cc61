#include "actors/mempool/admission_waits.hpp"

#include <doctest/doctest.h>

using tc::hash256;
using tc::mempool::admission_waits;

namespace {
hash256 w(uint8_t b) {
  hash256 h{};
  h.v[0] = b;
  return h;
}
}  // namespace

TEST_CASE("a query waits only for txs in admission, and is ready when the last of them ends") {
  admission_waits a;
  auto tx = std::make_shared<const tc::transaction>();
  a.begin(w(1), tx);
  a.begin(w(2), nullptr);
  CHECK(bool(a.body(w(1)) == tx));
  CHECK_FALSE(bool(a.body(w(3))));

  CHECK_FALSE(a.park({w(3), w(4)}).has_value());  // nothing of it in admission: answer now

  auto p = a.park({w(1), w(2), w(3), w(1)});
  REQUIRE(p.has_value());
  CHECK(p->awaited == 2);
  CHECK_FALSE(p->answer_now.has_value());
  CHECK(a.end({w(1)}).empty());
  CHECK(a.end({w(2)}) == std::vector<uint64_t>{p->id});
  CHECK(a.parked_count() == 0);
  CHECK_FALSE(a.expire(p->id));  // answered already: its deadline does nothing
  CHECK(a.admitting_count() == 0);
}

TEST_CASE("a tx in two admissions at once is in admission until both end") {
  admission_waits a;
  a.begin(w(1), nullptr);
  a.begin(w(1), nullptr);
  auto p = a.park({w(1)});
  REQUIRE(p.has_value());
  CHECK(a.end({w(1)}).empty());
  CHECK(a.admitting(w(1)));
  CHECK(a.end({w(1)}) == std::vector<uint64_t>{p->id});
  CHECK_FALSE(a.admitting(w(1)));
}

TEST_CASE("waits are bounded: the deadline answers, and a fifth query pushes the oldest out") {
  admission_waits a({4, 300});
  a.begin(w(1), nullptr);
  std::vector<uint64_t> ids;
  for (int i = 0; i < 4; ++i) {
    auto p = a.park({w(1)});
    REQUIRE(p.has_value());
    CHECK_FALSE(p->answer_now.has_value());
    ids.push_back(p->id);
  }
  auto fifth = a.park({w(1)});
  REQUIRE(fifth.has_value());
  CHECK(fifth->answer_now == ids[0]);
  CHECK(a.parked_count() == 4);
  CHECK(a.expire(ids[1]));
  CHECK_FALSE(a.expire(ids[1]));
  // The others, and not the two already answered, are ready when it ends.
  CHECK(a.end({w(1)}) == std::vector<uint64_t>{ids[2], ids[3], fifth->id});
  CHECK(a.parked_count() == 0);
}
