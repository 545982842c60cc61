#include "storage/sqlite.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
std::unique_ptr<sql::database> open_fresh(const char* name) {
  std::string p = test::temp_path(name);
  for (const char* s : {"", "-wal", "-shm"}) std::remove((p + s).c_str());
  auto db = sql::database::open(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  REQUIRE_MESSAGE(db.ok(), db.error_message());
  REQUIRE((*db)->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER)").ok());
  return std::move(db).value();
}
}  // namespace

TEST_CASE("a cached statement is prepared once and reused") {
  auto db = open_fresh("sqlite_cache_reuse.db");
  auto count_stmts = [&] {
    int n = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db->raw(), nullptr); s;
         s = sqlite3_next_stmt(db->raw(), s))
      ++n;
    return n;
  };
  for (int i = 0; i < 10; ++i) {
    auto ins = db->cached("INSERT INTO t (k, v) VALUES (?, ?)");
    REQUIRE(ins.ok());
    REQUIRE((*ins)->bind(1, int64_t(i)).bind(2, int64_t(i * i)).run().ok());
  }
  CHECK(db->cached_count() == 1);
  CHECK(count_stmts() == 1);
  auto sum = db->query_int("SELECT SUM(v) FROM t");
  REQUIRE(sum.ok());
  CHECK(*sum == 285);

  SUBCASE("a key with a lazily made text") {
    int made = 0;
    for (int i = 0; i < 3; ++i) {
      auto st = db->cached("count*", [&] {
        ++made;
        return std::string("SELECT COUNT(*) FROM t");
      });
      REQUIRE(st.ok());
      auto row = (*st)->step();
      REQUIRE((row.ok() && *row));
      CHECK((*st)->col_int(0) == 10);
    }
    CHECK(made == 1);
  }
  SUBCASE("a bad text is an error, not a cache entry") {
    auto bad = db->cached("SELECT nonsense FROM nowhere");
    CHECK_FALSE(bad.ok());
    CHECK(db->cached_count() == 1);
  }
}

TEST_CASE("the statement cache is bounded and keeps what is lent out") {
  auto db = open_fresh("sqlite_cache_bound.db");
  const size_t cap = sql::database::statement_cache_capacity;
  auto first = db->cached("SELECT 0");  // lent for the whole test
  REQUIRE(first.ok());
  for (size_t i = 1; i < 3 * cap; ++i) {
    auto st = db->cached("SELECT " + std::to_string(i));
    REQUIRE(st.ok());
    auto row = (*st)->step();
    REQUIRE((row.ok() && *row));
    CHECK((*st)->col_int(0) == int64_t(i));
    CHECK(db->cached_count() <= cap);
  }
  CHECK(db->cached_count() == cap);
  // The lent statement survived every eviction and still works.
  auto row = (*first)->step();
  REQUIRE((row.ok() && *row));
  CHECK((*first)->col_int(0) == 0);
}

TEST_CASE("a cached statement's handle ends its read when it goes") {
  auto db = open_fresh("sqlite_cache_reset.db");
  REQUIRE(db->exec("INSERT INTO t (k, v) VALUES (1, 1), (2, 2)").ok());
  sqlite3_stmt* raw = nullptr;
  {
    auto st = db->cached("SELECT v FROM t ORDER BY k");
    REQUIRE(st.ok());
    auto row = (*st)->step();  // one row of two: the statement is mid-read
    REQUIRE((row.ok() && *row));
    raw = sqlite3_next_stmt(db->raw(), nullptr);
    CHECK(sqlite3_stmt_busy(raw) != 0);
  }
  CHECK(sqlite3_stmt_busy(raw) == 0);
  // With no statement mid-read, an explicit transaction can end.
  REQUIRE(db->exec_cached("BEGIN").ok());
  {
    auto st = db->cached("SELECT v FROM t ORDER BY k");
    REQUIRE(st.ok());
    REQUIRE((*st)->step().ok());
  }
  CHECK(db->exec_cached("COMMIT").ok());
  CHECK(sqlite3_get_autocommit(db->raw()) != 0);
}
