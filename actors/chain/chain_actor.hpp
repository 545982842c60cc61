#pragma once
// The chain actor: sole owner of the SQLite chain store. Spawned detached
// (its own thread) because every request may block on disk.

#include <deque>

#include "actors/chain/chain_interface.hpp"
#include "storage/chain_store.hpp"
#include "storage/wal_copier.hpp"

namespace tc {

struct chain_actor_state {
  chain_actor_state() = default;  // never an aggregate (CAF state pitfall)
  ~chain_actor_state();           // logs the store's clean close
  std::shared_ptr<chain_store> store;
  std::function<uint64_t()> now_ms;
  tracer_actor tracer;
  // The last block a dry run accepted: committing it needs no signature checks.
  std::optional<hash256> last_validated;
  // And what that dry run found, with the block object it holds alive: a
  // commit of that same object only writes. One plan at a time (bounded).
  block_ptr planned_block;
  connect_plan plan;
  chain_reader_ctl_actor reader;  // paused while the WAL restarts; may be null
  wal_copier_actor copier;        // copies the WAL off this thread; may be null
  bool checkpointing = false;
  int copy_passes = 0;  // of the checkpoint under way (bounded: max_copy_passes)
  static constexpr int max_copy_passes = 4;
  metrics::metrics_ptr metrics = std::make_shared<metrics::node_metrics>();
};

struct chain_reader_state {
  chain_reader_state() = default;
  std::shared_ptr<chain_store> store;
  bool paused = false;
  // Questions that came during a pause, answered on resume (bounded: past
  // the bound a question is refused, and admission or the RPC says so).
  std::deque<std::function<void()>> held;
  static constexpr size_t max_held = 256;
};

// The UTXO checks of admission on `store`'s current tip: the fee and spent
// outputs of each tx, or why it cannot go in the next block. `ids` are the
// txids admission already computed (one per tx; a shorter list is refused).
std::vector<prepared_tx> prepare_txs(chain_store& store, const tx_batch& txs,
                                     const std::vector<hash256>& ids);

// A read-only query on `store`: an exception becomes errc::query_failed
// (one escaping a handler would kill the actor that owns the store).
caf::error run_read(chain_store& store, const chain_read& fn);
// A write of node state: a failed status or an exception becomes
// errc::store_failed.
caf::error run_write(chain_store& store, const chain_write& fn);

// A reader store (chain_store::open_reader) answering read-only questions
// on its own thread, each from one read snapshot.
chain_reader_ctl_actor::behavior_type chain_reader_impl(
    chain_reader_ctl_actor::stateful_pointer<chain_reader_state> self,
    std::shared_ptr<chain_store> reader);

// Takes ownership of `store`; `now_ms` is the injected wall clock; `reader`
// (may be null) is paused around each WAL restart; `copier` (may be null:
// the chain actor then copies the WAL itself) does the bulk of each
// checkpoint on its own connection and thread.
chain_actor::behavior_type chain_actor_impl(chain_actor::stateful_pointer<chain_actor_state> self,
                                            std::shared_ptr<chain_store> store,
                                            std::function<uint64_t()> now_ms,
                                            chain_reader_ctl_actor reader, wal_copier_actor copier);

// Owns a wal_copier (storage/wal_copier.hpp): spawned detached, since each
// copy writes and syncs up to the WAL's size.
wal_copier_actor::behavior_type wal_copier_impl(wal_copier_actor::pointer self,
                                                std::shared_ptr<wal_copier> copier);

}  // namespace tc
