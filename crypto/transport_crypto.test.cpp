#include "crypto/transport_crypto.hpp"

#include <doctest/doctest.h>

using namespace tc;

namespace {
template <class T>
T from(const char* hex) {
  auto b = from_hex(hex);
  REQUIRE(b);
  REQUIRE(b->size() == T().v.size());
  T out;
  std::copy(b->begin(), b->end(), out.v.begin());
  return out;
}
bytes hx(const char* hex) {
  auto b = from_hex(hex);
  REQUIRE(b);
  return *b;
}
}  // namespace

TEST_CASE("X25519 matches RFC 7748 section 6.1") {
  auto a = from<x25519_key>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto b = from<x25519_key>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  CHECK(x25519_public(a).hex() ==
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  CHECK(x25519_public(b).hex() ==
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto s1 = x25519_shared(a, x25519_public(b));
  auto s2 = x25519_shared(b, x25519_public(a));
  REQUIRE(s1);
  REQUIRE(s2);
  CHECK(*s1 == *s2);
  CHECK(s1->hex() == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST_CASE("X25519 refuses a low-order point: no secret is shared") {
  auto a = from<x25519_key>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  CHECK_FALSE(x25519_shared(a, x25519_key{}));  // the point 0
  x25519_key one;
  one.v[0] = 1;  // the point 1 is of order 1 as well
  CHECK_FALSE(x25519_shared(a, one));
}

TEST_CASE("HKDF-SHA256 matches RFC 5869 test case 1") {
  bytes okm = hkdf_sha256(hx("000102030405060708090a0b0c"), bytes(22, 0x0b),
                          hx("f0f1f2f3f4f5f6f7f8f9"), 42);
  CHECK(to_hex(okm) ==
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST_CASE("ChaCha20-Poly1305 with a counter nonce: known answer, and any change is refused") {
  // Cross-checked with Python's `cryptography` (ChaCha20Poly1305, nonce
  // 00000000 || 7 as 64-bit little-endian).
  hash256 key;
  for (size_t i = 0; i < 32; ++i) key.v[i] = static_cast<uint8_t>(0x80 + i);
  aead a(key);
  bytes aad = hx("00000018"), sealed;
  a.seal(7, aad, byte_view::of("timecoin"), sealed);
  CHECK(to_hex(sealed) == "84891286a92d00cba24bcdff7eead0d8cab63ed2fea918f0");

  bytes plain;
  CHECK(a.open(7, aad, sealed, plain));
  CHECK(std::string(plain.begin(), plain.end()) == "timecoin");
  plain.clear();
  CHECK_FALSE(a.open(8, aad, sealed, plain));  // another counter: a replayed or reordered record
  CHECK_FALSE(a.open(7, hx("00000019"), sealed, plain));  // another length prefix
  sealed[3] ^= 1;
  CHECK_FALSE(a.open(7, aad, sealed, plain));  // a flipped ciphertext bit
  CHECK(plain.empty());
  CHECK_FALSE(a.open(7, aad, bytes(5), plain));  // shorter than a tag
}
