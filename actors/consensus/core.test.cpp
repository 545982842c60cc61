#include "actors/consensus/core.hpp"

#include <doctest/doctest.h>

#include <set>
#include <tuple>

#include "messages/encoding.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using namespace tc::consensus;

namespace {

template <class T>
std::vector<T> all(const actions& acts) {
  std::vector<T> out;
  for (const auto& a : acts)
    if (auto* x = std::get_if<T>(&a)) out.push_back(*x);
  return out;
}
template <class T>
bool has(const actions& acts) {
  return !all<T>(acts).empty();
}
std::optional<vote> sent_vote(const actions& acts) {
  auto v = all<broadcast_vote>(acts);
  if (v.empty()) return std::nullopt;
  return v.back().v;
}

// n validators of power 10; the node under test ("me") is one of them and is
// not the proposer of rounds 0..2 at height 1, so each test scripts the
// other validators' messages.
struct harness {
  std::vector<secret_key> keys;
  validator_set set;
  size_t me = 0;
  std::unique_ptr<key_signer> my_signer;
  cached_verifier ver;
  consensus_config cfg;
  std::unique_ptr<core> c;
  uint64_t h = 1;  // the height make_block/make_proposal build for

  explicit harness(size_t n = 4, std::optional<signed_record> persisted = std::nullopt) {
    // Deterministic search for a key set where some validator proposes none
    // of rounds 0..2 at height 1 (the pick depends on
    // height, round and powers, so equal-power sets share it).
    for (uint64_t base = 500;; base += 100) {
      keys.clear();
      std::vector<validator> v;
      for (size_t i = 0; i < n; ++i) {
        keys.push_back(test::key_from_seed(base + i));
        v.push_back({keys[i].public_key(), 10});
      }
      set = validator_set(v);
      for (me = 0; me < n; ++me) {
        bool proposer = false;
        for (uint32_t r = 0; r < 3; ++r) proposer |= set.proposer(h, r) == keys[me].public_key();
        if (!proposer) break;
      }
      if (me < n) break;
    }
    my_signer = std::make_unique<key_signer>(keys[me], true);
    cfg.min_validators = 1;
    c = std::make_unique<core>(test::domain_of("c"), cfg, my_signer.get(), &ver, persisted);
    actions a = c->start_height(h, set, 0);
    CHECK(has<schedule_timeout>(a));
  }
  // Indices of validators other than me.
  std::vector<size_t> others() const {
    std::vector<size_t> o;
    for (size_t i = 0; i < keys.size(); ++i)
      if (i != me) o.push_back(i);
    return o;
  }
  const secret_key& key_of(const pubkey& p) const {
    for (auto& k : keys)
      if (k.public_key() == p) return k;
    FAIL("unknown key");
    return keys[0];
  }
  block make_block(uint32_t round, uint8_t variant) const {
    block b;
    b.header.height = h;
    b.header.timestamp_ms = 1000 + variant;
    b.header.proposer = set.proposer(h, round);
    return b;
  }
  proposal make_proposal(uint32_t round, const block& b, int32_t pol = -1) const {
    proposal p{h, round, pol, std::make_shared<const block>(b), set.proposer(h, round), {}};
    hash256 bh = block_hash(b.header);
    p.sig = key_of(p.proposer)
                .sign(proposal_sign_bytes(test::domain_of("c"), h, round, pol, bh), hash256{});
    return p;
  }
  vote make_vote(size_t i, vote_type t, uint32_t round, const hash256& bh,
                 uint64_t height = 1) const {
    vote v{t, height, round, bh, keys[i].public_key(), {}};
    v.sig = keys[i].sign(vote_sign_bytes(test::domain_of("c"), v), hash256{});
    return v;
  }
  // Delivers a proposal and answers its validation request.
  actions propose(const proposal& p, bool valid = true) {
    actions a = c->on_proposal(p);
    for (auto& req : all<request_validation>(a)) {
      actions b = c->on_block_validated(req.hash, valid);
      a.insert(a.end(), b.begin(), b.end());
    }
    return a;
  }
  actions votes(const std::vector<size_t>& who, vote_type t, uint32_t round, const hash256& bh) {
    actions a;
    for (size_t i : who) {
      actions b = c->on_vote(make_vote(i, t, round, bh));
      a.insert(a.end(), b.begin(), b.end());
    }
    return a;
  }
};

hash256 hash_of(const block& b) {
  return block_hash(b.header);
}

}  // namespace

TEST_CASE("the block interval counts from the committed block's timestamp") {
  CHECK(next_height_delay_ms(10'000, 10'300, 1000) == 700);  // 300 ms went into the block
  CHECK(next_height_delay_ms(10'000, 11'000, 1000) == 0);
  CHECK(next_height_delay_ms(10'000, 14'000, 1000) == 0);    // slow commit or a synced block
  CHECK(next_height_delay_ms(10'000, 5'000, 1000) == 1000);  // stamp from a clock ahead of ours
  CHECK(next_height_delay_ms(10'000, 10'000, 1000) == 1000);
}

TEST_CASE("happy path: prevote, polka, lock, precommit, commit with a certificate") {
  harness t;
  block a = t.make_block(0, 1);
  actions acts = t.propose(t.make_proposal(0, a));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->type == vote_type::prevote);
  CHECK(sent_vote(acts)->block_hash == hash_of(a));
  // The signed record is persisted before the vote is broadcast.
  size_t persist_at = 99, vote_at = 99;
  for (size_t i = 0; i < acts.size(); ++i) {
    if (std::holds_alternative<persist_signed>(acts[i]) && persist_at == 99) persist_at = i;
    if (std::holds_alternative<broadcast_vote>(acts[i]) && vote_at == 99) vote_at = i;
  }
  CHECK(persist_at < vote_at);
  auto o = t.others();
  acts = t.votes({o[0]}, vote_type::prevote, 0, hash_of(a));
  CHECK_FALSE(sent_vote(acts));  // 2 of 4: no polka yet
  acts = t.votes({o[1]}, vote_type::prevote, 0, hash_of(a));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->type == vote_type::precommit);
  CHECK(t.c->locked()->first == hash_of(a));
  acts = t.votes({o[0]}, vote_type::precommit, 0, hash_of(a));
  CHECK_FALSE(has<decided>(acts));
  acts = t.votes({o[1]}, vote_type::precommit, 0, hash_of(a));
  auto d = all<decided>(acts);
  REQUIRE(d.size() == 1);
  CHECK(hash_of(*d[0].blk) == hash_of(a));
  CHECK(d[0].cert.sigs.size() == 3);
  CHECK(verify_certificate(test::domain_of("c"), d[0].cert, t.set, t.ver).ok());
}

