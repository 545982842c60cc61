#include "actors/peer/session_core.hpp"

#include <doctest/doctest.h>

#include "messages/codec.hpp"
#include "messages/compact.hpp"
#include "messages/gossip.hpp"
#include "messages/limits.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using namespace tc::peer;

namespace {

session_config test_config(std::string chain = "timecoin-test") {
  session_config c;
  c.chain_id = std::move(chain);
  c.genesis_hash.v[0] = 7;
  c.protocol_version = limits::protocol_version;
  c.min_protocol_version = limits::min_protocol_version;
  c.user_agent = "test";
  return c;
}

struct side {
  key_signer signer;
  session_core core;
  std::vector<bytes> to_peer;  // frames not yet delivered
  std::vector<message> delivered;
  std::optional<hello> ready_with;
  std::optional<close_session> closed;
  side(uint64_t seed, direction d, session_config cfg = test_config())
      : signer(test::key_from_seed(seed), true),
        core(std::move(cfg), signer, d, hash256{{uint8_t(seed), 1}}, 5, 0) {}
  void take(session_actions acts) {
    for (auto& a : acts) {
      if (auto* f = std::get_if<send_frame>(&a)) to_peer.push_back(*f->frame);
      if (auto* d = std::get_if<deliver>(&a)) delivered.push_back(d->msg);
      if (auto* r = std::get_if<became_ready>(&a)) ready_with = r->peer;
      if (auto* c = std::get_if<close_session>(&a)) closed = *c;
    }
  }
};

// Moves frames both ways until both sides are quiet.
void pump(side& a, side& b, uint64_t now = 1) {
  while (!a.to_peer.empty() || !b.to_peer.empty()) {
    auto fa = std::move(a.to_peer);
    a.to_peer.clear();
    for (auto& f : fa) b.take(b.core.on_bytes(now, f));
    auto fb = std::move(b.to_peer);
    b.to_peer.clear();
    for (auto& f : fb) a.take(a.core.on_bytes(now, f));
  }
}

bytes frame_of(const message& m) {
  return make_frame(encode_message(m));
}

// A peer with no session logic: only the transport, so a test can send any
// bytes inside a valid channel (what a hostile peer controls).
struct raw_peer {
  secure_channel ch;
  bytes received;  // plaintext from the node
  explicit raw_peer(uint8_t seed, bool initiator = true) : ch(initiator, secret_of(seed)) {}
  static x25519_key secret_of(uint8_t seed) {
    x25519_key k;
    k.v[0] = seed;
    k.v[1] = 0x55;
    return k;
  }
  // Opens the channel to `s` (which has sent its preamble) and takes what
  // it sends back.
  void connect(side& s, uint64_t now = 1) {
    s.take(s.core.on_bytes(now, ch.preamble()));
    absorb(s);
  }
  void absorb(side& s) {
    for (auto& f : std::exchange(s.to_peer, {})) REQUIRE(ch.on_bytes(f, received));
  }
  bytes seal(const message& m) { return ch.seal(frame_of(m)); }
};

}  // namespace

TEST_CASE("two honest sides authenticate each other and exchange messages") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(a.ready_with);
  REQUIRE(b.ready_with);
  CHECK(a.ready_with->key == b.signer.key());
  CHECK(b.ready_with->key == a.signer.key());
  CHECK(a.ready_with->best_height == 5);
  CHECK(a.core.ready());
  // Application messages are delivered once ready.
  b.take(b.core.on_bytes(2, a.core.seal(frame_of(tip{9, hash256{}}))));
  REQUIRE(b.delivered.size() == 1);
  CHECK(std::get<tip>(b.delivered[0]).height == 9);
}

