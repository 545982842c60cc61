#include "crypto/bytes.hpp"

namespace tc {

std::string to_hex(byte_view b) {
  static const char* digits = "0123456789abcdef";
  std::string out(b.size * 2, '0');
  for (size_t i = 0; i < b.size; ++i) {
    out[2 * i] = digits[b.data[i] >> 4];
    out[2 * i + 1] = digits[b.data[i] & 0xf];
  }
  return out;
}

std::string base64_encode(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(in[k])); };
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int k = 3; k >= 0; --k) out += t[(v >> (6 * k)) & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += rest == 2 ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

result<bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2) return make_error("hex string has odd length");
  bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return make_error("invalid hex character");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace tc
