#pragma once
// Which of a block's signatures to check on the verifier pool before the
// chain's dry run, and against which outputs. A node that lags (its mempool
// behind, a proposal's txs fetched at the last moment) would otherwise have
// the chain actor check them one after another on one core, on the critical
// path of the round. Pure: no CAF.

#include <functional>
#include <vector>

#include "messages/encoding.hpp"

namespace tc::mempool {

struct block_checks {
  struct lookup {  // an input whose output the block did not create
    size_t k = 0;  // into the vectors below
    size_t input = 0;
    outpoint op;
  };
  // Per tx to check: its digest and the outputs its inputs spend, in input
  // order (those in `missing` still to be filled from the UTXO set).
  std::vector<tx_digest> digests;
  std::vector<size_t> index;  // in the block
  std::vector<std::vector<tx_output>> spent;
  std::vector<lookup> missing;
  bool empty() const { return digests.empty(); }
};

// The plain transfers of `b` whose signatures `checked` (by wtxid, of
// `wtxids`, one per tx of b) does not vouch for, or none when fewer than
// `min_txs`: so few cost the chain less than the round trips. Rewards spend
// nothing, and registry txs carry payload signatures that only the chain
// checks, so neither is planned. An output is found in the block itself
// whatever the order (an input that spends a later tx's output fails the
// dry run anyway, and an outpoint names its output for good).
block_checks plan_block_checks(const block& b, const std::vector<hash256>& wtxids,
                               const std::function<bool(const hash256&)>& checked, size_t min_txs);

}  // namespace tc::mempool
