#include "messages/codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <doctest/doctest.h>

#include <random>

#include "messages/limits.hpp"
#include "messages/wire.capnp.h"
#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
hash256 h(uint8_t b) {
  hash256 x;
  x.v.fill(b);
  return x;
}
pubkey pk(uint8_t b) {
  pubkey x;
  x.v.fill(b);
  return x;
}
signature sg(uint8_t b) {
  signature x;
  x.v.fill(b);
  return x;
}
vote sample_vote() {
  return {vote_type::precommit, 9, 2, h(1), pk(2), sg(3)};
}
block sample_block() {
  block b;
  b.header.height = 7;
  b.header.timestamp_ms = 123456;
  b.header.prev_hash = h(4);
  b.header.proposer = pk(5);
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = 7;
  reward.outputs.push_back({100 * coin, pk(6)});
  b.txs.push_back(reward);
  transaction reg;
  reg.kind = tx_kind::mn_register;
  reg.inputs.push_back({{h(7), 1}, sg(8)});
  reg.outputs.push_back({5, pk(9)});
  reg.registration =
      mn_registration{mn_tier::silver, {h(10), 2}, pk(11), "1.2.3.4:24000", sg(12), sg(13)};
  b.txs.push_back(reg);
  transaction dereg;
  dereg.kind = tx_kind::mn_deregister;
  dereg.inputs.push_back({{h(14), 0}, sg(15)});
  dereg.outputs.push_back({1, pk(16)});
  dereg.deregistration = mn_deregistration{pk(17), sg(18)};
  b.txs.push_back(dereg);
  vote other = sample_vote();
  other.block_hash = h(19);
  b.evidence_list.push_back({sample_vote(), other});
  test::seal(b);
  return b;
}
commit_certificate sample_cert() {
  return {7, 1, h(20), {{pk(21), sg(22)}, {pk(23), sg(24)}}};
}

std::vector<peer::message> every_kind() {
  return {peer::handshake{1, "timecoin-localnet", h(1), pk(2), "127.0.0.1:24200", h(3), 77,
                          "timed/0.1"},
          peer::handshake_ack{sg(4)},
          peer::ping{0xdeadbeef},
          peer::pong{0xdeadbeef},
          peer::get_peers{},
          peer::peers{{{"127.0.0.1:1", pk(5), 10}, {"[::1]:2", pk(6), 20}}},
          peer::tx{sample_block().txs[1]},
          peer::get_txs{{h(7), h(8)}},
          proposal{7, 1, -1, std::make_shared<const block>(sample_block()), pk(9), sg(10)},
          peer::prevote{sample_vote()},
          peer::precommit{sample_vote()},
          sample_cert(),
          block_with_cert{sample_block(), sample_cert()},
          peer::get_blocks{100, 50},
          peer::blocks{{block_with_cert{sample_block(), sample_cert()}}},
          peer::get_tip{},
          peer::tip{7, h(11)},
          evidence{sample_vote(), sample_vote()},
          peer::reject{3, "wrong chain"},
          peer::compact_proposal{7,
                                 1,
                                 0,
                                 sample_block().header,
                                 sample_block().txs[0],
                                 {h(25), h(26)},
                                 sample_block().evidence_list,
                                 pk(9),
                                 sg(10)},
          peer::get_block_txs{h(27), {1, 5, 9}},
          peer::block_txs{h(27), {sample_block().txs[1], sample_block().txs[2]}},
          peer::tx_inv{{h(28), h(29), h(30)}}};
}

bytes encode_raw(capnp::MessageBuilder& mb) {
  auto words = capnp::messageToFlatArray(mb);
  auto b = words.asBytes();
  return bytes(b.begin(), b.end());
}
}  // namespace

TEST_CASE("every message kind round-trips") {
  auto all = every_kind();
  REQUIRE(all.size() == std::variant_size_v<peer::message>);
  for (size_t i = 0; i < all.size(); ++i) {
    CAPTURE(peer::kind_name(all[i]));
    CHECK(all[i].index() == i);
    bytes wire = encode_message(all[i]);
    auto back = decode_message(wire);
    REQUIRE_MESSAGE(back.ok(), back.error_message());
    CHECK(*back == all[i]);
  }
}

