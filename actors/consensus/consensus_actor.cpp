#include "actors/consensus/consensus_actor.hpp"

#include <spdlog/spdlog.h>

#include <tuple>

#include "actors/log.hpp"
#include "messages/encoding.hpp"
#include "messages/validation.hpp"
#include "storage/chain_store.hpp"

namespace tc {

using namespace consensus;

namespace {

using self_ptr = consensus_actor::stateful_pointer<consensus_actor_state>;

std::string short_hash(const hash256& h) {
  return h.hex().substr(0, 16);
}

void run(self_ptr self, actions acts, size_t from = 0);
void note_commit(self_ptr self, const commit_certificate& cert);
void try_sync(self_ptr self);

std::string describe(const commit_certificate& c) {
  std::string signers;
  for (const auto& s : c.sigs)
    signers += (signers.empty() ? "" : ",") + short_hash(hash256::from_view(s.validator));
  return "block " + c.block_hash.hex() + " (round " + std::to_string(c.round) + ", " +
         std::to_string(c.sigs.size()) + " signatures by " + signers + ")";
}

// Two valid certificates for different blocks at one height: the node stops
// signing, deciding and relaying at once, stores the proof (it survives a
// restart, which timed then refuses), logs both certificates, leaves them on
// view (getforkevidence) for fork_linger_ms and then stops with its own exit
// status. It does not guess which branch is right: that takes people.
void halt_on_fork(self_ptr self, const fork_evidence& ev) {
  auto& st = self->state;
  if (st.halted) return;
  st.halted = true;
  spdlog::critical(
      "FORK at height {}: two valid commit certificates for different blocks. More than 1/3 of "
      "the voting power signed both, so finality no longer holds; this node stops following the "
      "chain. Certificate A: {}. Certificate B: {}. The evidence is stored in the database "
      "(getforkevidence, timed --show-fork-evidence).",
      ev.a.height, describe(ev.a), describe(ev.b));
  auto linger = [self] {
    self->delayed_send(self, std::chrono::milliseconds(self->state.fork_linger_ms),
                       halt_atom::value);
  };
  self->request<caf::message_priority::high>(st.chain, wait_bound::pipeline, persist_atom::value,
                                             std::string("fork_evidence"), encode_fork_evidence(ev))
      .then([linger](bool) { linger(); },
            [linger](caf::error& e) {
              spdlog::critical("cannot store the fork evidence ({}); it is in this log only",
                               error_text(e));
              linger();
            });
}

sync_verdict verdict(consensus::apply_result r, std::string why = {}) {
  return sync_verdict{static_cast<uint8_t>(r), std::move(why)};
}

void start_next(self_ptr self, uint64_t height, uint64_t delay_ms) {
  trace(self->state.tracer, "consensus", "chain", "validator-set", height);
  self->state.height_ready = false;
  self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                             vset_atom::value, height)
      .then([=](const std::vector<masternode>& active) {
        run(self, self->state.core->start_height(height, validator_set::from_masternodes(active),
                                                 delay_ms));
        self->state.height_ready = true;
        if (!self->state.sync_queue.empty()) try_sync(self);
      });
}

// A block the network committed, with its certificate: checked here against
// the validator set this node computed itself, then committed like our own.
// The held blocks after one that was not committed cannot be next: sent
// back (the sync offers them again once its tip moves).
void refuse_sync_queue(self_ptr self, const std::string& why) {
  for (auto& p : std::exchange(self->state.sync_queue, {}))
    p.rp.deliver(verdict(consensus::apply_result::retry, why));
}

void try_sync(self_ptr self) {
  auto& st = self->state;
  while (!st.sync_queue.empty()) {
    auto p = std::move(st.sync_queue.front());
    st.sync_queue.pop_front();
    const block_with_cert& b = *p.blk;
    if (b.cert.height < st.core->height()) {
      p.rp.deliver(verdict(consensus::apply_result::ok));
      continue;
    }
    if (b.cert.height > st.core->height()) {
      p.rp.deliver(verdict(consensus::apply_result::retry, "not at that height yet"));
      return refuse_sync_queue(self, "not at that height yet");
    }
    // The body matched its header when it was offered (offer_synced).
    actions acts = st.core->on_certificate(b.blk, b.cert);
    for (auto& a : acts)
      if (auto* r = std::get_if<rejected>(&a)) {
        p.rp.deliver(verdict(consensus::apply_result::invalid, r->reason));
        return refuse_sync_queue(self, "the block before it was refused");
      }
    if (acts.empty()) {
      p.rp.deliver(verdict(consensus::apply_result::retry, "deciding already"));
      return refuse_sync_queue(self, "deciding the height before it");
    }
    st.sync_commit = p.rp;
    st.sync_digests = std::move(p.digests);
    return run(self, std::move(acts));
  }
}

// Every tx of the block, as if its signatures were checked (trusting a
// verified commit certificate).
verified_ptr all_wtxids(const std::vector<tx_digest>& digests) {
  auto set = std::make_shared<wtxid_set>();
  set->reserve(digests.size());
  for (size_t i = 1; i < digests.size(); ++i) set->insert(digests[i].wtxid);
  return set;
}

// Asks the mempool which of the block's signatures are already verified,
// then calls `next` with that set.
template <class Next>
void with_verified(self_ptr self, const block_ptr& blk, Next next) {
  std::vector<hash256> wtxids;
  for (size_t i = 1; i < blk->txs.size(); ++i) wtxids.push_back(wtxid(blk->txs[i]));
  trace(self->state.tracer, "consensus", "mempool", "verified", blk->header.height);
  self->request<caf::message_priority::high>(self->state.mempool, wait_bound::pipeline,
                                             verified_atom::value, wtxids)
      .then(next);
}

// The synced block's digests for its connect, if `blk` is that block (the
// core decides the certified block, so it always is; the checks keep it so).
digests_ptr take_sync_digests(self_ptr self, bool synced, const block& blk,
                              const commit_certificate& cert) {
  digests_ptr d = std::exchange(self->state.sync_digests, nullptr);
  if (!synced || !d || d->size() != blk.txs.size() || cert.block_hash != block_hash(blk.header))
    return nullptr;
  return d;
}

void commit(self_ptr self, const decided& d) {
  block_ptr blk = d.blk;
  commit_certificate cert = d.cert;
  auto synced = std::exchange(self->state.sync_commit, std::nullopt);
  digests_ptr digests = take_sync_digests(self, synced.has_value(), *blk, cert);
  auto connect = [=](const verified_ptr& verified) mutable {
    trace(self->state.tracer, "consensus", "chain", "connect", cert.height, cert.round,
          short_hash(block_hash(blk->header)));
    self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                               connect_atom::value, blk, cert, verified, digests,
                                               synced.has_value())
        .then(
            [=](const std::string& err) mutable {
              auto& st = self->state;
              hash256 h = block_hash(blk->header);
              if (!err.empty() && synced) {
                // The block matched its header (checked in try_sync) and more than
                // 2/3 of the power certified it, so a refusal here is ours (clock,
                // disk), not the peer's: start the height over and let sync retry.
                spdlog::error(
                    "certified block {} at height {} refused by this node's chain: {} (check the "
                    "clock and the database); retrying",
                    short_hash(h), cert.height, err);
                (void)synced->deliver(verdict(consensus::apply_result::retry, err));
                return start_next(self, cert.height, 0);
              }
              if (!err.empty()) {
                // A decided block that our chain refuses means this node's state
                // diverged from the quorum's: stop rather than guess, and with a
                // code that tells the service manager not to restart blindly.
                spdlog::critical(
                    "FATAL: decided block {} at height {} (round {}) was refused by this node's "
                    "chain: "
                    "{}. This node's state differs from the quorum's; it stops and must not be "
                    "restarted before the database is checked (timed --reindex) or re-synced.",
                    h.hex(), cert.height, cert.round, err);
                return self->quit(make_halt(halt_reason::consensus_fatal));
              }
              if (st.halted) return;  // a fork was proven meanwhile: follow no further
              spdlog::info("✅ Block {} committed at height {} ({} txs, round {}, {} signatures)",
                           short_hash(h), cert.height, blk->txs.size() - 1, cert.round,
                           cert.sigs.size());
              spdlog::info("✓ Block {} finalized at height {}{}", short_hash(h), cert.height,
                           synced ? " (synced from peers)" : "");
              if (synced) (void)synced->deliver(verdict(consensus::apply_result::ok));
              note_commit(self, cert);
              if (st.peers) {
                self->send(st.peers, localtip_atom::value, cert.height, h);
                self->send(st.peers, committed_atom::value, blk);
              }
              if (st.sync) self->send(st.sync, localtip_atom::value, cert.height, h);
              st.last_cert = cert;
              st.last_commit_ms = st.now_ms();
              trace(st.tracer, "consensus", "mempool", "committed", cert.height, cert.round);
              self->send<caf::message_priority::high>(st.mempool, committed_atom::value, blk);
              self->send(st.producer, committed_atom::value, blk);
              start_next(self, cert.height + 1,
                         next_height_delay_ms(blk->header.timestamp_ms, st.now_ms(),
                                              st.cfg.block_interval_ms));
            },
            [=](caf::error& e) {
              // No answer within wait_bound::pipeline: whether the block is on
              // disk is unknown, so going on could sign on top of a block this
              // node does not have. Stop, and say where to look.
              spdlog::critical(
                  "the chain did not commit decided block {} at height {} within {} s ({}): the "
                  "database or its disk is stuck or far too slow; stopping. At the next start the "
                  "store shows whether the block is in.",
                  short_hash(block_hash(blk->header)), cert.height, wait_bound::pipeline.count(),
                  error_text(e));
              self->quit(e);
            });
  };
  if (blk == std::exchange(self->state.last_checked, nullptr))
    connect(std::make_shared<const wtxid_set>());
  else if (synced && self->state.trust_synced)
    connect(all_wtxids(digests ? *digests : digest_txs(blk->txs)));  // cert checked in try_sync
  else
    with_verified(self, blk, connect);
}