TEST_CASE("nil polka: propose timeout, nil prevotes, nil precommit, next round") {
  harness t;
  actions acts = t.c->on_timeout(timeout_kind::propose, 1, 0);
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->is_nil());
  acts = t.votes({t.others()[0], t.others()[1]}, vote_type::prevote, 0, hash256{});
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->type == vote_type::precommit);
  CHECK(sent_vote(acts)->is_nil());
  CHECK_FALSE(t.c->locked());
  acts = t.c->on_timeout(timeout_kind::precommit, 1, 0);
  CHECK(t.c->round() == 1);
  // Stale timeouts change nothing.
  acts = t.c->on_timeout(timeout_kind::propose, 1, 0);
  CHECK_FALSE(sent_vote(acts));
  CHECK(t.c->round() == 1);
}

// consensus-sim, 7 validators (2 Byzantine) on links that drop 15 % of
// messages, seed 91546: every honest node prevoted the block in round after
// round, but one of them always missed one prevote and precommitted nil. A
// lost vote went out again only at the others' precommit timeouts, which
// fire with the prevote timeouts of the node that lacked it: too late for
// the round, however long the rounds grew.
TEST_CASE("a round waiting for votes resends this node's votes at vote_resend_ms") {
  harness t;
  auto resends = [](const actions& a) {
    std::vector<schedule_timeout> out;
    for (auto& s : all<schedule_timeout>(a))
      if (s.kind == timeout_kind::resend) out.push_back(s);
    return out;
  };
  auto o = t.others();
  block a = t.make_block(0, 1);
  actions acts = t.propose(t.make_proposal(0, a));
  REQUIRE(sent_vote(acts));
  vote prevote = *sent_vote(acts);
  auto armed = resends(acts);
  REQUIRE(armed.size() == 1);
  CHECK(armed[0].delay_ms == t.cfg.vote_resend_ms);
  CHECK(armed[0].round == 0);
  // Still waiting: the same prevote again (same signature), and again later.
  acts = t.c->on_timeout(timeout_kind::resend, 1, 0);
  auto again = all<broadcast_vote>(acts);
  REQUIRE(again.size() == 1);
  CHECK(again[0].v == prevote);
  CHECK(resends(acts).size() == 1);
  // After the polka: the prevote and the precommit.
  acts = t.votes({o[0], o[1]}, vote_type::prevote, 0, hash_of(a));
  REQUIRE(sent_vote(acts));
  vote precommit = *sent_vote(acts);
  CHECK(resends(acts).empty());  // one timer per round
  acts = t.c->on_timeout(timeout_kind::resend, 1, 0);
  again = all<broadcast_vote>(acts);
  REQUIRE(again.size() == 2);
  CHECK(again[0].v == prevote);
  CHECK(again[1].v == precommit);
  // A timer of an earlier round does nothing once the round has moved on.
  t.votes({o[0], o[1], o[2]}, vote_type::precommit, 0, hash256{});
  t.c->on_timeout(timeout_kind::precommit, 1, 0);
  REQUIRE(t.c->round() == 1);
  acts = t.c->on_timeout(timeout_kind::resend, 1, 0);
  CHECK(all<broadcast_vote>(acts).empty());
  CHECK(resends(acts).empty());
}

// Four equal validators at height 1, for tests where this node must hold a
// given proposer slot (the harness picks a node that holds none).
struct four_validators {
  std::vector<secret_key> keys;
  validator_set set;
  four_validators() {
    std::vector<validator> v;
    for (uint64_t i = 1; i <= 4; ++i) {
      keys.push_back(test::key_from_seed(i));
      v.push_back({keys.back().public_key(), 10});
    }
    set = validator_set(v);
  }
  size_t proposer_of(uint32_t round) const {
    size_t i = 0;
    while (keys[i].public_key() != set.proposer(1, round)) ++i;
    return i;
  }
  std::vector<size_t> others(size_t me) const {
    std::vector<size_t> o;
    for (size_t i = 0; i < keys.size(); ++i)
      if (i != me) o.push_back(i);
    return o;
  }
  vote vote_of(size_t i, vote_type t, uint32_t round, const hash256& h) const {
    vote x{t, 1, round, h, keys[i].public_key(), {}};
    x.sig = keys[i].sign(vote_sign_bytes(test::domain_of("c"), x), hash256{});
    return x;
  }
};

TEST_CASE("a proposer re-sends its proposal with its votes until every validator prevoted it") {
  four_validators f;
  size_t me = f.proposer_of(0);
  key_signer signer(f.keys[me], true);
  cached_verifier ver;
  core c(test::domain_of("c"), consensus_config{}, &signer, &ver);
  REQUIRE(all<request_block>(c.start_height(1, f.set, 0)).size() == 1);
  block b;
  b.header.height = 1;
  b.header.proposer = signer.key();
  actions acts = c.on_block_built(1, 0, std::make_shared<const block>(b));
  REQUIRE(all<broadcast_proposal>(acts).size() == 1);
  proposal sent = all<broadcast_proposal>(acts)[0].p;
  CHECK_FALSE(all<broadcast_proposal>(acts)[0].repeat);
  auto resent = [&](const actions& a) {
    auto props = all<broadcast_proposal>(a);
    return props.size() == 1 && props[0].repeat && props[0].p.sig == sent.sig &&
           block_hash(props[0].p.blk->header) == block_hash(b.header);
  };
  CHECK(resent(c.on_timeout(timeout_kind::resend, 1, 0)));
  // Two more prevote it: still one short of all, so it goes out again.
  std::vector<size_t> others = f.others(me);
  auto prevote = [&](size_t i) {
    return c.on_vote(f.vote_of(i, vote_type::prevote, 0, block_hash(b.header)));
  };
  prevote(others[0]);
  prevote(others[1]);
  CHECK(resent(c.on_timeout(timeout_kind::resend, 1, 0)));
  // Every validator has it: only the votes are sent again.
  prevote(others[2]);
  acts = c.on_timeout(timeout_kind::resend, 1, 0);
  CHECK(all<broadcast_proposal>(acts).empty());
  CHECK_FALSE(all<broadcast_vote>(acts).empty());
}

