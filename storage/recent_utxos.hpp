#pragma once
// The outputs of the latest blocks, by outpoint: a read cache in front of the
// UTXO table. Transactions mostly spend recent outputs (a wallet's change, a
// payment passed on), and each lookup in the table is two B-tree seeks (the
// tx index for the creation height, then the row), paid twice per input: at
// admission on the reader and in the block's dry run on the writer.
//
// It learns only from committed blocks' deltas, so what it holds is exact for
// the height of the last one: an output created since and not yet spent is
// `live`, one spent since is not (a tombstone answers "spent" without asking
// the table). Anything else is unknown: ask the table. Oldest entries leave
// first once it holds `capacity`.
#include <cstdint>

#include "crypto/recent_table.hpp"
#include "storage/utxo_cache.hpp"

namespace tc {

class recent_utxos {
 public:
  struct slot {
    utxo_entry entry;
    bool live = false;
  };
  // What one entry costs, ring and index included: the unit of
  // [storage] utxo_recent_mb.
  static constexpr size_t bytes_per_entry = sizeof(slot) + sizeof(outpoint) + 24;
  static constexpr size_t entries_in_mb(uint64_t mb) { return (mb << 20) / bytes_per_entry; }

  explicit recent_utxos(size_t capacity) : capacity_(capacity), table_(capacity ? capacity : 1) {}

  // Moves the cache to the state after `d`'s block. A delta whose parent is
  // not the block held (a gap, a tip replaced or disconnected) empties it
  // first: what one block did is exact on its own. A repeat is ignored.
  void apply(const utxo_delta& d);
  void clear();
  // nullptr: unknown, or the cache reflects another block than `tip` (a
  // reader's snapshot behind the deltas it was sent, or a replaced tip).
  const slot* find(const outpoint& o, const hash256& tip) const {
    if (!has_height_ || tip != block_) return nullptr;
    return table_.find(o);
  }
  bool has_height() const { return has_height_; }
  uint64_t height() const { return height_; }
  size_t size() const { return table_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;  // 0: off
  recent_table<slot, outpoint, outpoint_hasher> table_;
  bool has_height_ = false;
  uint64_t height_ = 0;
  hash256 block_;
};

}  // namespace tc