// What the actor does with each of the core's actions. One overload per
// action type (visit_action): each returns false when the rest of the batch
// waits for an answer (the persisted record), true to go on.
// The mempool answers once it holds a tx; a question from a height long
// past may be answered false (the mempool keeps a few).
void await_txs_of(self_ptr self, uint64_t h) {
  self->request(self->state.mempool, wait_bound::pipeline, await_txs_atom::value)
      .then(
          [=](bool available) {
            if (available) run(self, self->state.core->on_txs_available(h));
          },
          [=](caf::error& e) {
            // An idle chain waits longer than any bound: ask again while
            // this height still waits. Any other error: the mempool is gone
            // (shutdown).
            if (e == caf::sec::request_timeout && self->state.core->height() == h)
              await_txs_of(self, h);
          });
}

struct action_runner {
  self_ptr self;
  actions& acts;
  size_t i;

  bool operator()(const persist_signed& x) {
    auto& st = self->state;
    // Nothing else happens until the record is durable: await blocks this
    // actor's mailbox, and the broadcast that follows waits too. Of several
    // records in one batch only the last is written (one fsync): it is the
    // latest, and the core refuses to sign anything before its record, so
    // it guards the earlier signatures as well.
    auto key = [](const signed_record& r) { return std::tie(r.height, r.round, r.stage); };
    if (st.durable_record && key(x.record) <= key(*st.durable_record)) return true;
    signed_record rec = x.record;
    for (size_t j = i + 1; j < acts.size(); ++j)
      if (auto* y = std::get_if<persist_signed>(&acts[j])) rec = y->record;
    trace(st.tracer, "consensus", "chain", "persist-signed", rec.height, rec.round,
          step_name(rec.stage));
    auto self = this->self;
    auto rest = acts;
    size_t next = i + 1;
    self->request<caf::message_priority::high>(st.guard, wait_bound::pipeline, guard_atom::value,
                                               encode_signed_record(rec))
        .await(
            [=](bool) {
              self->state.durable_record = rec;
              self->state.metrics->last_signed_height.set(static_cast<int64_t>(rec.height));
              run(self, rest, next);
            },
            [=](caf::error& e) {
              spdlog::critical("cannot persist the signed-vote record ({}); stopping to stay safe",
                               error_text(e));
              // A failure, not a clean stop: the node exits 1, so a service
              // manager sees it failed (user_shutdown exited 0).
              self->quit(std::move(e));
            });
    return false;
  }

