// Attacks on the transport and the peer layer (the second hardening issue):
// a relayed handshake, a poisoned address book, inbound starvation, a fresh
// key per connection, and a junk-tx flood. Each needs no key the network
// trusts. Distinct hosts are played by distinct loopback addresses
// (127.0.0.66 and up), which the node treats as separate networks.

#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include "messages/codec.hpp"
#include "tests/adversary/attacks.hpp"

namespace tc::adversary {

namespace {

outcome fail(std::string why) {
  return {false, std::move(why)};
}

template <class T>
std::optional<T> next_of(raw_link& l, uint64_t ms) {
  uint64_t end = now_ms() + ms;
  while (now_ms() < end && !l.closed())
    if (auto m = l.next(100))
      if (auto* x = std::get_if<T>(&*m)) return *x;
  return std::nullopt;
}

// Finding 1: Mallory opens a channel to each of two validators, shows each
// the other's handshake and passes the second one's ack to the first. The
// ack signs the channel it was made on, so it cannot verify on Mallory's
// channel to the victim: the victim must refuse it (reject 4), charging the
// connection's address, never the honest key.
outcome handshake_relay(const options& o) {
  if (o.target2.empty()) return fail("needs --target2");
  raw_link victim(o.target, "127.0.0.70"), honest(o.target2, "127.0.0.70");
  if (!victim.open() || !honest.open()) return fail("no channel to both nodes");
  auto v_hello = next_of<peer::handshake>(victim, 5'000);
  auto h_hello = next_of<peer::handshake>(honest, 5'000);
  if (!v_hello || !h_hello) return fail("no handshakes to relay");
  honest.send(*v_hello);  // to H, Mallory is V
  auto h_ack = next_of<peer::handshake_ack>(honest, 5'000);
  if (!h_ack) return fail("the honest node did not ack the relayed handshake");
  victim.send(*h_hello);  // to V, Mallory is H, with H's own ack
  victim.send(*h_ack);
  auto r = next_of<peer::reject>(victim, 5'000);
  if (!r) return fail("the victim did not refuse the relayed ack: it took Mallory for H");
  if (r->code != 4) return fail("refused with code " + std::to_string(r->code) + ": " + r->reason);
  return {true, "the victim refused the relayed ack (reject 4: " + r->reason + ")"};
}

// Finding 2: a `peers` message full of poison: names, unspecified and
// multicast addresses, our own machine's service ports, and far-future
// last-seen times. Nothing of it may come back from getPeers (which shares
// only addresses the node proved by dialing), and the node keeps going.
outcome addr_poison(const options& o) {
  peer_link l(o.target, o.id, "127.0.0.71");
  if (!l.handshake()) return fail("no handshake");
  peer::peers poison;
  std::mt19937_64 rng(now_ms());
  const char* junk[] = {"evil.example:24200", "0.0.0.0:24200", "224.0.0.1:24200",
                        "10.0.0.1:0",         "127.0.0.1:22",  "127.0.0.1:5432"};
  for (const char* j : junk) poison.list.push_back({j, pubkey{}, UINT64_MAX});
  while (poison.list.size() < 1'000) {
    std::string a = std::to_string(1 + rng() % 223) + "." + std::to_string(rng() % 256) + "." +
                    std::to_string(rng() % 256) + ".9:24200";
    pubkey k;
    for (auto& x : k.v) x = static_cast<uint8_t>(rng());
    poison.list.push_back({a, k, (uint64_t{1} << 63) - 1});
  }
  l.send(poison);
  l.poll(500);
  l.send(peer::get_peers{});
  auto back = l.wait_for<peer::peers>(5'000);
  if (!back) return fail("no answer to getPeers");
  for (auto& a : back->list)
    for (auto& p : poison.list)
      if (a.addr == p.addr) return fail("getPeers shares a poisoned address: " + a.addr);
  return {true, "1000 poisoned entries taken in, none shared back (" +
                    std::to_string(back->list.size()) + " verified addresses shared)"};
}

// Finding 3: one address opens connections as fast as the node allows and
// drops them. The old limit was one budget for everyone; now each network
// has its own, so another address still gets in and completes a handshake.
outcome inbound_starve(const options& o) {
  int opened = 0;
  for (int i = 0; i < 90; ++i) {
    tcp c(o.target, 50, "127.0.0.66");
    if (c.ok()) ++opened, c.send(bytes{'T', 'C'});
  }
  peer_link honest(o.target, o.id, "127.0.0.67");
  if (!honest.handshake())
    return fail("after " + std::to_string(opened) + " connections from 127.0.0.66, 127.0.0.67 " +
                "was locked out: " + honest.close_reason());
  return {true,
          std::to_string(opened) + " connections from 127.0.0.66 did not lock out 127.0.0.67"};
}

// Finding 3: a peer earns a ban, then comes back with a fresh key. Its
// points were charged to its address as well, so the address is refused.
outcome fresh_key(const options& o) {
  {
    peer_link l(o.target, o.id, "127.0.0.68");
    if (!l.handshake()) return fail("no first handshake");
    l.send_payload(bytes(64, 0xff));  // undecodable: 100 points, a ban
    uint64_t end = now_ms() + 5'000;
    while (!l.closed() && now_ms() < end) l.poll(100);
    if (!l.closed()) return fail("garbage did not end the first connection");
  }
  peer_link again(o.target, o.id, "127.0.0.68");  // a new key
  if (again.handshake()) return fail("the same address with a fresh key was let in");
  return {true, "a fresh key from the banned address was refused"};
}

// Finding 5: txs that spend outputs that do not exist, as fast as the rate
// limit allows. Each is free within an allowance; past it each costs points,
// so the flood ends in a ban instead of costing nothing.
outcome junk_flood(const options& o) {
  peer_link l(o.target, o.id, "127.0.0.69");
  if (!l.handshake()) return fail("no handshake");
  std::mt19937_64 rng(now_ms());
  bytes burst;
  int sent = 0;
  for (; sent < 3'000 && !l.closed(); ++sent) {
    transaction t;
    tx_input in;
    for (auto& x : in.prev.txid.v) x = static_cast<uint8_t>(rng());
    t.inputs.push_back(in);
    tx_output out;
    out.value = 1'000;
    for (auto& x : out.owner.v) x = static_cast<uint8_t>(rng());
    t.outputs.push_back(out);
    bytes f = peer::make_frame(encode_message(peer::tx{t}));
    burst.insert(burst.end(), f.begin(), f.end());
    if (burst.size() > 32'000) {
      l.send_frames(burst);
      burst.clear();
      l.poll(20);
    }
  }
  if (!burst.empty()) l.send_frames(burst);
  uint64_t end = now_ms() + 15'000;
  while (!l.closed() && now_ms() < end) l.poll(100);
  if (!l.closed()) return fail(std::to_string(sent) + " junk txs cost the sender nothing");
  return {true, "dropped after " + std::to_string(sent) + " junk txs" +
                    (l.close_reason().empty() ? "" : ": " + l.close_reason())};
}

// Finding 4: twenty peers ask for blocks again and again and never read.
// The node answers a peer only once its last answer drained, so together
// they hold at most one answer each, and the node keeps serving others.
outcome blocks_hoard(const options& o) {
  std::vector<std::unique_ptr<peer_link>> hoarders;
  for (int i = 1; i <= 20; ++i) {
    auto l = std::make_unique<peer_link>(o.target, o.id, "127.0.1." + std::to_string(i));
    if (l->handshake()) hoarders.push_back(std::move(l));
  }
  if (hoarders.size() < 10)
    return fail("only " + std::to_string(hoarders.size()) + " hoarders got in");
  for (int round = 0; round < 50; ++round) {
    for (auto& l : hoarders) l->send(peer::get_blocks{1, 100});  // never read
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  peer_link honest(o.target, o.id, "127.0.0.72");
  if (!honest.handshake())
    return fail("an honest peer could not connect during the hoarding: " +
                (honest.close_reason().empty() ? "no handshake" : honest.close_reason()));
  honest.send(peer::get_blocks{1, 1});
  if (!honest.wait_for<peer::blocks>(5'000))
    return fail("an honest peer was not served while " + std::to_string(hoarders.size()) +
                " peers hoarded");
  return {true, std::to_string(hoarders.size()) +
                    " peers asked for blocks 50 times each without reading; others still served"};
}

}  // namespace

const std::vector<attack>& transport_attacks() {
  static const std::vector<attack> all = {
      {"handshake-relay", "T1", "a man in the middle passes one node's ack to another",
       handshake_relay},
      {"addr-poison", "T2", "1000 poisoned peers entries, then getPeers", addr_poison},
      {"inbound-starve", "T3", "90 connections from one address, then another address",
       inbound_starve},
      {"fresh-key", "T3", "banned, then back with a fresh key from the same address", fresh_key},
      {"blocks-hoard", "T4", "20 peers ask for blocks 50 times each and never read", blocks_hoard},
      {"junk-flood", "T5", "3000 txs spending outputs that do not exist", junk_flood},
  };
  return all;
}

}  // namespace tc::adversary
