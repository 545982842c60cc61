// Fuzz target: the frame reader and one peer session's protocol over
// sequences of frames. Byte 0: bit 0 completes a handshake first (so every
// post-handshake path is reachable), bit 1 ticks after each read; byte 1:
// the size of each read (1..256); the rest is the stream from the peer,
// with the clock moving a little between reads. Properties: no
// crash, no escaped exception, no TC_ASSERT; once closed a session stays
// closed and says nothing more; what it delivers is well formed.

#include <cstddef>
#include <cstdint>

#include "actors/peer/session_core.hpp"
#include "crypto/hash.hpp"
#include "messages/codec.hpp"
#include "messages/limits.hpp"
#include "messages/validation.hpp"

using namespace tc;

namespace {

// A keyed hash for the node's own ack: signing with secp256k1 on every
// input would cost most of the run. The peer's ack is a real signature,
// made once.
class fast_signer final : public consensus::signer {
 public:
  explicit fast_signer(pubkey k) : k_(k) {}
  const pubkey& key() const override { return k_; }
  signature sign(const hash256& msg) override {
    hash256 h = tagged_hash("fuzz/sign", msg);
    signature s;
    std::copy(h.v.begin(), h.v.end(), s.v.begin());
    return s;
  }

 private:
  pubkey k_;
};

peer::session_config config() {
  peer::session_config c;
  c.chain_id = "fuzz";
  c.genesis_hash.v[0] = 1;
  c.protocol_version = limits::protocol_version;
  return c;
}

const hash256 node_nonce{{7}};

// What a well-behaved peer sends to complete the handshake with a node whose
// nonce is node_nonce: its handshake, then its ack.
const bytes& handshake_frames() {
  static const bytes frames = [] {
    auto key = secret_key::from_bytes(hash256{{9}}).value();
    consensus::key_signer peer(key, true);
    peer::handshake h{limits::protocol_version,
                      "fuzz",
                      config().genesis_hash,
                      key.public_key(),
                      "127.0.0.1:1",
                      hash256{{3}},
                      5,
                      "fuzz"};
    peer::handshake_ack a{peer.sign(
        peer::handshake_sign_bytes("fuzz", config().genesis_hash, node_nonce, key.public_key()))};
    bytes out = peer::make_frame(encode_message(h));
    bytes ack = peer::make_frame(encode_message(a));
    out.insert(out.end(), ack.begin(), ack.end());
    return out;
  }();
  return frames;
}

void check(const peer::session_actions& acts, bool was_closed) {
  for (const auto& a : acts) {
    TC_ASSERT(!was_closed);  // a closed session says nothing more
    if (auto* d = std::get_if<peer::deliver>(&a)) {
      TC_ASSERT(d->payload && d->payload->size() <= limits::max_frame_bytes);
      if (auto* p = std::get_if<proposal>(&d->msg)) TC_ASSERT(check_block_stateless(*p->blk).ok());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static fast_signer me(secret_key::from_bytes(hash256{{8}}).value().public_key());
  peer::session_core node(config(), me, peer::direction::inbound, node_nonce, 1, 0);
  uint64_t now = 0;
  check(node.on_open(), false);
  if (data[0] & 1) {
    check(node.on_bytes(now, handshake_frames()), false);
    TC_ASSERT(node.ready());
  }
  if (size < 2) return 0;
  size_t chunk = size_t(data[1]) + 1;
  for (size_t at = 2; at < size; at += chunk) {
    size_t len = std::min(chunk, size - at);
    bool was_closed = node.closed();
    now += 1 + data[at] % 8;
    check(node.on_bytes(now, byte_view(data + at, len)), was_closed);
    if (data[0] & 2) check(node.on_tick(now, now), node.closed());
  }
  return 0;
}
