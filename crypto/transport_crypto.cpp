#include "crypto/transport_crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

namespace tc {

namespace {

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;

std::array<uint8_t, 12> nonce_of(uint64_t counter) {
  std::array<uint8_t, 12> n{};
  for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
  return n;
}

}  // namespace

x25519_key x25519_public(const x25519_key& secret) {
  pkey_ptr k(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), 32));
  TC_ASSERT(k);
  x25519_key out;
  size_t len = 32;
  TC_ASSERT(EVP_PKEY_get_raw_public_key(k.get(), out.data(), &len) == 1 && len == 32);
  return out;
}

std::optional<hash256> x25519_shared(const x25519_key& secret, const x25519_key& peer_public) {
  pkey_ptr mine(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), 32));
  pkey_ptr theirs(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), 32));
  TC_ASSERT(mine);
  if (!theirs) return std::nullopt;
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new(mine.get(), nullptr));
  TC_ASSERT(ctx && EVP_PKEY_derive_init(ctx.get()) == 1);
  // OpenSSL refuses an all-zero result (a low-order peer point) here.
  if (EVP_PKEY_derive_set_peer(ctx.get(), theirs.get()) != 1) return std::nullopt;
  hash256 out;
  size_t len = 32;
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != 32) return std::nullopt;
  if (out.is_zero()) return std::nullopt;
  return out;
}

bytes hmac_sha256(byte_view key, byte_view data) {
  bytes out(32);
  unsigned len = 32;
  TC_ASSERT(HMAC(EVP_sha256(), key.data, static_cast<int>(key.size), data.data, data.size,
                 out.data(), &len) != nullptr &&
            len == 32);
  return out;
}

bytes hkdf_sha256(byte_view salt, byte_view ikm, byte_view info, size_t length) {
  TC_ASSERT(length <= 255 * 32);
  bytes zero_salt(32, 0);
  bytes prk = hmac_sha256(salt.size ? salt : byte_view(zero_salt), ikm);
  bytes out, t;
  for (uint8_t i = 1; out.size() < length; ++i) {
    bytes m = t;
    m.insert(m.end(), info.data, info.data + info.size);
    m.push_back(i);
    t = hmac_sha256(prk, m);
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return out;
}

struct aead::impl {
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  ~impl() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
  }
};

aead::aead(const hash256& key) : impl_(new impl) {
  impl_->enc = EVP_CIPHER_CTX_new();
  impl_->dec = EVP_CIPHER_CTX_new();
  TC_ASSERT(impl_->enc && impl_->dec);
  TC_ASSERT(EVP_EncryptInit_ex(impl_->enc, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr) ==
            1);
  TC_ASSERT(EVP_DecryptInit_ex(impl_->dec, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr) ==
            1);
}
aead::~aead() = default;
aead::aead(aead&&) noexcept = default;
aead& aead::operator=(aead&&) noexcept = default;

void aead::seal(uint64_t counter, byte_view aad, byte_view plaintext, bytes& out) {
  EVP_CIPHER_CTX* c = impl_->enc;
  auto n = nonce_of(counter);
  TC_ASSERT(EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, n.data()) == 1);
  int len = 0;
  if (aad.size) TC_ASSERT(EVP_EncryptUpdate(c, nullptr, &len, aad.data, int(aad.size)) == 1);
  size_t at = out.size();
  out.resize(at + plaintext.size + aead_tag_bytes);
  if (plaintext.size)
    TC_ASSERT(EVP_EncryptUpdate(c, out.data() + at, &len, plaintext.data, int(plaintext.size)) ==
              1);
  TC_ASSERT(EVP_EncryptFinal_ex(c, out.data() + at + plaintext.size, &len) == 1);
  TC_ASSERT(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, int(aead_tag_bytes),
                                out.data() + at + plaintext.size) == 1);
}

bool aead::open(uint64_t counter, byte_view aad, byte_view sealed, bytes& out) {
  if (sealed.size < aead_tag_bytes) return false;
  EVP_CIPHER_CTX* c = impl_->dec;
  size_t body = sealed.size - aead_tag_bytes;
  auto n = nonce_of(counter);
  TC_ASSERT(EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, n.data()) == 1);
  int len = 0;
  if (aad.size) TC_ASSERT(EVP_DecryptUpdate(c, nullptr, &len, aad.data, int(aad.size)) == 1);
  size_t at = out.size();
  out.resize(at + body);
  if (body) TC_ASSERT(EVP_DecryptUpdate(c, out.data() + at, &len, sealed.data, int(body)) == 1);
  uint8_t tag[aead_tag_bytes];
  std::memcpy(tag, sealed.data + body, aead_tag_bytes);
  TC_ASSERT(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, int(aead_tag_bytes), tag) == 1);
  if (EVP_DecryptFinal_ex(c, out.data() + at + body, &len) != 1) {
    out.resize(at);
    return false;
  }
  return true;
}

}  // namespace tc
