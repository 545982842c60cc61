#include "storage/backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/sqlite.hpp"

namespace tc {

namespace {

status sync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return make_error("cannot open " + path + ": " + std::strerror(errno));
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error("cannot sync " + path + ": " + std::strerror(errno));
  return ok_status();
}

std::string folder_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// SQLite's backup from `src` into the (new) file `tmp`, as one step.
status copy_pages(const std::string& src_path, const std::string& tmp) {
  auto src = sql::database::open(src_path, SQLITE_OPEN_READONLY);
  if (!src) return make_error("cannot open " + src_path + ": " + src.error_message());
  auto dst = sql::database::open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!dst) return make_error("cannot create " + tmp + ": " + dst.error_message());
  sqlite3_backup* b = sqlite3_backup_init((*dst)->raw(), "main", (*src)->raw(), "main");
  if (!b) return make_error("backup: " + (*dst)->last_error());
  int rc;
  // Busy or locked: the writer holds a lock for a moment (a checkpoint).
  for (int tries = 0; (rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED;
       ++tries) {
    if (tries == 200) break;
    sqlite3_sleep(25);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return make_error(std::string("backup: ") + sqlite3_errstr(rc));
  // One self-contained file: the copy keeps no WAL beside it.
  if (auto s = (*dst)->exec("PRAGMA journal_mode=DELETE"); !s) return s;
  auto check = (*dst)->query_text("PRAGMA quick_check");
  if (!check) return make_error("backup check: " + check.error_message());
  if (*check != "ok") return make_error("backup check failed: " + *check);
  return ok_status();
}

}  // namespace

result<backup_info> backup_database(const std::string& src_path, const std::string& dest_path) {
  if (dest_path.empty()) return make_error("backup: no destination");
  struct stat st {};
  if (::stat(dest_path.c_str(), &st) == 0)
    return make_error(dest_path + " exists; a backup never overwrites a file");
  std::string dir = folder_of(dest_path);
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error("backup: no directory " + dir);
  std::string tmp = dest_path + ".partial";
  ::unlink(tmp.c_str());  // a leftover of an interrupted backup
  if (auto s = copy_pages(src_path, tmp); !s) {
    ::unlink(tmp.c_str());
    return make_error(s.error_message());
  }
  backup_info info;
  {
    auto db = sql::database::open(tmp, SQLITE_OPEN_READONLY);
    if (!db) return make_error("backup: " + db.error_message());
    auto h = (*db)->query_int("SELECT COALESCE(MAX(height), 0) FROM blocks");
    if (!h) return make_error("backup: not a chain database: " + h.error_message());
    info.height = static_cast<uint64_t>(*h);
  }
  if (auto s = sync_path(tmp, O_RDONLY); !s) return make_error(s.error_message());
  if (::rename(tmp.c_str(), dest_path.c_str()) != 0)
    return make_error("cannot rename " + tmp + ": " + std::strerror(errno));
  if (auto s = sync_path(dir, O_RDONLY | O_DIRECTORY); !s) return make_error(s.error_message());
  if (::stat(dest_path.c_str(), &st) == 0) info.bytes = static_cast<uint64_t>(st.st_size);
  return info;
}

}  // namespace tc
