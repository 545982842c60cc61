#pragma once
// Every typed message between the node's actors and every actor's typed
// interface, in one place. Large payloads travel as shared_ptr<const T>:
// immutable, so sharing them between actors needs no lock. Only actor
// shells include this header (it pulls in CAF).

#include <caf/all.hpp>

#include <functional>
#include <memory>
#include <string>

#include "actors/consensus/core.hpp"
#include "actors/peer/session_core.hpp"
#include "messages/types.hpp"
#include "storage/chain_rules.hpp"
#include "storage/peer_store.hpp"

namespace tc {

class chain_store;  // storage/chain_store.hpp

using tx_ptr = std::shared_ptr<const transaction>;
using tx_batch = std::vector<tx_ptr>;
using wtxid_set = std::unordered_set<hash256, fixed_bytes_hasher>;
using verified_ptr = std::shared_ptr<const wtxid_set>;

using status_atom = caf::atom_constant<caf::atom("status")>;

// ---- tracing (message-flow recording for developers) ----
struct trace_event {
  std::string from;  // sending actor
  std::string to;    // receiving actor
  std::string kind;  // message kind
  uint64_t height = 0;
  uint32_t round = 0;
  std::string summary;
};
using trace_atom = caf::atom_constant<caf::atom("trace")>;
using tracer_actor = caf::typed_actor<caf::reacts_to<trace_event>>;

// Records one message if tracing is on (a null tracer handle is off: one
// branch, no message, when tracing is disabled).
inline void trace(const tracer_actor& t, const char* from, const char* to, const char* kind,
                  uint64_t height = 0, uint32_t round = 0, std::string summary = {}) {
  if (t) caf::anon_send(t, trace_event{from, to, kind, height, round, std::move(summary)});
}

// ---- chain (sole owner of the database) ----
struct chain_tip {
  uint64_t height = 0;
  hash256 hash;
  uint64_t timestamp_ms = 0;
};
// What admission needs from the chain: the fee and the spent outputs, after
// every contextual rule except input signatures (those go to a verifier).
struct prepared_tx {
  std::string error;  // empty when the tx is acceptable on the current tip
  amount fee = 0;
  std::vector<tx_output> spent;
  bool needs_full_check = false;  // registrations: signatures checked by the chain itself
};
// A read-only query run on the chain actor's thread (RPC lookups).
using chain_read = std::function<std::string(chain_store&)>;

using connect_atom = caf::atom_constant<caf::atom("connect")>;
using validate_atom = caf::atom_constant<caf::atom("validate")>;
using tip_atom = caf::atom_constant<caf::atom("tip")>;
using prepare_atom = caf::atom_constant<caf::atom("prepare")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using vset_atom = caf::atom_constant<caf::atom("vset")>;
using reward_atom = caf::atom_constant<caf::atom("reward")>;
using blocks_atom = caf::atom_constant<caf::atom("blocks")>;
using filter_atom = caf::atom_constant<caf::atom("filter")>;

using chain_actor = caf::typed_actor<
    // Validate and commit; replies with an error text, empty on success.
    caf::replies_to<connect_atom, block_ptr, commit_certificate, verified_ptr>::with<std::string>,
    // Validate against the tip without committing.
    caf::replies_to<validate_atom, block_ptr, verified_ptr>::with<std::string>,
    caf::replies_to<tip_atom>::with<chain_tip>,
    caf::replies_to<prepare_atom, tx_batch, std::vector<hash256>>::with<std::vector<prepared_tx>>,
    // Durably store a key/value of node state (the consensus signed record).
    caf::replies_to<persist_atom, std::string, bytes>::with<bool>,
    caf::replies_to<read_atom, chain_read>::with<std::string>,
    // Active masternodes for a height.
    caf::replies_to<vset_atom, uint64_t>::with<std::vector<masternode>>,
    // Reward outputs for a block at `height` with `fees` and `proposer`.
    caf::replies_to<reward_atom, uint64_t, amount, pubkey>::with<std::vector<tx_output>>,
    // The producer's fallback when a filled block does not validate: which
    // of these mempool txs fit together into the next block, in order.
    caf::replies_to<filter_atom, tx_batch>::with<tx_selection>,
    // Blocks with certificates for a syncing peer: from, count, byte budget.
    caf::replies_to<blocks_atom, uint64_t, uint32_t, uint64_t>::with<std::vector<block_with_cert>>,
    caf::reacts_to<trace_atom, tracer_actor>>;

// The chain's read-only questions: answered by a reader actor on a second
// SQLite connection, which keeps answering while the chain actor validates
// or writes a block, or (no reader: an in-memory database) by the chain
// actor itself. The RPC server and admission ask it; writers never do.
using chain_reader_actor = caf::typed_actor<
    caf::replies_to<prepare_atom, tx_batch, std::vector<hash256>>::with<std::vector<prepared_tx>>,
    caf::replies_to<read_atom, chain_read>::with<std::string>,
    caf::replies_to<tip_atom>::with<chain_tip>>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
// The reader as its owner (the chain actor) sees it: `pause` replies once no
// snapshot is open and holds later questions until `resume`, so the chain
// actor can restart the WAL.
using chain_reader_ctl_actor = chain_reader_actor::extend<caf::replies_to<pause_atom>::with<bool>,
                                                          caf::reacts_to<resume_atom>>;

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
using committed_atom = caf::atom_constant<caf::atom("committed")>;
using verified_atom = caf::atom_constant<caf::atom("verified")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using check_atom = caf::atom_constant<caf::atom("check")>;
using has_atom = caf::atom_constant<caf::atom("has")>;
using await_txs_atom = caf::atom_constant<caf::atom("awaittxs")>;
using evict_atom = caf::atom_constant<caf::atom("evict")>;

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
    caf::replies_to<verified_atom, std::vector<hash256>>::with<verified_ptr>,
    caf::reacts_to<committed_atom, block_ptr>, caf::replies_to<info_atom>::with<mempool_info>,
    caf::replies_to<list_atom>::with<std::vector<hash256>>,
    caf::replies_to<has_atom, hash256>::with<bool>,  // is this txid in the pool?
    // Answers true once the pool holds a tx (at once if it does). At most 4
    // wait: a fifth call answers the oldest false (consensus asks once per height).
    caf::replies_to<await_txs_atom>::with<bool>,
    // Txs that no longer fit the chain (the producer found them invalid at
    // the tip): they leave the pool.
    caf::reacts_to<evict_atom, std::vector<hash256>>, caf::reacts_to<trace_atom, tracer_actor>>;

// A signature checker: verifies every input signature of each prepared tx
// (txs, their txids, the outputs they spend); one verdict per tx.
using verify_atom = caf::atom_constant<caf::atom("verify")>;
using spent_lists = std::vector<std::vector<tx_output>>;
using verifier_actor = caf::typed_actor<caf::replies_to<verify_atom, tx_batch, std::vector<hash256>,
                                                        spent_lists>::with<std::vector<bool>>>;

// ---- block producer ----
using build_atom = caf::atom_constant<caf::atom("build")>;
using evidence_atom = caf::atom_constant<caf::atom("evidence")>;
using producer_actor =
    caf::typed_actor<caf::replies_to<build_atom, uint64_t, uint32_t, pubkey>::with<block_ptr>,
                     // Equivocation this node saw: put into the next blocks it builds.
                     caf::reacts_to<evidence_atom, evidence>,
                     // A committed block: its evidence need not be included again.
                     caf::reacts_to<committed_atom, block_ptr>,
                     caf::reacts_to<trace_atom, tracer_actor>>;

// ---- peers (what consensus and RPC see of the peer manager) ----
using msg_ptr = std::shared_ptr<const peer::message>;
using frame_ptr = std::shared_ptr<const bytes>;  // a framed message, shared by every session
using bcast_atom = caf::atom_constant<caf::atom("bcast")>;
using localtip_atom = caf::atom_constant<caf::atom("localtip")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
// Consensus hands the peer manager messages to gossip and its new tips.
using peer_out_actor = caf::typed_actor<caf::reacts_to<bcast_atom, msg_ptr>,
                                        caf::reacts_to<localtip_atom, uint64_t, hash256>>;

// ---- sync (catch-up from peers) ----
using peertip_atom = caf::atom_constant<caf::atom("peertip")>;
using gone_atom = caf::atom_constant<caf::atom("gone")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
struct sync_status {
  bool syncing = false;
  uint64_t local = 0, target = 0;
};
using sync_actor =
    caf::typed_actor<caf::reacts_to<peertip_atom, uint64_t, uint64_t>,  // peer id, its height
                     caf::reacts_to<gone_atom, uint64_t>,
                     caf::reacts_to<blocks_atom, uint64_t, std::vector<block_with_cert>>,
                     caf::reacts_to<localtip_atom, uint64_t, hash256>, caf::reacts_to<tick_atom>,
                     caf::replies_to<status_atom>::with<sync_status>>;

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
using wire_atom = caf::atom_constant<caf::atom("wire")>;
// A synced block: ok (committed, or already had it), retry later (not at
// that height yet), or invalid (the peer that served it is to blame).
struct sync_verdict {
  uint8_t result = 0;  // peer::apply_result
  std::string why;
};
using block_cert_ptr = std::shared_ptr<const block_with_cert>;
// A proposal or vote from a peer: the answer says whether to relay it and
// whether to blame the peer (consensus::judge_gossip).
using gossip_atom = caf::atom_constant<caf::atom("gossip")>;
using forkcheck_atom = caf::atom_constant<caf::atom("forkcheck")>;
using halt_atom = caf::atom_constant<caf::atom("halt")>;
using consensus_actor = caf::typed_actor<
    caf::reacts_to<start_atom>, caf::reacts_to<timer_atom, uint8_t, uint64_t, uint32_t>,
    caf::replies_to<gossip_atom, proposal>::with<consensus::relay_decision>,
    caf::replies_to<gossip_atom, vote>::with<consensus::relay_decision>,
    caf::reacts_to<wire_atom, peer_out_actor, sync_actor>,
    caf::replies_to<sync_atom, block_cert_ptr>::with<sync_verdict>,
    // A peer's block at a height this node already committed, fetched
    // because the peer announced another hash there: a valid certificate
    // for a different block proves a fork (ok: no fork; invalid: the
    // peer's fault).
    caf::replies_to<forkcheck_atom, block_cert_ptr>::with<sync_verdict>,
    // After a proven fork, once the evidence has been on view long enough.
    caf::reacts_to<halt_atom>, caf::replies_to<status_atom>::with<consensus_status>,
    caf::reacts_to<trace_atom, tracer_actor>>;

// ---- peer manager and sessions ----
// A session (one CAF io broker per connection, untyped) reports to the
// manager with these; the manager answers a session with
//   (go_atom, best_height)        handshake may start
//   (send_atom, frame_ptr)        write a frame
//   (punish_atom, points, why)    misbehaviour found above the session
//   (close_atom, code, reason)    send a reject, close now
struct session_open {
  peer::direction dir = peer::direction::inbound;
  std::string ip;
  std::string remote;       // ip:port of the socket
  std::string dialed_addr;  // outbound: the address we dialed
};
struct session_closed {
  std::string reason;
  uint32_t score = 0;
  bool ban = false;
  uint32_t peer_reject = 0;  // the peer closed us with this reject code (0: it did not)
};
struct peer_inbound {
  msg_ptr msg;
  frame_ptr payload;           // the payload (canonical: relayed unchanged)
  std::optional<hash256> key;  // gossip_key, for dedup (gossiped kinds only)
};
// The messages one read of a socket carried, in order: one mailbox message
// instead of one per frame.
using peer_inbound_batch = std::vector<peer_inbound>;
struct peer_status {
  uint64_t id = 0;
  std::string direction, remote;
  peer::hello hello;
  peer::session_stats stats;
};
using open_atom = caf::atom_constant<caf::atom("open")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using inbound_atom = caf::atom_constant<caf::atom("inbound")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using dialed_atom = caf::atom_constant<caf::atom("dialed")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using relay_atom = caf::atom_constant<caf::atom("relay")>;
using send_atom = caf::atom_constant<caf::atom("send")>;
using punish_atom = caf::atom_constant<caf::atom("punish")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using bans_atom = caf::atom_constant<caf::atom("bans")>;
using go_atom = caf::atom_constant<caf::atom("go")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
// Flow control: the manager returns credit for inbound messages it handled.
using credit_atom = caf::atom_constant<caf::atom("credit")>;

using peer_manager_actor = peer_out_actor::extend<
    caf::reacts_to<open_atom, caf::actor, session_open>,
    caf::reacts_to<ready_atom, caf::actor, peer::hello>,
    caf::reacts_to<closed_atom, caf::actor, session_closed>,
    caf::reacts_to<inbound_atom, caf::actor, peer_inbound>,
    caf::reacts_to<inbound_atom, caf::actor, peer_inbound_batch>,
    caf::reacts_to<stats_atom, caf::actor, peer::session_stats>,
    caf::reacts_to<dialed_atom, std::string, std::string>,  // a dial failed: address, error
    caf::reacts_to<wire_atom, consensus_actor, sync_actor>,
    // Txs accepted through RPC, to gossip.
    caf::reacts_to<relay_atom, tx_batch>,
    // Sync: a message to one peer, and blame for one.
    caf::reacts_to<send_atom, uint64_t, msg_ptr>,
    caf::reacts_to<punish_atom, uint64_t, uint32_t, std::string>, caf::reacts_to<tick_atom>,
    caf::replies_to<peers_atom>::with<std::vector<peer_status>>,
    caf::replies_to<bans_atom>::with<std::vector<stored_ban>>>;

// ---- why a node stops by itself ----
// The exit reason of an actor that found the node cannot go on safely. It
// travels the links to the supervisor, which stops with it, and timed turns
// it into its exit code (node/exit_codes.hpp), so that a service manager
// does not restart a node that must not run unattended.
enum class halt_reason : uint8_t {
  consensus_fatal = 1,  // a decided block this node's chain refuses
  fork_detected = 2,    // two valid commit certificates for one height
};
inline caf::error make_halt(halt_reason r) {
  return caf::error(static_cast<uint8_t>(r), caf::atom("halt"));
}
inline std::optional<halt_reason> halt_of(const caf::error& e) {
  if (!e || e.category() != caf::atom("halt")) return std::nullopt;
  if (e.code() < 1 || e.code() > 2) return std::nullopt;
  return static_cast<halt_reason>(e.code());
}

// ---- the node as a whole ----
// What the supervisor answers to (get_atom): the handles of its actors, for
// an embedding that drives the node directly (the whole-node simulator).
struct node_handles {
  chain_actor chain;
  mempool_actor mempool;
  producer_actor producer;
  consensus_actor consensus;
  peer_manager_actor peers;  // null when the network is off
};

}  // namespace tc

// These types only ever travel between actors of one process (peers get the
// Cap'n Proto encoding), so they need no CAF serialization.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::block_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::prepared_tx>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::tx_admission>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::spent_lists)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::verified_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::commit_certificate)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::chain_tip)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::prepared_tx)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::chain_read)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::masternode>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::tx_output>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_selection)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::pubkey)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::hash256)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::hash256>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_admission)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::mempool_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::selected_txs)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::proposal)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::vote)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::evidence)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::node_handles)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::consensus_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::trace_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::msg_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::sync_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::sync_verdict)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::consensus::relay_decision)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::block_cert_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::block_with_cert>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::session_open)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::session_closed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer_inbound)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer_inbound_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::peer_status>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::stored_ban>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer::hello)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::peer::session_stats)
