#pragma once
// Admission's decisions once the chain and the verifiers have answered, apart
// from the actor that gathers those answers (mempool_actor.cpp). The hard
// part is the race with a moving tip: the chain judged each tx against the
// tip of the moment, and a block may have been committed since. Pure: no CAF.

#include <functional>
#include <string>

#include "messages/types.hpp"

namespace tc::mempool {

// What to do with the chain's answers when blocks were committed meanwhile.
enum class tip_race {
  none,     // no block landed: the answers hold
  proceed,  // blocks landed whose spends are known: judge each tx against them
  retry,    // ask the chain again (the answers may be wrong and retries remain)
  stale,    // give up: the answers may be wrong and no retry is left
};

// `tip_moved`: a block was committed since the chain answered about the
// batch. `spends_known`: the spends of every such block are still kept and
// none changed the registry (collateral locks), so each answer can be
// checked against them. `any_refused`: the chain refused some tx, perhaps
// for a missing input the new block just created.
tip_race judge_tip_race(bool tip_moved, bool spends_known, bool any_refused, int attempt,
                        int max_attempts = 3);

// One candidate's facts, as the chain and the verifiers gave them.
struct candidate {
  const transaction* tx = nullptr;
  std::string chain_error;  // the chain's refusal, empty if acceptable
  bool unchecked = false;   // its verifier failed: signatures not checked
  bool sig_ok = false;      // every input signature verified
};

struct verdict {
  std::string error;   // empty: admit
  bool fault = false;  // invalid for every node (an honest peer never relays it)
};

// Whether the candidate may enter the pool. `stale`: judge_tip_race said so.
// `spent_by_block`: whether a block committed meanwhile spent this outpoint.
verdict judge_candidate(const candidate& c, bool stale,
                        const std::function<bool(const outpoint&)>& spent_by_block);

}  // namespace tc::mempool