  bool operator()(const broadcast_proposal& x) {
    auto& st = self->state;
    std::string block = short_hash(block_hash(x.p.blk->header));
    if (st.tracer)
      trace(st.tracer, "consensus", "peers", x.repeat ? "proposal (again)" : "proposal", x.p.height,
            x.p.round, block + " id=" + trace_id(x.p));
    if (x.repeat)
      TC_LOG("consensus", debug, "proposal h={} r={} {} sent again", x.p.height, x.p.round, block);
    else
      spdlog::info("✓ Block {} proposed at height {}", block, x.p.height);
    if (st.peers)
      self->send(st.peers, bcast_atom::value, std::make_shared<const peer::message>(x.p));
    return true;
  }

  bool operator()(const broadcast_vote& x) {
    auto& st = self->state;
    const char* kind = x.v.type == vote_type::prevote ? "prevote" : "precommit";
    std::string target = x.v.is_nil() ? "nil" : short_hash(x.v.block_hash);
    if (st.tracer)
      trace(st.tracer, "consensus", "peers", kind, x.v.height, x.v.round,
            target + " id=" + trace_id(x.v));
    TC_LOG("consensus", debug, "{} h={} r={} {}", kind, x.v.height, x.v.round, target);
    if (st.peers)
      self->send(st.peers, bcast_atom::value,
                 x.v.type == vote_type::prevote
                     ? std::make_shared<const peer::message>(peer::prevote{x.v})
                     : std::make_shared<const peer::message>(peer::precommit{x.v}));
    return true;
  }

