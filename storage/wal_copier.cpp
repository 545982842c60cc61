#include "storage/wal_copier.hpp"

#include "storage/sqlite.hpp"

namespace tc {

wal_copier::wal_copier(std::unique_ptr<sql::database> db) : db_(std::move(db)) {}
wal_copier::~wal_copier() = default;

result<std::unique_ptr<wal_copier>> wal_copier::open(const std::string& path) {
  if (path.empty() || path == ":memory:")
    return make_error("an in-memory database has no WAL to copy");
  // Not CREATE: the chain store made the file; a missing one is an error.
  auto db = sql::database::open(path, SQLITE_OPEN_READWRITE);
  if (!db) return make_error("cannot open a WAL copier on " + path + ": " + db.error_message());
  // The copy syncs the database file before the WAL may be reused, as the
  // writer's own checkpoints do (synchronous is per connection).
  TC_TRY((*db)->exec("PRAGMA synchronous = FULL"));
  std::unique_ptr<wal_copier> c(new wal_copier(std::move(db).value()));
  c->path_ = path;
  return c;
}

result<wal_copier::copied> wal_copier::copy() {
  copied out;
  int rc = sqlite3_wal_checkpoint_v2(db_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                     &out.wal_frames, &out.copied_frames);
  if (rc != SQLITE_OK)
    return make_error("copying the WAL of " + path_ + ": " + sqlite3_errstr(rc) + " (" +
                      std::to_string(out.copied_frames) + " of " + std::to_string(out.wal_frames) +
                      " frames copied)");
  return out;
}

}  // namespace tc
