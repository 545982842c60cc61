#pragma once
// Bech32m (BIP350) strings and TimeCoin addresses built on them.

#include <string>
#include <string_view>
#include <vector>

#include "crypto/schnorr.hpp"

namespace tc {

struct bech32_decoded {
  std::string hrp;            // lower case
  std::vector<uint8_t> data;  // 5-bit groups, checksum removed
};

// Encodes 5-bit groups; the caller keeps total length within 90 characters.
std::string bech32m_encode(std::string_view hrp, const std::vector<uint8_t>& data5);
// Rejects: over 90 characters, characters outside 33..126, mixed case, no or
// misplaced separator, empty HRP, invalid data characters, bad checksum
// (including strings with the older BIP173 bech32 checksum).
result<bech32_decoded> bech32m_decode(std::string_view s);

// Regroups bits (8 -> 5 with padding, or 5 -> 8 requiring zero padding).
result<std::vector<uint8_t>> convert_bits(const std::vector<uint8_t>& in, int from, int to,
                                          bool pad);

enum class network { mainnet, testnet, localnet };
const char* network_name(network n);
result<network> parse_network(std::string_view name);
// Human-readable part: time (mainnet), timet (testnet), timel (localnet).
const char* address_hrp(network n);

// An address is the bech32m encoding of the 32-byte x-only key.
std::string encode_address(network n, const pubkey& key);
// Fails on a wrong checksum, another network's HRP, a wrong length, mixed case
// or a key that is not on the curve.
result<pubkey> decode_address(network n, std::string_view address);

}  // namespace tc
