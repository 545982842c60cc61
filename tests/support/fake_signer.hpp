#pragma once
// Signatures that cost a hash, for simulators and fuzzers that run
// consensus cores by the million: only the matching key's "signature" over
// the same message verifies. Never for anything that touches real crypto.

#include <cstring>

#include "crypto/signer.hpp"
#include "crypto/hash.hpp"

namespace tc::test {

inline signature fake_sign(const pubkey& k, const hash256& msg) {
  hash256 a = hasher("sim/sig-a").write(k).write(msg).finish();
  hash256 b = hasher("sim/sig-b").write(k).write(msg).finish();
  signature s;
  std::memcpy(s.data(), a.data(), 32);
  std::memcpy(s.data() + 32, b.data(), 32);
  return s;
}

class fake_signer final : public signer {
 public:
  explicit fake_signer(pubkey k) : k_(k) {}
  const pubkey& key() const override { return k_; }
  signature sign(const hash256& msg) override { return fake_sign(k_, msg); }

 private:
  pubkey k_;
};

class fake_verifier final : public sig_verifier {
 public:
  bool verify(const pubkey& k, const hash256& msg, const signature& sig) override {
    return fake_sign(k, msg) == sig;
  }
};

}  // namespace tc::test
