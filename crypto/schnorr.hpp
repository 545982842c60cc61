#pragma once
// BIP340 Schnorr signatures over libsecp256k1 with x-only public keys.

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/bytes.hpp"

namespace tc {

struct pubkey_tag {};
struct signature_tag {};
using pubkey = fixed_bytes<32, pubkey_tag>;        // x-only
using signature = fixed_bytes<64, signature_tag>;  // BIP340 (R.x, s)

// A secret key with its precomputed keypair; the bytes are wiped on destruction.
class secret_key {
 public:
  // From 32 bytes; fails when the scalar is zero or not below the curve order.
  static result<secret_key> from_bytes(byte_view b);
  static result<secret_key> from_hex(std::string_view hex);
  // A fresh key from the OS RNG.
  static secret_key generate();

  secret_key(const secret_key&);
  secret_key& operator=(const secret_key&);
  ~secret_key();

  const pubkey& public_key() const { return pub_; }
  std::string hex() const;  // the secret, for key files only

  // Signs a 32-byte message with fresh OS randomness as auxiliary data.
  signature sign(const hash256& msg) const;
  // Signs with the given auxiliary data (deterministic; for tests, vectors and replays).
  signature sign(byte_view msg, const hash256& aux) const;

 private:
  secret_key() = default;
  uint8_t keypair_[96]{};  // secp256k1_keypair, opaque
  pubkey pub_;
};

// True when sig is a valid BIP340 signature of msg (any length) by key.
bool verify(const pubkey& key, byte_view msg, const signature& sig);
// True when the bytes are the x coordinate of a point on the curve.
bool is_valid_pubkey(const pubkey& key);

// verify() with a bounded, direct-mapped cache of parsed public keys: parsing
// an x-only key takes a field square root (about a seventh of a
// verification), and senders reuse their keys. One per thread or actor (not
// shared), so no locking.
class verifier_with_key_cache {
 public:
  explicit verifier_with_key_cache(size_t slots = 4096);
  bool verify(const pubkey& key, byte_view msg, const signature& sig);
  uint64_t hits() const { return hits_; }

 private:
  struct slot {
    pubkey key;
    bool used = false;
    uint8_t parsed[64]{};  // secp256k1_xonly_pubkey, opaque
  };
  std::vector<slot> slots_;
  uint64_t hits_ = 0;
};

}  // namespace tc