TEST_CASE("a re-proposal is re-sent with its proof of lock") {
  four_validators f;
  size_t me = f.proposer_of(1), first = f.proposer_of(0);
  REQUIRE(me != first);
  key_signer signer(f.keys[me], true);
  cached_verifier ver;
  core c(test::domain_of("c"), consensus_config{}, &signer, &ver);
  c.start_height(1, f.set, 0);
  // Round 0: a polka for A (this node's prevote and two others'), then nil
  // precommits; the round ends and this node, round 1's proposer,
  // re-proposes A with proof-of-lock round 0.
  block a;
  a.header.height = 1;
  a.header.timestamp_ms = 1001;
  a.header.proposer = f.keys[first].public_key();
  hash256 ha = block_hash(a.header);
  proposal p0{1, 0, -1, std::make_shared<const block>(a), a.header.proposer, {}};
  p0.sig = f.keys[first].sign(proposal_sign_bytes(test::domain_of("c"), 1, 0, -1, ha), hash256{});
  for (auto& req : all<request_validation>(c.on_proposal(p0))) c.on_block_validated(req.hash, true);
  std::vector<size_t> others = f.others(me);
  c.on_vote(f.vote_of(others[0], vote_type::prevote, 0, ha));
  c.on_vote(f.vote_of(others[1], vote_type::prevote, 0, ha));
  REQUIRE(c.locked());
  for (size_t i : others) c.on_vote(f.vote_of(i, vote_type::precommit, 0, hash256{}));
  actions acts = c.on_timeout(timeout_kind::precommit, 1, 0);
  REQUIRE(c.round() == 1);
  auto props = all<broadcast_proposal>(acts);
  REQUIRE(props.size() == 1);
  CHECK(props[0].p.pol_round == 0);
  // Round 1 waits: the re-proposal goes out again, and with it the three
  // prevotes of round 0 that make its proof of lock.
  acts = c.on_timeout(timeout_kind::resend, 1, 1);
  props = all<broadcast_proposal>(acts);
  REQUIRE(props.size() == 1);
  CHECK(props[0].repeat);
  size_t proof = 0;
  for (auto& b : all<broadcast_vote>(acts))
    proof += b.v.round == 0 && b.v.type == vote_type::prevote && b.v.block_hash == ha;
  CHECK(proof == 3);
}

TEST_CASE("vote_resend_ms 0 arms no resend timer") {
  harness t;
  t.cfg.vote_resend_ms = 0;
  t.c = std::make_unique<core>(test::domain_of("c"), t.cfg, t.my_signer.get(), &t.ver);
  t.c->start_height(1, t.set, 0);
  actions acts = t.c->on_timeout(timeout_kind::propose, 1, 0);
  REQUIRE(sent_vote(acts));
  for (auto& s : all<schedule_timeout>(acts)) CHECK(s.kind != timeout_kind::resend);
}

TEST_CASE("lock on a polka; prevote nil for other values; unlock only on a later polka") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  t.propose(t.make_proposal(0, a));
  t.votes({o[0], o[1]}, vote_type::prevote, 0, hash_of(a));
  REQUIRE(t.c->locked());
  CHECK(t.c->locked()->first == hash_of(a));
  // Round 0 fails (nil precommits), round 1 proposes B fresh.
  t.votes({o[0], o[1], o[2]}, vote_type::precommit, 0, hash256{});
  t.c->on_timeout(timeout_kind::precommit, 1, 0);
  REQUIRE(t.c->round() == 1);
  block b = t.make_block(1, 2);
  actions acts = t.propose(t.make_proposal(1, b));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->is_nil());  // locked on A
  // A polka for B in the later round unlocks (and relocks on B).
  acts = t.votes({o[0], o[1], o[2]}, vote_type::prevote, 1, hash_of(b));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->type == vote_type::precommit);
  CHECK(sent_vote(acts)->block_hash == hash_of(b));
  CHECK(t.c->locked()->first == hash_of(b));
  CHECK(t.c->locked()->second == 1);
  // Round 2: A re-proposed with proof of lock from round 0 is older than our
  // lock (round 1) on another value: prevote nil.
  t.votes({o[0], o[1], o[2]}, vote_type::precommit, 1, hash256{});
  t.c->on_timeout(timeout_kind::precommit, 1, 1);
  REQUIRE(t.c->round() == 2);
  acts = t.propose(t.make_proposal(2, a, 0));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->is_nil());
}

// Review finding: at a precommit timeout the proof of lock was resent, and
// then the re-proposal of the next round (when this node proposes it) sent
// the same prevotes again in the same batch.
TEST_CASE("review: a round change sends each vote once") {
  harness t;
  size_t p1 = 0;
  while (t.keys[p1].public_key() != t.set.proposer(1, 1)) ++p1;
  REQUIRE(t.set.proposer(1, 0) != t.set.proposer(1, 1));
  t.me = p1;  // this node proposes round 1
  t.my_signer = std::make_unique<key_signer>(t.keys[p1], true);
  t.c = std::make_unique<core>(test::domain_of("c"), t.cfg, t.my_signer.get(), &t.ver);
  t.c->start_height(1, t.set, 0);
  auto o = t.others();
  block a = t.make_block(0, 1);
  t.propose(t.make_proposal(0, a));
  t.votes({o[0], o[1]}, vote_type::prevote, 0, hash_of(a));
  REQUIRE(t.c->locked());
  t.votes({o[0], o[1], o[2]}, vote_type::precommit, 0, hash256{});
  actions acts = t.c->on_timeout(timeout_kind::precommit, 1, 0);
  REQUIRE(t.c->round() == 1);
  REQUIRE(all<broadcast_proposal>(acts).size() == 1);  // the re-proposal
  auto sent = all<broadcast_vote>(acts);
  CHECK(sent.size() >= 3);  // the polka (3 prevotes) and our precommit
  std::set<std::tuple<vote_type, uint32_t, pubkey, hash256>> distinct;
  for (const auto& b : sent) distinct.insert({b.v.type, b.v.round, b.v.validator, b.v.block_hash});
  CHECK(distinct.size() == sent.size());
}