TEST_CASE("the kind of every encoded message is read from its tag alone") {
  auto all = every_kind();
  for (size_t i = 0; i < all.size(); ++i) {
    CAPTURE(peer::kind_name(all[i]));
    bytes wire = encode_message(all[i]);
    CAPTURE(i);
    CHECK(peek_message_kind(wire).value_or(999) == i);
    // Truncated or garbage bytes never read past the end.
    for (size_t cut = 0; cut < std::min<size_t>(wire.size(), 64); ++cut)
      (void)peek_message_kind(byte_view(wire.data(), cut));
  }
  bytes junk(64, 0xff);
  CHECK_FALSE(peek_message_kind(junk).has_value());
}

TEST_CASE("ledger objects round-trip standalone") {
  block b = sample_block();
  CHECK(*decode_block(encode_block(b)) == b);
  CHECK(*decode_certificate(encode_certificate(sample_cert())) == sample_cert());
  CHECK(*decode_transaction(encode_transaction(b.txs[1])) == b.txs[1]);
}

TEST_CASE("framing errors are values, not crashes") {
  CHECK_FALSE(decode_message(bytes{}).ok());
  CHECK_FALSE(decode_message(bytes(7, 0)).ok());
  bytes huge(limits::max_frame_bytes + 8, 0);
  auto r = decode_message(huge);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("exceeds limit") != std::string::npos);
  bytes ping = encode_message(peer::ping{1});
  bytes trailing = ping;
  trailing.insert(trailing.end(), 8, 0);
  CHECK_FALSE(decode_message(trailing).ok());
}

TEST_CASE("truncations and bit flips of valid messages never crash") {
  std::mt19937_64 rng(1234);
  size_t rejected = 0, total = 0;
  for (const auto& m : every_kind()) {
    bytes wire = encode_message(m);
    for (size_t cut = 8; cut < wire.size(); cut += 8) {
      auto r = decode_message(byte_view(wire.data(), cut));
      ++total;
      rejected += !r.ok();
    }
    for (int i = 0; i < 200; ++i) {
      bytes mutated = wire;
      mutated[rng() % mutated.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      // May or may not decode; what decodes must survive a round trip.
      auto r = decode_message(mutated);
      if (r.ok()) CHECK(decode_message(encode_message(*r)).value() == *r);
    }
  }
  // Cutting a message short must almost always be detected (segment bounds).
  CHECK(rejected == total);
}

TEST_CASE("random garbage is rejected") {
  std::mt19937_64 rng(99);
  size_t decoded = 0;
  for (int i = 0; i < 2000; ++i) {
    bytes g((rng() % 64 + 1) * 8);
    for (auto& b : g) b = static_cast<uint8_t>(rng());
    auto r = decode_message(g);
    if (!r.ok()) continue;
    ++decoded;  // a valid message by chance: it must at least round-trip
    CHECK(decode_message(encode_message(*r)).value() == *r);
  }
  // No crash and no escaped exception (the ASan build checks memory), and
  // random bytes are almost never a well-formed message.
  CHECK(decoded < 20);
}

TEST_CASE("wrong field widths, unknown enums and over-long lists are refused") {
  {
    capnp::MallocMessageBuilder mb;
    auto v = mb.initRoot<wire::Message>().initPrevote();
    v.setBlockHash(kj::heapArray<kj::byte>(31));
    v.setValidator(kj::heapArray<kj::byte>(32));
    v.setSignature(kj::heapArray<kj::byte>(64));
    auto r = decode_message(encode_raw(mb));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error_message().find("vote block hash must be 32 bytes") != std::string::npos);
  }
  {
    capnp::MallocMessageBuilder mb;
    auto t = mb.initRoot<wire::Message>().initTx();
    t.setKind(static_cast<wire::TxKind>(9));
    auto r = decode_message(encode_raw(mb));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error_message().find("unknown tx kind") != std::string::npos);
  }
  {
    capnp::MallocMessageBuilder mb;
    auto t = mb.initRoot<wire::Message>().initTx();
    t.initOutputs(limits::max_tx_outputs + 1);
    auto r = decode_message(encode_raw(mb));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error_message().find("tx outputs") != std::string::npos);
  }
  {
    // A peers list under the count limit but over the kind's byte cap.
    peer::peers p;
    for (int i = 0; i < 1000; ++i) p.list.push_back({std::string(250, 'x') + ":1", pk(1), 0});
    auto r = decode_message(encode_message(p));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error_message().find("exceeds its limit") != std::string::npos);
  }
}

