#include "actors/peer/channel.hpp"

#include <cstring>

#include "crypto/hash.hpp"

namespace tc::peer {

namespace {
constexpr size_t max_record_bytes = max_record_plaintext_bytes + aead_tag_bytes;

void put_u32be(bytes& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}
}  // namespace

channel_keys derive_channel_keys(const x25519_key& initiator_ephemeral,
                                 const x25519_key& responder_ephemeral, const hash256& shared) {
  channel_keys k;
  // Fixed offsets, not vector inserts: GCC 12 at -O3 misreads the inserts
  // of a 4-byte array as out of bounds (-Warray-bounds).
  bytes t(transport_magic.size() + 64);
  std::memcpy(t.data(), transport_magic.data(), transport_magic.size());
  std::memcpy(t.data() + 4, initiator_ephemeral.data(), 32);
  std::memcpy(t.data() + 36, responder_ephemeral.data(), 32);
  k.transcript = tagged_hash("TimeCoin/transport", t);
  bytes okm =
      hkdf_sha256(k.transcript.v, shared.v, byte_view::of("TimeCoin transport keys v1"), 96);
  std::memcpy(k.initiator_to_responder.data(), okm.data(), 32);
  std::memcpy(k.responder_to_initiator.data(), okm.data() + 32, 32);
  std::memcpy(k.session_id.data(), okm.data() + 64, 32);
  return k;
}

secure_channel::secure_channel(bool initiator, const x25519_key& ephemeral_secret)
    : initiator_(initiator),
      secret_(ephemeral_secret),
      my_public_(x25519_public(ephemeral_secret)) {}

bytes secure_channel::preamble() const {
  bytes out(preamble_bytes);
  std::memcpy(out.data(), transport_magic.data(), transport_magic.size());
  std::memcpy(out.data() + transport_magic.size(), my_public_.data(), 32);
  return out;
}

status secure_channel::on_preamble() {
  const uint8_t* p = buf_.data() + pos_;
  std::memcpy(peer_public_.data(), p + 4, 32);
  pos_ += preamble_bytes;
  auto shared = x25519_shared(secret_, peer_public_);
  if (!shared) return make_error("the peer's ephemeral key is a low-order point");
  const x25519_key& ei = initiator_ ? my_public_ : peer_public_;
  const x25519_key& er = initiator_ ? peer_public_ : my_public_;
  keys_ = derive_channel_keys(ei, er, *shared);
  send_.emplace(initiator_ ? keys_->initiator_to_responder : keys_->responder_to_initiator);
  recv_.emplace(initiator_ ? keys_->responder_to_initiator : keys_->initiator_to_responder);
  secret_ = x25519_key{};  // forward secrecy: the scalar is not needed any more
  return ok_status();
}

status secure_channel::on_bytes(byte_view data, bytes& plain) {
  if (failed_) return make_error("the channel already failed");
  buf_.insert(buf_.end(), data.data, data.data + data.size);
  auto fail = [&](error e) -> status {
    failed_ = true;
    buf_.clear();
    pos_ = 0;
    return e;
  };
  if (!keys_) {
    // The magic is checked as soon as it is there: a client of another
    // protocol (an HTTP request, an older node) is told at once.
    size_t have = std::min(buffered_bytes(), transport_magic.size());
    if (!std::equal(buf_.begin() + static_cast<std::ptrdiff_t>(pos_),
                    buf_.begin() + static_cast<std::ptrdiff_t>(pos_ + have),
                    transport_magic.begin()))
      return fail(
          make_error("not a TimeCoin transport (its first bytes are not \"TCx1\": an "
                     "older node, or not a node)"));
    if (buffered_bytes() < preamble_bytes) return ok_status();
    if (auto s = on_preamble(); !s) return fail(s.take_error());
  }
  while (buffered_bytes() >= record_header_bytes) {
    const uint8_t* h = buf_.data() + pos_;
    uint32_t len = uint32_t(h[0]) << 24 | uint32_t(h[1]) << 16 | uint32_t(h[2]) << 8 | h[3];
    if (len < aead_tag_bytes || len > max_record_bytes)
      return fail(make_error("record length " + std::to_string(len) + " outside [16, " +
                             std::to_string(max_record_bytes) + "]"));
    if (buffered_bytes() < record_header_bytes + len) break;
    if (!recv_->open(recv_counter_, byte_view(h, record_header_bytes),
                     byte_view(h + record_header_bytes, len), plain))
      return fail(make_error("record " + std::to_string(recv_counter_) +
                             " fails authentication (forged, altered or out of order)"));
    ++recv_counter_;
    pos_ += record_header_bytes + len;
  }
  if (pos_ > 0 && pos_ * 2 >= buf_.size()) {  // compact: the buffer holds at most one record
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  return ok_status();
}

void secure_channel::seal(byte_view plaintext, bytes& out) {
  TC_ASSERT_MSG(keys_, "sealing before the channel is established");
  size_t off = 0;
  do {
    size_t n = std::min(max_record_plaintext_bytes, plaintext.size - off);
    size_t at = out.size();
    put_u32be(out, static_cast<uint32_t>(n + aead_tag_bytes));
    bytes header(out.begin() + static_cast<std::ptrdiff_t>(at), out.end());
    send_->seal(send_counter_++, header, byte_view(plaintext.data + off, n), out);
    off += n;
  } while (off < plaintext.size);
}

}  // namespace tc::peer
