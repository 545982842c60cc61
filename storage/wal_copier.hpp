#pragma once
// A connection of its own on the chain database that only copies the WAL
// into the database file (SQLite's passive checkpoint). The chain actor
// used to do that copy itself, between one commit and the next: hundreds
// of MB of pages written and synced on the thread every block waits for.
// With this connection on another thread the copy runs while blocks keep
// committing, and the chain actor's own restart of the WAL only copies
// what was appended meanwhile (chain_store::checkpoint_wal).

#include <memory>
#include <string>

#include "crypto/result.hpp"

namespace tc {

namespace sql {
class database;
}

class wal_copier {
 public:
  // Fails for ":memory:" (no WAL) or a file that cannot be opened.
  static result<std::unique_ptr<wal_copier>> open(const std::string& path);
  ~wal_copier();

  struct copied {
    int wal_frames = 0;     // frames in the WAL when the copy began
    int copied_frames = 0;  // of those, now in the database file
  };
  // Never waits for a lock and never restarts the WAL: copies the frames no
  // open snapshot still needs, then syncs the database file (so a later
  // restart may reuse the WAL from its start). Nothing is lost on failure.
  result<copied> copy();

 private:
  explicit wal_copier(std::unique_ptr<sql::database> db);
  std::unique_ptr<sql::database> db_;
  std::string path_;
};

}  // namespace tc
