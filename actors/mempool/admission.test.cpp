#include "actors/mempool/admission.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace tc;
using namespace tc::mempool;

TEST_CASE("admission: a block landing meanwhile sends the batch back to the chain, boundedly") {
  // No block: the chain's answers hold, refused or not.
  CHECK(judge_tip_race(false, false, true, 0) == tip_race::none);
  // A block whose spends are known, and nothing refused: judge against them.
  CHECK(judge_tip_race(true, true, false, 0) == tip_race::proceed);
  // A refusal may be for an input the new block created: ask again.
  CHECK(judge_tip_race(true, true, true, 0) == tip_race::retry);
  // Spends unknown (a registry change, or too many blocks): ask again...
  CHECK(judge_tip_race(true, false, false, 2) == tip_race::retry);
  // ...but not forever: the last attempt gives up rather than admit on an
  // old tip's answers, unless the spends are known.
  CHECK(judge_tip_race(true, false, false, 3) == tip_race::stale);
  CHECK(judge_tip_race(true, true, true, 3) == tip_race::proceed);
}

TEST_CASE("admission: each candidate is judged against what landed, in a fixed order") {
  transaction tx;
  outpoint a, b;
  a.txid.v.fill(1);
  b.txid.v.fill(2);
  tx.inputs.push_back({a, {}});
  tx.inputs.push_back({b, {}});
  std::set<outpoint> spent;
  auto spent_by_block = [&](const outpoint& o) { return spent.count(o) > 0; };
  candidate ok{&tx, "", false, true};
  CHECK(judge_candidate(ok, false, spent_by_block).error.empty());
  // Given up on the race: nothing enters, and it is nobody's fault.
  auto stale = judge_candidate(ok, true, spent_by_block);
  CHECK(stale.error.find("resubmit") != std::string::npos);
  CHECK_FALSE(stale.fault);
  // A block meanwhile spent its second input: the chain's "ok" is stale.
  spent.insert(b);
  CHECK(judge_candidate(ok, false, spent_by_block).error.find("spent by a block") !=
        std::string::npos);
  spent.clear();
  // The chain's refusal stands; a verifier that failed is not a bad signature.
  CHECK(judge_candidate({&tx, "missing input", false, true}, false, spent_by_block).error ==
        "missing input");
  auto unchecked = judge_candidate({&tx, "", true, false}, false, spent_by_block);
  CHECK(unchecked.error.find("could not be checked") != std::string::npos);
  CHECK_FALSE(unchecked.fault);
  // A signature that fails is the sender's fault: an honest peer never relays it.
  auto bad = judge_candidate({&tx, "", false, false}, false, spent_by_block);
  CHECK(bad.error == "invalid signature");
  CHECK(bad.fault);
}
