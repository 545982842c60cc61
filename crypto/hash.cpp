#include "crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <map>

namespace tc {

namespace {
struct ctx_deleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using ctx_ptr = std::unique_ptr<EVP_MD_CTX, ctx_deleter>;

ctx_ptr new_ctx() {
  ctx_ptr c(EVP_MD_CTX_new());
  TC_ASSERT(c);
  TC_ASSERT(EVP_DigestInit_ex(c.get(), EVP_sha256(), nullptr) == 1);
  return c;
}

// Contexts that have absorbed a tag prefix, one per tag and thread, copied
// for each new hasher so the 64-byte prefix is hashed only once.
const EVP_MD_CTX* tag_prefix(std::string_view tag) {
  thread_local std::map<std::string, ctx_ptr, std::less<>> cache;
  auto it = cache.find(tag);
  if (it == cache.end()) {
    hash256 t = sha256(byte_view::of(tag));
    ctx_ptr c = new_ctx();
    TC_ASSERT(EVP_DigestUpdate(c.get(), t.data(), 32) == 1);
    TC_ASSERT(EVP_DigestUpdate(c.get(), t.data(), 32) == 1);
    it = cache.emplace(std::string(tag), std::move(c)).first;
  }
  return it->second.get();
}
}  // namespace

struct hasher::impl {
  ctx_ptr ctx;
};

hash256 sha256(byte_view data) {
  hash256 out;
  unsigned int len = 0;
  TC_ASSERT(EVP_Digest(data.data, data.size, out.data(), &len, EVP_sha256(), nullptr) == 1);
  TC_ASSERT(len == 32);
  return out;
}

hasher::hasher() : impl_(new impl{new_ctx()}) {}

hasher::hasher(std::string_view tag) : impl_(new impl{ctx_ptr(EVP_MD_CTX_new())}) {
  TC_ASSERT(impl_->ctx);
  TC_ASSERT(EVP_MD_CTX_copy_ex(impl_->ctx.get(), tag_prefix(tag)) == 1);
}

hasher::~hasher() = default;
hasher::hasher(hasher&&) noexcept = default;
hasher& hasher::operator=(hasher&&) noexcept = default;

hasher& hasher::write(byte_view data) {
  TC_ASSERT(EVP_DigestUpdate(impl_->ctx.get(), data.data, data.size) == 1);
  return *this;
}

hash256 hasher::finish() {
  hash256 out;
  unsigned int len = 0;
  TC_ASSERT(EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) == 1);
  TC_ASSERT(len == 32);
  return out;
}

hash256 tagged_hash(std::string_view tag, byte_view data) {
  return hasher(tag).write(data).finish();
}

bool equal_constant_time(byte_view a, byte_view b) {
  return a.size == b.size && CRYPTO_memcmp(a.data, b.data, a.size) == 0;
}

}  // namespace tc
