#pragma once
// The BFT consensus state machine for one node (Tendermint-style: propose,
// prevote, precommit with locking). Pure: no clock, no sockets, no actor
// framework. Inputs arrive through on_* and start_height; every decision
// leaves as an action for the shell (actor or simulator) to execute in order.
//
// Rules follow "The latest gossip on BFT consensus" (Buchman, Kwon,
// Milosevic, 2018) with voting power: a quorum is > 2/3 of the power, a
// round skip needs > 1/3.

#include <map>
#include <memory>
#include <set>
#include <variant>

#include "actors/consensus/validator_set.hpp"

namespace tc::consensus {

enum class step : uint8_t { propose = 0, prevote = 1, precommit = 2, commit = 3 };
const char* step_name(step s);
// empty_wait ends the pause an idle network takes before an empty block;
// resend repeats this node's votes of a round that is taking long.
enum class timeout_kind : uint8_t { new_height, propose, prevote, precommit, empty_wait, resend };
const char* timeout_name(timeout_kind k);

struct consensus_config {
  uint64_t block_interval_ms = 1000;  // target time between block timestamps
  // With no transaction waiting, round 0 of a height starts this long after
  // the previous block instead of block_interval_ms (an idle network makes
  // fewer empty blocks). A transaction, or a proposal or vote from a node
  // that already started the height, starts it at once. 0 or a value not
  // above block_interval_ms: no pause.
  uint64_t empty_block_interval_ms = 0;
  uint64_t propose_timeout_ms = 3000;
  uint64_t propose_timeout_delta_ms = 500;  // added per round
  // The propose timeout for a proposer that missed its last turn (no
  // proposal of it arrived before our timeout) until one of its proposals
  // arrives again: a crashed or banned validator then costs each of its
  // turns this, not the full timeout. Capped at propose_timeout_ms.
  uint64_t missed_propose_timeout_ms = 500;
  uint64_t prevote_timeout_ms = 1000;
  uint64_t prevote_timeout_delta_ms = 500;
  uint64_t precommit_timeout_ms = 1000;
  uint64_t precommit_timeout_delta_ms = 500;
  // While a round waits for votes, this node sends its own votes of that
  // round again at this interval (0: never). A lost vote is otherwise sent
  // again only when the precommit timeout ends the round, which is when the
  // others' prevote timeouts fire too: too late to count, in every round,
  // however long the rounds grow. Resending inside the round makes a longer
  // round a likelier one to finish on links that drop messages. A proposer
  // sends its proposal again with them while some validator has not
  // prevoted it.
  uint64_t vote_resend_ms = 1000;
  uint32_t min_validators = 1;
  uint32_t max_future_rounds = 64;  // votes further ahead are dropped
  // Messages kept for height + 1: at least 8 per validator, whatever this
  // says; proposals only for its first max_buffered_next_rounds rounds.
  size_t max_buffered_next = 4096;
  uint32_t max_buffered_next_rounds = 4;
};

// How long after committing a block stamped `block_timestamp_ms` the next
// height waits: the interval is the target time between block starts, so the
// time spent building, voting and writing counts toward it (a node that
// needs longer than the interval starts the next height at once). A stamp
// from a peer's clock ahead of ours never makes the wait longer than one
// interval.
uint64_t next_height_delay_ms(uint64_t block_timestamp_ms, uint64_t now_ms, uint64_t interval_ms);

// What this node last signed, and the lock it held then. Persisted before
// the signature leaves the node; after a restart the core never signs
// anything at or below it that conflicts with it, and keeps the lock: a
// validator that precommitted a block and forgot it on restart could
// prevote another in a later round, which counts against the Byzantine
// budget like any amnesia.
struct signed_record {
  uint64_t height = 0;
  uint32_t round = 0;
  step stage = step::propose;  // propose, prevote or precommit
  hash256 block_hash;
  int64_t locked_round = -1;  // at `height`; -1: no lock
  hash256 locked_hash;
  friend bool operator==(const signed_record& a, const signed_record& b) {
    return a.height == b.height && a.round == b.round && a.stage == b.stage &&
           a.block_hash == b.block_hash && a.locked_round == b.locked_round &&
           a.locked_hash == b.locked_hash;
  }
};
bytes encode_signed_record(const signed_record& r);
result<signed_record> decode_signed_record(byte_view b);

// Proof of a fork, as stored in the node state ("fork_evidence") and
// served by getforkevidence: two certificates for one height, different
// blocks, each valid for that height's validator set.
struct fork_evidence {
  commit_certificate a, b;
};
bytes encode_fork_evidence(const fork_evidence& f);
result<fork_evidence> decode_fork_evidence(byte_view b);
// Both certificates name one height and different blocks (signatures are
// checked where the validator set is known).
bool conflicting(const commit_certificate& a, const commit_certificate& b);

// ---- actions ----
struct persist_signed {  // must be durable before the next broadcast leaves
  signed_record record;
};
struct broadcast_proposal {
  proposal p;
  bool repeat = false;  // sent before (a re-send while the round waits)
};
struct broadcast_vote {
  vote v;
};
struct schedule_timeout {
  timeout_kind kind;
  uint64_t height;
  uint32_t round;
  uint64_t delay_ms;
};
struct request_block {  // build a block for this proposal slot; answer on_block_built
  uint64_t height;
  uint32_t round;
};
struct request_validation {  // validate against the chain; answer on_block_validated
  block_ptr blk;
  hash256 hash;
};
struct decided {
  block_ptr blk;
  commit_certificate cert;
};
struct found_evidence {
  evidence e;
};
struct peer_behind {  // the input came from a node still at `height`
  uint64_t height;
};
struct await_txs {  // call on_txs_available(height) once the mempool holds a tx
  uint64_t height;
};
struct skip_production {  // below min_validators: no proposal this round
  uint32_t active;
  uint32_t minimum;
};
struct rejected {  // input refused; not relayed
  std::string reason;
  // Wrong whatever the receiver's state (a broken signature, a block for
  // another height): honest nodes relay only what they accepted, so the peer
  // that sent it is to blame. Set-dependent refusals (not a validator, not
  // the round's proposer) are not faults: a relay checked a next-height
  // message against the set before a registration changed it.
  bool fault = false;
  // Refused for now only (a height or round this node has not reached, a
  // full next-height share): the same message may be accepted later, so the
  // peer layer must not remember it as seen (honest nodes re-send lost
  // votes; a copy dropped as "seen" would make the re-send useless).
  bool later = false;
};
struct refused_to_sign {  // would conflict with the persisted signed record
  signed_record wanted;
  signed_record last;
};
// Two valid commit certificates for different blocks at one height: more
// than 1/3 of the power signed both, so BFT's assumption is broken and the
// chain may have forked. The shell must stop following the chain.
struct fork_proven {
  commit_certificate decided;  // the one this node went by
  commit_certificate other;
};
using action = std::variant<persist_signed, broadcast_proposal, broadcast_vote, schedule_timeout,
                            request_block, request_validation, decided, found_evidence, peer_behind,
                            await_txs, skip_production, rejected, refused_to_sign, fork_proven>;
using actions = std::vector<action>;

// How every driver of the core (the consensus actor, consensus-sim) hands
// on an action: to a visitor with one overload per action type. std::visit
// does not compile unless every alternative is handled, so a new action
// cannot be dropped silently by one driver. Give visitors no catch-all
// overload: an action a driver has nothing to do with is handled with a
// comment that says why.
template <class Visitor>
decltype(auto) visit_action(Visitor&& v, action& a) {
  return std::visit(std::forward<Visitor>(v), a);
}

// Whether a proposal or vote from a peer goes on to the other peers, read from
// what the core made of it: only accepted input for the current height (or
// checked input buffered for the next) is relayed, so a forged or stale
// message stops at the first honest node. `penalty` > 0 blames the sender.
struct relay_decision {
  bool relay = true;
  uint32_t penalty = 0;
  std::string why;
  bool later = false;  // refused for now only: do not remember it as seen
};
relay_decision judge_gossip(const actions& acts);

class core {
 public:
  // `me` may be null (an observer that follows but never signs). `persisted`
  // is the signed record from storage, if any.
  core(sign_domain domain, consensus_config cfg, signer* me, sig_verifier* verifier,
       std::optional<signed_record> persisted = std::nullopt);

