// Fuzz target: the frame reader and one peer session's protocol over
// sequences of frames. Byte 0: bit 0 completes a handshake first (so every
// post-handshake path is reachable), bit 1 ticks after each read, bit 2
// feeds the reads raw instead of sealed (the transport's own parser: the
// preamble and record headers); byte 1: the size of each read (1..256);
// the rest is the plaintext stream from the peer, each read sealed into a
// record of the channel, with the clock moving a little between reads. Properties: no
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
class fast_signer final : public signer {
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

const hash256 node_seed{{7}};
const x25519_key peer_ephemeral_secret{{4, 4}};

struct opening {
  bytes wire;             // the peer's preamble, then (handshake) its sealed handshake and ack
  hash256 peer_send_key;  // the peer's direction of the channel
  uint64_t next_counter = 0;
};

// The node's half of the channel and its handshake are fixed by node_seed,
// so what a well-behaved peer sends to open the channel and complete the
// handshake is computed once (a real signature, made once).
const opening& opening_for(bool handshake) {
  static const auto make = [](bool with_handshake) {
    fast_signer me(secret_key::from_bytes(hash256{{8}}).value().public_key());
    peer::session_core node(config(), me, peer::direction::inbound, node_seed, 1, 0);
    peer::secure_channel ch(true, peer_ephemeral_secret);
    opening o;
    bytes from_node;
    auto take = [&](const peer::session_actions& acts) {
      for (auto& a : acts)
        if (auto* f = std::get_if<peer::send_frame>(&a)) {
          TC_ASSERT(ch.on_bytes(*f->frame, from_node).ok());
        }
    };
    take(node.on_open());
    o.wire = ch.preamble();
    take(node.on_bytes(0, o.wire));
    o.peer_send_key = ch.keys().initiator_to_responder;
    if (!with_handshake) return o;
    peer::frame_reader r(1 << 16);
    r.append(from_node);
    auto node_hello = std::get<peer::handshake>(decode_message(*r.next().value()).value());
    auto key = secret_key::from_bytes(hash256{{9}}).value();
    key_signer peer(key, true);
    peer::handshake h{limits::protocol_version,
                      "fuzz",
                      config().genesis_hash,
                      key.public_key(),
                      "127.0.0.1:1",
                      hash256{{3}},
                      5,
                      "fuzz"};
    peer::handshake_transcript t{"fuzz",
                                 config().genesis_hash,
                                 ch.keys().session_id,
                                 ch.ephemeral(true),
                                 ch.ephemeral(false),
                                 key.public_key(),
                                 me.key(),
                                 h.nonce,
                                 node_hello.nonce};
    peer::handshake_ack a{peer.sign(peer::handshake_sign_bytes(t, true))};
    bytes frames = peer::make_frame(encode_message(h));
    bytes ack = peer::make_frame(encode_message(a));
    frames.insert(frames.end(), ack.begin(), ack.end());
    ch.seal(frames, o.wire);
    o.next_counter = 1;
    return o;
  };
  static const opening plain = make(false), shaken = make(true);
  return handshake ? shaken : plain;
}

// One record of the peer's direction (PROTOCOL.md §2.3).
bytes seal_record(aead& send, uint64_t counter, byte_view plain) {
  uint32_t n = static_cast<uint32_t>(plain.size + aead_tag_bytes);
  bytes out = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
  bytes header = out;
  send.seal(counter, header, plain, out);
  return out;
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
  peer::session_core node(config(), me, peer::direction::inbound, node_seed, 1, 0);
  uint64_t now = 0;
  bool raw = data[0] & 4;
  const opening& o = opening_for(data[0] & 1);
  check(node.on_open(), false);
  if (!raw) {
    check(node.on_bytes(now, o.wire), false);
    TC_ASSERT(node.ready() == bool(data[0] & 1));
  }
  if (size < 2) return 0;
  aead send(o.peer_send_key);
  uint64_t counter = o.next_counter;
  size_t chunk = size_t(data[1]) + 1;
  for (size_t at = 2; at < size; at += chunk) {
    size_t len = std::min(chunk, size - at);
    bool was_closed = node.closed();
    now += 1 + data[at] % 8;
    byte_view piece(data + at, len);
    if (raw) {
      check(node.on_bytes(now, piece), was_closed);
    } else {
      bytes rec = seal_record(send, counter++, piece);
      check(node.on_bytes(now, rec), was_closed);
    }
    if (data[0] & 2) check(node.on_tick(now, now), node.closed());
  }
  return 0;
}
