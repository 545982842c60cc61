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

TEST_CASE("base64 (RFC 4648 test vectors)") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
}