  // Begins `height` with its validator set; round 0 starts after `delay_ms`
  // (normally the block interval; 0 starts at once). Replays buffered messages.
  actions start_height(uint64_t height, validator_set set, uint64_t delay_ms);

  actions on_proposal(const proposal& p);
  actions on_vote(const vote& v);
  actions on_timeout(timeout_kind kind, uint64_t height, uint32_t round);
  // The mempool holds a transaction (answer to await_txs for `height`).
  actions on_txs_available(uint64_t height);
  // `b` is kept as is (not copied): the shell's later commit of this block
  // object can reuse what validating it found.
  actions on_block_built(uint64_t height, uint32_t round, block_ptr b);
  actions on_block_validated(const hash256& block_hash, bool valid);
  // Catch-up: a block with a certificate for the current height.
  actions on_certificate(const block& b, const commit_certificate& cert);

  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  step current_step() const { return step_; }
  const validator_set& validators() const { return set_; }
  std::optional<std::pair<hash256, uint32_t>> locked() const;
  const std::optional<signed_record>& last_signed() const { return last_signed_; }
  // The certificate of the last decided height, for peers that are behind.
  const std::optional<decided>& last_decision() const { return last_decision_; }

 private:
  // Votes of one round and type. An equivocator's conflicting votes each
  // count toward their own block's tally (as in the paper's message
  // counting; safety needs only that honest validators vote once), so a
  // proof of lock stays checkable by nodes that first saw the other vote.
  // Per validator at most max_conflicting votes are kept, plus any for a
  // block some proposal names.
  struct vote_tally {
    std::map<size_t, std::vector<vote>> by_validator;  // [0] = first seen
    std::map<hash256, uint64_t> power_by_hash;         // zero hash = nil
    uint64_t power = 0;                                // each validator once
  };
  static constexpr size_t max_conflicting = 4;
  struct round_state {
    std::optional<proposal> prop;
    hash256 prop_hash;
    vote_tally prevotes, precommits;
    bool prevote_timer = false, precommit_timer = false, polka_acted = false;
    bool resend_timer = false;
  };

