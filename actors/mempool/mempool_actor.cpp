#include "actors/mempool/mempool_actor.hpp"

#include "actors/log.hpp"
#include "actors/mempool/admission.hpp"
#include "crypto/thread_priority.hpp"
#include "messages/limits.hpp"
#include "messages/validation.hpp"
#include "storage/chain_store.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace tc {

verifier_actor::behavior_type verifier_impl(verifier_actor::pointer, sign_domain domain) {
  auto keys = std::make_shared<verifier_with_key_cache>();  // this verifier's own
  return {[domain, keys](verify_atom, const tx_batch& txs, const std::vector<hash256>& ids,
                         const spent_lists& spent) {
    run_in_background();
    std::vector<bool> ok(txs.size(), false);
    for (size_t t = 0; t < txs.size() && t < ids.size() && t < spent.size(); ++t) {
      const auto& tx = *txs[t];
      if (spent[t].size() != tx.inputs.size()) continue;
      bool good = true;
      for (size_t i = 0; i < spent[t].size() && good; ++i)
        good = keys->verify(spent[t][i].owner,
                            tx_sighash(domain, ids[t], static_cast<uint32_t>(i), spent[t][i]),
                            tx.inputs[i].sig);
      ok[t] = good;
    }
    return ok;
  }};
}

