#pragma once
// Fixed-size byte strings (hashes, keys, signatures) and hex conversion.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/result.hpp"

namespace tc {

using bytes = std::vector<uint8_t>;

// A read-only view of bytes; C++17 has no std::span.
struct byte_view {
  const uint8_t* data = nullptr;
  size_t size = 0;
  byte_view() = default;
  byte_view(const uint8_t* d, size_t n) : data(d), size(n) {}
  byte_view(const bytes& b) : data(b.data()), size(b.size()) {}  // NOLINT
  template <size_t N>
  byte_view(const std::array<uint8_t, N>& a) : data(a.data()), size(N) {}  // NOLINT
  static byte_view of(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }
};

std::string to_hex(byte_view b);
std::string base64_encode(std::string_view in);  // RFC 4648, with padding (HTTP Basic auth)
// Accepts upper or lower case; rejects odd length and non-hex characters.
result<bytes> from_hex(std::string_view hex);

// A fixed-width value such as a hash or a key. Tag keeps kinds apart.
template <size_t N, class Tag>
struct fixed_bytes {
  std::array<uint8_t, N> v{};
  static constexpr size_t size = N;

  const uint8_t* data() const { return v.data(); }
  uint8_t* data() { return v.data(); }
  bool is_zero() const {
    for (auto b : v)
      if (b) return false;
    return true;
  }
  std::string hex() const { return to_hex(byte_view(v)); }
  static result<fixed_bytes> from_hex(std::string_view s) {
    auto b = tc::from_hex(s);
    if (!b) return b.take_error();
    if (b->size() != N)
      return make_error("expected " + std::to_string(N) + " bytes of hex, got " +
                        std::to_string(b->size()));
    fixed_bytes out;
    std::memcpy(out.v.data(), b->data(), N);
    return out;
  }
  static fixed_bytes from_view(byte_view b) {
    TC_ASSERT(b.size == N);
    fixed_bytes out;
    std::memcpy(out.v.data(), b.data, N);
    return out;
  }
  operator byte_view() const { return byte_view(v); }  // NOLINT
  friend bool operator==(const fixed_bytes& a, const fixed_bytes& b) { return a.v == b.v; }
  friend bool operator!=(const fixed_bytes& a, const fixed_bytes& b) { return a.v != b.v; }
  friend bool operator<(const fixed_bytes& a, const fixed_bytes& b) { return a.v < b.v; }
};

struct hash_tag {};
using hash256 = fixed_bytes<32, hash_tag>;

namespace detail {
// The hashers' secret: set once by main before any thread starts
// (set_hash_salt); tests and the simulator keep this default, so their runs
// replay.
inline uint64_t hash_salt = 0x2545f4914f6cdd1dULL;
// SplitMix64's finalizer: a bijection that spreads every input bit.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace detail
inline void set_hash_salt(uint64_t salt) {
  detail::hash_salt = salt;
}

// std::hash for unordered containers. Their keys come from peers: hashes a
// peer can grind, public keys it can choose outright. A bucket is the hash
// modulo the bucket count, so an unkeyed hash of the first 8 bytes let a
// peer put every key it sends in one bucket and make each lookup a walk of
// them all. Every 8-byte word goes through a mix seeded with the salt, so
// which keys share a bucket is unknown to anyone without the salt, and keys
// equal in their first bytes (free to choose for a public key) still differ.
struct fixed_bytes_hasher {
  template <size_t N, class Tag>
  size_t operator()(const fixed_bytes<N, Tag>& x) const {
    static_assert(N % sizeof(uint64_t) == 0);
    uint64_t h = detail::hash_salt;
    for (size_t i = 0; i < N; i += sizeof(uint64_t)) {
      uint64_t w;
      std::memcpy(&w, x.v.data() + i, sizeof w);
      h = detail::mix64(h ^ w);
    }
    return static_cast<size_t>(h);
  }
};

}  // namespace tc
