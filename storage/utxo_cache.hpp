#pragma once
// The write-back UTXO cache: what the blocks above the flushed height did to
// the UTXO set, kept in memory so that a block commit writes its UTXO changes
// to SQLite only every few blocks (chain_store::flush_utxos). Outputs created
// and spent between two flushes never reach the disk at all.
//
// Both connections of a node keep one: the writer from its own commits, the
// reader from the per-block deltas the chain actor hands it. An overlay is
// always relative to the table as of one flushed height: a `live` slot is an
// output created above it (not on disk), a tombstone one spent above it (still
// on disk). The two never swap: txids are unique, so an output is created once.

#include <memory>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "messages/ledger/chain_rules.hpp"

namespace tc {

// One committed block's effect on the UTXO set. `spent` are outputs that
// existed before the block; `created` are its outputs left unspent at its end
// (an output created and spent inside the block is in neither). `txs` are the
// tx index rows the block adds, (txid, position) sorted by txid: the index
// is flushed with the UTXO set, since its random txid keys dirtied most of
// its leaf pages at every block.
struct utxo_delta {
  uint64_t height = 0;
  hash256 block;   // the block's hash: the same block's delta may come twice
  hash256 parent;  // its parent's: whether it follows a delta held
  std::vector<std::pair<outpoint, utxo_entry>> spent;
  std::vector<std::pair<outpoint, utxo_entry>> created;
  std::vector<std::pair<hash256, uint32_t>> txs;
  // The block's flush wrote all of it to the table: the reader's overlay
  // needs none of it, only its cache of recent outputs (recent_utxos.hpp).
  bool on_disk = false;
};
using utxo_delta_ptr = std::shared_ptr<const utxo_delta>;

// The UTXO table's key order (schema 3): creation height, then outpoint. New
// outputs sort after every older one, so writing them appends to the table's
// last pages instead of touching pages all over it; and spends, which mostly
// take recent outputs, land near the end too.
inline bool table_order(uint64_t height_a, const outpoint& a, uint64_t height_b,
                        const outpoint& b) {
  return height_a != height_b ? height_a < height_b : a < b;
}

class utxo_overlay {
 public:
  struct slot {
    utxo_entry entry;   // a tombstone keeps the spent entry (balances subtract it)
    bool live = false;  // created above the flushed height; else a tombstone
  };
  // What an unordered_map node of a slot costs, key and bucket included: the
  // unit utxo_cache_mb is counted in (measured with malloc_usable_size).
  static constexpr size_t bytes_per_slot = 160;

  void apply(const utxo_delta& d);
  // nullptr: the overlay knows nothing of `o`, ask the table.
  const slot* find(const outpoint& o) const {
    auto it = map_.find(o);
    return it == map_.end() ? nullptr : &it->second;
  }
  // Live slots minus tombstones: what to add to the table's row count.
  int64_t count_change() const { return count_change_; }
  size_t size() const { return map_.size(); }
  size_t approx_bytes() const { return map_.size() * bytes_per_slot; }
  bool empty() const { return map_.empty(); }
  void clear();
  // Every slot in the table's key order (table_order).
  std::vector<std::pair<outpoint, const slot*>> sorted() const;
  // The slots of one owner (a scan: RPC only).
  std::vector<std::pair<outpoint, const slot*>> of_owner(const pubkey& owner) const;

 private:
  std::unordered_map<outpoint, slot, outpoint_hasher> map_;
  int64_t count_change_ = 0;
};

// The deltas above one flushed height, in height order, with their merged
// overlay. The reader keeps one of these: deltas arrive as messages, the
// flushed height as it reads it from the table in each snapshot.
class utxo_delta_chain {
 public:
  // Ignores a delta at or below the flushed height (already on disk), and a
  // second copy of one it holds; another block's delta at a height it holds
  // replaces that one and what follows (a disconnected tip).
  void add(utxo_delta_ptr d);
  // The table now holds everything up to `height`: drop those deltas.
  void set_flushed(uint64_t height);
  uint64_t flushed() const { return flushed_; }
  // The highest height the overlay reflects (the flushed one if none).
  uint64_t top() const { return deltas_.empty() ? flushed_ : deltas_.back()->height; }
  const std::vector<utxo_delta_ptr>& deltas() const { return deltas_; }
  const utxo_overlay& overlay() const { return overlay_; }
  // (height, position) of a tx of a held delta's block (a binary search per
  // delta: a flush holds up to utxo_flush_blocks of them).
  std::optional<std::pair<uint64_t, uint32_t>> find_tx(const hash256& txid) const;
  size_t tx_count() const { return tx_count_; }
  // Every held delta's tx index rows, sorted by txid, as (txid, height, pos).
  std::vector<std::tuple<hash256, uint64_t, uint32_t>> sorted_txs() const;

 private:
  void rebuild();
  uint64_t flushed_ = 0;
  std::vector<utxo_delta_ptr> deltas_;
  utxo_overlay overlay_;
  size_t tx_count_ = 0;
};

}  // namespace tc