namespace {

using self_ptr = mempool_actor::stateful_pointer<mempool_actor_state>;
using verdicts = std::vector<tx_admission>;

// The spends of every block committed after generation `since`, or nullopt
// when one of them is no longer kept or changed the registry (then only
// asking the chain again gives a sound answer).
std::optional<std::vector<std::shared_ptr<const mempool_actor_state::spent_set>>> spends_since(
    const mempool_actor_state& st, uint64_t since) {
  std::vector<std::shared_ptr<const mempool_actor_state::spent_set>> out;
  for (const auto& [gen, set] : st.recent_spends)
    if (gen > since) {
      if (!set) return std::nullopt;
      out.push_back(set);
    }
  if (out.size() != st.generation - since) return std::nullopt;
  return out;
}

// Signature work for plain transfers, split across the verifiers; `finish`
// gets one flag per prepared tx once all have answered, and a verifier that
// failed marks its txs in `unchecked` (not checked, rather than invalid).
void verify_prepared(self_ptr self, const tx_batch& txs, const std::vector<tx_digest>& digests,
                     const std::vector<size_t>& cand, const std::vector<prepared_tx>& preps,
                     std::shared_ptr<std::vector<bool>> unchecked,
                     std::function<void(const std::vector<bool>&)> finish) {
  auto& st = self->state;
  std::vector<size_t> need;
  uint64_t reused = 0;
  for (size_t k = 0; k < preps.size(); ++k) {
    if (!preps[k].error.empty() || preps[k].needs_full_check) continue;
    // Checked ahead of a synced block while this copy waited (the wtxid
    // commits to the signatures and to the outpoints, whose outputs never
    // change): a laggard gets many such txs, and checking them twice is
    // what kept it behind.
    if (st.core.verified(digests[cand[k]].wtxid))
      ++reused;
    else
      need.push_back(k);
  }
  st.metrics->sig_reused_txs_total.inc(reused);
  st.metrics->sig_checked_txs_total.inc(need.size());
  if (need.empty()) return finish(std::vector<bool>(preps.size(), true));
  size_t chunks = std::min(st.verifiers.size(), need.size());
  auto pending = std::make_shared<size_t>(chunks);
  auto ok = std::make_shared<std::vector<bool>>(preps.size(), true);
  for (size_t c = 0; c < chunks; ++c) {
    std::vector<size_t> slice;
    for (size_t j = c; j < need.size(); j += chunks) slice.push_back(need[j]);
    tx_batch vt;
    std::vector<hash256> ids;
    spent_lists spent;
    for (size_t k : slice) {
      vt.push_back(txs[cand[k]]);
      ids.push_back(digests[cand[k]].txid);
      spent.push_back(preps[k].spent);
    }
    trace(st.tracer, "mempool", "verifier", "verify", 0, 0, std::to_string(slice.size()) + " txs");
    auto on_result = [=](const std::vector<bool>& r) {
      for (size_t j = 0; j < slice.size(); ++j) (*ok)[slice[j]] = j < r.size() && r[j];
      if (--*pending == 0) finish(*ok);
    };
    self->request(st.verifiers[(st.next_verifier++) % st.verifiers.size()], wait_bound::query,
                  verify_atom::value, vt, ids, spent)
        .then(on_result, [=](const caf::error&) {
          for (size_t k : slice) (*unchecked)[k] = true;
          on_result({});
        });
  }
}

// Answers a verified query with what is checked now; the rest the chain
// checks itself.
void answer_verified(self_ptr self, const std::vector<hash256>& wtxids,
                     caf::typed_response_promise<verified_ptr> rp) {
  auto& st = self->state;
  auto set = std::make_shared<wtxid_set>();
  set->reserve(wtxids.size());
  for (const auto& w : wtxids)
    if (st.core.verified(w)) set->insert(w);
  st.metrics->block_unchecked_txs_total.inc(wtxids.size() - set->size());
  rp.deliver(verified_ptr(std::move(set)));
}

void answer_waiting(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto it = st.waiting.find(id);
  if (it == st.waiting.end()) return;
  auto q = std::move(it->second);
  st.waiting.erase(it);
  st.metrics->verified_wait.observe_us(st.metrics->now_us() - q.since_us);
  answer_verified(self, q.wtxids, std::move(q.rp));
}

// Which of a block's txs are checked; waits (bounded) for those in admission.
caf::result<verified_ptr> verified(self_ptr self, std::vector<hash256>& wtxids) {
  auto& st = self->state;
  std::vector<hash256> unchecked;
  for (const auto& w : wtxids)
    if (!st.core.verified(w)) unchecked.push_back(w);
  auto p = st.waits.park(unchecked);
  auto rp = self->make_response_promise<verified_ptr>();
  if (!p) {
    answer_verified(self, wtxids, rp);
    return rp;
  }
  st.metrics->block_awaited_txs_total.inc(p->awaited);
  st.waiting[p->id] = {std::move(wtxids), rp, st.metrics->now_us()};
  if (p->answer_now) answer_waiting(self, *p->answer_now);
  self->delayed_send(self, std::chrono::milliseconds(st.waits.limits().max_wait_ms),
                     wait_over_atom::value, p->id);
  return rp;
}

// Admission's first step, on the mempool's thread: stateless rules, what the
// pool holds, conflicts within the batch. Returns the txs that go on.
std::vector<size_t> screen(const mempool_core& core, const tx_batch& txs,
                           std::vector<tx_digest>& digests, verdicts& results) {
  std::vector<size_t> cand;
  std::unordered_set<claim, claim_hasher> batch_claims;
  for (size_t i = 0; i < txs.size(); ++i) {
    digests[i] = digest_tx(*txs[i]);
    results[i].txid = digests[i].txid;
    std::string err;
    if (auto s = check_tx_stateless(*txs[i], digests[i].size); !s) {
      err = s.error_message();
      results[i].fault = true;
    } else if (auto p = core.pre_check(*txs[i], digests[i]); !p)
      err = p.error_message();
    std::vector<claim> claims = claims_of(*txs[i]);
    for (const auto& c : claims)
      if (err.empty() && batch_claims.count(c))
        err = "conflicts with an earlier transaction in the same batch";
    if (!err.empty()) {
      results[i].error = err;
      continue;
    }
    batch_claims.insert(claims.begin(), claims.end());
    cand.push_back(i);
  }
  return cand;
}

// Admission of a batch; `done` receives one verdict per tx, in order. With
// `add` false nothing is inserted (testmempoolaccept).
void admit(self_ptr self, tx_batch txs, bool add, std::function<void(verdicts)> done,
           int attempt = 0) {
  auto& st = self->state;
  auto results = std::make_shared<verdicts>(txs.size());
  std::vector<tx_digest> digests(txs.size());
  std::vector<size_t> cand = screen(st.core, txs, digests, *results);
  if (cand.empty()) return done(*results);
  // Only admissions that insert are waited for: a dry run (testmempoolaccept)
  // leaves nothing a block's query could reuse.
  std::vector<hash256> admitting;
  for (size_t i : cand)
    if (add) {
      admitting.push_back(digests[i].wtxid);
      st.waits.begin(digests[i].wtxid, txs[i]);
    }
  // Before the verdicts are used (a retry begins them again); the answers
  // wait for the verdicts' inserts, so they go out after `finish`.
  auto release = [self, admitting] { return self->state.waits.end(admitting); };
  tx_batch to_check;
  std::vector<hash256> ids;
  for (size_t i : cand) {
    to_check.push_back(txs[i]);
    ids.push_back(digests[i].txid);
  }
  uint64_t gen = st.generation;
  trace(st.tracer, "mempool", st.preparer_name, "prepare", 0, 0,
        std::to_string(cand.size()) + " txs");
  self->request(st.preparer, wait_bound::query, prepare_atom::value, to_check, ids)
      .then(
          [=](const std::vector<prepared_tx>& preps) {
            // A verifier that failed leaves its txs unchecked, not invalid.
            auto unchecked = std::make_shared<std::vector<bool>>(preps.size(), false);
            auto finish = [=](const std::vector<bool>& sigs_ok) {
              auto ready = release();
              auto answer_ready = [&] {
                for (uint64_t id : ready) answer_waiting(self, id);
              };
              auto& st = self->state;
              // Blocks that landed meanwhile (mempool/admission.hpp).
              std::optional<std::vector<std::shared_ptr<const mempool_actor_state::spent_set>>>
                  landed;
              if (st.generation != gen) landed = spends_since(st, gen);
              bool refused = std::any_of(preps.begin(), preps.end(),
                                         [](const prepared_tx& p) { return !p.error.empty(); });
              auto race = mempool::judge_tip_race(st.generation != gen, landed.has_value(), refused,
                                                  attempt);
              if (race == mempool::tip_race::retry) {
                answer_ready();
                return admit(self, txs, add, done, attempt + 1);
              }
              auto spent_by_block = [&](const outpoint& o) {
                if (!landed) return false;
                for (const auto& set : *landed)
                  if (set->count(o)) return true;
                return false;
              };
              for (size_t k = 0; k < cand.size(); ++k) {
                size_t i = cand[k];
                auto v = mempool::judge_candidate(
                    {txs[i].get(), preps[k].error, (*unchecked)[k], sigs_ok[k]},
                    race == mempool::tip_race::stale, spent_by_block);
                auto& r = (*results)[i];
                r.error = v.error;
                r.fault = v.fault;
                if (v.error.empty() && add)
                  if (auto ins = st.core.insert(txs[i], digests[i], preps[k].fee); !ins)
                    r.error = ins.error_message();
              }
              done(*results);
              answer_ready();
            };
            verify_prepared(self, txs, digests, cand, preps, unchecked, finish);
          },
          [=](const caf::error& e) {
            for (uint64_t id : release()) answer_waiting(self, id);
            for (auto& r : *results)
              if (r.error.empty()) r.error = "chain unavailable: " + error_text(e);
            done(*results);
          });
}

// A synced block's signatures, checked on the verifiers before its turn to
// connect: those that pass are noted, so the connect (which asks `verified`)
// skips them. A verifier that fails leaves its txs to the connect.
caf::result<uint64_t> preverify(self_ptr self, const tx_batch& txs, const std::vector<hash256>& ids,
                                const spent_lists& spent) {
  auto& st = self->state;
  size_t n = std::min({txs.size(), ids.size(), spent.size()});
  if (n == 0 || st.verifiers.empty()) return uint64_t{0};
  // Those the pool admitted (or a sync checked) already are not checked
  // again: a laggard's synced blocks are mostly txs its pool holds.
  std::vector<size_t> need;
  std::vector<hash256> wids;
  for (size_t j = 0; j < n; ++j) {
    hash256 w = wtxid(*txs[j]);
    if (st.core.verified(w)) {
      // Noted too: the connect asks after this, and the pool may have let
      // the tx go by then (evicted for a better fee-rate).
      st.core.note_checked(w);
      continue;
    }
    need.push_back(j);
    wids.push_back(w);
  }
  uint64_t reused = n - need.size();
  st.metrics->sig_reused_txs_total.inc(reused);
  st.metrics->sig_checked_txs_total.inc(need.size());
  if (need.empty()) return reused;
  auto rp = self->make_response_promise<uint64_t>();
  size_t chunks = std::min(st.verifiers.size(), need.size());
  auto pending = std::make_shared<size_t>(chunks);
  auto passed = std::make_shared<uint64_t>(reused);
  for (size_t c = 0; c < chunks; ++c) {
    tx_batch vt;
    std::vector<hash256> vids, vw;
    spent_lists vspent;
    for (size_t m = c; m < need.size(); m += chunks) {
      size_t j = need[m];
      vt.push_back(txs[j]);
      vids.push_back(ids[j]);
      vspent.push_back(spent[j]);
      vw.push_back(wids[m]);
    }
    trace(st.tracer, "mempool", "verifier", "verify", 0, 0,
          std::to_string(vt.size()) + " txs, ahead of a synced block");
    auto done = [=]() mutable {
      if (--*pending == 0) rp.deliver(*passed);
    };
    self->request(st.verifiers[(st.next_verifier++) % st.verifiers.size()], wait_bound::query,
                  verify_atom::value, vt, vids, vspent)
        .then(
            [=](const std::vector<bool>& ok) mutable {
              for (size_t j = 0; j < ok.size() && j < vt.size(); ++j)
                if (ok[j]) {
                  self->state.core.note_checked(vw[j]);
                  ++*passed;
                }
              done();
            },
            [=](const caf::error&) mutable { done(); });
  }
  return rp;
}

selected_txs select_txs(const mempool_core& core, uint64_t max_txs, uint64_t max_bytes) {
  selected_txs out;
  for (const pool_entry* e : core.select(max_txs, max_bytes)) {
    out.txs.push_back(e->tx);
    out.wtxids.push_back(e->digest.wtxid);
    out.fees += e->fee;
  }
  return out;
}

// A block was committed: its txs and their conflicts leave the pool; if it
// changed the registry, what is left is checked again against the new tip.
void on_committed(self_ptr self, const block_ptr& b) {
  auto& st = self->state;
  trace(st.tracer, "mempool", "mempool", "on-commit", b->header.height, 0,
        std::to_string(b->txs.size() - 1) + " txs leave the pool");
  ++st.generation;
  st.core.on_block(*b);
  bool registry_changed = !b->evidence_list.empty();
  for (const auto& tx : b->txs) registry_changed |= tx.registration || tx.deregistration;
  std::shared_ptr<mempool_actor_state::spent_set> spent;
  if (!registry_changed) {
    spent = std::make_shared<mempool_actor_state::spent_set>();
    for (const auto& tx : b->txs)
      for (const auto& in : tx.inputs) spent->insert(in.prev);
  }
  st.recent_spends.emplace_back(st.generation, std::move(spent));
  if (st.recent_spends.size() > mempool_actor_state::max_recent_spends)
    st.recent_spends.pop_front();
  // What is left spends only confirmed outputs that the block did not
  // spend (conflicts just left), so it stays valid unless the block
  // changed the registry (a registration locks collateral a pool tx
  // may spend): then re-check everything against the new tip, in one
  // batch on the chain.
  auto left = st.core.txids();
  if (left.empty() || !registry_changed) return;
  std::vector<tx_ptr> txs;
  for (const auto& id : left) txs.push_back(st.core.find(id)->tx);
  auto still_valid = std::make_shared<std::vector<bool>>();
  chain_read recheck = [txs, still_valid](chain_store& cs) {
    for (const auto& t : txs) still_valid->push_back(cs.check_tx(*t, txid(*t), false).ok());
  };
  self->request(st.chain, wait_bound::query, read_atom::value, recheck)
      .then(
          [self, left, still_valid](bool) {
            for (size_t i = 0; i < left.size() && i < still_valid->size(); ++i)
              if (!(*still_valid)[i]) self->state.core.remove(left[i]);
          },
          [](caf::error& e) {
            // The pool keeps them; the producer's filter and the chain's own
            // checks still refuse what no longer fits.
            spdlog::warn("mempool re-check after a registry change failed: {}", error_text(e));
          });
}

// Whether the message being handled came from the peer manager (it names
// itself "peers", manager_state::name).
bool from_peer_manager(self_ptr self) {
  const auto& s = self->current_sender();
  auto* a = s ? dynamic_cast<const caf::monitorable_actor*>(s->get()) : nullptr;
  return a && std::strcmp(a->name(), "peers") == 0;
}

// After an admission: the counters and metrics, and the block producer's
// wait for a first tx.
void count_verdicts(self_ptr self, const verdicts& v) {
  auto& st = self->state;
  for (const auto& r : v) {
    r.error.empty() ? ++st.accepted : ++st.rejected;
    if (r.error.empty()) {
      st.metrics->txs_admitted_total.inc();
      continue;
    }
    st.metrics->txs_rejected_total.at(static_cast<size_t>(metrics::classify_reject(r.error))).inc();
    TC_LOG("mempool", debug, "tx {} refused: {}", r.txid.hex().substr(0, 16), r.error);
  }
  if (st.core.size() > 0)
    for (auto& w : std::exchange(st.tx_waiters, {})) (void)w.deliver(true);
}

}  // namespace

