#include "crypto/recent_hashes.hpp"

#include <doctest/doctest.h>

TEST_CASE("recent_hashes keeps the last `capacity` distinct hashes, oldest out first") {
  tc::recent_hashes rc(3);
  auto id = [](uint8_t b) {
    tc::hash256 h;
    h.v[0] = b;
    return h;
  };
  for (uint8_t b = 1; b <= 3; ++b) rc.add(id(b));
  CHECK(rc.contains(id(1)));
  rc.add(id(2));  // already held: the order is not disturbed
  CHECK(rc.size() == 3);
  rc.add(id(4));  // past the bound: the oldest goes
  CHECK_FALSE(rc.contains(id(1)));
  CHECK(rc.contains(id(2)));
  CHECK(rc.contains(id(4)));
  CHECK(rc.size() == 3);
}