// Benchmark finding: a validator the network banned (or that crashed)
// cost the full propose timeout at each of its turns, a fifth of the
// throughput with one of four validators silent.
TEST_CASE("a proposer that missed its last turn gets the short propose timeout until it proposes") {
  harness t;
  t.cfg.propose_timeout_ms = 3000;
  t.cfg.propose_timeout_delta_ms = 100;
  t.cfg.missed_propose_timeout_ms = 400;
  t.c = std::make_unique<core>(test::domain_of("c"), t.cfg, t.my_signer.get(), &t.ver);
  auto o = t.others();
  auto propose_timeout = [](const actions& acts) {
    for (const auto& a : acts)
      if (auto* s = std::get_if<schedule_timeout>(&a); s && s->kind == timeout_kind::propose)
        return s->delay_ms;
    return uint64_t{0};
  };
  // Rounds fail one after another (nothing proposed); returns the propose
  // timeout scheduled for the next round.
  auto fail_round = [&](uint32_t r) {
    t.c->on_timeout(timeout_kind::propose, 1, r);
    t.votes({o[0], o[1], o[2]}, vote_type::prevote, r, hash256{});
    t.votes({o[0], o[1], o[2]}, vote_type::precommit, r, hash256{});
    return propose_timeout(t.c->on_timeout(timeout_kind::precommit, 1, r));
  };
  CHECK(propose_timeout(t.c->start_height(1, t.set, 0)) == 3000);
  const pubkey silent = t.set.proposer(1, 0);
  uint32_t r = 0;
  uint64_t next = fail_round(r++);
  while (t.set.proposer(1, r) != silent) next = fail_round(r++);
  CHECK(next == 400 + r * 100);  // its next turn: the short timeout
  block b = t.make_block(r, 1);
  t.propose(t.make_proposal(r, b));  // it proposes again
  t.votes({o[0], o[1], o[2]}, vote_type::prevote, r, hash256{});
  t.votes({o[0], o[1], o[2]}, vote_type::precommit, r, hash256{});
  next = propose_timeout(t.c->on_timeout(timeout_kind::precommit, 1, r++));
  while (t.set.proposer(1, r) != silent) next = fail_round(r++);
  CHECK(next == 3000 + r * 100);  // back to the full timeout
}

// Random #588: one validator committed a height the others only synced
// 5 s later; alone at the next height, it ran four rounds ahead and then
// prevoted nil before each of their proposals arrived.
TEST_CASE("a validator that hears nobody in its round waits there instead of running ahead") {
  harness t;
  auto o = t.others();
  t.c->on_timeout(timeout_kind::propose, 1, 0);
  t.c->on_timeout(timeout_kind::prevote, 1, 0);
  actions acts = t.c->on_timeout(timeout_kind::precommit, 1, 0);
  CHECK(t.c->round() == 0);
  auto again = all<schedule_timeout>(acts);
  REQUIRE(again.size() == 1);
  CHECK(again[0].kind == timeout_kind::precommit);
  CHECK(all<broadcast_vote>(acts).size() == 2);  // its prevote and precommit, resent
  // Someone else shows up in this round: the next timeout moves on.
  t.votes({o[0]}, vote_type::prevote, 0, hash256{});
  t.c->on_timeout(timeout_kind::precommit, 1, 0);
  CHECK(t.c->round() == 1);
}

TEST_CASE("re-proposal with a proof-of-lock round is accepted once its polka is known") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  // We never saw round 0's proposal, only its prevotes: no lock.
  t.c->on_timeout(timeout_kind::propose, 1, 0);
  t.votes({o[0], o[1], o[2]}, vote_type::prevote, 0, hash_of(a));
  t.votes({o[0], o[1], o[2]}, vote_type::precommit, 0, hash256{});
  t.c->on_timeout(timeout_kind::precommit, 1, 0);
  REQUIRE(t.c->round() == 1);
  actions acts = t.propose(t.make_proposal(1, a, 0));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->block_hash == hash_of(a));
}

TEST_CASE(
    "finding 1: a decided block is the body that was validated, never another under its hash") {
  // Round 1 re-proposes round 0's block; its body is validated. A copy of
  // round 0's proposal then arrives late with the same header and signature
  // but another body (anyone can make one: the signature covers the header
  // only). The commit must use the validated body.
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  t.c->on_timeout(timeout_kind::propose, 1, 0);
  t.votes({o[0], o[1], o[2]}, vote_type::prevote, 0, hash_of(a));
  t.votes({o[0], o[1], o[2]}, vote_type::precommit, 0, hash256{});
  t.c->on_timeout(timeout_kind::precommit, 1, 0);
  REQUIRE(t.c->round() == 1);
  proposal good = t.make_proposal(1, a, 0);
  actions acts = t.propose(good);
  REQUIRE(all<request_validation>(acts).size() == 1);
  CHECK(all<request_validation>(acts)[0].blk.get() == good.blk.get());
  block swapped = a;
  transaction extra;
  extra.outputs.push_back({coin, t.keys[0].public_key()});
  swapped.txs.push_back(extra);  // header unchanged
  proposal bad = t.make_proposal(0, a);
  bad.blk = std::make_shared<const block>(swapped);
  acts = t.c->on_proposal(bad);
  CHECK_FALSE(has<request_validation>(acts));  // validity belongs to the first body
  acts = t.votes({o[0], o[1], o[2]}, vote_type::precommit, 1, hash_of(a));
  REQUIRE(all<decided>(acts).size() == 1);
  CHECK(all<decided>(acts)[0].blk.get() == good.blk.get());
  CHECK(*all<decided>(acts)[0].blk == a);
}