TEST_CASE("ping gets a pong and measures the round trip") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b, 100);
  a.take(a.core.on_tick(1000, 42));  // first tick after ready pings
  REQUIRE(a.to_peer.size() == 1);
  for (auto& f : a.to_peer) b.take(b.core.on_bytes(1030, f));
  a.to_peer.clear();
  for (auto& f : b.to_peer) a.take(a.core.on_bytes(1037, f));
  b.to_peer.clear();
  CHECK(a.core.stats().rtt_ms == 37);
  CHECK(a.core.stats().min_rtt_ms == 37u);
  CHECK_FALSE(b.core.stats().min_rtt_ms.has_value());  // it never pinged
  // A later, slower round trip is the last one but not the lowest.
  auto round_trip = [&](uint64_t at_ms, uint64_t nonce, uint64_t rtt_ms) {
    a.take(a.core.on_tick(at_ms, nonce));
    REQUIRE(a.to_peer.size() == 1);
    for (auto& f : a.to_peer) b.take(b.core.on_bytes(at_ms, f));
    a.to_peer.clear();
    for (auto& f : b.to_peer) a.take(a.core.on_bytes(at_ms + rtt_ms, f));
    b.to_peer.clear();
  };
  round_trip(20'000, 43, 90);
  CHECK(a.core.stats().rtt_ms == 90);
  CHECK(a.core.stats().min_rtt_ms == 37u);
  round_trip(40'000, 44, 5);
  CHECK(a.core.stats().min_rtt_ms == 5u);
  CHECK_FALSE(a.closed);
  // A pong nobody asked for costs score.
  a.take(a.core.on_bytes(1040, b.core.seal(frame_of(pong{99}))));
  CHECK(a.core.stats().score == 10);
}

TEST_CASE("an unanswered ping drops the peer") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b, 0);
  a.take(a.core.on_tick(10, 1));
  a.take(a.core.on_tick(10 + 20'000, 2));
  REQUIRE(a.closed);
  CHECK(a.closed->reason.find("unresponsive") != std::string::npos);
  CHECK_FALSE(a.closed->ban);
}

TEST_CASE("wrong chain, genesis or version is rejected with a reason and scored") {
  auto other = test_config("another-chain");
  side a(1, direction::outbound, other), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(b.closed);
  CHECK(b.closed->reason.find("chain id 'another-chain'") != std::string::npos);
  CHECK(b.closed->score == 50);
  CHECK_FALSE(b.ready_with);
  REQUIRE(a.closed);  // a refuses b's chain just the same
  CHECK(a.closed->reason.find("is not 'another-chain'") != std::string::npos);

  auto gen = test_config();
  gen.genesis_hash.v[0] = 8;
  side c(3, direction::outbound, gen), d(4, direction::inbound);
  c.take(c.core.on_open());
  d.take(d.core.on_open());
  pump(c, d);
  REQUIRE(d.closed);
  CHECK(d.closed->reason.find("genesis") != std::string::npos);

  auto ver = test_config();
  ver.protocol_version = 99;
  ver.min_protocol_version = 0;  // 99 only
  side e(5, direction::outbound, ver), f(6, direction::inbound);
  e.take(e.core.on_open());
  f.take(f.core.on_open());
  pump(e, f);
  REQUIRE(f.closed);
  CHECK(f.closed->reason.find("protocol version 99..99 shares none with 3..5") !=
        std::string::npos);
  // An upgrade, not an attack: no points.
  CHECK(f.closed->score == 0);
  CHECK(f.closed->code == static_cast<uint32_t>(reject_code::wrong_version));

  // Version 2 signed only a nonce (a relay could pass its ack on).
  CHECK(limits::min_protocol_version == 3);
  ver.protocol_version = 2;
  side g(7, direction::outbound, ver), k(8, direction::inbound);
  g.take(g.core.on_open());
  k.take(k.core.on_open());
  pump(g, k);
  REQUIRE(k.closed);
  CHECK(k.closed->reason.find("protocol version 2..2 shares none with 3..5") != std::string::npos);
}

TEST_CASE("version ranges: a rolling upgrade keeps old and new nodes talking") {
  CHECK(negotiate_version(3, 3, 3, 3) == 3);
  CHECK(negotiate_version(3, 4, 0, 3) == 3);  // a node from before ranges
  CHECK(negotiate_version(3, 4, 3, 4) == 4);
  CHECK(negotiate_version(4, 4, 3, 3) == 0);
  CHECK(negotiate_version(0, 5, 4, 6) == 5);
  CHECK(negotiate_version(0, 3, 4, 6) == 0);

  // The new node (speaks 3 and 4) with an old one (3 only): ready on 3.
  auto newer = test_config();
  newer.min_protocol_version = 3;
  newer.protocol_version = 4;
  auto older = test_config();
  older.min_protocol_version = 3;
  older.protocol_version = 3;
  side a(1, direction::outbound, newer), b(2, direction::inbound, older);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(a.ready_with);
  REQUIRE(b.ready_with);
  CHECK(a.ready_with->protocol_version == 3);
  CHECK(b.ready_with->protocol_version == 3);

  // Two new nodes speak 4.
  side c(3, direction::outbound, newer), d(4, direction::inbound, newer);
  c.take(c.core.on_open());
  d.take(d.core.on_open());
  pump(c, d);
  REQUIRE(c.ready_with);
  CHECK(c.ready_with->protocol_version == 4);

  // A range that is empty is malformed: points.
  auto broken = test_config();
  broken.min_protocol_version = 5;
  broken.protocol_version = 4;
  side e(5, direction::outbound, broken), f(6, direction::inbound);
  e.take(e.core.on_open());
  f.take(f.core.on_open());
  pump(e, f);
  REQUIRE(f.closed);
  CHECK(f.closed->score == 50);
}

namespace {
// What a relay in the middle sees of one of its two channels: the node's
// decrypted handshake and ack.
struct relay_leg {
  raw_peer wire;
  std::vector<message> from_node;
  relay_leg(uint8_t seed, bool initiator) : wire(seed, initiator) {}
  void read() {
    frame_reader r(1 << 20);
    r.append(std::exchange(wire.received, {}));
    while (true) {
      auto p = r.next();
      REQUIRE(p);
      if (!*p) break;
      auto m = decode_message(**p);
      REQUIRE(m);
      from_node.push_back(*m);
    }
  }
  template <class T>
  T take() {
    for (auto& m : from_node)
      if (auto* x = std::get_if<T>(&m)) return *x;
    FAIL("no such message from the node");
    return T{};
  }
};
}  // namespace

TEST_CASE("finding 1: a relayed handshake does not verify, so no key can be blamed through it") {
  // Mallory sits between victim V and honest H: she dials both, claims to
  // each to be the other, and passes their handshakes and acks across.
  side v(2, direction::inbound), h(3, direction::inbound);
  relay_leg to_v(20, true), to_h(30, true);
  v.take(v.core.on_open());
  h.take(h.core.on_open());
  to_v.wire.connect(v);
  to_h.wire.connect(h);
  to_v.read();
  to_h.read();
  auto v_hello = to_v.take<handshake>();
  auto h_hello = to_h.take<handshake>();
  // To H she is V (V's own handshake); H acks it, signing its transcript.
  h.take(h.core.on_bytes(2, to_h.wire.seal(v_hello)));
  to_h.wire.absorb(h);
  to_h.read();
  auto h_ack = to_h.take<handshake_ack>();
  // To V she is H: H's handshake and H's ack, word for word.
  v.take(v.core.on_bytes(3, to_v.wire.seal(h_hello)));
  v.take(v.core.on_bytes(4, to_v.wire.seal(h_ack)));
  REQUIRE(v.closed);
  CHECK(v.closed->reason.find("handshake signature does not verify") != std::string::npos);
  CHECK_FALSE(v.ready_with);  // never authenticated as H: nothing lands on key H
  CHECK_FALSE(v.core.ready());
}

TEST_CASE("finding 1: the handshake signature binds channel, both keys, both nonces and role") {
  handshake_transcript t;
  t.chain_id = "c";
  t.genesis.v[0] = 1;
  t.session_id.v[0] = 2;
  t.initiator_ephemeral.v[0] = 3;
  t.responder_ephemeral.v[0] = 4;
  t.initiator_key.v[0] = 5;
  t.responder_key.v[0] = 6;
  t.initiator_nonce.v[0] = 7;
  t.responder_nonce.v[0] = 8;
  hash256 base = handshake_sign_bytes(t, true);
  CHECK(handshake_sign_bytes(t, false) != base);  // a reflected ack is not the other role's
  auto differs = [&](auto change) {
    handshake_transcript u = t;
    change(u);
    return handshake_sign_bytes(u, true) != base;
  };
  CHECK(differs([](auto& u) { u.chain_id = "d"; }));
  CHECK(differs([](auto& u) { u.genesis.v[1] = 1; }));
  CHECK(differs([](auto& u) { u.session_id.v[1] = 1; }));
  CHECK(differs([](auto& u) { u.initiator_ephemeral.v[1] = 1; }));
  CHECK(differs([](auto& u) { u.responder_ephemeral.v[1] = 1; }));
  CHECK(differs([](auto& u) { u.initiator_key.v[1] = 1; }));
  CHECK(differs([](auto& u) { u.responder_key.v[1] = 1; }));
  CHECK(differs([](auto& u) { u.initiator_nonce.v[1] = 1; }));
  CHECK(differs([](auto& u) { u.responder_nonce.v[1] = 1; }));
}

TEST_CASE("finding 1: a frame injected on the path fails authentication and blames nobody") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(b.core.ready());
  // Plaintext frames (the old transport) are not records of this channel.
  b.take(b.core.on_bytes(2, frame_of(tip{1, hash256{}})));
  REQUIRE(b.closed);
  CHECK(b.closed->score == 0);
  CHECK(b.delivered.empty());
  // Nor is a real record with one bit changed, or one replayed.
  side c(1, direction::outbound), d(2, direction::inbound);
  c.take(c.core.on_open());
  d.take(d.core.on_open());
  pump(c, d);
  bytes rec = c.core.seal(frame_of(tip{1, hash256{}}));
  d.take(d.core.on_bytes(2, rec));
  CHECK(d.delivered.size() == 1);
  d.take(d.core.on_bytes(3, rec));  // the same record again: its counter is spent
  REQUIRE(d.closed);
  CHECK(d.closed->reason.find("fails authentication") != std::string::npos);
  CHECK(d.closed->score == 0);
  CHECK(d.delivered.size() == 1);
}

