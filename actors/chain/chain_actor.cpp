#include "actors/chain/chain_actor.hpp"

#include "crypto/assert.hpp"
#include "crypto/thread_priority.hpp"
#include "storage/peer_store.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "messages/encoding.hpp"

namespace tc {

chain_actor_state::~chain_actor_state() {
  if (!store) return;
  uint64_t h = store->tip().height;
  if (auto s = store->flush_utxos(); !s)
    spdlog::warn(
        "UTXO cache not flushed at close ({}); the next start replays the blocks above "
        "height {}",
        s.error_message(), store->utxo_flushed_height());
  if (store->path() != ":memory:")
    (void)store->checkpoint_wal(chain_store::checkpoint_mode::truncate);
  store.reset();  // closes SQLite: the WAL is checkpointed, the file is clean
  spdlog::info("🛑 Chain store closed cleanly at height {}", h);
}

std::vector<prepared_tx> prepare_txs(chain_store& store, const tx_batch& txs,
                                     const std::vector<hash256>& ids) {
  std::vector<prepared_tx> out(txs.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    if (i >= ids.size()) {
      out[i].error = "no txid given";
      continue;
    }
    const transaction& tx = *txs[i];
    bool registry_tx = tx.registration || tx.deregistration;
    // Registry transactions are rare: the chain checks their payload
    // signatures itself; plain transfers leave input signatures to the
    // verifier pool.
    auto r = store.check_tx(tx, ids[i], registry_tx);
    if (!r) {
      out[i].error = r.error_message();
      continue;
    }
    out[i].fee = r->first;
    out[i].spent = std::move(r->second);
    out[i].needs_full_check = registry_tx;
  }
  return out;
}

caf::error run_read(chain_store& store, const chain_read& fn) {
  int64_t changes = store.db().total_changes();
  try {
    fn(store);
  } catch (const std::exception& e) {
    spdlog::error("a query on the chain store failed: {}", e.what());
    return make_error(errc::query_failed, e.what());
  }
  // A read that wrote would bypass the chain actor's ordering of writes
  // (and on the reader's connection it could not: that one is read-only).
  TC_ASSERT(store.db().total_changes() == changes);
  return caf::error{};
}

caf::error run_write(chain_store& store, const chain_write& fn) {
  try {
    if (auto s = fn(store); !s) return make_error(errc::store_failed, s.error_message());
  } catch (const std::exception& e) {
    return make_error(errc::store_failed, e.what());
  }
  return caf::error{};
}

namespace {
// Answers at once, or (paused) once resumed; refuses past the hold bound.
// `fn` returns caf::expected<T>: an unreadable database is an error to the
// asker, never a made-up answer.
template <class T, class F>
caf::result<T> answer(chain_reader_ctl_actor::stateful_pointer<chain_reader_state> self, F fn) {
  auto& st = self->state;
  run_in_background();  // admission and RPC reads, not the block pipeline
  if (!st.paused) {
    caf::expected<T> r = fn();
    if (!r) return std::move(r.error());
    return std::move(*r);
  }
  if (st.held.size() >= chain_reader_state::max_held)
    return make_error(errc::busy, "the chain reader is paused and its hold queue is full");
  auto rp = self->template make_response_promise<T>();
  st.held.push_back([rp, fn]() mutable {
    caf::expected<T> r = fn();
    if (r)
      rp.deliver(std::move(*r));
    else
      rp.deliver(std::move(r.error()));
  });
  return rp;
}
}  // namespace

chain_reader_ctl_actor::behavior_type chain_reader_impl(
    chain_reader_ctl_actor::stateful_pointer<chain_reader_state> self,
    std::shared_ptr<chain_store> reader) {
  self->state.store = std::move(reader);
  // Each question is answered from one snapshot: the last committed block.
  // No snapshot outlives a message, so a pause needs no waiting.
  auto snapshot = [self](auto&& fn) -> caf::expected<decltype(fn(*self->state.store))> {
    chain_store& cs = *self->state.store;
    auto s = cs.begin_snapshot();
    if (!s) {
      cs.end_snapshot();
      return make_error(errc::unavailable, "chain unavailable: " + s.error_message());
    }
    auto out = fn(cs);
    cs.end_snapshot();
    return out;
  };
  return {
      [=](prepare_atom, const tx_batch& txs, const std::vector<hash256>& ids) {
        return answer<std::vector<prepared_tx>>(self, [=] {
          return snapshot([&](chain_store& cs) { return prepare_txs(cs, txs, ids); });
        });
      },
      [=](read_atom, const chain_read& fn) {
        return answer<bool>(self, [=]() -> caf::expected<bool> {
          caf::error failed;
          auto r = snapshot([&](chain_store& cs) {
            failed = run_read(cs, fn);
            return true;
          });
          if (!r) return std::move(r.error());
          if (failed) return failed;
          return true;
        });
      },
      [=](tip_atom) {
        return answer<chain_tip>(self, [=] {
          return snapshot([](chain_store& cs) {
            tip_info t = cs.tip();
            return chain_tip{t.height, t.hash, t.timestamp_ms};
          });
        });
      },
      [self](pause_atom) {
        self->state.paused = true;
        return true;
      },
      [self](resume_atom) {
        auto& st = self->state;
        st.paused = false;
        for (auto& f : std::exchange(st.held, {})) f();
      },
      [self](utxo_delta_atom, const utxo_delta_ptr& d) { self->state.store->add_utxo_delta(d); },
  };
}

namespace {
using chain_self = chain_actor::stateful_pointer<chain_actor_state>;

// The chain thread's part of a checkpoint: with the reader paused (no
// snapshot may hold the WAL in place; chain_store::checkpoint_wal), copy
// what is left and restart the WAL, then resume the reader.
void restart_wal(chain_self self) {
  auto run = [self] {
    auto& m = *self->state.metrics;
    uint64_t t0 = m.now_us();
    if (auto s = self->state.store->checkpoint_wal(); !s)
      TC_LOG("storage", debug, "{}; retrying after the next block", s.error_message());
    m.wal_restart.observe_us(m.now_us() - t0);
    self->state.checkpointing = false;
  };
  if (!self->state.reader) return run();
  self->request(self->state.reader, wait_bound::query, pause_atom::value)
      .then(
          [self, run](bool) {
            run();
            self->send(self->state.reader, resume_atom::value);
          },
          [self](caf::error&) { self->state.checkpointing = false; });
}

// The bulk of the copy, on the copier's thread while blocks keep
// committing. Blocks committed meanwhile appended frames: while those are
// more than an eighth of the due size, copy again (bounded), so that the
// restart, which holds this thread and the reader, has little left to copy.
void copy_wal(chain_self self) {
  auto& st = self->state;
  ++st.copy_passes;
  uint64_t t0 = st.metrics->now_us();
  self->request(st.copier, wait_bound::pipeline, copy_wal_atom::value)
      .then(
          [self, t0](int frames_then) {
            auto& st = self->state;
            st.metrics->wal_copy.observe_us(st.metrics->now_us() - t0);
            int appended = st.store->wal_frames() - frames_then;
            if (appended > st.store->wal_checkpoint_frames() / 8 &&
                st.copy_passes < chain_actor_state::max_copy_passes)
              return copy_wal(self);
            restart_wal(self);
          },
          [self](caf::error& e) {
            TC_LOG("storage", warn, "the WAL copier failed ({}); the chain actor copies the rest",
                   caf::to_string(e));
            restart_wal(self);
          });
}

// After a commit, once the WAL is due. One checkpoint at a time.
void maybe_checkpoint(chain_self self) {
  auto& st = self->state;
  if (!st.store->wal_checkpoint_due() || st.checkpointing) return;
  st.checkpointing = true;
  st.copy_passes = 0;
  if (st.copier) return copy_wal(self);
  // No copier: the bulk of the copy here, with the reader still answering.
  if (st.reader) (void)st.store->checkpoint_wal(chain_store::checkpoint_mode::passive);
  restart_wal(self);
}
// Commits a decided block (with the dry run's plan when it is this block's),
// records its metrics, and hands the reader the block's UTXO delta.
std::string connect(chain_actor::stateful_pointer<chain_actor_state> self, const block_ptr& b,
                    const commit_certificate& cert, const verified_ptr& verified,
                    const digests_ptr& digests, bool catching_up) {
  connect_options opt;
  opt.catching_up = catching_up;
  opt.digests = digests.get();
  opt.now_ms = self->state.now_ms();
  opt.verified = verified.get();
  auto& st = self->state;
  opt.signatures_checked = st.last_validated == cert.block_hash;
  if (st.planned_block == b) opt.plan = &st.plan;
  auto& m = *st.metrics;
  uint64_t parent_ms = st.store->tip().timestamp_ms, t0 = m.now_us();
  auto s = st.store->connect_block(*b, cert, opt);
  st.planned_block.reset();
  st.plan = connect_plan{};
  if (!s) return s.error_message();
  m.connect_block.observe_us(m.now_us() - t0);
  m.sqlite_commit.observe_us(st.store->last_commit_us());
  m.block_interval.observe_us((b->header.timestamp_ms - parent_ms) * 1000);
  m.height.set(static_cast<int64_t>(b->header.height));
  m.blocks_total.inc();
  // Before the reply: whoever hears of this commit and then asks the
  // reader finds the delta already there (high priority goes first).
  if (st.reader && st.store->last_delta())
    self->send<caf::message_priority::high>(st.reader, utxo_delta_atom::value,
                                            st.store->last_delta());
  maybe_checkpoint(self);
  return std::string();
}
}  // namespace

chain_actor::behavior_type chain_actor_impl(chain_actor::stateful_pointer<chain_actor_state> self,
                                            std::shared_ptr<chain_store> store,
                                            std::function<uint64_t()> now_ms,
                                            chain_reader_ctl_actor reader,
                                            wal_copier_actor copier) {
  self->state.store = std::move(store);
  self->state.now_ms = std::move(now_ms);
  self->state.reader = std::move(reader);
  self->state.copier = std::move(copier);
  return {
      [self](connect_atom, const block_ptr& b, const commit_certificate& cert,
             const verified_ptr& verified, const digests_ptr& digests,
             bool catching_up) { return connect(self, b, cert, verified, digests, catching_up); },
      [self](validate_atom, const block_ptr& b, const verified_ptr& verified) -> std::string {
        connect_options opt;
        opt.now_ms = self->state.now_ms();
        opt.verified = verified.get();
        auto& st = self->state;
        uint64_t t0 = st.metrics->now_us();
        auto p = st.store->plan_block(*b, opt);
        st.metrics->validate_block.observe_us(st.metrics->now_us() - t0);
        if (!p) return p.error_message();
        st.last_validated = p->block_hash;
        st.planned_block = b;
        st.plan = std::move(*p);
        return std::string();
      },
      [self](tip_atom) {
        tip_info t = self->state.store->tip();
        return chain_tip{t.height, t.hash, t.timestamp_ms};
      },
      [self](prepare_atom, const tx_batch& txs, const std::vector<hash256>& ids) {
        return prepare_txs(*self->state.store, txs, ids);
      },
      [self](persist_atom, const std::string& key, const bytes& value) -> caf::result<bool> {
        if (auto s = self->state.store->put_state(key, value); !s)
          return make_error(errc::store_failed, key + ": " + s.error_message());
        return true;
      },
      [self](read_atom, const chain_read& fn) -> caf::result<bool> {
        trace(self->state.tracer, "reader", "chain", "read");
        if (auto e = run_read(*self->state.store, fn)) return e;
        return true;
      },
      [self](write_atom, const chain_write& fn) -> caf::result<bool> {
        trace(self->state.tracer, "peers", "chain", "write");
        if (auto e = run_write(*self->state.store, fn)) return e;
        return true;
      },
      [self](vset_atom, uint64_t height) { return self->state.store->validators_at(height); },
      [self](reward_atom, uint64_t height, amount fees, const pubkey& proposer) {
        auto r = reward_outputs(self->state.store->params(), height, fees, proposer,
                                self->state.store->validators_at(height));
        return r ? *r : std::vector<tx_output>{};
      },
      [self](filter_atom, const tx_batch& txs) -> caf::result<tx_selection> {
        std::vector<const transaction*> list;
        std::vector<hash256> ids;
        for (const auto& t : txs) {
          list.push_back(t.get());
          ids.push_back(txid(*t));
        }
        auto sel = self->state.store->select_valid(list, ids);
        if (!sel) return make_error(errc::query_failed, sel.error_message());
        return std::move(*sel);
      },
      [self](blocks_atom, uint64_t from, uint32_t count, uint64_t max_bytes) {
        trace(self->state.tracer, "peers", "chain", "blocks", from);
        return load_blocks(*self->state.store, from, count, max_bytes);
      },
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
      [self](metrics_atom, const metrics::metrics_ptr& m) {
        self->state.metrics = m;
        self->state.store->set_clock_us(m->now_us);
        m->height.set(static_cast<int64_t>(self->state.store->tip().height));
      },
  };
}

wal_copier_actor::behavior_type wal_copier_impl(wal_copier_actor::pointer,
                                                std::shared_ptr<wal_copier> copier) {
  return {
      [copier](copy_wal_atom) -> caf::result<int> {
        auto c = copier->copy();
        if (!c) return make_error(errc::store_failed, c.error_message());
        return c->wal_frames;
      },
  };
}

}  // namespace tc
