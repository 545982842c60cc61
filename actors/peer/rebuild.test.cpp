#include "actors/peer/rebuild.hpp"

#include <doctest/doctest.h>

#include "messages/gossip.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using namespace tc::peer;

namespace {
struct fixture {
  proposal p = test::sample_proposal(4);
  std::shared_ptr<const compact_proposal> c = std::make_shared<compact_proposal>(compact_of(p));
  hash256 key = *gossip_key(p);
  std::shared_ptr<const bytes> payload = std::make_shared<const bytes>(bytes{1, 2, 3});
  rebuild_core core{rebuild_config{4, 2, 4, 2'000, 8}};

  tx_ref body(size_t i) const { return std::make_shared<const transaction>(p.blk->txs[i]); }
  block_txs answer(const std::vector<uint32_t>& idx) const {
    block_txs m{block_hash(p.blk->header), {}};
    for (uint32_t i : idx) m.txs.push_back(p.blk->txs[i]);
    return m;
  }
};

template <class T>
std::vector<T> all_of(const rebuild_actions& acts) {
  std::vector<T> out;
  for (auto& a : acts)
    if (auto* x = std::get_if<T>(&a)) out.push_back(*x);
  return out;
}
}  // namespace

TEST_CASE_FIXTURE(fixture, "a proposal whose txs are all in the mempool is rebuilt at once") {
  auto acts = core.on_compact(7, key, c, payload, 0);
  auto look = all_of<rebuild_do::lookup>(acts);
  REQUIRE(look.size() == 1);
  CHECK(look[0].wtxids == c->wtxids);
  acts = core.on_lookup(key, {body(1), body(2), body(3), body(4)}, 10);
  auto done = all_of<rebuild_do::ready>(acts);
  REQUIRE(done.size() == 1);
  CHECK(done[0].p == p);
  CHECK(done[0].sources == std::vector<uint64_t>{7});
  CHECK((done[0].payload == payload));
  CHECK(core.pending() == 0);
}

TEST_CASE_FIXTURE(fixture, "the txs the mempool lacks are fetched from the sender") {
  core.on_compact(7, key, c, payload, 0);
  core.on_compact(8, key, c, payload, 1);  // a copy: only a second source
  CHECK(core.pending() == 1);
  auto acts = core.on_lookup(key, {body(1), nullptr, body(3), nullptr}, 10);
  auto f = all_of<rebuild_do::fetch>(acts);
  REQUIRE(f.size() == 1);
  CHECK(f[0].peer == 7);
  CHECK(f[0].req.indexes == std::vector<uint32_t>{2, 4});
  CHECK_FALSE(f[0].hedge);
  SUBCASE("the sender serves them") {
    acts = core.on_block_txs(7, answer({2, 4}), 20);
    auto done = all_of<rebuild_do::ready>(acts);
    REQUIRE(done.size() == 1);
    CHECK(done[0].p == p);
    CHECK(done[0].sources == std::vector<uint64_t>{7, 8});
  }
  SUBCASE("another peer's answer is not taken") {
    CHECK(core.on_block_txs(8, answer({2, 4}), 20).empty());
    CHECK(core.pending() == 1);
  }
  SUBCASE("wrong bodies cost 25 points and the next source is asked") {
    acts = core.on_block_txs(7, answer({2, 3}), 20);
    auto b = all_of<rebuild_do::blame>(acts);
    REQUIRE(b.size() == 1);
    CHECK(b[0].peer == 7);
    CHECK(b[0].points == wrong_txs_penalty);
    f = all_of<rebuild_do::fetch>(acts);
    REQUIRE(f.size() == 1);
    CHECK(f[0].peer == 8);
    CHECK(f[0].req.indexes == std::vector<uint32_t>{2, 4});
    CHECK(all_of<rebuild_do::ready>(core.on_block_txs(8, answer({2, 4}), 30)).size() == 1);
  }
  SUBCASE("too few bodies are wrong bodies") {
    acts = core.on_block_txs(7, answer({2}), 20);
    CHECK(all_of<rebuild_do::blame>(acts).size() == 1);
  }
  SUBCASE("a silent source costs 10 points; with none left the rebuild ends") {
    CHECK(core.on_tick(300).empty());
    // hedge_ms without an answer: the next source is asked the same, no points.
    acts = core.on_tick(410);
    CHECK(all_of<rebuild_do::blame>(acts).empty());
    f = all_of<rebuild_do::fetch>(acts);
    REQUIRE(f.size() == 1);
    CHECK(f[0].peer == 8);
    CHECK(f[0].req.indexes == std::vector<uint32_t>{2, 4});
    CHECK(f[0].hedge);
    CHECK(core.on_tick(1'000).empty());
    // The first source's time runs out: its points; the hedge's peer is waited for.
    acts = core.on_tick(2'010);
    REQUIRE(all_of<rebuild_do::blame>(acts).size() == 1);
    CHECK(all_of<rebuild_do::blame>(acts)[0].peer == 7);
    CHECK(all_of<rebuild_do::blame>(acts)[0].points == no_answer_penalty);
    CHECK(all_of<rebuild_do::fetch>(acts).empty());
    CHECK(core.pending() == 1);
    acts = core.on_tick(2'420);
    CHECK(all_of<rebuild_do::blame>(acts)[0].peer == 8);
    CHECK(all_of<rebuild_do::dropped>(acts).size() == 1);
    CHECK(core.pending() == 0);
    // Its late answer is ignored, without points.
    CHECK(core.on_block_txs(8, answer({2, 4}), 2'500).empty());
  }
  SUBCASE("a lost answer: the hedge's answer rebuilds it, and the first one's comes too late") {
    core.on_tick(410);
    acts = core.on_block_txs(8, answer({2, 4}), 450);
    REQUIRE(all_of<rebuild_do::ready>(acts).size() == 1);
    CHECK(all_of<rebuild_do::blame>(acts).empty());
    CHECK(core.on_block_txs(7, answer({2, 4}), 460).empty());
    CHECK(core.on_tick(2'100).empty());  // no points for anyone
  }
  SUBCASE("a slow first source may still answer after the hedge") {
    core.on_tick(410);
    CHECK(all_of<rebuild_do::ready>(core.on_block_txs(7, answer({2, 4}), 500)).size() == 1);
    CHECK(core.on_block_txs(8, answer({2, 4}), 510).empty());
  }
  SUBCASE("wrong bodies from the hedge's peer cost it 25 points") {
    core.on_tick(410);
    acts = core.on_block_txs(8, answer({1, 3}), 450);
    REQUIRE(all_of<rebuild_do::blame>(acts).size() == 1);
    CHECK(all_of<rebuild_do::blame>(acts)[0].peer == 8);
    CHECK(all_of<rebuild_do::dropped>(acts).size() == 1);  // both sources used
  }
  SUBCASE("a source that disconnects is replaced at once") {
    acts = core.on_peer_gone(7, 30);
    CHECK(all_of<rebuild_do::fetch>(acts)[0].peer == 8);
    acts = core.on_peer_gone(8, 40);
    CHECK(all_of<rebuild_do::dropped>(acts).size() == 1);
  }
  SUBCASE("the asked source disconnects after the hedge: the hedge's peer is waited for") {
    core.on_tick(410);
    CHECK(core.on_peer_gone(7, 420).empty());
    CHECK(all_of<rebuild_do::ready>(core.on_block_txs(8, answer({2, 4}), 430)).size() == 1);
  }
}

TEST_CASE_FIXTURE(fixture,
                  "a sender gone while the mempool lookup is out still names the proposal") {
  core.on_compact(7, key, c, payload, 0);
  core.on_compact(8, key, c, payload, 1);
  CHECK(core.on_peer_gone(7, 5).empty());  // nobody asked yet: nothing to move
  auto done =
      all_of<rebuild_do::ready>(core.on_lookup(key, {body(1), body(2), body(3), body(4)}, 10));
  REQUIRE(done.size() == 1);
  CHECK(done[0].sources == std::vector<uint64_t>{7, 8});
  // Alone: it was an empty list, and the peer manager took its front().
  core.on_compact(9, key, c, payload, 20);
  core.on_peer_gone(9, 25);
  done = all_of<rebuild_do::ready>(core.on_lookup(key, {body(1), body(2), body(3), body(4)}, 30));
  REQUIRE(done.size() == 1);
  CHECK(done[0].sources == std::vector<uint64_t>{9});
  // Its slot is still counted as the sender's while it lasts.
  core.on_compact(9, key, c, payload, 40);
  core.on_peer_gone(9, 45);
  CHECK(core.pending() == 1);
}

TEST_CASE_FIXTURE(fixture, "with a single source the hedge asks it again") {
  core.on_compact(7, key, c, payload, 0);
  core.on_lookup(key, {body(1), nullptr, body(3), body(4)}, 10);
  auto f = all_of<rebuild_do::fetch>(core.on_tick(410));
  REQUIRE(f.size() == 1);
  CHECK(f[0].peer == 7);
  CHECK(f[0].req.indexes == std::vector<uint32_t>{2});
  CHECK(core.on_tick(1'000).empty());  // one hedge per question
  CHECK(all_of<rebuild_do::ready>(core.on_block_txs(7, answer({2}), 1'100)).size() == 1);
  CHECK(core.on_block_txs(7, answer({2}), 1'110).empty());  // the second answer: nothing
}

TEST_CASE_FIXTURE(fixture, "a failed mempool lookup fetches every tx") {
  core.on_compact(7, key, c, payload, 0);
  auto f = all_of<rebuild_do::fetch>(core.on_lookup(key, {}, 5));
  REQUIRE(f.size() == 1);
  CHECK(f[0].req.indexes == std::vector<uint32_t>{1, 2, 3, 4});
}

TEST_CASE_FIXTURE(fixture, "a block that is ill-formed once rebuilt blames its sender") {
  // A tx spending the same output twice passes check_compact (distinct
  // wtxids) but not the full block's check.
  block b = *p.blk;
  b.txs[2].inputs.push_back(b.txs[2].inputs[0]);
  test::seal(b);
  proposal bad{9, 0, -1, std::make_shared<const block>(b), p.proposer, {}};
  auto bc = std::make_shared<compact_proposal>(compact_of(bad));
  hash256 k = *gossip_key(bad);
  core.on_compact(5, k, bc, payload, 0);
  std::vector<tx_ref> found;
  for (size_t i = 1; i < b.txs.size(); ++i)
    found.push_back(std::make_shared<transaction>(b.txs[i]));
  auto acts = core.on_lookup(k, found, 1);
  auto bl = all_of<rebuild_do::blame>(acts);
  REQUIRE(bl.size() == 1);
  CHECK(bl[0].peer == 5);
  CHECK(all_of<rebuild_do::ready>(acts).empty());
}

TEST_CASE_FIXTURE(fixture, "rebuilds are bounded, in all and per peer") {
  for (uint8_t i = 0; i < 3; ++i) {
    proposal q = test::sample_proposal(1, static_cast<uint8_t>(10 + i));
    auto acts = core.on_compact(1, *gossip_key(q),
                                std::make_shared<compact_proposal>(compact_of(q)), payload, 0);
    CHECK(all_of<rebuild_do::dropped>(acts).size() == (i < 2 ? 0u : 1u));
  }
  for (uint8_t i = 0; i < 3; ++i) {
    proposal q = test::sample_proposal(1, static_cast<uint8_t>(20 + i));
    auto acts = core.on_compact(2 + i, *gossip_key(q),
                                std::make_shared<compact_proposal>(compact_of(q)), payload, 0);
    CHECK(all_of<rebuild_do::dropped>(acts).size() == (i < 2 ? 0u : 1u));
  }
  CHECK(core.pending() == 4);
}

TEST_CASE_FIXTURE(fixture, "held blocks answer get_block_txs; bad requests are errors") {
  hash256 h = block_hash(p.blk->header);
  CHECK_FALSE(core.serve({h, {1}}).value().has_value());  // not held: nothing to say
  core.hold(p.blk);
  auto r = core.serve({h, {0, 3}});
  REQUIRE(r.ok());
  REQUIRE(r.value().has_value());
  CHECK(r.value()->txs == std::vector<transaction>{p.blk->txs[0], p.blk->txs[3]});
  CHECK_FALSE(core.serve({h, {5}}).ok());     // past the end
  CHECK_FALSE(core.serve({h, {2, 2}}).ok());  // twice: not ascending
  CHECK_FALSE(core.serve({h, {3, 1}}).ok());
  for (uint8_t i = 0; i < 8; ++i)
    core.hold(test::sample_proposal(1, static_cast<uint8_t>(40 + i)).blk);
  CHECK_FALSE(core.serve({h, {1}}).value().has_value());  // aged out
}

TEST_CASE("finding: a peer with no validator key cannot hold a rebuild slot") {
  auto domain = test::domain_of("timecoin-test");
  auto validator = test::key_from_seed(1);
  proposal p = test::sample_proposal(3);  // height 9, proposed by seed 1's key
  auto signed_by = [&](const secret_key& k) {
    compact_proposal c = compact_of(p);
    c.proposer = k.public_key();
    c.sig =
        k.sign(proposal_sign_bytes(domain, c.height, c.round, c.pol_round, block_hash(c.header)));
    return c;
  };
  std::set<pubkey> vset{validator.public_key()};
  CHECK(admit_compact(signed_by(validator), 8, vset, domain) == compact_admission::rebuild);
  // Our tip one behind (its commit not seen here yet): still rebuilt.
  CHECK(admit_compact(signed_by(validator), 7, vset, domain) == compact_admission::rebuild);
  // Heights consensus could not take now cost no slot.
  CHECK(admit_compact(signed_by(validator), 9, vset, domain) == compact_admission::not_now);
  CHECK(admit_compact(signed_by(validator), 6, vset, domain) == compact_admission::not_now);
  // A key of its own, validly signed: not a validator.
  auto stranger = test::key_from_seed(77);
  CHECK(admit_compact(signed_by(stranger), 8, vset, domain) == compact_admission::not_validator);
  // The validator's key with a signature that is not its: refused.
  compact_proposal forged = signed_by(validator);
  forged.header.timestamp_ms += 1;  // the signed header changed after signing
  CHECK(admit_compact(forged, 8, vset, domain) == compact_admission::bad_signature);
  compact_proposal other_domain = signed_by(validator);
  CHECK(admit_compact(other_domain, 8, vset, test::domain_of("another-chain")) ==
        compact_admission::bad_signature);
  // The set not known yet: the signature still has to verify.
  CHECK(admit_compact(signed_by(stranger), 8, {}, domain) == compact_admission::rebuild);
  CHECK(admit_compact(forged, 8, {}, domain) == compact_admission::bad_signature);
}
