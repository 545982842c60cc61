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

// std::hash for unordered containers; hashes are uniformly distributed, so the
// first 8 bytes are enough.
struct fixed_bytes_hasher {
  template <size_t N, class Tag>
  size_t operator()(const fixed_bytes<N, Tag>& x) const {
    static_assert(N >= sizeof(size_t));
    size_t h;
    std::memcpy(&h, x.v.data(), sizeof h);
    return h;
  }
};

}  // namespace tc
