#include "crypto/bytes.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <vector>

using namespace tc;

TEST_CASE("hex round trip and rejection") {
  bytes b{0x00, 0x01, 0xab, 0xff};
  CHECK(to_hex(b) == "0001abff");
  CHECK(*from_hex("0001ABff") == b);
  CHECK_FALSE(from_hex("abc").ok());
  CHECK_FALSE(from_hex("zz").ok());
  CHECK(from_hex("").ok());
}

// The table-driven parser against the obvious one, for every pair of chars
// (the neighbours of each digit range, NUL and bytes above 127 included).
TEST_CASE("hex: every pair of characters parses as the range tests say") {
  auto value = [](int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  size_t valid = 0;
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      std::string s{'0', '0', char(a), char(b), 'f', 'F'};
      auto r = from_hex(s);
      bool ok = value(a) >= 0 && value(b) >= 0;
      REQUIRE(r.ok() == ok);
      if (!ok) continue;
      ++valid;
      CHECK((*r)[1] == (value(a) << 4 | value(b)));
      CHECK((*r)[2] == 0xff);
    }
  CHECK(valid == 22 * 22);
  CHECK_FALSE(from_hex(std::string(599, 'a') + "g").ok());  // the last character counts too
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

namespace {
// The largest bucket of a set holding `keys`, its buckets fixed beforehand.
size_t largest_bucket(const std::vector<hash256>& keys, size_t bucket_count) {
  std::unordered_set<hash256, fixed_bytes_hasher> set;
  set.rehash(bucket_count);
  REQUIRE(set.bucket_count() == bucket_count);
  for (const auto& k : keys) set.insert(k);
  REQUIRE(set.bucket_count() == bucket_count);  // no rehash: max_load_factor 1
  size_t most = 0;
  for (size_t b = 0; b < set.bucket_count(); ++b) most = std::max(most, set.bucket_size(b));
  return most;
}
}  // namespace

TEST_CASE("keys a peer crafts for one bucket spread over all of them") {
  std::unordered_set<hash256, fixed_bytes_hasher> probe;
  probe.rehash(8000);
  const size_t buckets = probe.bucket_count();
  const size_t n = buckets / 2;
  // Ground hashes: first 8 bytes a multiple of the bucket count, which put
  // every key in bucket 0 when the hash was those 8 bytes.
  std::vector<hash256> multiples, same_prefix;
  for (size_t i = 1; i <= n; ++i) {
    hash256 k;
    uint64_t w = uint64_t(i) * buckets;
    std::memcpy(k.v.data(), &w, sizeof w);
    multiples.push_back(k);
    // Public keys are chosen, not ground: equal first bytes, the rest free.
    hash256 p;
    std::memset(p.v.data(), 0xab, 8);
    std::memcpy(p.v.data() + 24, &w, sizeof w);
    same_prefix.push_back(p);
  }
  // Uniform hashing of n keys into 2n buckets: the largest holds about 6.
  CHECK(largest_bucket(multiples, buckets) <= 12);
  CHECK(largest_bucket(same_prefix, buckets) <= 12);
}

TEST_CASE("the hashers' salt changes every hash") {
  hash256 k;
  for (size_t i = 0; i < 32; ++i) k.v[i] = static_cast<uint8_t>(i);
  const uint64_t fixed = detail::hash_salt;
  size_t with_default = fixed_bytes_hasher{}(k);
  set_hash_salt(fixed + 1);
  size_t with_other = fixed_bytes_hasher{}(k);
  set_hash_salt(fixed);  // later tests replay with the default
  CHECK(with_default != with_other);
  CHECK(fixed_bytes_hasher{}(k) == with_default);
}