TEST_CASE("finding 8: a second precommit quorum at a decided height proves a fork") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1), b = t.make_block(0, 2);
  t.propose(t.make_proposal(0, a));
  actions acts = t.votes({o[0], o[1], o[2]}, vote_type::precommit, 0, hash_of(a));
  REQUIRE(all<decided>(acts).size() == 1);
  CHECK_FALSE(has<fork_proven>(acts));
  // More than 1/3 of the power signs another block too (here in round 1).
  acts = t.votes({o[0], o[1]}, vote_type::precommit, 1, hash_of(b));
  CHECK_FALSE(has<fork_proven>(acts));  // 2 of 4: no quorum, no proof
  acts = t.votes({o[2]}, vote_type::precommit, 1, hash_of(b));
  auto f = all<fork_proven>(acts);
  REQUIRE(f.size() == 1);
  CHECK(f[0].decided.block_hash == hash_of(a));
  CHECK(f[0].other.block_hash == hash_of(b));
  CHECK(f[0].other.sigs.size() == 3);
  CHECK(conflicting(f[0].decided, f[0].other));
  CHECK(verify_certificate(test::domain_of("c"), f[0].other, t.set, t.ver).ok());
  // Reported once.
  CHECK_FALSE(has<fork_proven>(t.votes({t.me}, vote_type::precommit, 1, hash_of(b))));
  // The evidence round-trips through its stored form, and only conflicting pairs do.
  fork_evidence ev{f[0].decided, f[0].other};
  auto back = decode_fork_evidence(encode_fork_evidence(ev));
  REQUIRE(back.ok());
  CHECK(back->a == ev.a);
  CHECK(back->b == ev.b);
  CHECK_FALSE(decode_fork_evidence(encode_fork_evidence({ev.a, ev.a})).ok());
  bytes cut = encode_fork_evidence(ev);
  cut.pop_back();
  CHECK_FALSE(decode_fork_evidence(cut).ok());
}

TEST_CASE("late proposal: the polka arrives first, the block after the timeout") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  t.c->on_timeout(timeout_kind::propose, 1, 0);  // prevoted nil
  t.votes({o[0], o[1], o[2]}, vote_type::prevote, 0, hash_of(a));
  CHECK_FALSE(t.c->locked());  // no block, no lock
  actions acts = t.propose(t.make_proposal(0, a));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->type == vote_type::precommit);
  CHECK(sent_vote(acts)->block_hash == hash_of(a));
}

TEST_CASE("invalid blocks are prevoted nil") {
  harness t;
  actions acts = t.propose(t.make_proposal(0, t.make_block(0, 1)), false);
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->is_nil());
}

TEST_CASE("votes from unknown keys, bad signatures, other heights, duplicates never count") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  t.propose(t.make_proposal(0, a));
  secret_key stranger = test::key_from_seed(4242);
  vote sv{vote_type::prevote, 1, 0, hash_of(a), stranger.public_key(), {}};
  sv.sig = stranger.sign(vote_sign_bytes(test::domain_of("c"), sv), hash256{});
  actions acts = t.c->on_vote(sv);
  CHECK(all<rejected>(acts).at(0).reason.find("not a validator") != std::string::npos);
  vote bad = t.make_vote(o[0], vote_type::prevote, 0, hash_of(a));
  bad.sig.v[3] ^= 1;
  acts = t.c->on_vote(bad);
  CHECK(all<rejected>(acts).at(0).reason.find("signature") != std::string::npos);
  acts = t.c->on_vote(t.make_vote(o[0], vote_type::prevote, 0, hash_of(a), 7));
  CHECK(has<rejected>(acts));
  // Duplicates: the same vote three times is one validator's power.
  vote good = t.make_vote(o[0], vote_type::prevote, 0, hash_of(a));
  for (int i = 0; i < 3; ++i) acts = t.c->on_vote(good);
  CHECK_FALSE(t.c->locked());
  acts = t.votes({o[1]}, vote_type::prevote, 0, hash_of(a));
  CHECK(t.c->locked());
  // A vote for the previous height marks the sender as behind.
  harness u;
  acts = u.c->on_vote(u.make_vote(u.others()[0], vote_type::prevote, 0, hash256{}, 0));
  CHECK(has<peer_behind>(acts));
}

TEST_CASE("finding 4: copies of counted content, even signed again, are never relayed") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  proposal p = t.make_proposal(0, a);
  CHECK(judge_gossip(t.propose(p)).relay);
  proposal resigned = p;  // the same proposal under another valid signature
  resigned.sig =
      t.key_of(p.proposer)
          .sign(proposal_sign_bytes(test::domain_of("c"), 1, 0, -1, hash_of(a)), hash256{{9}});
  REQUIRE(resigned.sig != p.sig);
  relay_decision d = judge_gossip(t.c->on_proposal(resigned));
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);
  vote v = t.make_vote(o[0], vote_type::prevote, 0, hash_of(a));
  CHECK(judge_gossip(t.c->on_vote(v)).relay);
  vote again = v;
  again.sig = t.keys[o[0]].sign(vote_sign_bytes(test::domain_of("c"), v), hash256{{9}});
  REQUIRE(again.sig != v.sig);
  d = judge_gossip(t.c->on_vote(again));
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);
}

TEST_CASE("the next height's buffer gives each validator a share: one cannot crowd out the rest") {
  harness t;
  auto o = t.others();
  t.cfg.max_buffered_next = 64;  // 4 validators: 16 each
  t.c = std::make_unique<core>(test::domain_of("c"), t.cfg, t.my_signer.get(), &t.ver);
  t.c->start_height(1, t.set, 0);
  size_t kept = 0;
  for (uint32_t r = 0; r < 40; ++r)  // all valid, all for height 2
    kept +=
        judge_gossip(t.c->on_vote(t.make_vote(o[0], vote_type::prevote, r, hash256{}, 2))).relay;
  CHECK(kept == 16);
  // The others still have room.
  CHECK(judge_gossip(t.c->on_vote(t.make_vote(o[1], vote_type::prevote, 0, hash256{}, 2))).relay);
  CHECK(judge_gossip(t.c->on_vote(t.make_vote(o[2], vote_type::prevote, 0, hash256{}, 2))).relay);
}