  bool operator()(const schedule_timeout& x) {
    self->delayed_send(self, std::chrono::milliseconds(x.delay_ms), timer_atom::value,
                       static_cast<uint8_t>(x.kind), x.height, x.round);
    return true;
  }

  bool operator()(const request_block& x) {
    auto self = this->self;
    uint64_t h = x.height;
    uint32_t r = x.round;
    trace(self->state.tracer, "consensus", "producer", "build", h, r);
    self->request<caf::message_priority::high>(self->state.producer, wait_bound::pipeline,
                                               build_atom::value, h, r, self->state.signer->key())
        .then([=](const block_ptr& blk) {
          self->state.last_checked = blk;  // the producer had the chain validate it
          run(self, self->state.core->on_block_built(h, r, blk));
        });
    return true;
  }

  bool operator()(const request_validation& x) {
    auto self = this->self;
    block_ptr blk = x.blk;
    hash256 h = x.hash;
    trace(self->state.tracer, "consensus", "chain", "validate", blk->header.height, 0,
          short_hash(h));
    with_verified(self, blk, [=](const verified_ptr& verified) {
      self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                                 validate_atom::value, blk, verified)
          .then([=](const std::string& err) {
            if (!err.empty())
              spdlog::warn("proposed block {} is invalid: {}", short_hash(h), err);
            else
              self->state.last_checked = blk;
            run(self, self->state.core->on_block_validated(h, err.empty()));
          });
    });
    return true;
  }

  bool operator()(const decided& x) {
    commit(self, x);
    return true;
  }

  bool operator()(const found_evidence& x) {
    spdlog::warn("⚠ Equivocation by {} at height {} round {}: evidence goes into the next block",
                 x.e.a.validator.hex().substr(0, 16), x.e.a.height, x.e.a.round);
    self->send(self->state.producer, evidence_atom::value, x.e);
    return true;
  }

  bool operator()(const peer_behind& x) {
    // Nothing to send from here: the peer manager re-announces this node's
    // tip to every peer while it stands still, and a peer behind fetches
    // the blocks it lacks through its own sync actor (getBlocks).
    TC_LOG("consensus", debug, "input from a peer still at height {}", x.height);
    return true;
  }

  bool operator()(const await_txs& x) {
    trace(self->state.tracer, "consensus", "mempool", "await-txs", x.height);
    await_txs_of(self, x.height);
    return true;
  }

  bool operator()(const skip_production& x) {
    spdlog::warn("Skipping block production: only {} masternodes active (minimum {} required)",
                 x.active, x.minimum);
    return true;
  }

  bool operator()(const fork_proven& x) {
    halt_on_fork(self, fork_evidence{x.decided, x.other});
    return true;
  }

  bool operator()(const refused_to_sign& x) {
    spdlog::error(
        "refused to sign height {} round {}: conflicts with the persisted record "
        "(height {} round {})",
        x.wanted.height, x.wanted.round, x.last.height, x.last.round);
    return true;
  }

  bool operator()(const rejected& x) {
    TC_LOG("consensus", debug, "consensus input rejected: {}", x.reason);
    return true;
  }
};

