#pragma once
// SHA-256 (OpenSSL libcrypto) and BIP340-style tagged hashes:
//   tagged_hash(tag, m) = SHA256(SHA256(tag) || SHA256(tag) || m)
// Every hash the protocol defines is tagged, so a txid can never be mistaken
// for a block hash or a vote's sign-bytes.

#include <string>
#include <string_view>

#include "crypto/bytes.hpp"

namespace tc {

hash256 sha256(byte_view data);

// Incremental SHA-256, optionally pre-seeded with a tag prefix. Its state
// is held inline (no allocation per hash: a tx's digests are on the hot path
// of every relayed tx); hash.cpp checks that OpenSSL's fits.
class hasher {
 public:
  hasher();
  // Starts from the state after absorbing SHA256(tag)||SHA256(tag).
  explicit hasher(std::string_view tag);

  hasher& write(byte_view data);
  hash256 finish();

 private:
  alignas(8) unsigned char state_[112];
};

hash256 tagged_hash(std::string_view tag, byte_view data);

// Equal bytes, in time that depends only on the lengths (for secrets such as
// RPC credentials: a byte-by-byte compare that stops early tells an
// attacker, by its timing, how much of a guess was right).
bool equal_constant_time(byte_view a, byte_view b);

}  // namespace tc
