#pragma once
// SHA-256 (OpenSSL libcrypto) and BIP340-style tagged hashes:
//   tagged_hash(tag, m) = SHA256(SHA256(tag) || SHA256(tag) || m)
// Every hash the protocol defines is tagged, so a txid can never be mistaken
// for a block hash or a vote's sign-bytes.

#include <memory>
#include <string>
#include <string_view>

#include "crypto/bytes.hpp"

namespace tc {

hash256 sha256(byte_view data);

// Incremental SHA-256, optionally pre-seeded with a tag prefix.
class hasher {
 public:
  hasher();
  // Starts from the state after absorbing SHA256(tag)||SHA256(tag).
  explicit hasher(std::string_view tag);
  ~hasher();
  hasher(hasher&&) noexcept;
  hasher& operator=(hasher&&) noexcept;
  hasher(const hasher&) = delete;
  hasher& operator=(const hasher&) = delete;

  hasher& write(byte_view data);
  hash256 finish();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

hash256 tagged_hash(std::string_view tag, byte_view data);

// Equal bytes, in time that depends only on the lengths (for secrets such as
// RPC credentials: a byte-by-byte compare that stops early tells an
// attacker, by its timing, how much of a guess was right).
bool equal_constant_time(byte_view a, byte_view b);

}  // namespace tc
