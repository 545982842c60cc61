// The low-level SHA-256 calls, deprecated in OpenSSL 3 in favour of EVP:
// EVP allocates a context per hash (and another to copy a tag's prefix),
// which cost more than hashing a tx's 300 bytes. Same assembly underneath.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <map>
#include <new>

namespace tc {

namespace {
static_assert(sizeof(SHA256_CTX) <= 112 && alignof(SHA256_CTX) <= 8,
              "hasher::state_ must hold a SHA256_CTX");

SHA256_CTX* ctx_of(unsigned char* state) {
  return reinterpret_cast<SHA256_CTX*>(state);
}

// States that have absorbed a tag prefix, one per tag and thread, copied for
// each new hasher so the 64-byte prefix is hashed only once.
const SHA256_CTX& tag_prefix(std::string_view tag) {
  thread_local std::map<std::string, SHA256_CTX, std::less<>> cache;
  auto it = cache.find(tag);
  if (it == cache.end()) {
    hash256 t = sha256(byte_view::of(tag));
    SHA256_CTX c;
    TC_ASSERT(SHA256_Init(&c) == 1);
    TC_ASSERT(SHA256_Update(&c, t.data(), 32) == 1);
    TC_ASSERT(SHA256_Update(&c, t.data(), 32) == 1);
    it = cache.emplace(std::string(tag), c).first;
  }
  return it->second;
}
}  // namespace

hash256 sha256(byte_view data) {
  hash256 out;
  TC_ASSERT(SHA256(data.data, data.size, out.data()) != nullptr);
  return out;
}

hasher::hasher() {
  TC_ASSERT(SHA256_Init(new (state_) SHA256_CTX) == 1);
}

hasher::hasher(std::string_view tag) {
  *new (state_) SHA256_CTX = tag_prefix(tag);
}

hasher& hasher::write(byte_view data) {
  TC_ASSERT(SHA256_Update(ctx_of(state_), data.data, data.size) == 1);
  return *this;
}

hash256 hasher::finish() {
  hash256 out;
  TC_ASSERT(SHA256_Final(out.data(), ctx_of(state_)) == 1);
  return out;
}

hash256 tagged_hash(std::string_view tag, byte_view data) {
  return hasher(tag).write(data).finish();
}

bool equal_constant_time(byte_view a, byte_view b) {
  return a.size == b.size && CRYPTO_memcmp(a.data, b.data, a.size) == 0;
}

}  // namespace tc
