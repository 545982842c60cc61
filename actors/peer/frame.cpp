#include "actors/peer/frame.hpp"

namespace tc::peer {

bytes make_frame(byte_view payload) {
  TC_ASSERT(payload.size <= 0xffffffffu);
  bytes out(frame_header_bytes + payload.size);
  auto n = static_cast<uint32_t>(payload.size);
  out[0] = static_cast<uint8_t>(n >> 24);
  out[1] = static_cast<uint8_t>(n >> 16);
  out[2] = static_cast<uint8_t>(n >> 8);
  out[3] = static_cast<uint8_t>(n);
  if (payload.size) std::memcpy(out.data() + frame_header_bytes, payload.data, payload.size);
  return out;
}

void frame_reader::append(byte_view data) {
  compact();
  buf_.insert(buf_.end(), data.data, data.data + data.size);
}

result<std::optional<bytes>> frame_reader::next() {
  if (failed_) return make_error("frame stream already failed");
  if (buf_.size() - pos_ < frame_header_bytes) return std::optional<bytes>{};
  const uint8_t* p = buf_.data() + pos_;
  size_t len = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
  if (len > max_payload_) {
    failed_ = true;
    return make_error("frame length " + std::to_string(len) + " exceeds the cap of " +
                      std::to_string(max_payload_) + " bytes");
  }
  if (buf_.size() - pos_ < frame_header_bytes + len) return std::optional<bytes>{};
  bytes out(p + frame_header_bytes, p + frame_header_bytes + len);
  pos_ += frame_header_bytes + len;
  return std::optional<bytes>{std::move(out)};
}

status frame_reader::feed(byte_view data, std::vector<bytes>& out) {
  append(data);
  while (true) {
    auto f = next();
    if (!f) return f.take_error();
    if (!*f) return ok_t{};
    out.push_back(std::move(**f));
  }
}

// Drops consumed bytes once they dominate the buffer.
void frame_reader::compact() {
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
}

}  // namespace tc::peer