// Review finding: the floor of 8 per validator could exceed the buffer
// (8 x 1000 validators > 4096), so the first validators' messages filled it
// and the rest got nothing; and every validator could park proposals of up
// to 8 MiB each there, bounded by count alone.
TEST_CASE(
    "review: the next height's buffer keeps 8 per validator; proposals only as its proposer") {
  harness t;
  auto o = t.others();
  t.cfg.max_buffered_next = 16;  // less than 8 x 4
  t.c = std::make_unique<core>(test::domain_of("c"), t.cfg, t.my_signer.get(), &t.ver);
  t.c->start_height(1, t.set, 0);
  auto relayed = [&](const proposal& p) { return judge_gossip(t.c->on_proposal(p)).relay; };
  t.h = 2;
  block b0 = t.make_block(0, 1);
  CHECK(relayed(t.make_proposal(0, b0)));
  CHECK_FALSE(relayed(t.make_proposal(0, t.make_block(0, 2))));  // round 0 is taken
  proposal impostor = t.make_proposal(1, t.make_block(1, 1));
  impostor.proposer = t.set.proposer(2, 0);  // not round 1's proposer
  hash256 ih = block_hash(impostor.blk->header);
  impostor.sig = t.key_of(impostor.proposer)
                     .sign(proposal_sign_bytes(test::domain_of("c"), 2, 1, -1, ih), hash256{});
  CHECK_FALSE(relayed(impostor));
  CHECK(relayed(t.make_proposal(1, t.make_block(1, 1))));
  CHECK_FALSE(relayed(t.make_proposal(4, t.make_block(4, 1))));  // beyond the first rounds
  t.h = 1;
  size_t kept = 0;
  for (size_t i : o)
    for (uint32_t r = 0; r < 12; ++r)
      kept += judge_gossip(t.c->on_vote(t.make_vote(i, vote_type::prevote, r, hash256{}, 2))).relay;
  size_t proposals_of_others = (t.set.proposer(2, 0) != t.keys[t.me].public_key()) +
                               (t.set.proposer(2, 1) != t.keys[t.me].public_key());
  CHECK(kept == 3 * 8 - proposals_of_others);
}

TEST_CASE("gossip is relayed only when accepted; provably bad input blames the sender") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  auto judge = [&](const vote& v) { return judge_gossip(t.c->on_vote(v)); };

  relay_decision d = judge_gossip(t.c->on_proposal(t.make_proposal(0, a)));
  CHECK(d.relay);
  CHECK(d.penalty == 0);
  // A proposal signed by the right proposer but broken is the sender's fault.
  proposal forged = t.make_proposal(1, t.make_block(1, 1));
  forged.sig.v[5] ^= 1;
  d = judge_gossip(t.c->on_proposal(forged));
  CHECK_FALSE(d.relay);
  CHECK(d.penalty > 0);
  CHECK(d.why.find("signature") != std::string::npos);

  CHECK(judge(t.make_vote(o[0], vote_type::prevote, 0, hash_of(a))).relay);
  vote bad = t.make_vote(o[1], vote_type::prevote, 0, hash_of(a));
  bad.sig.v[3] ^= 1;
  d = judge(bad);
  CHECK_FALSE(d.relay);
  CHECK(d.penalty > 0);
  secret_key stranger = test::key_from_seed(4242);
  vote sv{vote_type::prevote, 1, 0, hash_of(a), stranger.public_key(), {}};
  sv.sig = stranger.sign(vote_sign_bytes(test::domain_of("c"), sv), hash256{});
  d = judge(sv);  // set-dependent: dropped, not blamed
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);
  // Too far ahead: dropped, not blamed (the sender may be ahead of us).
  d = judge(t.make_vote(o[1], vote_type::prevote, 1000, hash_of(a)));
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);

  // The next height: checked before it is kept and relayed.
  CHECK(judge(t.make_vote(o[1], vote_type::prevote, 0, hash_of(a), 2)).relay);
  vote next_bad = t.make_vote(o[2], vote_type::prevote, 0, hash_of(a), 2);
  next_bad.sig.v[0] ^= 1;
  d = judge(next_bad);
  CHECK_FALSE(d.relay);
  CHECK(d.penalty > 0);
  vote next_stranger{vote_type::prevote, 2, 0, hash_of(a), stranger.public_key(), {}};
  next_stranger.sig =
      stranger.sign(vote_sign_bytes(test::domain_of("c"), next_stranger), hash256{});
  d = judge(next_stranger);
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);

  // The first conflicting vote is evidence and goes on; later ones do not.
  block b = t.make_block(0, 2), c = t.make_block(0, 3);
  actions acts = t.c->on_vote(t.make_vote(o[0], vote_type::prevote, 0, hash_of(b)));
  CHECK(has<found_evidence>(acts));
  CHECK(judge_gossip(acts).relay);
  d = judge(t.make_vote(o[0], vote_type::prevote, 0, hash_of(c)));
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);

  // A previous height: the sender is behind; nothing to relay, no blame.
  harness u;
  u.c->start_height(2, u.set, 0);
  d = judge_gossip(u.c->on_vote(u.make_vote(u.others()[0], vote_type::prevote, 0, hash256{}, 1)));
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);
}

TEST_CASE("equivocation yields verifiable evidence and counts toward each value once") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1), b = t.make_block(0, 2);
  t.propose(t.make_proposal(0, a));
  t.c->on_vote(t.make_vote(o[0], vote_type::prevote, 0, hash_of(a)));
  actions acts = t.c->on_vote(t.make_vote(o[0], vote_type::prevote, 0, hash_of(b)));
  auto ev = all<found_evidence>(acts);
  REQUIRE(ev.size() == 1);
  const evidence& e = ev[0].e;
  CHECK(e.a.validator == e.b.validator);
  CHECK(e.a.block_hash != e.b.block_hash);
  CHECK(verify(e.a.validator, vote_sign_bytes(test::domain_of("c"), e.a), e.a.sig));
  CHECK(verify(e.b.validator, vote_sign_bytes(test::domain_of("c"), e.b), e.b.sig));
  // A third conflicting vote does not produce more evidence.
  acts = t.c->on_vote(t.make_vote(o[0], vote_type::prevote, 0, hash256{}));
  CHECK_FALSE(has<found_evidence>(acts));
  // The equivocator still counts once toward A: me + o0 = 2 of 4, no polka.
  CHECK_FALSE(t.c->locked());
}

