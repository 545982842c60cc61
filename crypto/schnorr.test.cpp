#include "crypto/schnorr.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "crypto/hash.hpp"

using namespace tc;

namespace {
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}
}  // namespace

TEST_CASE("BIP340 official vectors, every row") {
  std::ifstream in(std::string(TC_CRYPTO_TESTDATA) + "/bip340-test-vectors.csv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);  // header
  int rows = 0, signed_rows = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto c = split_csv(line);
    REQUIRE(c.size() >= 7);
    CAPTURE(c[0]);
    auto key = pubkey::from_hex(c[2]);
    REQUIRE(key.ok());
    auto msg = from_hex(c[4]);
    REQUIRE(msg.ok());
    auto sig = signature::from_hex(c[5]);
    REQUIRE(sig.ok());
    bool expected = c[6] == "TRUE";
    CHECK(verify(*key, *msg, *sig) == expected);
    if (!c[1].empty()) {
      auto sk = secret_key::from_hex(c[1]);
      REQUIRE(sk.ok());
      CHECK(sk->public_key() == *key);
      auto aux = hash256::from_hex(c[3]);
      REQUIRE(aux.ok());
      CHECK(sk->sign(*msg, *aux) == *sig);
      ++signed_rows;
    }
    ++rows;
  }
  CHECK(rows == 19);
  CHECK(signed_rows >= 8);
}

TEST_CASE("sign and verify with fresh keys") {
  secret_key sk = secret_key::generate();
  hash256 msg = sha256(byte_view::of("hello"));
  signature sig = sk.sign(msg);
  CHECK(verify(sk.public_key(), msg, sig));
  // Fresh aux randomness: two signatures of one message differ, both verify.
  signature sig2 = sk.sign(msg);
  CHECK(sig != sig2);
  CHECK(verify(sk.public_key(), msg, sig2));
  hash256 other = sha256(byte_view::of("hellp"));
  CHECK_FALSE(verify(sk.public_key(), other, sig));
  sig.v[10] ^= 1;
  CHECK_FALSE(verify(sk.public_key(), msg, sig));
  CHECK_FALSE(verify(secret_key::generate().public_key(), msg, sig2));
}

TEST_CASE("the key-caching verifier answers as verify does, on every vector, cached or not") {
  std::ifstream in(std::string(TC_CRYPTO_TESTDATA) + "/bip340-test-vectors.csv");
  REQUIRE(in.good());
  struct row {
    std::string id;
    pubkey key;
    bytes msg;
    signature sig;
    bool expected;
  };
  std::vector<row> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto c = split_csv(line);
    if (c.size() < 7) continue;
    auto key = pubkey::from_hex(c[2]);
    auto msg = from_hex(c[4]);
    auto sig = signature::from_hex(c[5]);
    REQUIRE((key.ok() && msg.ok() && sig.ok()));
    rows.push_back({c[0], *key, *msg, *sig, c[6] == "TRUE"});
  }
  REQUIRE(rows.size() == 19);
  for (size_t slots : {size_t{1}, size_t{3}, size_t{4096}}) {
    verifier_with_key_cache v(slots);
    for (int pass = 0; pass < 3; ++pass)  // later passes hit the cache (or evict, with 1 slot)
      for (const auto& r : rows) {
        CAPTURE(r.id);
        CAPTURE(slots);
        CHECK(v.verify(r.key, r.msg, r.sig) == r.expected);
      }
    if (slots == 4096) CHECK(v.hits() > 0);
  }
}

TEST_CASE("secret keys out of range are refused") {
  CHECK_FALSE(secret_key::from_hex(std::string(64, '0')).ok());
  CHECK_FALSE(secret_key::from_hex(std::string(64, 'f')).ok());
  CHECK_FALSE(secret_key::from_hex("abcd").ok());
  auto k = secret_key::from_hex(std::string(63, '0') + "3");
  REQUIRE(k.ok());
  CHECK(k->hex() == std::string(63, '0') + "3");
}
