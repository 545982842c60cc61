#include "storage/backup.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include "storage/chain_store.hpp"
#include "tests/support/chain_builder.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using test::chain_builder;

namespace {
void remove_db(const std::string& p) {
  for (const char* s : {"", "-wal", "-shm", ".partial"}) std::remove((p + s).c_str());
}
}  // namespace

TEST_CASE("a backup taken while blocks are written opens at one committed tip") {
  chain_builder cb;
  std::string src = test::temp_path("backup_src.db"), dest = test::temp_path("backup_dest.db");
  remove_db(src);
  remove_db(dest);
  auto cs = chain_store::open(src, cb.genesis);
  REQUIRE(cs.ok());
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5; ++i) REQUIRE(cb.connect(**cs, cb.next_block(**cs, rng, 4)).ok());
  // The writer goes on committing on its own thread while the copy is made.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::thread writer([&] {
    std::mt19937_64 r(4);
    while (!stop && written < 200) {
      if (!cb.connect(**cs, cb.next_block(**cs, r, 4)).ok()) break;
      ++written;
    }
  });
  auto b = backup_database(src, dest);
  stop = true;
  writer.join();
  REQUIRE_MESSAGE(b.ok(), b.error_message());
  CHECK(b->height >= 5);
  CHECK(b->bytes > 0);
  uint64_t tip = (*cs)->tip().height;
  CHECK(b->height <= tip);
  cs->reset();

  // The copy is a chain store in its own right: it opens, passes its
  // integrity check, and its tip is a block the source has too.
  auto copy = chain_store::open(dest, cb.genesis);
  REQUIRE_MESSAGE(copy.ok(), copy.error_message());
  CHECK((*copy)->tip().height == b->height);
  CHECK((*copy)->check_integrity().ok());
  FILE* wal = std::fopen((dest + "-wal").c_str(), "r");
  if (wal) std::fclose(wal);
  copy->reset();

  // Never over an existing file, never into a missing folder.
  auto again = backup_database(src, dest);
  CHECK_FALSE(again.ok());
  CHECK(again.error_message().find("exists") != std::string::npos);
  CHECK_FALSE(backup_database(src, "/nonexistent-dir/x.db").ok());
  CHECK_FALSE(backup_database(test::temp_path("no_such.db"), dest + "2").ok());
  FILE* partial = std::fopen((dest + "2.partial").c_str(), "r");
  CHECK(partial == nullptr);  // a failed backup leaves nothing behind
  if (partial) std::fclose(partial);
  remove_db(src);
  remove_db(dest);
}
