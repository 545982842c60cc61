#include "actors/peer/sync_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "messages/encoding.hpp"
#include "messages/validation.hpp"

namespace tc {

namespace {

using self_ptr = sync_actor::stateful_pointer<sync_actor_state>;
using block_ref = std::shared_ptr<const block_with_cert>;
constexpr uint64_t log_every_ms = 5'000;
// Txs under check ahead of the block being applied: about a second of both
// verifiers' work, and within what the mempool remembers as checked.
constexpr uint64_t verify_ahead_txs = 50'000;

void run(self_ptr self, peer::sync_actions acts);

// One block's signatures to check: the plain transfers, each with the
// outputs its inputs spend (some found by the chain reader).
struct check_job {
  tx_batch txs;
  std::vector<hash256> ids;
  spent_lists spent;
  struct lookup {
    size_t tx;
    size_t input;
    outpoint op;
  };
  std::vector<lookup> missing;
  std::vector<bool> unresolved;  // per tx: an input found nowhere
};

void checked(self_ptr self, uint64_t h, const block_ref& blk) {
  run(self, self->state.core->on_checked(h, blk, self->state.now_ms()));
}

void remember_outputs(sync_actor_state& st, uint64_t h, const hash256& id, const transaction& tx) {
  auto& list = st.known_by_height[h];
  for (uint32_t o = 0; o < tx.outputs.size(); ++o)
    if (st.known.emplace(outpoint{id, o}, tx.outputs[o]).second) list.push_back({id, o});
  while (st.known.size() > sync_actor_state::max_known_outputs && st.known_by_height.size() > 1) {
    for (const auto& op : st.known_by_height.begin()->second) st.known.erase(op);
    st.known_by_height.erase(st.known_by_height.begin());
  }
}

// Outputs of blocks two or more below our tip are in the chain's UTXO set
// (or spent): the reader finds them.
void forget_outputs(sync_actor_state& st, uint64_t local) {
  while (!st.known_by_height.empty() && st.known_by_height.begin()->first + 2 <= local) {
    for (const auto& op : st.known_by_height.begin()->second) st.known.erase(op);
    st.known_by_height.erase(st.known_by_height.begin());
  }
}

std::shared_ptr<check_job> job_of(sync_actor_state& st, uint64_t h, const block_ref& blk) {
  auto job = std::make_shared<check_job>();
  for (const auto& tx : blk->blk.txs) {
    hash256 id = txid(tx);
    remember_outputs(st, h, id, tx);
    // Rewards spend nothing; registry txs carry payload signatures the
    // chain checks itself.
    if (tx.inputs.empty() || tx.registration || tx.deregistration) continue;
    size_t k = job->txs.size();
    job->txs.push_back(tx_ptr(blk, &tx));  // shares the block: no copy
    job->ids.push_back(id);
    job->spent.emplace_back(tx.inputs.size());
    for (size_t i = 0; i < tx.inputs.size(); ++i) {
      auto it = st.known.find(tx.inputs[i].prev);
      if (it != st.known.end())
        job->spent[k][i] = it->second;
      else
        job->missing.push_back({k, i, tx.inputs[i].prev});
    }
  }
  job->unresolved.assign(job->txs.size(), false);
  return job;
}

void verify_job(self_ptr self, uint64_t h, const block_ref& blk, std::shared_ptr<check_job> job) {
  tx_batch txs;
  std::vector<hash256> ids;
  spent_lists spent;
  for (size_t k = 0; k < job->txs.size(); ++k)
    if (!job->unresolved[k]) {
      txs.push_back(job->txs[k]);
      ids.push_back(job->ids[k]);
      spent.push_back(std::move(job->spent[k]));
    }
  if (txs.empty()) return checked(self, h, blk);
  trace(self->state.tracer, "sync", "mempool", "preverify", h, 0,
        std::to_string(txs.size()) + " txs");
  self->request(self->state.mempool, wait_bound::query, preverify_atom::value, txs, ids, spent)
      .then([=](uint64_t) { checked(self, h, blk); },
            [=](caf::error& e) {
              TC_LOG("sync", debug, "sync: signatures of block {} not checked ahead: {}", h,
                     error_text(e));
              checked(self, h, blk);
            });
}

// The signatures of block h, on the verifiers.
void check_signatures(self_ptr self, uint64_t h, const block_ref& blk) {
  auto& st = self->state;
  auto job = job_of(st, h, blk);
  if (job->missing.empty()) return verify_job(self, h, blk, job);
  // Runs on the reader's thread and fills `job` before it replies: a
  // hand-over, not shared state.
  chain_read lookup = [job](chain_store& cs) {
    for (const auto& m : job->missing) {
      auto u = cs.find_utxo(m.op);
      if (u && *u)
        job->spent[m.tx][m.input] = (*u)->out;
      else
        job->unresolved[m.tx] = true;
    }
  };
  self->request(st.reader, wait_bound::query, read_atom::value, std::move(lookup))
      .then([=](bool) { verify_job(self, h, blk, job); },
            [=](caf::error&) { checked(self, h, blk); });
}

// Block h, checked before its turn once consensus finds it certified (a
// junk block from a peer with no key costs a certificate check, not its
// txs' signatures). Whatever happens, the core hears that the check ended:
// the connect checks what this did not.
void check_ahead(self_ptr self, uint64_t h, const block_ref& blk) {
  self->request(self->state.consensus, wait_bound::query, precheck_atom::value, blk)
      .then(
          [=](bool certified) {
            if (certified) return check_signatures(self, h, blk);
            TC_LOG("sync", debug,
                   "sync: block {} not checked ahead: its certificate does not verify now", h);
            checked(self, h, blk);
          },
          [=](caf::error&) { checked(self, h, blk); });
}

// Hands consensus block h. Hashed and checked against its header here, on
// this actor's thread, while consensus and the chain work on the block
// before it; consensus takes the digests (and the connect after it).
void offer(self_ptr self, const block_ref& blk) {
  auto& st = self->state;
  uint64_t h = blk->cert.height;
  auto digests = std::make_shared<const std::vector<tx_digest>>(digest_txs(blk->blk.txs));
  if (auto s = check_block_stateless(blk->blk, digests.get()); !s) {
    spdlog::warn("sync: block {} from peer is invalid: {}", h, s.error_message());
    return run(self,
               st.core->on_applied(h, peer::apply_result::invalid, s.error_message(), st.now_ms()));
  }
  trace(st.tracer, "sync", "consensus", "sync", h, blk->cert.round);
  self->request(st.consensus, wait_bound::query, sync_atom::value, blk, digests_ptr(digests))
      .then(
          [=](const sync_verdict& v) {
            auto r = static_cast<peer::apply_result>(v.result);
            if (r == peer::apply_result::invalid)
              spdlog::warn("sync: block {} from peer is invalid: {}", h, v.why);
            else if (r == peer::apply_result::retry)
              TC_LOG("sync", debug, "sync: block {} not applied yet: {}", h, v.why);
            run(self, self->state.core->on_applied(h, r, v.why, self->state.now_ms()));
          },
          [=](caf::error& e) {
            // Consensus busy past the bound, or stopping: not the peer's
            // fault; the block is asked for again.
            run(self, self->state.core->on_applied(h, peer::apply_result::retry, error_text(e),
                                                   self->state.now_ms()));
          });
}

void run(self_ptr self, peer::sync_actions acts) {
  auto& st = self->state;
  for (auto& a : acts) {
    if (auto* r = std::get_if<peer::request_blocks>(&a)) {
      if (st.tracer)
        trace(st.tracer, "sync", "peers", "getblocks", r->from, 0,
              std::to_string(r->count) + " from peer " + std::to_string(r->peer));
      TC_LOG("sync", debug, "sync: asking peer {} for blocks {}..{}", r->peer, r->from,
             r->from + r->count - 1);
      self->send(st.mgr, send_atom::value, r->peer,
                 std::make_shared<const peer::message>(peer::get_blocks{r->from, r->count}));
    } else if (auto* b = std::get_if<peer::apply_block>(&a)) {
      offer(self, b->blk);
    } else if (auto* c = std::get_if<peer::check_block>(&a)) {
      check_ahead(self, c->height, c->blk);
    } else if (auto* p = std::get_if<peer::punish_peer>(&a)) {
      if (st.tracer)
        trace(st.tracer, "sync", "peers", "punish", 0, 0,
              "peer " + std::to_string(p->peer) + ": " + p->why);
      self->send(st.mgr, punish_atom::value, p->peer, p->points, p->why);
    }
  }
}

void log_progress(self_ptr self) {
  auto& st = self->state;
  uint64_t now = st.now_ms();
  const auto& c = *st.core;
  if (c.behind() && c.target() > c.local() + 1) {
    if (!st.was_behind) {
      st.was_behind = true;
      st.last_log_ms = now;
      st.log_height = c.local();
      spdlog::info("⏳ Syncing from height {} to {}", c.local(), c.target());
    } else if (now >= st.last_log_ms + log_every_ms) {
      double rate = double(c.local() - st.log_height) * 1000.0 / double(now - st.last_log_ms);
      double eta = rate > 0 ? double(c.target() - c.local()) / rate : 0;
      spdlog::info("⏳ Syncing: height {} of {} ({:.1f} blocks/s, ETA {:.0f} s)", c.local(),
                   c.target(), rate, eta);
      st.last_log_ms = now;
      st.log_height = c.local();
    }
  } else if (st.was_behind && !c.behind()) {
    st.was_behind = false;
    spdlog::info("✓ Synced to height {}", c.local());
  }
}

}  // namespace

sync_actor::behavior_type sync_impl(self_ptr self, sync_wiring wiring, uint64_t local_height,
                                    std::function<uint64_t()> now_ms) {
  auto& st = self->state;
  peer::sync_config cfg;
  if (wiring.reader && wiring.mempool) cfg.verify_ahead_txs = verify_ahead_txs;
  cfg.offer_ahead = true;
  st.core = std::make_unique<peer::sync_core>(cfg);
  st.mgr = std::move(wiring.mgr);
  st.consensus = std::move(wiring.consensus);
  st.reader = std::move(wiring.reader);
  st.mempool = std::move(wiring.mempool);
  st.now_ms = std::move(now_ms);
  st.core->on_local_tip(local_height, st.now_ms());
  self->delayed_send(self, std::chrono::milliseconds(250), tick_atom::value);
  return {
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
      [self](peertip_atom, uint64_t peer, uint64_t height) {
        run(self, self->state.core->on_peer_tip(peer, height, self->state.now_ms()));
        log_progress(self);
      },
      [self](gone_atom, uint64_t peer) {
        run(self, self->state.core->on_peer_gone(peer, self->state.now_ms()));
      },
      [self](blocks_atom, uint64_t peer, std::vector<block_with_cert>& list) {
        run(self, self->state.core->on_blocks(peer, std::move(list), self->state.now_ms()));
      },
      [self](localtip_atom, uint64_t height, const hash256&) {
        forget_outputs(self->state, height);
        run(self, self->state.core->on_local_tip(height, self->state.now_ms()));
        log_progress(self);
      },
      [self](tick_atom) {
        run(self, self->state.core->on_tick(self->state.now_ms()));
        log_progress(self);
        // Quick ticks only while there is something to wait for.
        auto next = self->state.core->behind() ? 250 : 1000;
        self->delayed_send(self, std::chrono::milliseconds(next), tick_atom::value);
      },
      [self](status_atom) {
        auto& c = *self->state.core;
        return sync_status{c.behind(), c.local(), c.target()};
      },
  };
}

}  // namespace tc