// The round gauge, failed rounds and when this height started (for the
// time-to-finality histogram): run() follows every core call.
void note_progress(self_ptr self) {
  auto& st = self->state;
  auto& m = *st.metrics;
  uint64_t h = st.core->height();
  uint32_t r = st.core->round();
  if (h != st.seen_height) {
    st.seen_height = h;
    st.seen_round = r;
    st.height_started_us = m.now_us();
  } else if (r > st.seen_round) {
    m.rounds_total.inc(r - st.seen_round);
    st.seen_round = r;
  }
  m.round.set(r);
}

// Whether this validator's precommit made it into a committed block.
void note_commit(self_ptr self, const commit_certificate& cert) {
  auto& st = self->state;
  auto& m = *st.metrics;
  if (st.seen_height == cert.height) m.finality.observe_us(m.now_us() - st.height_started_us);
  if (!st.signer || !st.core->validators().index_of(st.signer->key())) return;
  bool signed_it = std::any_of(cert.sigs.begin(), cert.sigs.end(),
                               [&](const auto& s) { return s.validator == st.signer->key(); });
  (signed_it ? m.signed_blocks_total : m.missed_blocks_total).inc();
}

void run(self_ptr self, actions acts, size_t from) {
  if (from == 0) note_progress(self);
  for (size_t i = from; i < acts.size(); ++i) {
    if (self->state.halted) return;  // a proven fork: nothing more leaves this node
    if (!visit_action(action_runner{self, acts, i}, acts[i])) return;
  }
}

