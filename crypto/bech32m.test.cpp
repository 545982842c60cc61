#include "crypto/bech32m.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace tc;

namespace {
nlohmann::json vectors() {
  std::ifstream in(std::string(TC_CRYPTO_TESTDATA) + "/bip350-bech32m-vectors.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

TEST_CASE("BIP350 valid bech32m strings decode and re-encode") {
  auto v = vectors();
  REQUIRE(v["valid"].size() >= 7);
  for (auto& s : v["valid"]) {
    std::string str = s.get<std::string>();
    CAPTURE(str);
    auto d = bech32m_decode(str);
    REQUIRE(d.ok());
    CHECK(bech32m_encode(d->hrp, d->data) == lower(str));
  }
}

TEST_CASE("BIP350 invalid strings are rejected") {
  auto v = vectors();
  REQUIRE(v["invalid"].size() >= 10);
  for (auto& item : v["invalid"]) {
    std::string str = item["string"].get<std::string>();
    CAPTURE(str);
    CAPTURE(item["reason"].get<std::string>());
    CHECK_FALSE(bech32m_decode(str).ok());
  }
  for (auto& s : v["invalid_bech32_not_bech32m"]) {
    std::string str = s.get<std::string>();
    CAPTURE(str);
    CHECK_FALSE(bech32m_decode(str).ok());
  }
}

TEST_CASE("addresses round trip per network and reject the wrong ones") {
  secret_key sk = secret_key::generate();
  for (network n : {network::mainnet, network::testnet, network::localnet}) {
    std::string a = encode_address(n, sk.public_key());
    CAPTURE(a);
    CHECK(a.rfind(std::string(address_hrp(n)) + "1", 0) == 0);
    auto back = decode_address(n, a);
    REQUIRE(back.ok());
    CHECK(*back == sk.public_key());
    // Upper case is fine as a whole, mixed case is not.
    std::string up = a;
    for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(decode_address(n, up).ok());
    std::string mixed = a;
    mixed.back() = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed.back())));
    if (mixed != a) CHECK_FALSE(decode_address(n, mixed).ok());
    // One flipped character breaks the checksum.
    std::string flipped = a;
    flipped[flipped.size() - 10] = flipped[flipped.size() - 10] == 'q' ? 'p' : 'q';
    CHECK_FALSE(decode_address(n, flipped).ok());
  }
  std::string main_addr = encode_address(network::mainnet, sk.public_key());
  auto wrong_net = decode_address(network::testnet, main_addr);
  REQUIRE_FALSE(wrong_net.ok());
  CHECK(wrong_net.error_message().find("prefix") != std::string::npos);
  // A well-formed bech32m string of the wrong length.
  auto short_data = convert_bits(std::vector<uint8_t>(20, 7), 8, 5, true);
  CHECK_FALSE(decode_address(network::mainnet, bech32m_encode("time", *short_data)).ok());
}
