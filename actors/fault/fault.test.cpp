#include "actors/fault/fault.hpp"

#include <doctest/doctest.h>

#include "actors/peer/frame.hpp"
#include "crypto/schnorr.hpp"
#include "messages/limits.hpp"
#include "messages/validation.hpp"
#include "storage/chain_rules.hpp"
#include "tests/support/chain_builder.hpp"

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
  consensus::key_signer key(cb.operators[0], true);
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
