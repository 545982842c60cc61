#pragma once
// The mempool actor's typed interface, and the signature checkers it uses.

#include "actors/common.hpp"

namespace tc {

// ---- mempool ----
struct tx_admission {
  std::string error;  // empty: accepted
  hash256 txid;
  // Invalid for every node (malformed, or a signature that fails under the
  // owner of an output it spends): an honest peer never relays such a tx.
  bool fault = false;
};
struct mempool_info {
  uint64_t size = 0;
  uint64_t bytes = 0;
  uint64_t max_txs = 0;
  uint64_t max_bytes = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
};
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using select_atom = caf::atom_constant<caf::atom("select")>;
using verified_atom = caf::atom_constant<caf::atom("verified")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using check_atom = caf::atom_constant<caf::atom("check")>;
using has_atom = caf::atom_constant<caf::atom("has")>;
using await_txs_atom = caf::atom_constant<caf::atom("awaittxs")>;
using evict_atom = caf::atom_constant<caf::atom("evict")>;
using preverify_atom = caf::atom_constant<caf::atom("preverify")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using waiting_atom = caf::atom_constant<caf::atom("waiting")>;
using wait_over_atom = caf::atom_constant<caf::atom("waitover")>;
// Pool arrival numbers [first, second) (mempool_core::waiting_in).
using seq_ranges = std::vector<std::pair<uint64_t, uint64_t>>;
// Per tx, the outputs its inputs spend, in input order.
using spent_lists = std::vector<std::vector<tx_output>>;

struct selected_txs {
  std::vector<tx_ptr> txs;
  std::vector<hash256> wtxids;  // of txs, as admission computed them
  amount fees = 0;
};

using mempool_actor = caf::typed_actor<
    // Full admission of a batch (in order; within a batch the first of two
    // conflicting txs wins): stateless, conflicts, chain rules, signatures.
    caf::replies_to<submit_atom, tx_batch>::with<std::vector<tx_admission>>,
    // Dry run of admission (testmempoolaccept): nothing is added.
    caf::replies_to<check_atom, tx_batch>::with<std::vector<tx_admission>>,
    caf::replies_to<select_atom, uint64_t, uint64_t>::with<selected_txs>,
    // Of these wtxids, the ones whose signatures this node already checked.
    // Txs whose admission is under way are waited for, a bounded time
    // (mempool/admission_waits.hpp).
    caf::replies_to<verified_atom, std::vector<hash256>>::with<verified_ptr>,
    // The mempool's own: a waiting verified query's time is up.
    caf::reacts_to<wait_over_atom, uint64_t>,
    // Checks the signatures of txs of a block not yet connected (the sync,
    // ahead of the block it applies) on the verifiers, against the outputs
    // given (txs, their txids, spent outputs); those that pass count as
    // verified for the block's connect. Txs this node checked already are
    // not checked again. Answers how many now count as verified.
    caf::replies_to<preverify_atom, tx_batch, std::vector<hash256>, spent_lists>::with<uint64_t>,
    // The pool's txs with these wtxids, in order (null: not in the pool nor
    // in admission): the bodies a compact proposal names.
    caf::replies_to<lookup_atom, std::vector<hash256>>::with<tx_batch>,
    // The wtxids of at most `max` (and limits::max_tx_inv) pool txs whose
    // arrival numbers are in these ranges, oldest first, and the number the
    // next tx will get: the mark a later call's ranges are cut at
    // (mempool_core::waiting_in, peer::reannounce_schedule).
    caf::replies_to<waiting_atom, seq_ranges, uint64_t>::with<std::vector<hash256>, uint64_t>,
    caf::reacts_to<committed_atom, block_ptr>, caf::replies_to<info_atom>::with<mempool_info>,
    caf::replies_to<list_atom>::with<std::vector<hash256>>,
    caf::replies_to<has_atom, hash256>::with<bool>,  // is this txid in the pool?
    // Answers true once the pool holds a tx (at once if it does). At most 4
    // wait: a fifth call answers the oldest false (consensus asks once per height).
    caf::replies_to<await_txs_atom>::with<bool>,
    // Txs that no longer fit the chain (the producer found them invalid at
    // the tip): they leave the pool.
    caf::reacts_to<evict_atom, std::vector<hash256>>, caf::reacts_to<trace_atom, tracer_actor>,
    caf::reacts_to<metrics_atom, metrics::metrics_ptr>>;

// A signature checker: verifies every input signature of each prepared tx
// (txs, their txids, the outputs they spend); one verdict per tx.
using verify_atom = caf::atom_constant<caf::atom("verify")>;
using verifier_actor = caf::typed_actor<caf::replies_to<verify_atom, tx_batch, std::vector<hash256>,
                                                        spent_lists>::with<std::vector<bool>>>;

}  // namespace tc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::tx_admission>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::spent_lists)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::seq_ranges)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_admission)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::mempool_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::selected_txs)
