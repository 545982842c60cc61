#pragma once
// The encrypted transport under the peer protocol (messages/PROTOCOL.md §2),
// without I/O. Each side first sends a 36-byte preamble: the transport magic
// and an ephemeral X25519 key. Both then derive per-direction keys from the
// shared secret and a transcript of the two preambles, and everything after
// travels in ChaCha20-Poly1305 records: a 4-byte big-endian length (the
// record's additional data), then ciphertext and tag. The records carry the
// plaintext frame stream (frame.hpp) unchanged. The node keys are proved
// inside the channel by the handshake, whose signatures bind session_id.

#include <array>

#include "crypto/result.hpp"
#include "crypto/transport_crypto.hpp"

namespace tc::peer {

constexpr std::array<uint8_t, 4> transport_magic = {'T', 'C', 'x', '1'};
constexpr size_t preamble_bytes = 4 + 32;
constexpr size_t record_header_bytes = 4;
// Plaintext per record: a larger frame spans several records, and an
// unauthenticated peer can make us hold at most one record.
constexpr size_t max_record_plaintext_bytes = 64 * 1024;

// The key schedule, as a pure function so the document's vectors can be
// checked: what both sides derive from the two preambles. The chain is not
// mixed in here but bound by the handshake signatures, so a node of another
// chain still gets a readable reject (wrong chain) instead of records that
// merely fail to decrypt.
struct channel_keys {
  hash256 transcript;              // tagged hash of both preambles
  hash256 initiator_to_responder;  // the dialing side's sending key
  hash256 responder_to_initiator;
  hash256 session_id;  // bound into both handshake signatures
};
// `shared` is X25519(our secret, their public); the ephemeral keys are named
// by role (initiator = the side that dialed).
channel_keys derive_channel_keys(const x25519_key& initiator_ephemeral,
                                 const x25519_key& responder_ephemeral, const hash256& shared);

class secure_channel {
 public:
  secure_channel(bool initiator, const x25519_key& ephemeral_secret);

  // What we send first, before anything else.
  bytes preamble() const;
  // Received bytes; the plaintext they complete is appended to `plain`. An
  // error is final: the connection must close (a wrong magic, a low-order
  // key, a record over the cap, or a record that fails authentication,
  // which may be an on-path forgery and so is no proof against the peer).
  status on_bytes(byte_view data, bytes& plain);
  // Plaintext -> records, appended to `out`. Only once established().
  void seal(byte_view plaintext, bytes& out);
  bytes seal(byte_view plaintext) {
    bytes out;
    seal(plaintext, out);
    return out;
  }

  bool established() const { return keys_.has_value(); }
  bool initiator() const { return initiator_; }
  const channel_keys& keys() const { return *keys_; }
  const x25519_key& ephemeral(bool of_initiator) const {
    return of_initiator == initiator_ ? my_public_ : peer_public_;
  }
  size_t buffered_bytes() const { return buf_.size() - pos_; }

 private:
  status on_preamble();

  bool initiator_;
  x25519_key secret_, my_public_, peer_public_;
  std::optional<channel_keys> keys_;
  std::optional<aead> send_, recv_;
  uint64_t send_counter_ = 0, recv_counter_ = 0;
  bytes buf_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace tc::peer
