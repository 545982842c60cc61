#include "actors/fault/fault.hpp"
#include "actors/fault/faulty_actors.hpp"

#include <doctest/doctest.h>

#include "actors/peer/frame.hpp"
#include "crypto/schnorr.hpp"
#include "messages/codec.hpp"
#include "messages/limits.hpp"
#include "messages/validation.hpp"
#include "storage/chain_store.hpp"
#include "tests/support/chain_builder.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using test::chain_builder;

TEST_CASE("fault names parse with their arguments; unknown ones list the catalogue") {
  auto d = fault::parse("consensus:delay=250");
  REQUIRE(d.ok());
  CHECK(d->k == fault::kind::consensus_delay);
  CHECK(d->number == 250);
  CHECK(fault::parse("peer:garbage")->k == fault::kind::peer_garbage);
  CHECK(fault::parse("producer:invalid-block=bad-reward")->arg == "bad-reward");
  auto unknown = fault::parse("consensus:lie");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error_message().find("consensus:equivocate") != std::string::npos);
  CHECK_FALSE(fault::parse("consensus:delay").ok());
  CHECK_FALSE(fault::parse("consensus:delay=soon").ok());
  CHECK_FALSE(fault::parse("peer:garbage=1").ok());
  CHECK_FALSE(fault::parse("producer:invalid-block=nice").ok());
  for (const auto& e : fault::catalogue())
    CHECK(fault::describe_all().find(e.name) != std::string::npos);
}

TEST_CASE("each broken block breaks the rule it names, and the chain refuses it") {
  chain_builder cb;
  std::mt19937_64 rng(1);
  struct expect {
    std::string how, broke, error_has;
  };
  for (const expect& e : {expect{"double-spend", "double-spend", "twice"},
                          expect{"bad-reward", "bad-reward", "reward"},
                          expect{"bad-merkle", "bad-merkle", "merkle"}}) {
    CAPTURE(e.how);
    auto store = cb.open_memory();
    block good = cb.next_block(*store, rng, 3);
    REQUIRE(good.txs.size() == 4);
    block bad = good;
    CHECK(fault::break_block(bad, e.how) == e.broke);
    auto s = cb.connect(*store, bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error_message().find(e.error_has) != std::string::npos);
    CHECK(cb.connect(*store, good).ok());  // the refusal changed nothing
  }
  // Without transactions a double spend cannot be made: the reward breaks instead.
  auto store = cb.open_memory();
  block empty = cb.next_block(*store, rng, 0);
  CHECK(fault::break_block(empty, "double-spend") == "bad-reward");
  CHECK_FALSE(cb.connect(*store, empty).ok());
}

TEST_CASE("an oversized block is over the cap and nothing else is wrong with its shape") {
  chain_builder cb;
  auto store = cb.open_memory();
  std::mt19937_64 rng(2);
  block b = cb.next_block(*store, rng, 1);
  fault::oversize_block(b, 1u << 20);
  CHECK(block_size(b) > (1u << 20));
  CHECK(block_size(b) < (1u << 20) + (128u << 10));
  CHECK(check_block_stateless(b).ok());  // 1 MiB is under the real cap
  fault::oversize_block(b, limits::max_block_bytes);
  auto s = check_block_stateless(b);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("size") != std::string::npos);
}

TEST_CASE("equivocation helpers make provable conflicts; broken signatures fail") {
  chain_builder cb;
  auto reg_store = cb.open_memory();
  key_signer key(cb.operators[0], true);
  vote v{vote_type::prevote, 5, 1, {}, key.key(), {}};
  v.block_hash.v.fill(0x11);
  v.sig = key.sign(vote_sign_bytes(cb.domain(), v));
  hash256 other;
  other.v.fill(0x22);
  vote w = fault::conflicting_vote(cb.domain(), v, other, key);
  CHECK(w.block_hash == other);
  CHECK(verify_evidence(cb.domain(), evidence{v, w}, reg_store->masternodes()).ok());
  fault::break_signature(w.sig);
  CHECK_FALSE(verify(w.validator, vote_sign_bytes(cb.domain(), w), w.sig));

  std::mt19937_64 rng(3);
  proposal p;
  p.height = 1;
  p.blk = std::make_shared<const block>(cb.next_block(*reg_store, rng, 2));
  p.proposer = key.key();
  p.sig = key.sign(proposal_sign_bytes(cb.domain(), 1, 0, -1, block_hash(p.blk->header)));
  proposal q = fault::second_proposal(cb.domain(), p, key);
  CHECK(block_hash(q.blk->header) != block_hash(p.blk->header));
  CHECK(verify(key.key(), proposal_sign_bytes(cb.domain(), 1, 0, -1, block_hash(q.blk->header)),
               q.sig));
  CHECK(check_block_stateless(*q.blk).ok());
}

