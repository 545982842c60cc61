#include "actors/mempool/admission.hpp"

#include "crypto/assert.hpp"

namespace tc::mempool {

tip_race judge_tip_race(bool tip_moved, bool spends_known, bool any_refused, int attempt,
                        int max_attempts) {
  TC_ASSERT(attempt >= 0 && attempt <= max_attempts);
  if (!tip_moved) return tip_race::none;
  // Unknown spends make every answer suspect; a refusal may be for an
  // input the new block created. Either way the chain is asked again,
  // boundedly: never admit on answers about an old tip unchecked (the pool
  // only checks conflicts within itself).
  if ((!spends_known || any_refused) && attempt < max_attempts) return tip_race::retry;
  return spends_known ? tip_race::proceed : tip_race::stale;
}

verdict judge_candidate(const candidate& c, bool stale,
                        const std::function<bool(const outpoint&)>& spent_by_block) {
  TC_ASSERT(c.tx);
  if (stale) return {"the chain tip moved during admission; resubmit", false};
  for (const auto& in : c.tx->inputs)
    if (spent_by_block(in.prev))
      return {"an input was spent by a block committed meanwhile", false};
  if (!c.chain_error.empty()) return {c.chain_error, false};
  if (c.unchecked) return {"signatures could not be checked now; resubmit", false};
  if (!c.sig_ok) return {"invalid signature", true};
  return {};
}

}  // namespace tc::mempool