  // A message for another height: buffered (next height), a catch-up hint
  // (the sender is behind) or rejected.
  actions other_height(uint64_t height, std::variant<proposal, vote> msg);
  void evaluate(actions& out);
  bool try_commit(actions& out);
  void start_round(uint32_t r, actions& out);
  void arm_timer(timeout_kind k, actions& out);  // once per round and kind
  void resend_proof_of_lock(actions& out);
  void send_polka(uint32_t round, const hash256& h, actions& out);  // its prevotes for h
  void resend_own_messages(actions& out);
  void arm_resend(actions& out);
  void adopt_late_polka();
  void do_prevote(const hash256& h, actions& out);
  void do_precommit(const hash256& h, actions& out);
  void sign_and_send_vote(vote_type t, const hash256& h, actions& out);
  bool may_sign(const signed_record& rec, actions& out);
  // The signature checks, shared by current-height input and the next
  // height's buffer (the shell's verifier caches results, so a buffered
  // message is not verified twice).
  bool signed_by_proposer(const proposal& p, const hash256& block_hash) const;
  const char* next_height_proposal_refused(const proposal& p) const;
  static void drop_repeated_votes(actions& out, size_t first);
  bool heard_nobody_else(const round_state& rs) const;
  bool signed_by_validator(const vote& v) const;
  void add_vote(const vote& v, bool verified, actions& out);
  void decide(uint32_t r, const hash256& h, block_ptr blk, actions& out);
  commit_certificate certificate(uint32_t r, const hash256& h);
  // After deciding: a precommit quorum for another block is a fork proof.
  void check_fork(actions& out);
  // on_proposal once the proposal is known to carry a block.
  actions accept_proposal(const proposal& p);
  enum class verdict : uint8_t { unknown, invalid, valid };
  verdict validity(const hash256& h) const;
  // The body that validation accepted for `h`; null while it is unknown or
  // refused. Only this body is ever locked on, re-proposed or decided.
  block_ptr validated_block(const hash256& h) const;
  bool proposed_somewhere(const hash256& h) const { return checked_.count(h) > 0; }
  uint64_t timeout_ms(timeout_kind k, uint32_t r) const;
  uint32_t first_round() const;
  bool am_validator() const;
  bool pacing() const { return cfg_.empty_block_interval_ms > cfg_.block_interval_ms; }
  // Ends the idle pause: a tx arrived or another node started the height.
  void end_pause(actions& out);

  sign_domain domain_;
  consensus_config cfg_;
  signer* me_;
  sig_verifier* verifier_;
  std::optional<signed_record> last_signed_;

  uint64_t height_ = 0;
  validator_set set_;
  bool started_ = false;
  bool txs_waiting_ = false;  // the mempool said it holds a tx (this height)
  bool paused_ = false;       // idle: round 0 waits for a tx or empty_wait
  bool decided_ = false;
  bool fork_reported_ = false;
  uint32_t round_ = 0;
  step step_ = step::propose;
  bool proposed_this_round_ = false;
  hash256 locked_hash_;
  int64_t locked_round_ = -1;
  block_ptr locked_block_;
  hash256 valid_hash_;
  int64_t valid_round_ = -1;
  block_ptr valid_block_;
  std::map<uint32_t, round_state> rounds_;
  // Per block hash: the one body sent to validation (the first proposal
  // seen for that hash, or our own block) and the verdict, once known.
  // Validity belongs to that exact body: another body under the same hash
  // (which the peer layer's header check should already have refused) can
  // never be decided.
  struct checked_block {
    block_ptr blk;
    verdict valid = verdict::unknown;
  };
  std::map<hash256, checked_block> checked_;
  std::vector<std::variant<proposal, vote>> next_height_;
  std::map<pubkey, size_t> next_height_share_;  // buffered per validator
  std::set<pubkey> missed_turn_;  // proposers whose last turn passed without a proposal
  std::optional<decided> last_decision_;
};

}  // namespace tc::consensus