TEST_CASE("a tx announcement is whole 32-byte hashes, at most max_tx_inv of them") {
  auto raw_inv = [](size_t n) {
    capnp::MallocMessageBuilder mb;
    mb.initRoot<wire::Message>().initTxInv(static_cast<unsigned>(n));
    return decode_message(encode_raw(mb));
  };
  CHECK(decode_message(encode_message(peer::tx_inv{{h(1), h(2), h(3)}})).ok());
  CHECK(decode_message(encode_message(peer::tx_inv{})).ok());
  auto ragged = raw_inv(32 * 3 + 5);
  REQUIRE_FALSE(ragged.ok());
  CHECK(ragged.error_message().find("not 32-byte hashes") != std::string::npos);
  auto many = raw_inv(32 * (limits::max_tx_inv + 1));
  REQUIRE_FALSE(many.ok());
  CHECK(many.error_message().find("exceed") != std::string::npos);
}

TEST_CASE("text with an embedded NUL is refused (found by the fuzzer)") {
  capnp::MallocMessageBuilder mb;
  auto h = mb.initRoot<wire::Message>().initHandshake();
  std::string evil("timecoin\0evil", 13);
  h.setChainId(capnp::Text::Reader(evil.data(), evil.size()));
  auto r = decode_message(encode_raw(mb));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("NUL") != std::string::npos);
}

TEST_CASE("a transaction without outputs does not decode") {
  transaction t;
  t.version = 1;
  t.kind = tx_kind::transfer;
  t.inputs.push_back(tx_input{});
  auto r = decode_transaction(encode_transaction(t));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("no outputs") != std::string::npos);
}

namespace {
// The same content in another legal Cap'n Proto layout: many one-word
// segments joined by far pointers.
bytes fragmented(const bytes& canonical) {
  auto words = kj::heapArray<capnp::word>(canonical.size() / 8);
  std::memcpy(words.begin(), canonical.data(), canonical.size());
  capnp::FlatArrayMessageReader in(words);
  capnp::MallocMessageBuilder out(1, capnp::AllocationStrategy::FIXED_SIZE);
  out.setRoot(in.getRoot<wire::Message>());
  auto flat = capnp::messageToFlatArray(out);
  auto chars = flat.asBytes();
  return bytes(chars.begin(), chars.end());
}
// The same content with one unused word after it inside the segment.
bytes padded(bytes canonical) {
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= uint32_t(canonical[4 + i]) << (8 * i);
  n += 1;
  for (int i = 0; i < 4; ++i) canonical[4 + i] = static_cast<uint8_t>(n >> (8 * i));
  canonical.insert(canonical.end(), 8, 0);
  return canonical;
}
}  // namespace

TEST_CASE("finding 4: only the canonical encoding decodes; padded and fragmented copies do not") {
  auto key = test::key_from_seed(3);
  transaction tx =
      test::make_transfer(test::domain_of("c"), {h(9), 1}, {5 * coin, key.public_key()}, key,
                          {{coin, key.public_key()}});
  block b = sample_block();
  std::vector<peer::message> msgs = {
      peer::tx{tx}, peer::prevote{sample_vote()}, peer::precommit{sample_vote()},
      proposal{7, 1, -1, std::make_shared<const block>(b), pk(5), sg(6)}, peer::tip{3, h(2)}};
  for (const auto& m : msgs) {
    CAPTURE(peer::kind_name(m));
    bytes canonical = encode_message(m);
    auto back = decode_message(canonical);
    REQUIRE(back.ok());
    CHECK(*back == m);
    CHECK(encode_message(*back) == canonical);  // one content, one encoding
    for (const bytes& copy : {fragmented(canonical), padded(canonical)}) {
      CHECK(copy != canonical);
      auto r = decode_message(copy);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error_message().find("canonical") != std::string::npos);
    }
  }
}
