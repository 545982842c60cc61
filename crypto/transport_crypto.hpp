#pragma once
// The primitives of the encrypted peer transport (messages/PROTOCOL.md §2),
// all from OpenSSL's libcrypto: X25519 key agreement (RFC 7748), HKDF-SHA256
// (RFC 5869) and ChaCha20-Poly1305 (RFC 8439). Key material is plain bytes
// here; the protocol logic that uses them lives in actors/peer/channel.

#include <memory>
#include <optional>
#include <string_view>

#include "crypto/bytes.hpp"

namespace tc {

struct x25519_tag {};
using x25519_key = fixed_bytes<32, x25519_tag>;  // a public key or a secret scalar

// The public key of a secret scalar (clamped as RFC 7748 says).
x25519_key x25519_public(const x25519_key& secret);
// The shared secret, or nothing when it is all zeros (the peer sent a
// low-order point: no secret is shared, so the connection must not go on).
std::optional<hash256> x25519_shared(const x25519_key& secret, const x25519_key& peer_public);

bytes hmac_sha256(byte_view key, byte_view data);
// HKDF-SHA256 extract-then-expand; `length` at most 255 * 32.
bytes hkdf_sha256(byte_view salt, byte_view ikm, byte_view info, size_t length);

constexpr size_t aead_tag_bytes = 16;

// ChaCha20-Poly1305 under one key, with the 96-bit nonce made of four zero
// bytes and a 64-bit little-endian counter (as in RFC 8439 §2.8's use by
// WireGuard). The cipher context is kept, so sealing many small records does
// not set up the cipher each time.
class aead {
 public:
  explicit aead(const hash256& key);
  ~aead();
  aead(aead&&) noexcept;
  aead& operator=(aead&&) noexcept;
  aead(const aead&) = delete;
  aead& operator=(const aead&) = delete;

  // Appends ciphertext || tag to `out`.
  void seal(uint64_t counter, byte_view aad, byte_view plaintext, bytes& out);
  // Appends the plaintext to `out`; false (and `out` unchanged) when the tag
  // does not verify.
  bool open(uint64_t counter, byte_view aad, byte_view sealed, bytes& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tc
