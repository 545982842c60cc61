#include "storage/recent_utxos.hpp"

namespace tc {

void recent_utxos::apply(const utxo_delta& d) {
  if (capacity_ == 0) return;
  if (has_height_ && d.block == block_) return;
  // Not on top of the block it reflects: a delta lost in between, or a tip
  // replaced (a height alone would not tell: the next height's delta can
  // follow another block than the one held).
  if (has_height_ && d.parent != block_) clear();
  // Only outputs it holds get a tombstone: an unknown one is asked of the
  // table, which no longer has it.
  for (const auto& [o, e] : d.spent)
    if (slot* s = table_.find(o)) s->live = false;
  for (const auto& [o, e] : d.created) *table_.try_emplace(o).first = slot{e, true};
  has_height_ = true;
  height_ = d.height;
  block_ = d.block;
}

void recent_utxos::clear() {
  table_.clear();
  has_height_ = false;
  height_ = 0;
  block_ = hash256{};
}

}  // namespace tc