// A block a peer serves for a height this node committed, after the peer
// announced another hash there: its certificate, checked against the set
// of that height, either names our block (no fork), is invalid (the peer's
// fault) or proves a fork.
caf::result<sync_verdict> check_peer_fork(self_ptr self, const block_cert_ptr& b) {
  auto& st = self->state;
  const commit_certificate& theirs = b->cert;
  uint64_t h = theirs.height;
  if (b->blk.header.height != h || theirs.block_hash != block_hash(b->blk.header))
    return verdict(consensus::apply_result::invalid, "certificate does not name the block");
  if (h == 0 || h >= st.core->height() || st.halted)
    return verdict(consensus::apply_result::ok, "not a height this node committed");
  auto ours = std::make_shared<std::optional<commit_certificate>>();
  auto rp = self->make_response_promise<sync_verdict>();
  chain_read read_ours = [ours, h](chain_store& cs) {
    auto c = cs.get_certificate(h);
    if (c) *ours = std::move(c).value();
  };
  auto unanswered = [rp](caf::error& e) mutable {
    rp.deliver(verdict(consensus::apply_result::retry, error_text(e)));
  };
  self->request(st.chain, wait_bound::pipeline, read_atom::value, read_ours)
      .then(
          [=](bool) mutable {
            self->request(self->state.chain, wait_bound::pipeline, vset_atom::value, h)
                .then(
                    [=](const std::vector<masternode>& active) mutable {
                      auto& st = self->state;
                      auto ok = verify_certificate(
                          st.domain, theirs, validator_set::from_masternodes(active), *st.verifier);
                      if (!ok) {
                        rp.deliver(verdict(consensus::apply_result::invalid,
                                           "certificate at height " + std::to_string(h) + ": " +
                                               ok.error_message()));
                        return;
                      }
                      if (*ours && conflicting(**ours, theirs))
                        halt_on_fork(self, fork_evidence{**ours, theirs});
                      rp.deliver(verdict(consensus::apply_result::ok));
                    },
                    unanswered);
          },
          unanswered);
  return rp;
}

// A block the network committed, offered by the sync actor: checked and
// committed now, held until its height starts, or sent back to retry.
caf::result<sync_verdict> offer_synced(self_ptr self, const block_cert_ptr& b,
                                       digests_ptr digests) {
  auto& st = self->state;
  uint64_t h = b->cert.height;
  TC_LOG("consensus", debug,
         "consensus: synced block {} offered at height {} (ready {}, held {}, committing {})", h,
         st.core->height(), st.height_ready, st.sync_queue.size(), st.sync_commit.has_value());
  if (st.halted) return verdict(consensus::apply_result::retry, "halted: a fork was proven");
  if (h < st.core->height()) return verdict(consensus::apply_result::ok, "already committed");
  // Which height can be held next: the one being decided, or while a block
  // commits the one after it, or after the last one held. Holding them
  // spares the sync a retry pause per block and has the next block at hand
  // when a commit ends.
  bool committing = st.core->current_step() == consensus::step::commit;
  uint64_t next = st.sync_queue.empty() ? st.core->height() + (committing ? 1 : 0)
                                        : st.sync_queue.back().blk->cert.height + 1;
  if (h != next || st.sync_queue.size() >= consensus_actor_state::max_sync_queue)
    return verdict(consensus::apply_result::retry, "not at that height yet");
  // A body that does not match its header is the serving peer's fault (the
  // certificate only covers the header). The sync actor hashes and checks
  // it before it offers, off this actor's path; the connect then takes the
  // digests instead of hashing every tx again.
  if (!digests || digests->size() != b->blk.txs.size()) {
    digests = std::make_shared<const std::vector<tx_digest>>(digest_txs(b->blk.txs));
    if (auto s = check_block_stateless(b->blk, digests.get()); !s)
      return verdict(consensus::apply_result::invalid, s.error_message());
  }
  auto rp = self->make_response_promise<sync_verdict>();
  st.sync_queue.push_back(consensus_actor_state::pending_sync{b, rp, std::move(digests)});
  if (st.height_ready && !committing && st.sync_queue.size() == 1) try_sync(self);
  return rp;
}

// Whether a block the sync holds ahead of its turn deserves an early check
// of its txs' signatures: its body matches its header and its certificate
// verifies against the current validator set. A peer with no validator key
// cannot make this true, so it cannot make the node check a junk block's
// signatures before the certificate that would have refused it. A set that
// changes before the block's height costs only the early check: at its turn
// the block is checked against its own height's set. The certificate's
// signatures stay in the cached verifier for that second look.
bool precheck(self_ptr self, const block_with_cert& b) {
  auto& st = self->state;
  if (st.halted || b.cert.height != b.blk.header.height ||
      b.cert.block_hash != block_hash(b.blk.header))
    return false;
  if (!check_block_stateless(b.blk)) return false;
  return static_cast<bool>(
      verify_certificate(st.domain, b.cert, st.core->validators(), *st.verifier));
}

