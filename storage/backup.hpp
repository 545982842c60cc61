#pragma once
// A consistent copy of chain.db while the node runs (RPC backupchain), with
// SQLite's online backup API on a connection of its own: it copies every page
// in one step inside one read transaction, so the copy is the database as of
// one commit, and in WAL mode the node's writer is not held up meanwhile.
//
// The copy is written as DEST.partial, checked (quick_check), synced and only
// then renamed to DEST: a crash or a full disk never leaves a half backup
// under the final name. An existing DEST is never overwritten.
//
// The double-sign guard is deliberately not part of a backup: it stays beside
// the key, so restoring an old chain.db cannot make the validator sign twice.

#include <cstdint>
#include <string>

#include "crypto/result.hpp"

namespace tc {

struct backup_info {
  uint64_t bytes = 0;
  uint64_t height = 0;  // the tip in the copy
};

result<backup_info> backup_database(const std::string& src_path, const std::string& dest_path);

}  // namespace tc
