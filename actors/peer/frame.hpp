#pragma once
// Peer framing: a 4-byte big-endian payload length, then one Cap'n Proto
// message (messages/wire.capnp). The reader reassembles frames split across
// reads and refuses a length above its cap before buffering a byte of it.

#include <optional>

#include "crypto/bytes.hpp"

namespace tc::peer {

constexpr size_t frame_header_bytes = 4;

// payload -> length prefix + payload.
bytes make_frame(byte_view payload);

class frame_reader {
 public:
  explicit frame_reader(size_t max_payload_bytes) : max_payload_(max_payload_bytes) {}

  // Received bytes; take the frames out with next() before appending more,
  // so the buffer holds at most one incomplete frame plus one read.
  void append(byte_view data);
  // The next complete payload, nothing if the next frame is incomplete, or
  // an error (length over the cap) that is final: the stream cannot be
  // resynced. The cap applies when a frame's header is read, so a caller
  // may change it between frames (e.g. raise it once a peer authenticated).
  result<std::optional<bytes>> next();
  void set_max_payload(size_t n) { max_payload_ = n; }

  // append + every complete payload into `out` (for callers with one cap).
  status feed(byte_view data, std::vector<bytes>& out);

  size_t buffered_bytes() const { return buf_.size() - pos_; }

 private:
  void compact();

  size_t max_payload_;
  bytes buf_;
  size_t pos_ = 0;  // start of the first unread frame in buf_
  bool failed_ = false;
};

}  // namespace tc::peer
