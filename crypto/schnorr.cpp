#include "crypto/schnorr.hpp"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <algorithm>
#include <cstring>

#include "crypto/random.hpp"

namespace tc {

namespace {
static_assert(sizeof(secp256k1_keypair) == 96);

// One context for the process, randomized once against side channels; after
// that it is only read, so every thread may use it.
const secp256k1_context* ctx() {
  static secp256k1_context* c = [] {
    secp256k1_context* made = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    TC_ASSERT(made);
    hash256 seed = os_random32();
    TC_ASSERT(secp256k1_context_randomize(made, seed.data()) == 1);
    return made;
  }();
  return c;
}

secp256k1_keypair* as_keypair(uint8_t* p) {
  return reinterpret_cast<secp256k1_keypair*>(p);
}
const secp256k1_keypair* as_keypair(const uint8_t* p) {
  return reinterpret_cast<const secp256k1_keypair*>(p);
}
}  // namespace

result<secret_key> secret_key::from_bytes(byte_view b) {
  if (b.size != 32) return make_error("secret key must be 32 bytes");
  secret_key k;
  if (secp256k1_keypair_create(ctx(), as_keypair(k.keypair_), b.data) != 1)
    return make_error("secret key is zero or not below the curve order");
  secp256k1_xonly_pubkey xpk;
  TC_ASSERT(secp256k1_keypair_xonly_pub(ctx(), &xpk, nullptr, as_keypair(k.keypair_)) == 1);
  TC_ASSERT(secp256k1_xonly_pubkey_serialize(ctx(), k.pub_.data(), &xpk) == 1);
  return k;
}

result<secret_key> secret_key::from_hex(std::string_view hex) {
  auto b = tc::from_hex(hex);
  if (!b) return b.take_error();
  auto k = from_bytes(*b);
  OPENSSL_cleanse(b->data(), b->size());
  return k;
}

secret_key secret_key::generate() {
  for (;;) {
    hash256 raw = os_random32();
    auto k = from_bytes(raw);
    OPENSSL_cleanse(raw.data(), 32);
    if (k) return std::move(k).value();
  }
}

secret_key::secret_key(const secret_key& o) : pub_(o.pub_) {
  std::memcpy(keypair_, o.keypair_, sizeof keypair_);
}
secret_key& secret_key::operator=(const secret_key& o) {
  std::memcpy(keypair_, o.keypair_, sizeof keypair_);
  pub_ = o.pub_;
  return *this;
}
secret_key::~secret_key() {
  OPENSSL_cleanse(keypair_, sizeof keypair_);
}

std::string secret_key::hex() const {
  uint8_t sk[32];
  TC_ASSERT(secp256k1_keypair_sec(ctx(), sk, as_keypair(keypair_)) == 1);
  std::string h = to_hex(byte_view(sk, 32));
  OPENSSL_cleanse(sk, 32);
  return h;
}

signature secret_key::sign(const hash256& msg) const {
  return sign(msg, os_random32());
}

signature secret_key::sign(byte_view msg, const hash256& aux) const {
  signature sig;
  secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
  params.ndata = const_cast<uint8_t*>(aux.data());
  TC_ASSERT(secp256k1_schnorrsig_sign_custom(ctx(), sig.data(), msg.data, msg.size,
                                             as_keypair(keypair_), &params) == 1);
  return sig;
}

bool verify(const pubkey& key, byte_view msg, const signature& sig) {
  secp256k1_xonly_pubkey xpk;
  if (secp256k1_xonly_pubkey_parse(ctx(), &xpk, key.data()) != 1) return false;
  return secp256k1_schnorrsig_verify(ctx(), sig.data(), msg.data, msg.size, &xpk) == 1;
}

verifier_with_key_cache::verifier_with_key_cache(size_t slots)
    : slots_(std::max<size_t>(slots, 1)) {
  static_assert(sizeof(secp256k1_xonly_pubkey) == sizeof(slot::parsed));
}

bool verifier_with_key_cache::verify(const pubkey& key, byte_view msg, const signature& sig) {
  // Keys are curve x coordinates chosen by their owners: the first 8 bytes
  // spread well enough for a direct-mapped table.
  uint64_t h = 0;
  std::memcpy(&h, key.data(), sizeof h);
  slot& s = slots_[h % slots_.size()];
  auto* xpk = reinterpret_cast<secp256k1_xonly_pubkey*>(s.parsed);
  if (s.used && s.key == key) {
    ++hits_;
  } else {
    s.used = false;  // an unparsable key must not leave a stale entry behind
    if (secp256k1_xonly_pubkey_parse(ctx(), xpk, key.data()) != 1) return false;
    s.key = key;
    s.used = true;
  }
  return secp256k1_schnorrsig_verify(ctx(), sig.data(), msg.data, msg.size, xpk) == 1;
}

bool is_valid_pubkey(const pubkey& key) {
  secp256k1_xonly_pubkey xpk;
  return secp256k1_xonly_pubkey_parse(ctx(), &xpk, key.data()) == 1;
}

}  // namespace tc
