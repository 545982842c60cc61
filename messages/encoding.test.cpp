#include "messages/encoding.hpp"

#include <doctest/doctest.h>

#include "crypto/hash.hpp"

using namespace tc;

namespace {
// Fixed objects whose hashes are pinned below: any change to the encoding or
// a tag changes them, which is a consensus break and must be deliberate.
transaction golden_tx() {
  transaction tx;
  tx.inputs.push_back({{hash256::from_hex(std::string(64, '1')).value(), 7}, {}});
  tx.outputs.push_back({5 * coin, pubkey::from_hex(std::string(64, '2')).value()});
  tx.outputs.push_back({123, pubkey::from_hex(std::string(64, '3')).value()});
  tx.inputs[0].sig = signature::from_hex(std::string(128, '4')).value();
  return tx;
}
block_header golden_header() {
  block_header h;
  h.height = 42;
  h.timestamp_ms = 1'700'000'000'000;
  h.prev_hash = hash256::from_hex(std::string(64, 'a')).value();
  h.merkle_root = hash256::from_hex(std::string(64, 'b')).value();
  h.proposer = pubkey::from_hex(std::string(64, 'c')).value();
  return h;
}
}  // namespace

TEST_CASE("golden hashes are pinned") {
  transaction tx = golden_tx();
  CHECK(txid(tx).hex() == "661ec5ae905ef6524ffc53b77bfc8d4c4f0a12d0872efee8a170d530828e7777");
  CHECK(wtxid(tx).hex() == "25c008954c5379804c544f2a824fd6f5b44bf12a8b5b69d5ada679697993f7ce");
  CHECK(block_hash(golden_header()).hex() ==
        "40904c9e173677d01bcdeca5327987fb0496cea658a0bf4457cd8b87c0ef3bef");
  // Values from an independent implementation of ENCODING.md (Python
  // hashlib + struct), with genesis hash dd..dd.
  sign_domain domain =
      signing_domain("timecoin-test", hash256::from_hex(std::string(64, 'd')).value());
  CHECK(domain.hex() == "dddebf5f2b1eadcf7e3e358d9863bd8fde359954b9fa04c5c066892e56f68738");
  vote v;
  v.type = vote_type::precommit;
  v.height = 42;
  v.round = 3;
  v.block_hash = block_hash(golden_header());
  CHECK(vote_sign_bytes(domain, v).hex() ==
        "78910e5e691332dbefdbd60d8f78b73e9f2100ae6b9ecd80ec3962e05b87d35a");
  CHECK(proposal_sign_bytes(domain, 42, 3, -1, v.block_hash).hex() ==
        "64c1a5392ff184eac06c30dd7a43f91f3a0f2c6f8f8795a393e8cd0007156359");
  CHECK(merkle_root({txid(tx), wtxid(tx), block_hash(golden_header())}).hex() ==
        "f327a4390d0be63332377e27dba1eb49adb68bda1d9b4ba9e330f56b17de1c40");
  CHECK(tx_sighash(domain, txid(tx), 0, tx.outputs[0]).hex() ==
        "0f23ab32a63fef559188f1784704411479eb6c966c639f64a8b3f4f2760104a6");
}

TEST_CASE("finding 7: signatures are bound to the genesis hash, not only the chain id") {
  // Two localnets share a chain id; their genesis hashes differ.
  hash256 g1 = hash256::from_hex(std::string(64, '1')).value();
  hash256 g2 = hash256::from_hex(std::string(64, '2')).value();
  vote v{vote_type::prevote, 5, 0, hash256{}, {}, {}};
  CHECK(vote_sign_bytes(signing_domain("timecoin-localnet", g1), v) !=
        vote_sign_bytes(signing_domain("timecoin-localnet", g2), v));
  CHECK(proposal_sign_bytes(signing_domain("timecoin-localnet", g1), 5, 0, -1, hash256{}) !=
        proposal_sign_bytes(signing_domain("timecoin-localnet", g2), 5, 0, -1, hash256{}));
  tx_output out{coin, {}};
  CHECK(tx_sighash(signing_domain("timecoin-localnet", g1), hash256{}, 0, out) !=
        tx_sighash(signing_domain("timecoin-localnet", g2), hash256{}, 0, out));
  // The chain id still counts, and cannot run into the genesis bytes.
  CHECK(signing_domain("a", g1) != signing_domain("b", g1));
}

TEST_CASE("txid ignores signatures, wtxid does not") {
  transaction tx = golden_tx();
  hash256 id = txid(tx), wid = wtxid(tx);
  tx.inputs[0].sig.v[0] ^= 1;
  CHECK(txid(tx) == id);
  CHECK(wtxid(tx) != wid);
  tx.outputs[1].value += 1;
  CHECK(txid(tx) != id);
}

TEST_CASE("sign-bytes commit to every voted field and the chain id") {
  vote v;
  v.height = 5;
  hash256 base = vote_sign_bytes(signing_domain("a", hash256{}), v);
  CHECK(vote_sign_bytes(signing_domain("b", hash256{}), v) != base);
  vote w = v;
  w.round = 1;
  CHECK(vote_sign_bytes(signing_domain("a", hash256{}), w) != base);
  w = v;
  w.type = vote_type::precommit;
  CHECK(vote_sign_bytes(signing_domain("a", hash256{}), w) != base);
  w = v;
  w.block_hash.v[31] = 1;
  CHECK(vote_sign_bytes(signing_domain("a", hash256{}), w) != base);
  w = v;
  w.sig.v[0] = 9;  // the signature itself is not signed
  CHECK(vote_sign_bytes(signing_domain("a", hash256{}), w) == base);
}

TEST_CASE("merkle root: order matters, no duplication ambiguity") {
  hash256 a = tagged_hash("t", byte_view::of("a")), b = tagged_hash("t", byte_view::of("b")),
          c = tagged_hash("t", byte_view::of("c"));
  CHECK(merkle_root({}) == hash256{});
  CHECK(merkle_root({a}) == a);
  CHECK(merkle_root({a, b}) != merkle_root({b, a}));
  // Bitcoin's duplicate-last rule would make these two equal.
  CHECK(merkle_root({a, b, c}) != merkle_root({a, b, c, c}));
}

TEST_CASE("encoded_size counts exactly what encode writes, for every kind of tx") {
  transaction plain = golden_tx();
  transaction reg = golden_tx();
  reg.registration = mn_registration{};
  reg.registration->net_address = "203.0.113.7:24100";
  transaction dereg = golden_tx();
  dereg.deregistration = mn_deregistration{};
  transaction empty;
  for (const transaction* t : {&plain, &reg, &dereg, &empty})
    for (bool with_sigs : {false, true}) {
      byte_writer w;
      encode(w, *t, with_sigs);
      CHECK(encoded_size(*t, with_sigs) == w.data().size());
    }
  CHECK(tx_size(reg) == encoded_size(reg, true));
}
