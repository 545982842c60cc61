#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared
// statements, errors as values carrying SQLite's message.

#include <sqlite3.h>

#include <memory>
#include <string>

#include "crypto/bytes.hpp"

namespace tc::sql {

class statement {
 public:
  statement() = default;
  statement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  statement(statement&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  statement& operator=(statement&& o) noexcept;
  ~statement();

  bool valid() const { return s_ != nullptr; }
  statement& bind(int i, int64_t v);
  statement& bind(int i, byte_view v);
  statement& bind(int i, const std::string& v);
  statement& bind_null(int i);
  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> error.
  result<bool> step();
  status run();  // step to completion, then reset
  void reset();

  int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
  byte_view col_blob(int i) const;
  std::string col_text(int i) const;
  bool col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class database {
 public:
  // flags: SQLITE_OPEN_READWRITE [| SQLITE_OPEN_CREATE]
  static result<std::unique_ptr<database>> open(const std::string& path, int flags);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  status exec(const std::string& sql);
  result<statement> prepare(const std::string& sql);
  // A single integer or text from a one-row query (PRAGMAs and counts).
  result<int64_t> query_int(const std::string& sql);
  result<std::string> query_text(const std::string& sql);
  std::string last_error() const { return sqlite3_errmsg(db_); }
  sqlite3* raw() { return db_; }
  // Rows changed through this connection since it opened.
  int64_t total_changes() { return sqlite3_total_changes64(db_); }

 private:
  explicit database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class transaction_guard {
 public:
  explicit transaction_guard(database& db) : db_(db) {}
  status begin() {
    auto s = db_.exec("BEGIN IMMEDIATE");
    active_ = s.ok();
    return s;
  }
  status commit() {
    auto s = db_.exec("COMMIT");
    if (s.ok()) active_ = false;
    return s;
  }
  ~transaction_guard() {
    if (active_) (void)db_.exec("ROLLBACK");
  }

 private:
  database& db_;
  bool active_ = false;
};

}  // namespace tc::sql
