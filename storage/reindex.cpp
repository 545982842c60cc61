#include "storage/reindex.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "storage/peer_store.hpp"

namespace tc {

namespace {
void sync_dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}
}  // namespace
namespace {

status copy_kept_state(chain_store& from, chain_store& to) {
  for (const auto& [key, value] : from.state_entries())
    if (auto s = to.put_state(key, value); !s) return s;
  auto peers = load_peers(from, std::numeric_limits<uint32_t>::max());
  if (auto s = save_peers(to, peers); !s) return s;
  for (const auto& b : load_bans(from))
    if (auto s = save_ban(to, b); !s) return s;
  return ok_status();
}

}  // namespace

result<uint64_t> reindex(const std::string& db_path, const genesis_spec& g, const open_options& opt,
                         const reindex_progress& progress) {
  open_options existing = opt;
  existing.create_if_missing = false;
  auto old_store = chain_store::open(db_path, g, existing);
  if (!old_store) return old_store.take_error();
  std::string fresh = db_path + ".reindex";
  for (const char* sfx : {"", "-wal", "-shm"}) ::unlink((fresh + sfx).c_str());
  auto next = chain_store::open(fresh, g, opt);
  if (!next) return next.take_error();
  uint64_t tip = (*old_store)->tip().height;
  for (uint64_t h = 1; h <= tip; ++h) {
    auto b = (*old_store)->get_block(h);
    auto c = (*old_store)->get_certificate(h);
    if (!b || !c) return make_error("reindex: cannot read block " + std::to_string(h));
    connect_options o;
    o.now_ms = b->header.timestamp_ms;
    auto s = (*next)->connect_block(*b, *c, o);
    if (!s) return make_error("reindex: block " + std::to_string(h) + ": " + s.error_message());
    if (progress && h % 1000 == 0) progress(h, tip);
  }
  if (auto s = copy_kept_state(**old_store, **next); !s)
    return make_error("reindex: copying the node state: " + s.error_message());
  old_store->reset();
  next->reset();
  // There is a chain.db at every instant: the old file gets a second name
  // first, then the fresh one replaces it in one atomic rename (two renames
  // left a window with no chain.db, where a crash made the next start build
  // a new chain from genesis). The directory is synced so that the new names
  // outlive a power cut.
  std::string kept = db_path + ".pre-reindex";
  ::unlink(kept.c_str());  // an earlier reindex's copy
  if (::link(db_path.c_str(), kept.c_str()) != 0)
    return make_error("reindex: cannot keep the old database as " + kept + ": " +
                      std::strerror(errno));
  if (std::rename(fresh.c_str(), db_path.c_str()) != 0)
    return make_error("reindex: cannot move " + fresh + " to " + db_path + ": " +
                      std::strerror(errno) + " (the old database is unchanged)");
  sync_dir_of(db_path);
  return tip;
}

}  // namespace tc
