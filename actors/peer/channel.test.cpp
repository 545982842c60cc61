#include "actors/peer/channel.hpp"

#include <doctest/doctest.h>

#include "actors/peer/session_core.hpp"

using namespace tc;
using namespace tc::peer;

// The vectors of messages/PROTOCOL.md §2.4, computed independently with
// Python's hashlib and `cryptography` (X25519, HKDF, ChaCha20Poly1305).
namespace {
template <class T>
T fixed(const char* hex) {
  auto b = from_hex(hex);
  REQUIRE(b);
  REQUIRE(b->size() == 32);
  T out;
  std::copy(b->begin(), b->end(), out.v.begin());
  return out;
}
const char* initiator_secret = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const char* responder_secret = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
const bytes hello_frame = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
}  // namespace

TEST_CASE("the channel's key schedule and first records match PROTOCOL.md's vectors") {
  secure_channel i(true, fixed<x25519_key>(initiator_secret));
  secure_channel r(false, fixed<x25519_key>(responder_secret));
  bytes plain;
  REQUIRE(r.on_bytes(i.preamble(), plain));
  REQUIRE(i.on_bytes(r.preamble(), plain));
  CHECK(to_hex(i.preamble()) ==
        "54437831"
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const channel_keys& k = i.keys();
  CHECK(k.transcript.hex() == "2391a185f24d8e2f86d8f192c827fdca28e9e274f46097048405a2e75645b3a4");
  CHECK(k.initiator_to_responder.hex() ==
        "d3ff4b8ea146622623ea47e44e55eb749c7b73edfeff2297a8b81d620544c64c");
  CHECK(k.responder_to_initiator.hex() ==
        "0c4dd21f4c2362f025b717814f736e0b2b864bfc737d38248508da8349e2836f");
  CHECK(k.session_id.hex() == "5ec77707ffbbe2d5682bc5722df64847a7577e6ab4a2d9fb3c00091512b041bb");
  CHECK(r.keys().session_id == k.session_id);

  bytes r0 = i.seal(hello_frame), r1 = i.seal(hello_frame), back = r.seal(hello_frame);
  CHECK(to_hex(r0) == "000000199c1b03c125fc96ea6e2229371053ce6dc3148d233231b4b6ae");
  CHECK(to_hex(r1) == "00000019065f13432773679fdec6a762682ed4d30fe7f0fc2bdc6a7973");
  CHECK(to_hex(back) == "00000019a2563d4c171df8c2e191f6e2bff3c8bb57f9210ae373fcfa3e");
  // Both arrive, split anywhere.
  bytes both = r0;
  both.insert(both.end(), r1.begin(), r1.end());
  plain.clear();
  REQUIRE(r.on_bytes(byte_view(both.data(), 7), plain));
  REQUIRE(r.on_bytes(byte_view(both.data() + 7, both.size() - 7), plain));
  bytes want = hello_frame;
  want.insert(want.end(), hello_frame.begin(), hello_frame.end());
  CHECK(plain == want);
}

TEST_CASE("the handshake sign-bytes match PROTOCOL.md's vectors") {
  handshake_transcript t;
  t.chain_id = "timecoin-localnet";
  t.genesis.v.fill(0x0a);
  t.session_id = fixed<hash256>("5ec77707ffbbe2d5682bc5722df64847a7577e6ab4a2d9fb3c00091512b041bb");
  t.initiator_ephemeral =
      fixed<x25519_key>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  t.responder_ephemeral =
      fixed<x25519_key>("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  t.initiator_key.v.fill(0x11);
  t.responder_key.v.fill(0x22);
  t.initiator_nonce.v.fill(0x33);
  t.responder_nonce.v.fill(0x44);
  CHECK(handshake_sign_bytes(t, true).hex() ==
        "2edfc12ae0ea60cc9e435c0d25a0b1cccbee06d2c86eedfaddf633ce8b87b6d3");
  CHECK(handshake_sign_bytes(t, false).hex() ==
        "7fb82cb9677d69b93424b7f05c2a39ce56aa4ff7a8901faaf69f22fcb6048d57");
}

TEST_CASE("a large plaintext spans records of at most 64 KiB, and any record is refused once") {
  secure_channel i(true, fixed<x25519_key>(initiator_secret));
  secure_channel r(false, fixed<x25519_key>(responder_secret));
  bytes plain;
  REQUIRE(r.on_bytes(i.preamble(), plain));
  REQUIRE(i.on_bytes(r.preamble(), plain));
  bytes big(200'000, 0x5a);
  bytes wire = i.seal(big);
  CHECK(wire.size() == big.size() + 4 * (record_header_bytes + aead_tag_bytes));  // 4 records
  REQUIRE(r.on_bytes(wire, plain));
  CHECK(plain == big);
  CHECK(r.buffered_bytes() == 0);
  // A failed channel stays failed.
  CHECK_FALSE(r.on_bytes(bytes{0, 0, 0, 0}, plain));
  CHECK_FALSE(r.on_bytes(i.seal(hello_frame), plain));
}

TEST_CASE("a low-order ephemeral key or a wrong magic ends the channel before any key exists") {
  secure_channel r(false, fixed<x25519_key>(responder_secret));
  bytes plain, pre = {'T', 'C', 'x', '1'};
  pre.resize(preamble_bytes, 0);  // the point 0
  auto s = r.on_bytes(pre, plain);
  REQUIRE_FALSE(s);
  CHECK(s.error_message().find("low-order") != std::string::npos);
  CHECK_FALSE(r.established());

  secure_channel q(false, fixed<x25519_key>(responder_secret));
  auto w = q.on_bytes(bytes{'T', 'C', 'x', '0'}, plain);  // another transport version
  REQUIRE_FALSE(w);
  CHECK(w.error_message().find("not a TimeCoin transport") != std::string::npos);
}
