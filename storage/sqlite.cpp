#include "storage/sqlite.hpp"

#include <algorithm>

namespace tc::sql {

statement& statement::operator=(statement&& o) noexcept {
  if (this != &o) {
    if (s_) sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

statement::~statement() {
  if (s_) sqlite3_finalize(s_);
}

statement& statement::bind(int i, int64_t v) {
  TC_ASSERT(sqlite3_bind_int64(s_, i, v) == SQLITE_OK);
  return *this;
}
statement& statement::bind(int i, byte_view v) {
  // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
  TC_ASSERT(sqlite3_bind_blob(s_, i, v.size ? v.data : reinterpret_cast<const uint8_t*>(""),
                              static_cast<int>(v.size), SQLITE_TRANSIENT) == SQLITE_OK);
  return *this;
}
statement& statement::bind(int i, const std::string& v) {
  TC_ASSERT(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) ==
            SQLITE_OK);
  return *this;
}
statement& statement::bind_null(int i) {
  TC_ASSERT(sqlite3_bind_null(s_, i) == SQLITE_OK);
  return *this;
}

result<bool> statement::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string msg = sqlite3_errmsg(db_);
  sqlite3_reset(s_);
  return make_error("sqlite: " + msg);
}

status statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.take_error();
    if (!*r) break;
  }
  reset();
  return ok_status();
}

void statement::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

byte_view statement::col_blob(int i) const {
  const void* p = sqlite3_column_blob(s_, i);
  int n = sqlite3_column_bytes(s_, i);
  return byte_view(static_cast<const uint8_t*>(p), static_cast<size_t>(n));
}

std::string statement::col_text(int i) const {
  const unsigned char* p = sqlite3_column_text(s_, i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(s_, i)))
           : std::string();
}

result<std::unique_ptr<database>> database::open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return make_error(msg);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<database>(new database(db));
}

cached_statement::~cached_statement() {
  if (!e_) return;
  e_->st.reset();
  e_->lent = false;
}

database::~database() {
  TC_ASSERT(std::none_of(lru_.begin(), lru_.end(), [](const auto& e) { return e.lent; }));
  lru_.clear();  // finalized before the connection closes
  sqlite3_close_v2(db_);
}

result<cached_statement> database::cached(const std::string& sql) {
  return cached(sql, [&] { return sql; });
}

result<cached_statement> database::cached(const std::string& key,
                                          const std::function<std::string()>& make) {
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    TC_ASSERT(!it->second->lent);  // two handles on one statement would interleave its steps
    lru_.splice(lru_.begin(), lru_, it->second);
    return cached_statement(&*it->second);
  }
  auto made = prepare(make());
  if (!made) return made.take_error();
  if (lru_.size() >= statement_cache_capacity) {
    // Every lent handle is in use on this thread right now, so a few at most.
    auto victim = std::find_if(lru_.rbegin(), lru_.rend(), [](const auto& e) { return !e.lent; });
    TC_ASSERT(victim != lru_.rend());
    by_key_.erase(victim->key);
    lru_.erase(std::next(victim).base());
  }
  lru_.push_front({key, std::move(made).value(), false});
  by_key_.emplace(key, lru_.begin());
  return cached_statement(&lru_.front());
}

status database::exec_cached(const std::string& sql) {
  auto st = cached(sql);
  if (!st) return st.take_error();
  return (*st)->run();
}

status database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return make_error("sqlite: " + msg);
  }
  return ok_status();
}

result<statement> database::prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    return make_error("sqlite: " + std::string(sqlite3_errmsg(db_)) + " in: " + sql);
  return statement(db_, s);
}

result<int64_t> database::query_int(const std::string& sql) {
  auto st = prepare(sql);
  if (!st) return st.take_error();
  auto row = st->step();
  if (!row) return row.take_error();
  if (!*row) return make_error("no row from: " + sql);
  return st->col_int(0);
}

result<std::string> database::query_text(const std::string& sql) {
  auto st = prepare(sql);
  if (!st) return st.take_error();
  auto row = st->step();
  if (!row) return row.take_error();
  if (!*row) return make_error("no row from: " + sql);
  return st->col_text(0);
}

}  // namespace tc::sql