mempool_actor::behavior_type mempool_actor_impl(self_ptr self, mempool_limits limits,
                                                chain_actor chain, chain_reader_actor preparer,
                                                sign_domain domain, uint32_t verifiers,
                                                bool detach_verifiers) {
  auto& st = self->state;
  st.core = mempool_core(limits);
  st.chain = std::move(chain);
  st.preparer_name = preparer ? "chain-reader" : "chain";
  st.preparer = preparer ? std::move(preparer) : chain_reader_actor(st.chain);
  for (uint32_t i = 0; i < std::max<uint32_t>(verifiers, 1); ++i)
    st.verifiers.push_back(detach_verifiers
                               ? self->spawn<caf::linked + caf::detached>(verifier_impl, domain)
                               : self->spawn<caf::linked>(verifier_impl, domain));
  return {
      [self](submit_atom, const tx_batch& txs) -> caf::result<verdicts> {
        // The peer manager records its own submits (peers -> mempool); the
        // RPC's workers record nothing, so their submits are recorded here.
        if (self->state.tracer && !from_peer_manager(self))
          trace(self->state.tracer, "rpc", "mempool", "submit", 0, 0,
                std::to_string(txs.size()) + " txs");
        auto rp = self->make_response_promise<verdicts>();
        admit(self, txs, true, [self, rp](verdicts v) mutable {
          count_verdicts(self, v);
          rp.deliver(std::move(v));
        });
        return rp;
      },
      [self](check_atom, const tx_batch& txs) -> caf::result<verdicts> {
        auto rp = self->make_response_promise<verdicts>();
        admit(self, txs, false, [rp](verdicts v) mutable { rp.deliver(std::move(v)); });
        return rp;
      },
      [self](select_atom, uint64_t max_txs, uint64_t max_bytes) {
        return select_txs(self->state.core, max_txs, max_bytes);
      },
      [self](verified_atom, std::vector<hash256>& wtxids) { return verified(self, wtxids); },
      [self](wait_over_atom, uint64_t id) {
        if (self->state.waits.expire(id)) answer_waiting(self, id);
      },
      [self](preverify_atom, const tx_batch& txs, const std::vector<hash256>& ids,
             const spent_lists& spent) { return preverify(self, txs, ids, spent); },
      [self](lookup_atom, const std::vector<hash256>& wtxids) {
        tx_batch out;
        out.reserve(wtxids.size());
        for (const auto& w : wtxids) {
          auto tx = self->state.core.find_wtxid(w);
          out.push_back(tx ? tx : self->state.waits.body(w));
        }
        return out;
      },
      [self](waiting_atom, const seq_ranges& ranges, uint64_t max) {
        auto& core = self->state.core;
        size_t n = std::min<uint64_t>(max, limits::max_tx_inv);
        return std::make_tuple(core.waiting_in(ranges, n), core.next_seq());
      },
      [self](committed_atom, const block_ptr& b) { on_committed(self, b); },
      [self](info_atom) {
        auto& st = self->state;
        return mempool_info{
            st.core.size(), st.core.bytes(), st.core.limits().max_txs, st.core.limits().max_bytes,
            st.accepted,    st.rejected};
      },
      [self](list_atom) { return self->state.core.txids(); },
      [self](has_atom, const hash256& txid) { return self->state.core.find(txid) != nullptr; },
      [self](await_txs_atom) -> caf::result<bool> {
        auto& st = self->state;
        if (st.core.size() > 0) return true;
        if (st.tx_waiters.size() >= mempool_actor_state::max_tx_waiters) {
          (void)st.tx_waiters.front().deliver(false);  // bounded: the oldest gives up
          st.tx_waiters.pop_front();
        }
        st.tx_waiters.push_back(self->make_response_promise<bool>());
        return st.tx_waiters.back();
      },
      [self](evict_atom, const std::vector<hash256>& txids) {
        for (const auto& id : txids) self->state.core.remove(id);
      },
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
      [self](metrics_atom, const metrics::metrics_ptr& m) { self->state.metrics = m; },
  };
}

}  // namespace tc