TEST_CASE("restart after signing a prevote never signs a conflicting one") {
  harness first;
  block a = first.make_block(0, 1), b = first.make_block(0, 2);
  first.propose(first.make_proposal(0, a));
  auto record = first.c->last_signed();
  REQUIRE(record);
  CHECK(record->stage == step::prevote);
  // The record survives a restart through its encoding.
  auto decoded = decode_signed_record(encode_signed_record(*record));
  REQUIRE(decoded.ok());
  CHECK(*decoded == *record);
  CHECK_FALSE(decode_signed_record(bytes(10, 0)).ok());

  harness again(4, *decoded);
  REQUIRE(again.me == first.me);
  actions acts = again.propose(again.make_proposal(0, b));
  CHECK_FALSE(sent_vote(acts));
  auto refused = all<refused_to_sign>(acts);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].last == *record);
  // Timing out to nil is a conflicting vote too.
  harness third(4, *decoded);
  acts = third.c->on_timeout(timeout_kind::propose, 1, 0);
  CHECK_FALSE(sent_vote(acts));
  // The same vote again is fine.
  harness fourth(4, *decoded);
  acts = fourth.propose(fourth.make_proposal(0, a));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->block_hash == hash_of(a));
}

TEST_CASE("a restart mid-height starts in the round it last signed in, not round 0") {
  // Nil precommit in round 5 of height 1: rounds 0-4 can carry nothing this
  // node may sign, so waiting each of them out (with timeouts that grow by
  // the round) would only delay it.
  signed_record rec{1, 5, step::precommit, hash256{}, -1, hash256{}};
  harness again(4, rec);
  CHECK(again.c->round() == 5);
  // A record of an earlier height says nothing about this one.
  rec.height = 0;
  harness other(4, rec);
  CHECK(other.c->round() == 0);
  // Nor does it move a later height's first round.
  rec.height = 1;
  harness next(4, rec);
  auto acts = next.c->start_height(2, next.set, 0);
  CHECK(next.c->round() == 0);
}

TEST_CASE("review: a restart keeps the lock, not only the last signature") {
  // Locked on a in round 0 (a polka, our precommit), then restarted.
  harness first;
  auto o = first.others();
  block a = first.make_block(0, 1);
  first.propose(first.make_proposal(0, a));
  first.votes({o[0], o[1]}, vote_type::prevote, 0, hash_of(a));
  REQUIRE(first.c->locked());
  auto record = first.c->last_signed();
  REQUIRE(record);
  CHECK(record->stage == step::precommit);
  CHECK(record->locked_round == 0);
  CHECK(record->locked_hash == hash_of(a));
  auto decoded = decode_signed_record(encode_signed_record(*record));
  REQUIRE(decoded.ok());
  CHECK(*decoded == *record);
  // Round 1 after the restart proposes another block b (no proof of lock):
  // the restarted validator must prevote nil, as it would have unrestarted.
  harness again(4, *decoded);
  CHECK(again.c->locked() == std::make_pair(hash_of(a), uint32_t{0}));
  again.c->on_timeout(timeout_kind::propose, 1, 0);  // refused (already signed round 0)
  again.votes({o[0], o[1], o[2]}, vote_type::precommit, 0, hash256{});
  again.c->on_timeout(timeout_kind::precommit, 1, 0);
  REQUIRE(again.c->round() == 1);
  block b = again.make_block(1, 2);
  actions acts = again.propose(again.make_proposal(1, b));
  REQUIRE(sent_vote(acts));
  CHECK(sent_vote(acts)->is_nil());
  // Records of the earlier format (no lock) still read.
  bytes v1 = encode_signed_record(*record);
  v1.resize(1 + 8 + 4 + 1 + 32);
  v1[0] = 1;
  auto old = decode_signed_record(v1);
  REQUIRE(old.ok());
  CHECK(old->locked_round == -1);
}

TEST_CASE("a restart keeps a lock of a later round: a polka of an earlier round does not move it") {
  // Locked on a in round 2 before the restart; after it the node starts at
  // round 0 again, where the others made a polka for b. Taking that lock
  // (round 0 < 2) would let it prevote b later without a proof of lock above
  // round 2, breaking the lock rule it signed under.
  harness first;
  auto o = first.others();
  block a = first.make_block(0, 1);
  first.propose(first.make_proposal(0, a));
  first.votes({o[0], o[1]}, vote_type::prevote, 0, hash_of(a));
  auto record = first.c->last_signed();
  REQUIRE(record);
  signed_record later = *record;
  later.round = 2;
  later.locked_round = 2;
  harness again(4, later);
  REQUIRE(again.c->locked() == std::make_pair(hash_of(a), uint32_t{2}));
  block b = again.make_block(0, 2);
  again.propose(again.make_proposal(0, b));
  again.votes({o[0], o[1], o[2]}, vote_type::prevote, 0, hash_of(b));
  CHECK(again.c->locked() == std::make_pair(hash_of(a), uint32_t{2}));
}

TEST_CASE("round skip: more than 1/3 of the power in a later round") {
  harness t;
  auto o = t.others();
  t.votes({o[0]}, vote_type::prevote, 3, hash256{});
  CHECK(t.c->round() == 0);  // 1/4 is not > 1/3
  t.votes({o[1]}, vote_type::prevote, 3, hash256{});
  CHECK(t.c->round() == 3);
}

TEST_CASE("below min_validators the core does not propose and says so") {
  std::vector<validator> v{{test::key_from_seed(1).public_key(), 10},
                           {test::key_from_seed(2).public_key(), 10}};
  key_signer me(test::key_from_seed(1), true);
  cached_verifier ver;
  consensus_config cfg;
  cfg.min_validators = 3;
  core c(test::domain_of("c"), cfg, &me, &ver);
  actions acts = c.start_height(1, validator_set(v), 0);
  auto skip = all<skip_production>(acts);
  REQUIRE(skip.size() == 1);
  CHECK(skip[0].active == 2);
  CHECK(skip[0].minimum == 3);
  CHECK_FALSE(has<request_block>(acts));
}

