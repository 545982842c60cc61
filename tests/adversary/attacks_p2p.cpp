// Attacks a peer with no key can mount on the wire.

#include <random>

#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "tests/adversary/attacks.hpp"

namespace tc::adversary {

namespace {

outcome fail(std::string why) {
  return {false, std::move(why)};
}

// Waits until the node drops the link; says why.
outcome expect_dropped(peer_link& l, uint64_t ms, const std::string& doing) {
  uint64_t end = now_ms() + ms;
  while (!l.closed() && now_ms() < end) l.poll(100);
  if (!l.closed()) return fail("the node kept the connection open after " + doing);
  return {true,
          "dropped after " + doing + (l.close_reason().empty() ? "" : ": " + l.close_reason())};
}

// Findings 1 and 2: a keyless relay keeps a proposal's header and signature
// and changes its body. Each copy must be refused before dedup and charged
// (25 points: the fourth bans).
outcome body_swap(const options& o) {
  peer_link l(o.target, o.id);
  if (!l.handshake()) return fail("no handshake");
  int sent = 0;
  uint64_t end = now_ms() + 60'000;
  // Nodes of protocol 4 propose in the compact form: its reward tx is the
  // body part it carries, and a changed reward no longer matches the merkle
  // root either way.
  while (!l.closed() && now_ms() < end && sent < 8) {
    auto c = l.wait_for<peer::compact_proposal>(2'000);
    if (!c || c->reward.outputs.empty()) continue;
    c->reward.outputs[0].value += 1;  // the header (and its merkle root) unchanged
    if (sent % 2 == 0) {
      l.send(*c);
    } else {  // the full form of the same swap
      block b{c->header, {c->reward}, c->evidence_list};
      l.send(proposal{c->height, c->round, c->pol_round, std::make_shared<const block>(b),
                      c->proposer, c->sig});
    }
    ++sent;
  }
  if (sent < 4 && !l.closed()) return fail("saw too few proposals to attack");
  auto r = expect_dropped(l, 3'000, std::to_string(sent) + " proposals with swapped bodies");
  if (r.ok && sent > 4) return fail("banned only after " + std::to_string(sent) + " copies");
  return r;
}

// Finding 4: the same vote in another legal Cap'n Proto layout.
bytes padded(const bytes& payload) {
  bytes out = payload;
  uint32_t words = 0;
  for (int i = 0; i < 4; ++i) words |= uint32_t(out[4 + i]) << (8 * i);
  ++words;
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<uint8_t>(words >> (8 * i));
  out.insert(out.end(), 8, 0);
  return out;
}

std::optional<peer::message> some_vote(peer_link& l) {
  uint64_t end = now_ms() + 20'000;
  while (!l.closed() && now_ms() < end)
    for (auto& m : l.poll(200))
      if (std::holds_alternative<peer::prevote>(m) || std::holds_alternative<peer::precommit>(m))
        return m;
  return std::nullopt;
}

outcome padded_copy(const options& o) {
  peer_link l(o.target, o.id);
  if (!l.handshake()) return fail("no handshake");
  auto v = some_vote(l);
  if (!v) return fail("no vote to copy");
  l.send_payload(padded(encode_message(*v)));
  return expect_dropped(l, 3'000, "a vote re-encoded with padding");
}

outcome repeat_burst(const options& o) {
  peer_link l(o.target, o.id);
  if (!l.handshake()) return fail("no handshake");
  auto v = some_vote(l);
  if (!v) return fail("no vote to repeat");
  bytes burst, frame = peer::make_frame(encode_message(*v));
  for (int i = 0; i < 40; ++i) burst.insert(burst.end(), frame.begin(), frame.end());
  l.send_frames(burst);
  return expect_dropped(l, 3'000, "the same vote 40 times at once");
}

// Finding 7: a height near 2^64 once wrapped around to the chain's start.
outcome blocks_wrap(const options& o) {
  peer_link l(o.target, o.id);
  if (!l.handshake()) return fail("no handshake");
  l.send(peer::get_blocks{UINT64_MAX - 1, 100});
  auto b = l.wait_for<peer::blocks>(3'000);
  if (b && !b->list.empty())
    return fail("served " + std::to_string(b->list.size()) + " blocks from height 2^64-2");
  l.poll(1'200);  // one request at a time per peer
  l.send(peer::get_blocks{1, 1});
  auto ok = l.wait_for<peer::blocks>(5'000);
  if (!ok || ok->list.size() != 1) return fail("a sane request after it was not served");
  return {true, "nothing served for 2^64-2, block 1 served after"};
}

// Finding 8's probe, abused: a tip with a made-up hash at a committed
// height, then a block whose certificate does not verify. The node must
// fetch it, find the certificate invalid and charge 50 points, not halt.
outcome fake_fork(const options& o) {
  peer_link l(o.target, o.id);
  if (!l.handshake()) return fail("no handshake");
  std::mt19937_64 rng(now_ms());
  int probes = 0;
  for (uint64_t h = std::max<uint64_t>(l.node_height(), 3) - 1; h > 0 && !l.closed() && probes < 3;
       --h) {
    hash256 lie;
    for (auto& x : lie.v) x = static_cast<uint8_t>(rng());
    l.send(peer::tip{h, lie});
    auto req = l.wait_for<peer::get_blocks>(5'000);
    if (!req) break;
    if (req->from_height != h) return fail("asked for another height");
    ++probes;
    block_with_cert b;
    b.blk.header.height = h;
    b.blk.header.timestamp_ms = h;
    b.cert.height = h;
    b.cert.block_hash = block_hash(b.blk.header);
    b.cert.sigs.push_back({pubkey{}, signature{}});
    l.send(peer::blocks{{b}});
    l.poll(500);
  }
  if (probes == 0) return fail("a tip naming another block at a committed height was not checked");
  return expect_dropped(l, 3'000, std::to_string(probes) + " invalid certificates for fake forks");
}

}  // namespace

const std::vector<attack>& p2p_attacks() {
  static const std::vector<attack> all = {
      {"body-swap", "1, 2", "proposals re-sent with another body under the same header", body_swap},
      {"padded-copy", "4", "a vote re-encoded with padding (non-canonical)", padded_copy},
      {"repeat-burst", "4", "one vote 40 times in one write", repeat_burst},
      {"blocks-wrap", "7", "getBlocks from height 2^64-2", blocks_wrap},
      {"fake-fork", "8", "tips naming other blocks, then invalid certificates", fake_fork},
  };
  return all;
}

}  // namespace tc::adversary
