#include "actors/peer/outbox.hpp"

#include <algorithm>

namespace tc::peer {

void outbox::push(byte_view wire) {
  size_t off = 0;
  while (off < wire.size) {
    // Top up the last chunk first: many small frames (votes, pongs) share
    // one chunk instead of one allocation each.
    if (chunks_.empty() || chunks_.back().size() >= chunk_bytes) {
      chunks_.emplace_back();
      chunks_.back().reserve(std::min(chunk_bytes, wire.size - off));
    }
    bytes& last = chunks_.back();
    size_t n = std::min(chunk_bytes - last.size(), wire.size - off);
    last.insert(last.end(), wire.data + off, wire.data + off + n);
    off += n;
  }
  queued_ += wire.size;
}

void outbox::on_written(uint64_t n) {
  // A report can only cover bytes the socket was handed; more is clamped.
  in_socket_ -= std::min(n, in_socket_);
}

}  // namespace tc::peer