TEST_CASE("the proposer asks for a block, signs and broadcasts the proposal") {
  std::vector<validator> v{{test::key_from_seed(1).public_key(), 10}};
  key_signer me(test::key_from_seed(1), true);
  cached_verifier ver;
  core c(test::domain_of("c"), consensus_config{}, &me, &ver);
  actions acts = c.start_height(1, validator_set(v), 0);
  auto req = all<request_block>(acts);
  REQUIRE(req.size() == 1);
  block b;
  b.header.height = 1;
  b.header.proposer = me.key();
  acts = c.on_block_built(1, 0, std::make_shared<const block>(b));
  REQUIRE(all<broadcast_proposal>(acts).size() == 1);
  // Single validator: its own prevote and precommit are a quorum.
  REQUIRE(all<decided>(acts).size() == 1);
  CHECK(all<decided>(acts)[0].cert.sigs.size() == 1);
}

TEST_CASE("catch-up: a valid certificate decides, a 2/3 one does not") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  commit_certificate cert{1, 0, hash_of(a), {}};
  for (size_t i : {o[0], o[1]}) {
    vote v = t.make_vote(i, vote_type::precommit, 0, hash_of(a));
    cert.sigs.push_back({v.validator, v.sig});
  }
  actions acts = t.c->on_certificate(a, cert);
  CHECK(has<rejected>(acts));
  vote v = t.make_vote(o[2], vote_type::precommit, 0, hash_of(a));
  cert.sigs.push_back({v.validator, v.sig});
  acts = t.c->on_certificate(a, cert);
  REQUIRE(all<decided>(acts).size() == 1);
}

TEST_CASE("a decided height whose block our chain refused can be started again") {
  harness t;
  auto o = t.others();
  block a = t.make_block(0, 1);
  commit_certificate cert{1, 0, hash_of(a), {}};
  for (size_t i : {o[0], o[1], o[2]}) {
    vote v = t.make_vote(i, vote_type::precommit, 0, hash_of(a));
    cert.sigs.push_back({v.validator, v.sig});
  }
  REQUIRE(all<decided>(t.c->on_certificate(a, cert)).size() == 1);
  CHECK(t.c->on_certificate(a, cert).empty());  // decided: nothing more at this height
  t.c->start_height(1, t.c->validators(), 0);
  CHECK(t.c->height() == 1);
  CHECK(t.c->round() == 0);
  REQUIRE(all<decided>(t.c->on_certificate(a, cert)).size() == 1);
}

namespace {
// A harness whose core paces empty blocks: 1 s interval, 3 s without txs.
struct paced : harness {
  paced(uint64_t empty_ms = 3000) {
    cfg.block_interval_ms = 1000;
    cfg.empty_block_interval_ms = empty_ms;
    c = std::make_unique<core>(test::domain_of("c"), cfg, my_signer.get(), &ver);
    first = c->start_height(h, set, 700);
  }
  actions first;
};
bool schedules(const actions& acts, timeout_kind k, uint64_t delay_ms = 0) {
  for (const auto& t : all<schedule_timeout>(acts))
    if (t.kind == k && (delay_ms == 0 || t.delay_ms == delay_ms)) return true;
  return false;
}
}  // namespace

TEST_CASE("idle pacing: without txs round 0 waits for the empty-block interval, a tx or a peer") {
  paced t;
  REQUIRE(all<await_txs>(t.first).size() == 1);
  CHECK(all<await_txs>(t.first)[0].height == t.h);
  CHECK(schedules(t.first, timeout_kind::new_height, 700));

  SUBCASE("no tx: a pause of the rest of the empty-block interval, then round 0") {
    actions a = t.c->on_timeout(timeout_kind::new_height, t.h, 0);
    CHECK(schedules(a, timeout_kind::empty_wait, 2000));
    CHECK_FALSE(schedules(a, timeout_kind::propose));
    CHECK(t.c->on_txs_available(t.h + 1).empty());  // a stale answer changes nothing
    actions b = t.c->on_timeout(timeout_kind::empty_wait, t.h, 0);
    CHECK(schedules(b, timeout_kind::propose));
  }
  SUBCASE("a tx during the pause starts round 0 at once") {
    CHECK_FALSE(
        schedules(t.c->on_timeout(timeout_kind::new_height, t.h, 0), timeout_kind::propose));
    CHECK(schedules(t.c->on_txs_available(t.h), timeout_kind::propose));
    // The pause's own timeout is then a no-op.
    CHECK_FALSE(
        schedules(t.c->on_timeout(timeout_kind::empty_wait, t.h, 0), timeout_kind::propose));
  }
  SUBCASE("a tx before the block interval ends: no pause at all") {
    CHECK(t.c->on_txs_available(t.h).empty());  // the interval still runs
    actions a = t.c->on_timeout(timeout_kind::new_height, t.h, 0);
    CHECK(schedules(a, timeout_kind::propose));
    CHECK_FALSE(schedules(a, timeout_kind::empty_wait));
  }
  SUBCASE("the proposer's proposal ends the pause and is voted on") {
    t.c->on_timeout(timeout_kind::new_height, t.h, 0);
    block b = t.make_block(0, 1);
    auto v = sent_vote(t.propose(t.make_proposal(0, b)));
    REQUIRE(v);
    CHECK(v->type == vote_type::prevote);
    CHECK(v->block_hash == hash_of(b));
  }
  SUBCASE("a validator's vote ends the pause; a forged one does not") {
    t.c->on_timeout(timeout_kind::new_height, t.h, 0);
    size_t other = t.others()[0];
    vote forged = t.make_vote(other, vote_type::prevote, 0, hash256{});
    forged.sig.v[5] ^= 1;
    actions a = t.c->on_vote(forged);
    CHECK(has<rejected>(a));
    CHECK_FALSE(schedules(a, timeout_kind::propose));
    CHECK(schedules(t.c->on_vote(t.make_vote(other, vote_type::prevote, 0, hash256{})),
                    timeout_kind::propose));
  }
}

TEST_CASE("idle pacing is off when the empty-block interval is not above the block interval") {
  paced t(1000);
  CHECK_FALSE(has<await_txs>(t.first));
  CHECK(schedules(t.c->on_timeout(timeout_kind::new_height, t.h, 0), timeout_kind::propose));
}
