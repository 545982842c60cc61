#pragma once
// What one session still has to write, held so that memory matches the
// send budget's count (send_budget.hpp). The socket layer (CAF's stream)
// keeps a write buffer until every byte of it is written, and keeps its
// capacity afterwards: handing it a 4 MiB block answer pins 4 MiB (twice,
// with its second buffer) for as long as a peer is slow to read, even after
// most of it went out. The outbox instead keeps the bytes as small chunks,
// hands the socket at most `feed_bytes` at a time, and frees each chunk as
// it goes. Pure: no CAF.

#include <cstdint>
#include <deque>

#include "crypto/bytes.hpp"

namespace tc::peer {

class outbox {
 public:
  static constexpr size_t chunk_bytes = 64u << 10;
  explicit outbox(size_t feed_bytes = 128u << 10) : feed_bytes_(feed_bytes) {}

  // Wire bytes, in order; cut into chunks of at most chunk_bytes.
  void push(byte_view wire);
  // Hands `put(const bytes&)` chunks while the socket holds less than
  // `limit` (feed_bytes by default); returns how many bytes it handed.
  template <class Put>
  uint64_t feed(Put put, uint64_t limit = 0) {
    if (limit == 0) limit = feed_bytes_;
    uint64_t handed = 0;
    while (!chunks_.empty() && in_socket_ < limit) {
      put(chunks_.front());
      uint64_t n = chunks_.front().size();
      in_socket_ += n;
      queued_ -= n;
      handed += n;
      chunks_.pop_front();
    }
    return handed;
  }
  // The socket wrote `n` of the bytes it was handed.
  void on_written(uint64_t n);

  // Everything not yet written: queued here plus held by the socket.
  uint64_t unsent() const { return queued_ + in_socket_; }
  uint64_t queued() const { return queued_; }
  uint64_t in_socket() const { return in_socket_; }

 private:
  size_t feed_bytes_;
  std::deque<bytes> chunks_;
  uint64_t queued_ = 0;
  uint64_t in_socket_ = 0;
};

}  // namespace tc::peer
