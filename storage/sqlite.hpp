#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared
// statements, errors as values carrying SQLite's message.

#include <sqlite3.h>

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

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

// A statement lent by database::cached(). Reset (bindings cleared) when the
// handle goes, so that a cached SELECT never holds its read transaction open
// (a reader's snapshot must end, or the WAL cannot be copied back).
class cached_statement {
 public:
  struct entry {
    std::string key;
    statement st;
    bool lent = false;
  };
  explicit cached_statement(entry* e) : e_(e) { e_->lent = true; }
  cached_statement(cached_statement&& o) noexcept : e_(o.e_) { o.e_ = nullptr; }
  cached_statement& operator=(cached_statement&&) = delete;
  ~cached_statement();
  statement* operator->() const { return &e_->st; }
  statement& operator*() const { return e_->st; }

 private:
  entry* e_;
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
  // The statement for `sql`, prepared once and kept: SQLite parses and plans
  // a statement at every prepare, and the hot paths (a block's writes, a
  // reader's snapshot) run the same texts over and over. Bounded at
  // statement_cache_capacity: the least recently used statement not lent
  // out is finalized first. The same statement cannot be lent twice at once.
  result<cached_statement> cached(const std::string& sql);
  // The same, keyed by a short name: `make` builds the text only when the
  // statement is not cached (texts of hundreds of placeholders).
  result<cached_statement> cached(const std::string& key, const std::function<std::string()>& make);
  // A statement without result rows (BEGIN, COMMIT), through the cache.
  status exec_cached(const std::string& sql);
  size_t cached_count() const { return lru_.size(); }
  static constexpr size_t statement_cache_capacity = 64;
  // A single integer or text from a one-row query (PRAGMAs and counts).
  result<int64_t> query_int(const std::string& sql);
  result<std::string> query_text(const std::string& sql);
  std::string last_error() const { return sqlite3_errmsg(db_); }
  sqlite3* raw() { return db_; }
  // Rows changed through this connection since it opened.
  int64_t total_changes() { return sqlite3_total_changes64(db_); }
  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int64_t changes() { return sqlite3_changes64(db_); }

 private:
  explicit database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  // Most recently used first. The destructor clears it before closing the
  // connection, so every cached statement is finalized first.
  std::list<cached_statement::entry> lru_;
  std::unordered_map<std::string, std::list<cached_statement::entry>::iterator> by_key_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class transaction_guard {
 public:
  explicit transaction_guard(database& db) : db_(db) {}
  status begin() {
    auto s = db_.exec_cached("BEGIN IMMEDIATE");
    active_ = s.ok();
    return s;
  }
  status commit() {
    auto s = db_.exec_cached("COMMIT");
    if (s.ok()) active_ = false;
    return s;
  }
  ~transaction_guard() {
    if (active_) (void)db_.exec_cached("ROLLBACK");
  }

 private:
  database& db_;
  bool active_ = false;
};

}  // namespace tc::sql
