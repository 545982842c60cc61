#include "crypto/bytes.hpp"

#include <doctest/doctest.h>

using namespace tc;

TEST_CASE("hex round trip and rejection") {
  bytes b{0x00, 0x01, 0xab, 0xff};
  CHECK(to_hex(b) == "0001abff");
  CHECK(*from_hex("0001ABff") == b);
  CHECK_FALSE(from_hex("abc").ok());
  CHECK_FALSE(from_hex("zz").ok());
  CHECK(from_hex("").ok());
}

TEST_CASE("fixed_bytes parses exact widths only") {
  CHECK(hash256::from_hex(std::string(64, 'a')).ok());
  CHECK_FALSE(hash256::from_hex(std::string(62, 'a')).ok());
  CHECK(hash256{}.is_zero());
  CHECK_FALSE(hash256::from_hex(std::string(63, '0') + "1")->is_zero());
}
