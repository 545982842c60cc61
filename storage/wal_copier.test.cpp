#include "storage/wal_copier.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "storage/chain_store.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;
using namespace tc::test;

namespace {
std::string fresh(const char* name) {
  std::string p = temp_path(name);
  for (const char* s : {"", "-wal", "-shm"}) std::remove((p + s).c_str());
  return p;
}
// The database file alone, as a crash would leave it if the WAL were lost:
// its tip is whatever the checkpoints have copied so far.
uint64_t height_in_main_file(const std::string& path, const chain_builder& cb) {
  std::string copy = fresh("wal_copier_main_only.db");
  std::filesystem::copy_file(path, copy);
  auto cs = chain_store::open(copy, cb.genesis);
  REQUIRE_MESSAGE(cs.ok(), cs.error_message());
  return (*cs)->tip().height;
}
}  // namespace

TEST_CASE("a WAL copier refuses what has no WAL file") {
  auto mem = wal_copier::open(":memory:");
  CHECK_FALSE(mem.ok());
  auto missing = wal_copier::open(fresh("wal_copier_missing.db"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error_message().find("cannot open a WAL copier") != std::string::npos);
}

TEST_CASE("the WAL copier moves committed blocks into the database file on its own connection") {
  chain_builder cb;
  std::string path = fresh("wal_copier.db");
  auto w = chain_store::open(path, cb.genesis);
  REQUIRE_MESSAGE(w.ok(), w.error_message());
  chain_store& cs = **w;
  REQUIRE(cs.checkpoint_wal().ok());  // start from an empty WAL
  std::mt19937_64 rng(4);
  for (int i = 0; i < 6; ++i) REQUIRE(cb.connect(cs, cb.next_block(cs, rng, 5)).ok());
  CHECK(height_in_main_file(path, cb) == 0);
  auto copier = wal_copier::open(path);
  REQUIRE_MESSAGE(copier.ok(), copier.error_message());

  auto c = (*copier)->copy();
  REQUIRE_MESSAGE(c.ok(), c.error_message());
  CHECK(c->wal_frames == cs.wal_frames());
  CHECK(c->copied_frames == c->wal_frames);
  CHECK(height_in_main_file(path, cb) == cs.tip().height);

  SUBCASE("an open snapshot keeps its frames in the WAL; the next copy takes them") {
    auto r = cs.open_reader();
    REQUIRE(r.ok());
    REQUIRE((*r)->begin_snapshot().ok());
    uint64_t seen = cs.tip().height;
    for (int i = 0; i < 3; ++i) REQUIRE(cb.connect(cs, cb.next_block(cs, rng, 5)).ok());
    c = (*copier)->copy();
    REQUIRE(c.ok());
    CHECK(c->copied_frames < c->wal_frames);
    CHECK(height_in_main_file(path, cb) == seen);
    (*r)->end_snapshot();
    c = (*copier)->copy();
    REQUIRE(c.ok());
    CHECK(c->copied_frames == c->wal_frames);
    CHECK(height_in_main_file(path, cb) == cs.tip().height);
  }
  SUBCASE("after a copy the writer's restart has nothing left to copy and reuses the WAL") {
    REQUIRE(cs.checkpoint_wal().ok());
    CHECK(cs.wal_frames() == 0);
    REQUIRE(cb.connect(cs, cb.next_block(cs, rng, 5)).ok());
    CHECK(cs.wal_frames() > 0);
    CHECK(cs.wal_frames() < c->wal_frames);  // written from the WAL's start again
  }
  SUBCASE("copies on another thread while the writer keeps committing") {
    int copies = 0;
    bool failed = false;
    std::thread t([&] {
      for (int i = 0; i < 20; ++i) {
        auto x = (*copier)->copy();
        failed |= !x.ok();
        copies += x.ok();
      }
    });
    for (int i = 0; i < 10; ++i) REQUIRE(cb.connect(cs, cb.next_block(cs, rng, 5)).ok());
    t.join();
    CHECK_FALSE(failed);
    CHECK(copies == 20);
    c = (*copier)->copy();
    REQUIRE(c.ok());
    CHECK(c->copied_frames == c->wal_frames);
    CHECK(height_in_main_file(path, cb) == cs.tip().height);
  }
}
