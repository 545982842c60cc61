#pragma once
// Signing and verification as injected interfaces, so no core holds a
// global context and the simulator can share one verification cache
// across all simulated nodes.

#include <deque>
#include <unordered_set>

#include "crypto/schnorr.hpp"

namespace tc {

class signer {
 public:
  virtual ~signer() = default;
  virtual const pubkey& key() const = 0;
  virtual signature sign(const hash256& msg) = 0;
};

// Fresh OS randomness as BIP340 auxiliary data (deterministic = false), or
// all-zero aux, which keeps signatures (and so simulator traces) replayable.
class key_signer final : public signer {
 public:
  key_signer(secret_key k, bool deterministic)
      : key_(std::move(k)), deterministic_(deterministic) {}
  const pubkey& key() const override { return key_.public_key(); }
  signature sign(const hash256& msg) override {
    return deterministic_ ? key_.sign(msg, hash256{}) : key_.sign(msg);
  }

 private:
  secret_key key_;
  bool deterministic_;
};

class sig_verifier {
 public:
  virtual ~sig_verifier() = default;
  virtual bool verify(const pubkey& key, const hash256& msg, const signature& sig) = 0;
};

// Remembers signatures that verified (never failures, which cost an
// attacker nothing to vary), bounded by count with FIFO eviction.
class cached_verifier final : public sig_verifier {
 public:
  explicit cached_verifier(size_t capacity = 100'000) : capacity_(capacity) {}
  bool verify(const pubkey& key, const hash256& msg, const signature& sig) override;
  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

 private:
  size_t capacity_;
  std::unordered_set<hash256, fixed_bytes_hasher> ok_;
  std::deque<hash256> order_;
  size_t hits_ = 0, misses_ = 0;
};

}  // namespace tc