TEST_CASE("wire faults: garbage is not a frame; replay re-frames what was received") {
  fault::garbage_fault g(7);
  auto junk = g.on_tick(0);
  REQUIRE(junk.size() == 1);
  CHECK(junk[0].size() >= 64);
  fault::replay_fault r;
  CHECK(r.on_tick(0).empty());
  for (uint8_t i = 0; i < 100; ++i) r.on_received(bytes{i, 1, 2});
  auto out = r.on_tick(0);
  CHECK(out.size() == fault::replay_fault::max_kept);
  peer::frame_reader reader(1024);
  reader.append(out[0]);
  auto f = reader.next();
  REQUIRE(f.ok());
  REQUIRE(f->has_value());
  CHECK((*f)->size() == 3);
  std::mt19937_64 rng(4);
  CHECK(check_tx_stateless(fault::junk_tx(rng)).ok());
}

TEST_CASE("body swap keeps header and signature, and the body no longer matches the header") {
  chain_builder cb;
  auto cs = cb.open_memory();
  std::mt19937_64 rng(5);
  block b = cb.next_block(*cs, rng, 3);
  REQUIRE(check_block_stateless(b).ok());
  block s = fault::swap_body(b, rng);
  CHECK(s.header == b.header);
  CHECK_FALSE(s == b);
  auto r = check_block_stateless(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("merkle") != std::string::npos);
}

TEST_CASE("a padded copy carries the same content in a layout peers refuse") {
  vote v{vote_type::prevote, 3, 0, hash256{}, test::key_from_seed(1).public_key(), {}};
  bytes canonical = encode_message(peer::prevote{v});
  bytes padded = fault::padded_copy(canonical);
  CHECK(padded.size() == canonical.size() + 8);
  auto r = decode_message(padded);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("canonical") != std::string::npos);
  fault::replay_fault replay(true);
  replay.on_received(canonical);
  CHECK(replay.on_tick(0).size() == 2);  // as it was, and padded
}

TEST_CASE("a poison pair: each valid alone at the tip, the chain keeps one of the two") {
  chain_builder cb;
  auto cs = cb.open_memory();
  const secret_key& w = cb.owners[0];
  auto utxos = cs->utxos_of(w.public_key(), 2);
  REQUIRE(utxos.size() == 2);
  std::mt19937_64 rng(6);
  amount fee = cb.genesis.params.min_tx_fee;
  secret_key op = fault::random_key(rng);
  fault::funding fa{utxos[0].first, utxos[0].second.out}, fb{utxos[1].first, utxos[1].second.out};
  auto [a, b] = fault::poison_pair(cb.domain(), w, fa, fb, fee, op, true);
  CHECK(a.registration->operator_key == b.registration->operator_key);
  CHECK(cs->check_tx(a, txid(a), true).ok());
  CHECK(cs->check_tx(b, txid(b), true).ok());
  auto sel = cs->select_valid({&a, &b}, {txid(a), txid(b)});
  REQUIRE(sel.ok());
  CHECK(sel->kept == std::vector<size_t>{0});
  CHECK(sel->dropped.size() == 1);
  // Once registered, two deregistrations of it: the same again.
  REQUIRE(cb.connect(*cs, cb.make_block(*cs, {a}, fee)).ok());
  auto more = cs->utxos_of(w.public_key(), 4);
  std::vector<fault::funding> fresh;
  for (auto& [o, u] : more)
    if (o != utxos[1].first && o.txid != txid(a)) fresh.push_back({o, u.out});
  REQUIRE(fresh.size() >= 2);
  auto [c, d] = fault::poison_pair(cb.domain(), w, fresh[0], fresh[1], fee, op, false);
  CHECK(cs->check_tx(c, txid(c), true).ok());
  CHECK(cs->check_tx(d, txid(d), true).ok());
  auto sel2 = cs->select_valid({&c, &d}, {txid(c), txid(d)});
  REQUIRE(sel2.ok());
  CHECK(sel2->kept.size() == 1);
}

TEST_CASE("peer:withhold-txs sends every frame but tx bodies (relayed or asked for)") {
  auto make = fault::session_faults(*fault::parse("peer:withhold-txs"), fault::context{});
  REQUIRE(make);
  auto f = make();
  auto frame = [](const peer::message& m) { return peer::make_frame(encode_message(m)); };
  bytes ping = frame(peer::ping{7});
  bytes inv = frame(peer::tx_inv{{hash256{{1}}}});
  bytes body = frame(peer::tx{test::sample_proposal(1).blk->txs[1]});
  bytes all;
  for (const bytes* b : {&ping, &body, &inv, &body}) all.insert(all.end(), b->begin(), b->end());
  bytes kept = ping;
  kept.insert(kept.end(), inv.begin(), inv.end());
  CHECK(f->outgoing(all) == kept);
  CHECK(f->outgoing(body).empty());
}
