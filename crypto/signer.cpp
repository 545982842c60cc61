#include "crypto/signer.hpp"

#include "crypto/hash.hpp"

namespace tc {

bool cached_verifier::verify(const pubkey& key, const hash256& msg, const signature& sig) {
  hash256 id = hasher("TimeCoin/sigcache").write(key).write(msg).write(sig).finish();
  if (ok_.count(id)) {
    ++hits_;
    return true;
  }
  ++misses_;
  if (!tc::verify(key, msg, sig)) return false;
  if (order_.size() >= capacity_) {
    ok_.erase(order_.front());
    order_.pop_front();
  }
  ok_.insert(id);
  order_.push_back(id);
  return true;
}

}  // namespace tc