consensus_status status_of(self_ptr self) {
  auto& st = self->state;
  consensus_status s;
  s.height = st.core->height();
  s.round = st.core->round();
  s.step = step_name(st.core->current_step());
  s.validators = st.core->validators().size();
  s.total_power = st.core->validators().total_power();
  s.is_validator = st.signer && st.core->validators().index_of(st.signer->key()).has_value();
  s.last_certificate = st.last_cert;
  s.last_commit_ms = st.last_commit_ms;
  s.halted = st.halted;
  if (st.halted) s.step = "halted (fork)";
  return s;
}

}  // namespace

consensus_actor_state::~consensus_actor_state() {
  if (core)
    spdlog::info("🛑 Consensus stopped at height {} round {}", core->height(), core->round());
}

consensus_actor::behavior_type consensus_impl(self_ptr self, consensus_setup setup,
                                              chain_actor chain, mempool_actor mempool,
                                              producer_actor producer, sign_guard_actor guard,
                                              std::function<uint64_t()> now_ms) {
  auto& st = self->state;
  st.guard = std::move(guard);
  st.domain = setup.domain;
  st.cfg = setup.cfg;
  st.chain = std::move(chain);
  st.mempool = std::move(mempool);
  st.producer = std::move(producer);
  st.now_ms = std::move(now_ms);
  st.durable_record = setup.persisted;
  st.verifier = std::make_unique<cached_verifier>(200'000);
  if (setup.key)
    st.signer = std::make_unique<key_signer>(*setup.key, setup.deterministic_signatures);
  st.fork_linger_ms = setup.fork_linger_ms;
  st.trust_synced = setup.trust_synced_certificates;
  st.core = std::make_unique<core>(st.domain, st.cfg, st.signer.get(), st.verifier.get(),
                                   setup.persisted);
  return {
      [self](start_atom) {
        self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                                   tip_atom::value)
            .then([=](const chain_tip& t) { start_next(self, t.height + 1, 0); });
      },
      [self](timer_atom, uint8_t kind, uint64_t height, uint32_t round) {
        if (kind > static_cast<uint8_t>(timeout_kind::resend) || self->state.halted) return;
        run(self, self->state.core->on_timeout(static_cast<timeout_kind>(kind), height, round));
      },
      [self](gossip_atom, const proposal& p) {
        if (self->state.halted) return relay_decision{false, 0, "halted"};
        auto acts = self->state.core->on_proposal(p);
        auto d = judge_gossip(acts);
        run(self, std::move(acts));
        return d;
      },
      [self](wire_atom, const gossip_out_actor& peers, const tip_listener_actor& sync) {
        self->state.peers = peers;
        self->state.sync = sync;
      },
      [self](sync_atom, const block_cert_ptr& b, const digests_ptr& d)
          -> caf::result<sync_verdict> { return offer_synced(self, b, d); },
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
      [self](metrics_atom, const metrics::metrics_ptr& m) { self->state.metrics = m; },
      [self](gossip_atom, const vote& v) {
        if (self->state.halted) return relay_decision{false, 0, "halted"};
        auto acts = self->state.core->on_vote(v);
        auto d = judge_gossip(acts);
        run(self, std::move(acts));
        return d;
      },
      [self](status_atom) { return status_of(self); },
      [self](precheck_atom, const block_cert_ptr& b) { return precheck(self, *b); },
      [self](forkcheck_atom, const block_cert_ptr& b) -> caf::result<sync_verdict> {
        return check_peer_fork(self, b);
      },
      [self](halt_atom) {
        spdlog::critical("stopping: a fork was proven (exit status 6)");
        self->quit(make_halt(halt_reason::fork_detected));
      },
  };
}

}  // namespace tc
