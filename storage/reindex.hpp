#pragma once
// timed --reindex: rebuilds the UTXO set, the registry and the indexes by
// replaying every stored block (with its certificate) into a fresh
// database, then swaps it in. What is not derived from the blocks is carried
// over: the node state (the last signed vote and its lock, stored fork
// evidence), the address book and the bans. A validator that forgot its
// last signed vote could sign a conflicting one after the restart.

#include <functional>

#include "storage/chain_store.hpp"

namespace tc {

// The previous file is kept as `<db_path>.pre-reindex` (replacing the copy an
// earlier reindex kept); there is a database at `db_path` at every instant.
// Returns the tip height rebuilt. `progress` (height, tip) is called every
// 1000 blocks.
using reindex_progress = std::function<void(uint64_t, uint64_t)>;
result<uint64_t> reindex(const std::string& db_path, const genesis_spec& genesis,
                         const open_options& opt, const reindex_progress& progress = {});

}  // namespace tc
