#include "crypto/bech32m.hpp"

#include <cctype>

namespace tc {

namespace {
constexpr const char* charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t bech32m_const = 0x2bc830a3;

uint32_t polymod(const std::vector<uint8_t>& values) {
  static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= gen[i];
  }
  return chk;
}

std::vector<uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

int charset_rev(char c) {
  for (int i = 0; i < 32; ++i)
    if (charset[i] == c) return i;
  return -1;
}
}  // namespace

std::string bech32m_encode(std::string_view hrp, const std::vector<uint8_t>& data5) {
  std::vector<uint8_t> values = hrp_expand(hrp);
  values.insert(values.end(), data5.begin(), data5.end());
  values.insert(values.end(), 6, 0);
  uint32_t mod = polymod(values) ^ bech32m_const;
  std::string out(hrp);
  out += '1';
  for (uint8_t d : data5) out += charset[d & 31];
  for (int i = 0; i < 6; ++i) out += charset[(mod >> (5 * (5 - i))) & 31];
  return out;
}

result<bech32_decoded> bech32m_decode(std::string_view s) {
  if (s.size() > 90) return make_error("bech32m string longer than 90 characters");
  bool lower = false, upper = false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) return make_error("bech32m character out of range");
    lower |= std::islower(u) != 0;
    upper |= std::isupper(u) != 0;
  }
  if (lower && upper) return make_error("bech32m string mixes upper and lower case");
  size_t sep = s.rfind('1');
  if (sep == std::string_view::npos) return make_error("bech32m separator '1' missing");
  if (sep == 0) return make_error("bech32m human-readable part is empty");
  if (s.size() - sep - 1 < 6) return make_error("bech32m checksum too short");
  bech32_decoded out;
  for (size_t i = 0; i < sep; ++i)
    out.hrp += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  std::vector<uint8_t> values = hrp_expand(out.hrp);
  for (size_t i = sep + 1; i < s.size(); ++i) {
    int v = charset_rev(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
    if (v < 0) return make_error("bech32m invalid data character");
    values.push_back(static_cast<uint8_t>(v));
  }
  if (polymod(values) != bech32m_const) return make_error("bech32m checksum mismatch");
  size_t hrp_len = out.hrp.size() * 2 + 1;
  out.data.assign(values.begin() + hrp_len, values.end() - 6);
  return out;
}

result<std::vector<uint8_t>> convert_bits(const std::vector<uint8_t>& in, int from, int to,
                                          bool pad) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  std::vector<uint8_t> out;
  for (uint8_t v : in) {
    if (v >> from) return make_error("value out of range for bit conversion");
    acc = acc << from | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits) out.push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv)) {
    return make_error("non-zero or excess padding");
  }
  return out;
}

const char* network_name(network n) {
  switch (n) {
    case network::mainnet:
      return "mainnet";
    case network::testnet:
      return "testnet";
    case network::localnet:
      return "localnet";
  }
  TC_ASSERT(false);
  return "";
}

result<network> parse_network(std::string_view name) {
  for (network n : {network::mainnet, network::testnet, network::localnet})
    if (name == network_name(n)) return n;
  return make_error("unknown network '" + std::string(name) +
                    "' (expected mainnet, testnet or localnet)");
}

const char* address_hrp(network n) {
  switch (n) {
    case network::mainnet:
      return "time";
    case network::testnet:
      return "timet";
    case network::localnet:
      return "timel";
  }
  TC_ASSERT(false);
  return "";
}

std::string encode_address(network n, const pubkey& key) {
  auto data5 = convert_bits(std::vector<uint8_t>(key.v.begin(), key.v.end()), 8, 5, true);
  TC_ASSERT(data5.ok());
  return bech32m_encode(address_hrp(n), *data5);
}

result<pubkey> decode_address(network n, std::string_view address) {
  auto d = bech32m_decode(address);
  if (!d) return make_error("invalid address: " + d.error_message());
  if (d->hrp != address_hrp(n))
    return make_error("address prefix '" + d->hrp + "' is not " + network_name(n) + "'s '" +
                      address_hrp(n) + "'");
  auto raw = convert_bits(d->data, 5, 8, false);
  if (!raw) return make_error("invalid address: " + raw.error_message());
  if (raw->size() != 32) return make_error("invalid address: key must be 32 bytes");
  pubkey key = pubkey::from_view(*raw);
  if (!is_valid_pubkey(key)) return make_error("invalid address: key is not on the curve");
  return key;
}

}  // namespace tc
