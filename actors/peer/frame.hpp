#pragma once
// Peer framing: a 4-byte big-endian payload length, then one Cap'n Proto
// message (messages/wire.capnp). The reader reassembles frames split across
// reads and refuses a length above its cap before buffering a byte of it.

#include "crypto/bytes.hpp"

namespace tc::peer {

constexpr size_t frame_header_bytes = 4;

// payload -> length prefix + payload.
bytes make_frame(byte_view payload);

class frame_reader {
 public:
  explicit frame_reader(size_t max_payload_bytes) : max_payload_(max_payload_bytes) {}

  // Appends received bytes and moves every complete payload into `out`.
  // An error (length over the cap) is final: the stream cannot be resynced.
  status feed(byte_view data, std::vector<bytes>& out);

  size_t buffered_bytes() const { return buf_.size() - pos_; }

 private:
  size_t max_payload_;
  bytes buf_;
  size_t pos_ = 0;  // start of the first incomplete frame in buf_
  bool failed_ = false;
};

}  // namespace tc::peer
