#pragma once
// The consensus actor's typed interface, and the two ports it sends to:
// gossip and new tips to the peer manager, new tips to the sync actor (both
// in actors/peer, which implement them; consensus depends on no peer code).

#include "actors/common.hpp"
#include "actors/consensus/core.hpp"
#include "actors/consensus/sync_verdict.hpp"

namespace tc {

using bcast_atom = caf::atom_constant<caf::atom("bcast")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
// Where consensus sends what it gossips (proposals, votes), its new tips
// and the blocks it committed (whose txs a peer may still relay late).
using gossip_out_actor = caf::typed_actor<caf::reacts_to<bcast_atom, msg_ptr>,
                                          caf::reacts_to<localtip_atom, uint64_t, hash256>,
                                          caf::reacts_to<committed_atom, block_ptr>>;
// Where consensus announces its new tips (catch-up sync).
using tip_listener_actor = caf::typed_actor<caf::reacts_to<localtip_atom, uint64_t, hash256>>;

// Where consensus makes its signed record durable before a signature
// leaves (sign_guard_actor.hpp): true once it is, an errc::store_failed
// error otherwise (consensus then stops rather than sign unguarded).
using guard_atom = caf::atom_constant<caf::atom("guard")>;
using sign_guard_actor = caf::typed_actor<caf::replies_to<guard_atom, bytes>::with<bool>>;

// ---- consensus ----
struct consensus_status {
  uint64_t height = 0;
  uint32_t round = 0;
  std::string step;
  uint64_t validators = 0;
  uint64_t total_power = 0;
  bool is_validator = false;
  std::optional<commit_certificate> last_certificate;
  uint64_t last_commit_ms = 0;
  bool halted = false;  // a fork was proven: this node no longer follows the chain
};
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
// A synced block: ok (committed, or already had it), retry later (not at
// that height yet), or invalid (the peer that served it is to blame).
struct sync_verdict {
  uint8_t result = 0;  // consensus::apply_result
  std::string why;
};
// A proposal or vote from a peer: the answer says whether to relay it and
// whether to blame the peer (consensus::judge_gossip).
using gossip_atom = caf::atom_constant<caf::atom("gossip")>;
using forkcheck_atom = caf::atom_constant<caf::atom("forkcheck")>;
using halt_atom = caf::atom_constant<caf::atom("halt")>;
using precheck_atom = caf::atom_constant<caf::atom("precheck")>;
using consensus_actor = caf::typed_actor<
    caf::reacts_to<start_atom>, caf::reacts_to<timer_atom, uint8_t, uint64_t, uint32_t>,
    caf::replies_to<gossip_atom, proposal>::with<consensus::relay_decision>,
    caf::replies_to<gossip_atom, vote>::with<consensus::relay_decision>,
    caf::reacts_to<wire_atom, gossip_out_actor, tip_listener_actor>,
    // A block the network committed, for the height being decided or (held
    // until its height starts, at most two) the ones after it. The digests,
    // when not null, are digest_txs of this very block, and its body matched
    // its header when the sender hashed it (the sync actor does both before
    // it offers); null: consensus hashes and checks it itself.
    caf::replies_to<sync_atom, block_cert_ptr, digests_ptr>::with<sync_verdict>,
    // A peer's block at a height this node already committed, fetched
    // because the peer announced another hash there: a valid certificate
    // for a different block proves a fork (ok: no fork; invalid: the
    // peer's fault).
    caf::replies_to<forkcheck_atom, block_cert_ptr>::with<sync_verdict>,
    // A block the sync holds ahead of its turn: true when its body matches
    // its header and its certificate verifies against the current validator
    // set, i.e. when checking its txs' signatures early is worth the work.
    caf::replies_to<precheck_atom, block_cert_ptr>::with<bool>,
    // After a proven fork, once the evidence has been on view long enough.
    caf::reacts_to<halt_atom>, caf::replies_to<status_atom>::with<consensus_status>,
    caf::reacts_to<trace_atom, tracer_actor>, caf::reacts_to<metrics_atom, metrics::metrics_ptr>>;

}  // namespace tc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::consensus_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::sync_verdict)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::consensus::relay_decision)