TEST_CASE("the preamble carries the magic and a fresh ephemeral key per connection") {
  side a(1, direction::outbound);
  auto p1 = std::get<send_frame>(a.core.on_open()[0]).frame;
  REQUIRE(p1->size() == preamble_bytes);
  CHECK(std::equal(transport_magic.begin(), transport_magic.end(), p1->begin()));
  // Another seed, another ephemeral key (the side helper seeds by key seed).
  key_signer k(test::key_from_seed(1), true);
  session_core other(test_config(), k, direction::outbound, hash256{{9, 9}}, 0, 0);
  auto p2 = std::get<send_frame>(other.on_open()[0]).frame;
  CHECK(*p1 != *p2);
}

TEST_CASE("connecting to ourselves closes without a ban") {
  side a(1, direction::outbound), b(1, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(b.closed);
  CHECK(b.closed->reason == "connected to ourselves");
  CHECK(b.closed->score == 0);
}

TEST_CASE("garbage instead of a preamble, and undecodable frames, are bannable at once") {
  side b(2, direction::inbound);
  b.take(b.core.on_open());
  b.take(b.core.on_bytes(1, byte_view::of("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  REQUIRE(b.closed);
  CHECK(b.closed->score >= 100);
  CHECK(b.closed->reason.find("not a TimeCoin transport") != std::string::npos);
  // Another transport is what an upgrade looks like: an addnode peer or a
  // validator is spared the ban for it (peer_book's spared_from_ban).
  CHECK(b.closed->code == static_cast<uint32_t>(reject_code::wrong_version));

  side c(3, direction::inbound);
  c.take(c.core.on_open());
  raw_peer m(7);
  m.connect(c);
  c.take(c.core.on_bytes(
      2, m.ch.seal(make_frame(bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))));
  REQUIRE(c.closed);
  CHECK(c.closed->ban);
  CHECK(c.closed->reason.find("undecodable") != std::string::npos);
}

TEST_CASE("messages before the handshake are a protocol violation") {
  side b(2, direction::inbound);
  b.take(b.core.on_open());
  raw_peer m(7);
  m.connect(b);
  b.take(b.core.on_bytes(2, m.seal(tip{1, hash256{}})));
  REQUIRE(b.closed);
  CHECK(b.closed->reason.find("before the handshake") != std::string::npos);
  CHECK(b.delivered.empty());
}

TEST_CASE("no handshake within the deadline times out") {
  side b(2, direction::inbound);
  b.take(b.core.on_open());
  b.take(b.core.on_tick(9'999, 1));
  CHECK_FALSE(b.closed);
  b.take(b.core.on_tick(10'000, 1));
  REQUIRE(b.closed);
  CHECK(b.closed->reason.find("no handshake") != std::string::npos);
}

TEST_CASE("a ping flood exhausts the control bucket and reaches the ban score") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  size_t pongs_before = b.to_peer.size();
  for (uint64_t i = 0; i < 200 && !b.closed; ++i)
    b.take(b.core.on_bytes(2, a.core.seal(frame_of(ping{i}))));
  REQUIRE(b.closed);
  CHECK(b.closed->ban);
  CHECK(b.closed->reason.find("rate limit exceeded for control") != std::string::npos);
  // Only the burst was answered.
  CHECK(b.to_peer.size() - pongs_before <= 21);
}

TEST_CASE("token bucket refills at its rate up to its burst") {
  token_bucket t({10, 3}, 0);
  CHECK(t.take(0));
  CHECK(t.take(0));
  CHECK(t.take(0));
  CHECK_FALSE(t.take(0));
  CHECK(t.take(100));  // 100 ms at 10/s = 1 token
  CHECK_FALSE(t.take(100));
  CHECK(t.take(10'000));
  CHECK(t.take(10'000));
  CHECK(t.take(10'000));
  CHECK_FALSE(t.take(10'000));  // capped at the burst
}

TEST_CASE("before the handshake a large frame length is refused at once") {
  side b(2, direction::inbound);
  b.take(b.core.on_open());
  raw_peer m(7);
  m.connect(b);
  bytes header = {0x00, 0x01, 0x00, 0x00};  // 64 KiB: fine later, too big before authenticating
  b.take(b.core.on_bytes(2, m.ch.seal(header)));
  REQUIRE(b.closed);
  CHECK(b.closed->ban);
  CHECK(b.closed->reason.find("exceeds the cap of 8192") != std::string::npos);
}

TEST_CASE("a record longer than the cap is refused before it is buffered") {
  side b(2, direction::inbound);
  b.take(b.core.on_open());
  raw_peer m(7);
  m.connect(b);
  b.take(b.core.on_bytes(2, bytes{0x00, 0x01, 0x00, 0x11}));  // 64 KiB + 17
  REQUIRE(b.closed);
  CHECK(b.closed->reason.find("record length") != std::string::npos);
}

TEST_CASE("a large frame right behind the handshake-ack in one read is accepted") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  // Preambles both ways (b's handshake follows its preamble; a answers
  // with its handshake and ack); a's handshake to b, b's ack back to a.
  for (auto& f : std::exchange(a.to_peer, {})) b.take(b.core.on_bytes(1, f));
  for (auto& f : std::exchange(b.to_peer, {})) a.take(a.core.on_bytes(1, f));
  REQUIRE(a.to_peer.size() == 2);
  b.take(b.core.on_bytes(1, a.to_peer[0]));
  for (auto& f : std::exchange(b.to_peer, {})) a.take(a.core.on_bytes(1, f));
  REQUIRE(a.ready_with);
  REQUIRE_FALSE(b.ready_with);
  // a's ack and a 100 KiB frame arrive at b together.
  bytes stream = a.to_peer[1];
  a.to_peer.clear();
  peer::blocks big;
  block_with_cert bw;
  bw.blk.header.height = 1;
  transaction t;
  t.outputs.resize(2000);
  bw.blk.txs.push_back(t);
  big.list.push_back(bw);
  bytes f = frame_of(big);
  REQUIRE(f.size() > max_handshake_frame_bytes);
  f = a.core.seal(f);
  stream.insert(stream.end(), f.begin(), f.end());
  b.take(b.core.on_bytes(2, stream));
  CHECK_FALSE(b.closed);
  REQUIRE(b.ready_with);
  REQUIRE(b.delivered.size() == 1);
  CHECK(std::holds_alternative<peer::blocks>(b.delivered[0]));
}

TEST_CASE("flow window: reading stops at the window (in bytes) and resumes at half of it") {
  const uint32_t k = peer::flow_credit_step / 4;  // a unit of bytes
  peer::flow_window w(16 * k);
  CHECK_FALSE(w.on_delivered(12 * k));
  CHECK(w.on_delivered(4 * k));  // 16 units at the manager: stop reading
  CHECK(w.paused());
  CHECK_FALSE(w.on_delivered(3 * k));  // what one read still carried; already paused
  CHECK(w.outstanding() == 19 * k);
  CHECK_FALSE(w.on_credit(4 * k));  // 15 left: above half
  CHECK(w.on_credit(8 * k));        // 7 left: read again
  CHECK_FALSE(w.paused());
  CHECK_FALSE(w.on_credit(16 * k));  // more credit than outstanding: clamps at 0
  CHECK(w.outstanding() == 0);
  CHECK_FALSE(w.on_credit(1));  // not paused: nothing to resume
  // One frame larger than the window pauses at once (and is still whole).
  CHECK(w.on_delivered(16u << 20));
  // A window below two credit steps could never be credited back: raised.
  peer::flow_window tiny(10);
  CHECK_FALSE(tiny.on_delivered(10));
  CHECK(tiny.on_delivered(2 * peer::flow_credit_step - 10));
}

namespace {
// A signed round-0 proposal at height 4: the reward, and a transfer if asked.
proposal signed_proposal(const secret_key& key, bool with_transfer) {
  block blk;
  blk.header.height = 4;
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = 4;
  reward.outputs.push_back({coin, key.public_key()});
  blk.txs.push_back(reward);
  if (with_transfer) {
    transaction t;
    t.inputs.push_back({{hash256{}, 1}, {}});
    t.outputs.push_back({5, key.public_key()});
    blk.txs.push_back(t);
  }
  test::seal(blk);
  proposal p{4, 0, -1, std::make_shared<const block>(blk), key.public_key(), {}};
  p.sig = key.sign(proposal_sign_bytes(test::domain_of("c"), 4, 0, -1, block_hash(blk.header)),
                   hash256{});
  return p;
}
}  // namespace

TEST_CASE("finding 2: a proposal whose body does not match its header is refused and charged") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(b.core.ready());
  proposal honest = signed_proposal(test::key_from_seed(9), false);
  // A keyless relay keeps the header and signature and changes the body.
  block tampered = *honest.blk;
  tampered.txs[0].outputs[0].value += 1;
  proposal poisoned = honest;
  poisoned.blk = std::make_shared<const block>(tampered);

  b.take(b.core.on_bytes(2, a.core.seal(frame_of(poisoned))));
  CHECK(b.delivered.empty());
  CHECK(b.core.stats().score == proposal_body_penalty);
  CHECK_FALSE(b.closed);
  // The honest copy behind it still gets through.
  b.take(b.core.on_bytes(3, a.core.seal(frame_of(honest))));
  REQUIRE(b.delivered.size() == 1);
  CHECK(std::get<proposal>(b.delivered[0]) == honest);
  CHECK(b.core.stats().score == proposal_body_penalty);
}

TEST_CASE("finding 2, compact form: wtxids or a reward that do not match the header are charged") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(b.core.ready());
  proposal full = signed_proposal(test::key_from_seed(9), true);
  compact_proposal honest = compact_of(full);
  compact_proposal other_tx = honest;
  other_tx.wtxids[0].v[0] ^= 1;  // names another tx than the header commits to
  compact_proposal other_reward = honest;
  other_reward.reward.outputs[0].value += 1;

  b.take(b.core.on_bytes(2, a.core.seal(frame_of(other_tx))));
  b.take(b.core.on_bytes(3, a.core.seal(frame_of(other_reward))));
  CHECK(b.delivered.empty());
  CHECK(b.core.stats().score == 2 * proposal_body_penalty);
  // The honest copy still gets through, under the key of the full form.
  session_actions acts = b.core.on_bytes(4, a.core.seal(frame_of(honest)));
  for (auto& x : acts)
    if (auto* d = std::get_if<deliver>(&x)) CHECK(d->key == gossip_key(full));
  b.take(acts);
  REQUIRE(b.delivered.size() == 1);
  CHECK(std::get<compact_proposal>(b.delivered[0]) == honest);
}

TEST_CASE("finding 4: a peer repeating one vote is passed on a few times, then charged") {
  side a(1, direction::outbound), b(2, direction::inbound);
  a.take(a.core.on_open());
  b.take(b.core.on_open());
  pump(a, b);
  REQUIRE(b.core.ready());
  auto key = test::key_from_seed(9);
  vote v{vote_type::prevote, 4, 0, hash256{}, key.public_key(), {}};
  v.sig = key.sign(vote_sign_bytes(test::domain_of("c"), v), hash256{});
  bytes f = frame_of(prevote{v});
  auto sealed = [&] { return a.core.seal(f); };  // each copy in a record of its own
  for (uint32_t i = 0; i < 1 + free_repeats; ++i) {
    session_actions acts = b.core.on_bytes(2 + i, sealed());  // a burst, 1 ms apart
    // Every delivered copy carries the content key the manager dedups by.
    for (auto& x : acts)
      if (auto* d = std::get_if<deliver>(&x)) CHECK(d->key == gossip_key(prevote{v}));
    b.take(acts);
  }
  CHECK(b.delivered.size() == 1 + free_repeats);
  CHECK(b.core.stats().score == 0);
  b.take(b.core.on_bytes(10, sealed()));
  CHECK(b.delivered.size() == 1 + free_repeats);  // dropped
  CHECK(b.core.stats().score == repeat_penalty);
  // The same again a round later (an honest node re-sending its vote) is free.
  b.take(b.core.on_bytes(10 + repeat_window_ms, sealed()));
  CHECK(b.delivered.size() == 2 + free_repeats);
  CHECK(b.core.stats().score == repeat_penalty);
  // A different vote is new content.
  vote w = v;
  w.round = 1;
  w.sig = key.sign(vote_sign_bytes(test::domain_of("c"), w), hash256{});
  b.take(b.core.on_bytes(11 + repeat_window_ms, a.core.seal(frame_of(prevote{w}))));
  CHECK(b.delivered.size() == 3 + free_repeats);
}

TEST_CASE("recent keys count bursts and forget the oldest past their capacity") {
  recent_keys r(2);
  CHECK(r.note(hash256{{1}}, 0) == 1);
  CHECK(r.note(hash256{{1}}, 10) == 2);
  CHECK(r.note(hash256{{1}}, 10 + repeat_window_ms) == 1);  // a quiet window: a new burst
  CHECK(r.note(hash256{{2}}, 0) == 1);
  CHECK(r.note(hash256{{3}}, 0) == 1);  // forgets {1}
  CHECK(r.size() == 2);
  CHECK(r.note(hash256{{1}}, 1) == 1);
}
