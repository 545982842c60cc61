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
  vote v;
  v.type = vote_type::precommit;
  v.height = 42;
  v.round = 3;
  v.block_hash = block_hash(golden_header());
  CHECK(vote_sign_bytes("timecoin-test", v).hex() ==
        "97f94bd1f52434d0dfb74ccaf829744c8ac8b776e35df1b92158445a9b0c3a6d");
  CHECK(merkle_root({txid(tx), wtxid(tx), block_hash(golden_header())}).hex() ==
        "f327a4390d0be63332377e27dba1eb49adb68bda1d9b4ba9e330f56b17de1c40");
  CHECK(tx_sighash("timecoin-test", txid(tx), 0, tx.outputs[0]).hex() ==
        "f2955ebbccbd6f5a3981ea30ec16247a6a94b6f6aa421ff01cc71d23f2edd69c");
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
  hash256 base = vote_sign_bytes("a", v);
  CHECK(vote_sign_bytes("b", v) != base);
  vote w = v;
  w.round = 1;
  CHECK(vote_sign_bytes("a", w) != base);
  w = v;
  w.type = vote_type::precommit;
  CHECK(vote_sign_bytes("a", w) != base);
  w = v;
  w.block_hash.v[31] = 1;
  CHECK(vote_sign_bytes("a", w) != base);
  w = v;
  w.sig.v[0] = 9;  // the signature itself is not signed
  CHECK(vote_sign_bytes("a", w) == base);
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
