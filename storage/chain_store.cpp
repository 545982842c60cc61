#include "storage/chain_store.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <unordered_map>

#include "crypto/hash.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "messages/validation.hpp"
#include "storage/schema.hpp"
#include "storage/undo.hpp"

namespace tc {

namespace {

std::string corrupt_advice(const std::string& path, const std::string& detail) {
  return "database " + path + " is damaged (" + detail +
         "). Nothing was changed. Stop the node, move the file away (mv " + path + " " + path +
         ".corrupt, with its -wal and -shm files) and start again to re-sync from peers, or "
         "restore a backup.";
}

// Checks the file before SQLite touches it, so a foreign file is never
// turned into a database by accident.
status check_existing_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ok_status();
  if (!S_ISREG(st.st_mode)) return make_error("database " + path + " is not a regular file");
  if (st.st_size == 0) return ok_status();  // created but never written: treat as new
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  if (in.gcount() < 16 || std::memcmp(header, "SQLite format 3\0", 16) != 0)
    return make_error("database " + path +
                      " is not an SQLite database (foreign or truncated file). Nothing was "
                      "changed. Point --datadir at the right directory, or move this file away.");
  if (st.st_size < 512 || st.st_size % 512 != 0)
    return make_error(corrupt_advice(
        path, "file size " + std::to_string(st.st_size) + " is not a whole number of pages"));
  return ok_status();
}

// The index key for an owner: its first 8 bytes as a signed integer. Keys are
// uniformly random, so collisions are rare and the query re-checks owner.
int64_t owner_tag(const pubkey& owner) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | owner.v[static_cast<size_t>(i)];
  return static_cast<int64_t>(v);
}

masternode read_masternode(const sql::statement& s) {
  masternode m;
  m.operator_key = pubkey::from_view(s.col_blob(0));
  m.owner = pubkey::from_view(s.col_blob(1));
  m.tier = static_cast<mn_tier>(s.col_int(2));
  m.collateral = outpoint_from_key(s.col_blob(3));
  m.net_address = s.col_text(4);
  m.registered_height = static_cast<uint64_t>(s.col_int(5));
  if (!s.col_null(6)) m.removed_height = static_cast<uint64_t>(s.col_int(6));
  m.slashed = s.col_int(7) != 0;
  return m;
}

status write_masternode(sql::database& db, const pubkey& key, const std::optional<masternode>& m) {
  if (!m) {
    auto del = db.prepare("DELETE FROM masternodes WHERE operator_key = ?");
    if (!del) return del.take_error();
    return del->bind(1, key).run();
  }
  auto st = db.prepare(
      "INSERT OR REPLACE INTO masternodes (operator_key, owner, tier, collateral, net_address, "
      "registered_height, removed_height, slashed) VALUES (?,?,?,?,?,?,?,?)");
  if (!st) return st.take_error();
  st->bind(1, key).bind(2, m->owner).bind(3, int64_t(m->tier));
  st->bind(4, outpoint_key(m->collateral)).bind(5, m->net_address);
  st->bind(6, int64_t(m->registered_height));
  if (m->removed_height)
    st->bind(7, int64_t(*m->removed_height));
  else
    st->bind_null(7);
  st->bind(8, int64_t(m->slashed));
  return st->run();
}

// Executes head + "(?,?),(?,?),..." + tail in statements of 256, 128, ..., 1
// rows: the count's binary digits, so that each kind has at most nine texts
// in the connection's statement cache whatever the counts. Multi-row
// statements cut SQLite's per-statement work, which dominates when a block
// writes tens of thousands of rows.
template <class Bind>
status run_batched(sql::database& db, const std::string& head, const std::string& row,
                   const std::string& tail, size_t rows, int vars_per_row, Bind bind_row) {
  constexpr size_t batch = 256;
  for (size_t start = 0; start < rows;) {
    size_t n = batch;
    while (n > rows - start) n /= 2;
    auto st = db.cached(head + '*' + std::to_string(n), [&] {
      std::string text = head;
      for (size_t i = 0; i < n; ++i) text += (i ? "," : "") + row;
      return text + tail;
    });
    if (!st) return st.take_error();
    for (size_t i = 0; i < n; ++i)
      bind_row(**st, static_cast<int>(i) * vars_per_row + 1, start + i);
    TC_TRY((*st)->run());
    start += n;
  }
  return ok_status();
}

// A committed block's delta rebuilt from what is stored: the undo row holds
// the outputs it spent; it created its txs' outputs that it did not spend.
utxo_delta_ptr delta_of(const block& b, block_undo undo, uint64_t height) {
  auto d = std::make_shared<utxo_delta>();
  d->height = height;
  d->block = block_hash(b.header);
  d->parent = b.header.prev_hash;
  d->spent = std::move(undo.spent);
  std::unordered_set<outpoint, outpoint_hasher> spent_here;
  for (const auto& tx : b.txs)
    for (const auto& in : tx.inputs) spent_here.insert(in.prev);
  d->txs.reserve(b.txs.size());
  for (uint32_t i = 0; i < b.txs.size(); ++i) {
    const auto& tx = b.txs[i];
    hash256 id = txid(tx);
    d->txs.push_back({id, i});
    for (uint32_t j = 0; j < tx.outputs.size(); ++j)
      if (!spent_here.count({id, j})) d->created.push_back({{id, j}, {tx.outputs[j], height}});
  }
  std::sort(d->txs.begin(), d->txs.end());
  return d;
}

}  // namespace

chain_store::~chain_store() {
  // A clean close leaves nothing to replay; if this fails, the next open
  // replays the blocks above the flushed height instead.
  if (db_ && !reader_) (void)flush_utxos();
}

result<std::unique_ptr<chain_store>> chain_store::open(const std::string& path,
                                                       const genesis_spec& genesis,
                                                       const open_options& opt) {
  std::unique_ptr<chain_store> cs(new chain_store());
  cs->path_ = path;
  cs->params_ = genesis.params;
  block gblock = make_genesis_block(genesis);
  cs->genesis_hash_ = block_hash(gblock.header);
  cs->params_.domain = signing_domain(cs->params_.chain_id, cs->genesis_hash_);
  for (const auto& tx : gblock.txs)
    for (const auto& o : tx.outputs) cs->params_.genesis_supply += o.value;

  bool in_memory = path == ":memory:";
  struct stat st {};
  bool exists = !in_memory && ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
  if (!in_memory) TC_TRY(check_existing_file(path));
  if (!exists && !in_memory && !opt.create_if_missing)
    return make_error("database " + path + " does not exist");

  int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
  auto db = sql::database::open(path, flags);
  if (!db) return make_error("cannot open database " + path + ": " + db.error_message());
  cs->db_ = std::move(db).value();
  auto& d = *cs->db_;
  // Normal (not exclusive) locking: the admission path reads through a
  // second connection (open_reader). The writer's hot work runs inside
  // explicit transactions, so per-statement lock costs stay off it.

  int64_t version = 0;
  bool initialized = false;
  if (exists) {
    auto f = cs->check_header(opt.quick_check);
    if (!f) return f.take_error();
    version = f->version;
    initialized = f->initialized;
  }
  // Larger pages: fewer B-tree levels and splits for the UTXO and index trees
  // (only takes effect when the file is created).
  if (!exists) TC_TRY(d.exec("PRAGMA page_size = 16384"));
  // FULL: a committed block survives power loss, not just a process crash.
  TC_TRY(
      d.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
             "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY"));
  // Replaces SQLite's automatic checkpoint (see checkpoint_wal).
  cs->wal_checkpoint_frames_ = opt.wal_checkpoint_frames;
  sqlite3_wal_hook(d.raw(), &chain_store::wal_commit_hook, cs.get());
  for (int64_t v = version; v < opt.migrate_to; ++v) {
    sql::transaction_guard tx(d);
    TC_TRY(tx.begin());
    auto s = d.exec(migrations()[static_cast<size_t>(v)] +
                    "; PRAGMA user_version = " + std::to_string(v + 1));
    if (!s)
      return make_error("migrating " + path + " to schema " + std::to_string(v + 1) +
                        " failed: " + s.error_message());
    TC_TRY(tx.commit());
  }
  if (!initialized) TC_TRY(cs->init_new(genesis));
  TC_TRY(cs->ensure_utxo_rows());
  // Schema 2 added the index; the tests that open older schemas keep theirs.
  if (opt.migrate_to >= 2) TC_TRY(cs->set_address_index(opt.address_index));
  TC_TRY(cs->prepare_statements());
  TC_TRY(cs->load());
  TC_TRY(cs->check_rows_match_tip());
  cs->utxo_cache_bytes_ = opt.utxo_cache_mb << 20;
  cs->utxo_flush_blocks_ = opt.utxo_flush_blocks;
  cs->catch_up_flush_blocks_ = opt.catch_up_flush_blocks;
  cs->reader_mmap_mb_ = opt.reader_mmap_mb;
  cs->recent_ = recent_utxos(opt.utxo_recent_entries);
  TC_TRY(cs->replay_utxo_cache());
  return cs;
}

// The UTXO table's row count, kept in meta by every write to the table, so
// that utxo_count (the status line's, every tick) reads one row instead of
// scanning the table. Counted once for files written before it was kept.
status chain_store::ensure_utxo_rows() {
  // Not INSERT OR IGNORE ... SELECT COUNT(*): that counts at every open, and
  // the scan's pages stay in the page cache (idle RSS 114 against 40 MB on a
  // restarted node with 600k outputs).
  auto has = db_->query_int("SELECT COUNT(*) FROM meta WHERE key = 'utxo_rows'");
  if (!has) return make_error(corrupt_advice(path_, has.error_message()));
  if (*has) return ok_status();
  return db_->exec("INSERT INTO meta (key, value) SELECT 'utxo_rows', COUNT(*) FROM utxos");
}

status chain_store::add_utxo_rows(int64_t n) {
  if (n == 0) return ok_status();
  auto st = db_->cached("UPDATE meta SET value = value + ? WHERE key = 'utxo_rows'");
  if (!st) return st.take_error();
  return (*st)->bind(1, n).run();
}

// The table holds the UTXO set as of this height; absent (files written
// before the cache, or never flushed since genesis): as of the tip.
result<uint64_t> chain_store::read_flushed_height() {
  auto st = db_->prepare("SELECT value FROM meta WHERE key = 'utxo_flushed'");
  if (!st) return make_error(corrupt_advice(path_, st.error_message()));
  auto row = st->step();
  if (!row) return make_error(corrupt_advice(path_, row.error_message()));
  if (!*row) return tip_.height;
  int64_t h = st->col_int(0);
  if (h < 0 || uint64_t(h) > tip_.height)
    return make_error(corrupt_advice(path_, "the UTXO set is marked flushed at height " +
                                                std::to_string(h) + ", above the tip " +
                                                std::to_string(tip_.height)));
  return uint64_t(h);
}

// A committed block's delta, rebuilt from its stored block and undo row.
result<utxo_delta_ptr> chain_store::load_delta(uint64_t height) {
  auto b = get_block(height);
  if (!b)
    return make_error(
        corrupt_advice(path_, "block " + std::to_string(height) + ": " + b.error_message()));
  auto und = db_->prepare("SELECT data FROM undo WHERE height = ?");
  if (!und) return und.take_error();
  und->bind(1, int64_t(height));
  auto row = und->step();
  if (!row || !*row)
    return make_error(corrupt_advice(path_, "undo data missing at " + std::to_string(height)));
  auto u = decode_undo(und->col_blob(0));
  if (!u) return make_error(corrupt_advice(path_, u.error_message()));
  return delta_of(*b, std::move(*u), height);
}

// After a crash the table lags the blocks: their deltas go back into the
// cache (no validation: they were validated when committed). The reader
// does the same for a block whose delta message has not reached it yet, so
// that a snapshot never mixes a tip with an older UTXO set.
status chain_store::catch_up_utxo_cache() {
  for (uint64_t h = cache_.top() + 1; h <= tip_.height; ++h) {
    auto d = load_delta(h);
    if (!d) return d.take_error();
    cache_.add(std::move(*d));
  }
  return ok_status();
}

status chain_store::replay_utxo_cache() {
  auto flushed = read_flushed_height();
  if (!flushed) return flushed.take_error();
  cache_ = utxo_delta_chain{};
  cache_.set_flushed(*flushed);
  return catch_up_utxo_cache();
}

// Everything about an existing file that decides whether it is ours, in a
// state this timed can use, and of this chain: read before anything is
// written (no pragma that writes, no migration).
result<chain_store::file_state> chain_store::check_header(bool quick_check) {
  auto& d = *db_;
  auto app = d.query_int("PRAGMA application_id");
  if (!app) return make_error(corrupt_advice(path_, app.error_message()));
  auto ver = d.query_int("PRAGMA user_version");
  if (!ver) return make_error(corrupt_advice(path_, ver.error_message()));
  auto enc = d.query_text("PRAGMA encoding");
  if (!enc) return make_error(corrupt_advice(path_, enc.error_message()));
  if (*app != application_id)
    return make_error("database " + path_ + " belongs to another program (SQLite application_id " +
                      std::to_string(*app) +
                      "). Nothing was changed. Point --datadir at a timed data directory.");
  if (*ver > schema_version)
    return make_error("database " + path_ + " has schema version " + std::to_string(*ver) +
                      ", newer than this timed understands (" + std::to_string(schema_version) +
                      "). Nothing was changed. Upgrade timed, or use another --datadir.");
  // Our application id is set by the first migration, in the same
  // transaction that makes the version 1: anything below is not a state
  // timed ever leaves a file in.
  if (*ver < 1)
    return make_error(corrupt_advice(
        path_, "schema version " + std::to_string(*ver) + " with timed's application id"));
  if (*enc != "UTF-8")
    return make_error(corrupt_advice(path_, "text encoding " + *enc + ", not UTF-8"));
  auto initialized = check_genesis();
  if (!initialized) return initialized.take_error();
  if (quick_check) {
    auto qc = d.query_text("PRAGMA quick_check");
    if (!qc) return make_error(corrupt_advice(path_, qc.error_message()));
    if (*qc != "ok") return make_error(corrupt_advice(path_, "integrity check: " + *qc));
  }
  return file_state{*ver, *initialized};
}

result<bool> chain_store::check_genesis() {
  auto gh = db_->prepare("SELECT value FROM meta WHERE key = 'genesis_hash'");
  if (!gh) return make_error(corrupt_advice(path_, gh.error_message()));
  auto row = gh->step();
  if (!row) return make_error(corrupt_advice(path_, row.error_message()));
  if (!*row) {
    // The schema was made but the genesis never written (a first start
    // that stopped between the two): new, unless it holds blocks.
    auto blocks = db_->query_int("SELECT COUNT(*) FROM blocks");
    if (!blocks || *blocks != 0)
      return make_error(corrupt_advice(path_, "blocks but no genesis hash are recorded"));
    return false;
  }
  // The chain id is read back to name the chain the file holds: the genesis
  // hash already commits to it, so a mismatch alone is corruption.
  auto id = db_->prepare("SELECT value FROM meta WHERE key = 'chain_id'");
  if (!id) return make_error(corrupt_advice(path_, id.error_message()));
  auto id_row = id->step();
  if (!id_row || !*id_row) return make_error(corrupt_advice(path_, "no chain id is recorded"));
  auto raw = id->col_blob(0);
  std::string stored(reinterpret_cast<const char*>(raw.data), raw.size);
  if (gh->col_blob(0).size != 32 || hash256::from_view(gh->col_blob(0)) != genesis_hash_)
    return make_error("database " + path_ + " belongs to another chain (chain id '" + stored +
                      "'; its genesis is not " + genesis_hash_.hex() + " of '" + params_.chain_id +
                      "'). Nothing was changed. Check --network and the genesis file.");
  if (stored != params_.chain_id)
    return make_error(corrupt_advice(path_, "the recorded chain id '" + stored +
                                                "' does not match its genesis ('" +
                                                params_.chain_id + "')"));
  return true;
}

status chain_store::set_address_index(bool on) {
  auto has = db_->query_int(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'utxos_by_owner'");
  if (!has) return make_error(corrupt_advice(path_, has.error_message()));
  if (on && *has == 0) {
    // The outpoint in the index keeps listunspent's order without a sort.
    auto s = db_->exec("CREATE INDEX utxos_by_owner ON utxos (owner_tag, outpoint)");
    if (!s) return make_error("building the address index failed: " + s.error_message());
  }
  if (!on && *has != 0) TC_TRY(db_->exec("DROP INDEX utxos_by_owner"));
  address_index_ = on;
  return ok_status();
}

int chain_store::wal_commit_hook(void* self, sqlite3*, const char*, int frames) {
  static_cast<chain_store*>(self)->wal_frames_ = frames;
  return SQLITE_OK;
}

status chain_store::checkpoint_wal(checkpoint_mode mode) {
  TC_ASSERT(!reader_);
  sqlite3* db = db_->raw();
  sqlite3_busy_timeout(db, 0);  // a reader in the way: fail now, retry later
  int log = 0, done = 0;
  int how = mode == checkpoint_mode::passive   ? SQLITE_CHECKPOINT_PASSIVE
            : mode == checkpoint_mode::restart ? SQLITE_CHECKPOINT_RESTART
                                               : SQLITE_CHECKPOINT_TRUNCATE;
  int rc = sqlite3_wal_checkpoint_v2(db, nullptr, how, &log, &done);
  sqlite3_busy_timeout(db, 5000);
  if (rc == SQLITE_OK && mode == checkpoint_mode::passive) return ok_status();
  if (rc == SQLITE_OK) {
    wal_frames_ = 0;
    return ok_status();
  }
  return make_error("WAL checkpoint of " + path_ + ": " + sqlite3_errstr(rc) + " (" +
                    std::to_string(done) + " of " + std::to_string(log) + " frames copied)");
}

status chain_store::prepare_statements() {
  // The table is keyed by creation height: the tx index says which.
  auto get = db_->prepare(
      "SELECT u.value, u.owner, u.height FROM txindex t JOIN utxos u "
      "ON u.height = t.height AND u.outpoint = ?2 WHERE t.txid = ?1");
  if (!get) return get.take_error();
  get_utxo_ = std::move(get).value();
  return ok_status();
}

result<std::unique_ptr<chain_store>> chain_store::open_reader() const {
  if (path_ == ":memory:" || path_.empty())
    return make_error("an in-memory database has no second connection");
  std::unique_ptr<chain_store> cs(new chain_store());
  cs->path_ = path_;
  cs->reader_ = true;
  cs->address_index_ = address_index_;
  cs->params_ = params_;
  cs->genesis_hash_ = genesis_hash_;
  auto db = sql::database::open(path_, SQLITE_OPEN_READONLY);
  if (!db) return make_error("cannot open a reader on " + path_ + ": " + db.error_message());
  cs->db_ = std::move(db).value();
  // Admission reads random UTXO rows; the OS page cache holds the rest, and
  // the mapping (open_options::reader_mmap_mb) spares copying it page by page.
  TC_TRY(cs->db_->exec("PRAGMA cache_size = -16384; PRAGMA mmap_size = " +
                       std::to_string(reader_mmap_mb_ << 20)));
  TC_TRY(cs->prepare_statements());
  TC_TRY(cs->load());
  // What the table does not hold yet: the reader starts from the writer's
  // deltas and takes the later ones as the chain actor commits them.
  cs->cache_ = cache_;
  cs->recent_ = recent_utxos(recent_.capacity());
  return cs;
}

status chain_store::begin_snapshot() {
  TC_ASSERT(reader_);
  TC_TRY(db_->exec_cached("BEGIN"));
  in_snapshot_ = true;
  {
    // Scoped: the statement is reset before load() reads.
    auto tip = db_->cached("SELECT hash FROM blocks ORDER BY height DESC LIMIT 1");
    if (!tip) return tip.take_error();
    sql::statement& t = **tip;
    auto row = t.step();
    if (!row) return make_error(corrupt_advice(path_, row.error_message()));
    if (!*row || t.col_blob(0).size != 32) return make_error(corrupt_advice(path_, "no tip block"));
    if (hash256::from_view(t.col_blob(0)) == tip_.hash) return ok_status();
  }
  locked_cache_.reset();
  // Same read transaction: tip, registry and flushed height agree. If any
  // step fails, the next snapshot starts over (an unknown tip hash), never
  // from a tip whose UTXO cache was left half updated.
  auto s = [&]() -> status {
    TC_TRY(load());
    auto flushed = read_flushed_height();
    if (!flushed) return flushed.take_error();
    cache_.set_flushed(*flushed);
    return catch_up_utxo_cache();
  }();
  if (!s) tip_.hash = hash256{};
  return s;
}

void chain_store::end_snapshot() {
  TC_ASSERT(reader_);
  (void)db_->exec_cached("COMMIT");
  in_snapshot_ = false;
}

status chain_store::init_new(const genesis_spec& g) {
  block gb = make_genesis_block(g);
  sql::transaction_guard tx(*db_);
  TC_TRY(tx.begin());
  auto meta = db_->prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  if (!meta) return meta.take_error();
  TC_TRY(meta->bind(1, std::string("genesis_hash")).bind(2, genesis_hash_).run());
  TC_TRY(meta->bind(1, std::string("chain_id")).bind(2, byte_view::of(g.params.chain_id)).run());
  // The UTXO cache's mark (files from before the cache have none: their
  // table was always written through, up to the tip).
  TC_TRY(meta->bind(1, std::string("utxo_flushed")).bind(2, int64_t(0)).run());
  TC_TRY(apply_genesis(gb, g));
  return tx.commit();
}

status chain_store::apply_genesis(const block& gb, const genesis_spec& spec) {
  const transaction& gtx = gb.txs[0];
  hash256 id = txid(gtx);
  auto ins = db_->prepare(
      "INSERT INTO utxos (outpoint, owner_tag, value, owner, height) VALUES (?,?,?,?,0)");
  if (!ins) return ins.take_error();
  for (uint32_t i = 0; i < gtx.outputs.size(); ++i)
    TC_TRY(ins->bind(1, outpoint_key({id, i}))
               .bind(2, owner_tag(gtx.outputs[i].owner))
               .bind(3, gtx.outputs[i].value)
               .bind(4, gtx.outputs[i].owner)
               .run());
  uint32_t collateral_index = static_cast<uint32_t>(spec.allocations.size());
  for (const auto& gm : spec.masternodes) {
    masternode m;
    m.operator_key = gm.operator_key;
    m.owner = gm.owner;
    m.tier = gm.tier;
    m.net_address = gm.net_address;
    if (gm.tier != mn_tier::free) m.collateral = {id, collateral_index++};
    TC_TRY(write_masternode(*db_, m.operator_key, m));
  }
  auto tx = db_->prepare("INSERT INTO txindex (txid, height, pos) VALUES (?, 0, 0)");
  if (!tx) return tx.take_error();
  TC_TRY(tx->bind(1, id).run());
  auto blk = db_->prepare(
      "INSERT INTO blocks (height, hash, timestamp_ms, data, cert) VALUES (0, ?, ?, ?, ?)");
  if (!blk) return blk.take_error();
  return blk->bind(1, genesis_hash_)
      .bind(2, int64_t(gb.header.timestamp_ms))
      .bind(3, encode_block(gb))
      .bind(4, encode_certificate({}))
      .run();
}

status chain_store::load() {
  auto t =
      db_->prepare("SELECT height, hash, timestamp_ms FROM blocks ORDER BY height DESC LIMIT 1");
  if (!t) return t.take_error();
  auto row = t->step();
  if (!row) return make_error(corrupt_advice(path_, row.error_message()));
  if (!*row || t->col_blob(1).size != 32) return make_error(corrupt_advice(path_, "no tip block"));
  tip_ = {static_cast<uint64_t>(t->col_int(0)), hash256::from_view(t->col_blob(1)),
          static_cast<uint64_t>(t->col_int(2))};
  registry_.clear();
  auto mn = db_->prepare(
      "SELECT operator_key, owner, tier, collateral, net_address, registered_height, "
      "removed_height, slashed FROM masternodes");
  if (!mn) return mn.take_error();
  for (;;) {
    auto r = mn->step();
    if (!r) return make_error(corrupt_advice(path_, r.error_message()));
    if (!*r) break;
    if (mn->col_blob(0).size != 32 || mn->col_blob(1).size != 32 || mn->col_blob(3).size != 36 ||
        mn->col_int(2) < 0 || mn->col_int(2) > 3)
      return make_error(corrupt_advice(path_, "malformed masternode row"));
    masternode m = read_masternode(*mn);
    registry_[m.operator_key] = m;
  }
  return ok_status();
}

result<std::optional<utxo_entry>> chain_store::find_utxo(const outpoint& o) {
  if (const auto* slot = cache_.overlay().find(o))
    return slot->live ? std::optional<utxo_entry>(slot->entry) : std::nullopt;
  if (const auto* slot = recent_.find(o, tip_.hash))
    return slot->live ? std::optional<utxo_entry>(slot->entry) : std::nullopt;
  get_utxo_.bind(1, o.txid).bind(2, outpoint_key(o));
  auto row = get_utxo_.step();
  std::optional<utxo_entry> out;
  if (row.ok() && *row) {
    if (get_utxo_.col_blob(1).size != 32) {
      get_utxo_.reset();
      return make_error(corrupt_advice(path_, "a UTXO row has an owner of the wrong size"));
    }
    out = utxo_entry{{get_utxo_.col_int(0), pubkey::from_view(get_utxo_.col_blob(1))},
                     static_cast<uint64_t>(get_utxo_.col_int(2))};
  }
  get_utxo_.reset();
  if (!row)
    return make_error(corrupt_advice(path_, "reading the UTXO set: " + row.error_message()));
  return out;
}

std::optional<utxo_entry> chain_store::get_utxo(const outpoint& o) {
  auto u = find_utxo(o);
  return u ? *u : std::nullopt;
}

// The state a block's transactions are checked against, one after another:
// the registry as they change it, the outputs they create and spend over the
// UTXO set (one read transaction: every lookup sees the same snapshot), and
// the collateral locked at the block's height. plan_block applies every tx
// and fails on the first invalid one; select_valid leaves invalid ones out.
class chain_store::tx_applier {
 public:
  tx_applier(chain_store& store, connect_plan& plan, uint64_t height, size_t n_in, size_t n_out)
      : store_(store), plan_(plan), height_(height) {
    plan_.working = store_.registry_;
    plan_.overlay.reserve(n_in + n_out);
    fetched_.reserve(n_in);
    plan_.undo.spent.reserve(n_in);
    locked_ = locked_collateral(plan_.working, height_, store_.params_.validator_set_delay);
    lookup_ = [this](const outpoint& o) -> std::optional<utxo_entry> {
      auto it = plan_.overlay.find(o);
      if (it != plan_.overlay.end()) return it->second;
      auto f = fetched_.find(o);
      if (f != fetched_.end()) return f->second;
      auto u = store_.find_utxo(o);
      if (!u) {
        db_error_ = u.error_message();  // reported instead of "missing input"
        return std::optional<utxo_entry>{};
      }
      if (*u) fetched_.emplace(o, **u);
      return *u;
    };
  }

  // Checks `tx` against the state so far and, when it is valid, applies it.
  // A database error is an error of its own (db_error()), never a verdict.
  result<amount> apply(const transaction& tx, const hash256& id, bool check_signatures) {
    const uint32_t delay = store_.params_.validator_set_delay;
    auto fee = check_tx_contextual(
        tx, id, lookup_, {store_.params_, plan_.working, locked_, height_, check_signatures});
    if (db_error_ || !fee) return fee;
    apply_registry_change(plan_.working, tx, lookup_, height_);
    // A registration adds its own lock (no registry walk per registration:
    // free-tier ones are cheap to send); a deregistration recomputes.
    if (tx.registration) {
      const masternode& m = plan_.working.at(tx.registration->operator_key);
      if (m.collateral_locked_at(height_, delay)) locked_.insert(m.collateral);
    } else if (tx.deregistration) {
      locked_ = locked_collateral(plan_.working, height_, delay);
    }
    for (const auto& in : tx.inputs) {
      auto it = plan_.overlay.find(in.prev);
      if (it == plan_.overlay.end()) plan_.undo.spent.push_back({in.prev, fetched_.at(in.prev)});
      plan_.overlay[in.prev] = std::nullopt;
    }
    for (uint32_t j = 0; j < tx.outputs.size(); ++j)
      plan_.overlay[{id, j}] = utxo_entry{tx.outputs[j], height_};
    return fee;
  }
  const std::optional<std::string>& db_error() const { return db_error_; }

 private:
  chain_store& store_;
  connect_plan& plan_;
  uint64_t height_;
  std::unordered_map<outpoint, utxo_entry, outpoint_hasher> fetched_;  // from SQLite
  std::set<outpoint> locked_;
  std::optional<std::string> db_error_;
  utxo_lookup lookup_;
};

result<connect_plan> chain_store::plan_block(const block& b, const connect_options& opt) {
  const block_header& h = b.header;
  if (h.height != tip_.height + 1)
    return make_error("block height " + std::to_string(h.height) + " does not extend tip " +
                      std::to_string(tip_.height));
  if (h.prev_hash != tip_.hash) return make_error("block's parent is not the tip");
  if (h.timestamp_ms <= tip_.timestamp_ms)
    return make_error("block timestamp is not after its parent's");
  if (h.timestamp_ms > opt.now_ms + params_.max_future_drift_ms)
    return make_error("block timestamp is too far in the future");

  connect_plan plan;
  plan.source = &b;
  plan.parent = tip_.hash;
  plan.block_hash = block_hash(h);
  plan.digests =
      opt.digests && opt.digests->size() == b.txs.size() ? *opt.digests : digest_txs(b.txs);
  const std::vector<tx_digest>& digests = plan.digests;
  TC_TRY(check_block_stateless(b, &digests));
  std::vector<masternode> active = validators_at(h.height);

  sql::transaction_guard txn(*db_);
  TC_TRY(txn.begin());
  size_t n_in = 0, n_out = 0;
  for (const auto& tx : b.txs) n_in += tx.inputs.size(), n_out += tx.outputs.size();
  tx_applier state(*this, plan, h.height, n_in, n_out);
  amount fees = 0;
  for (size_t i = 1; i < b.txs.size(); ++i) {
    bool cached = opt.signatures_checked || (opt.verified && opt.verified->count(digests[i].wtxid));
    auto fee = state.apply(b.txs[i], digests[i].txid, !cached);
    if (state.db_error()) return make_error(*state.db_error());
    if (!fee)
      return make_error("tx " + std::to_string(i) + " (" + digests[i].txid.hex() +
                        "): " + fee.error_message());
    auto sum = checked_add(fees, *fee);
    if (!sum) return make_error("block fees overflow");
    fees = *sum;
  }
  TC_TRY(finish_plan(b, fees, active, plan));
  return plan;  // the guard rolls the read transaction back
}

// Evidence, the reward and the registry's undo: the parts of a block's
// validation that come after its transactions.
status chain_store::finish_plan(const block& b, amount fees, const std::vector<masternode>& active,
                                connect_plan& plan) {
  const block_header& h = b.header;
  registry& working = plan.working;
  for (const auto& e : b.evidence_list) {
    auto s = verify_evidence(params_.domain, e, working);
    if (!s) return make_error("evidence: " + s.error_message());
    apply_evidence(working, e.a.validator, h.height, params_);
  }
  auto expected = reward_outputs(params_, h.height, fees, h.proposer, active);
  if (!expected) return make_error("reward: " + expected.error_message());
  if (b.txs[0].outputs != *expected)
    return make_error("reward outputs do not pay block reward + fees (" +
                      format_amount(block_subsidy(params_, h.height) + fees) +
                      ") as the proposer/masternode split requires");
  for (uint32_t j = 0; j < b.txs[0].outputs.size(); ++j)
    plan.overlay[{plan.digests[0].txid, j}] = utxo_entry{b.txs[0].outputs[j], h.height};
  for (const auto& [key, m] : working) {
    auto old = registry_.find(key);
    if (old == registry_.end())
      plan.undo.registry_before.push_back({key, std::nullopt});
    else if (!(old->second == m))
      plan.undo.registry_before.push_back({key, old->second});
  }
  return ok_status();
}

result<tx_selection> chain_store::select_valid(const std::vector<const transaction*>& txs,
                                               const std::vector<hash256>& ids) {
  TC_ASSERT(txs.size() == ids.size());
  connect_plan scratch;
  sql::transaction_guard txn(*db_);
  TC_TRY(txn.begin());
  size_t n_in = 0, n_out = 0;
  for (const auto* tx : txs) n_in += tx->inputs.size(), n_out += tx->outputs.size();
  tx_applier state(*this, scratch, tip_.height + 1, n_in, n_out);
  tx_selection out;
  for (size_t i = 0; i < txs.size(); ++i) {
    auto fee = txs[i]->kind == tx_kind::reward || txs[i]->kind == tx_kind::genesis
                   ? result<amount>(make_error("reward and genesis txs only come in blocks"))
                   : state.apply(*txs[i], ids[i], false);
    if (state.db_error()) return make_error(*state.db_error());
    auto sum = fee ? checked_add(out.fees, *fee) : std::nullopt;
    if (!sum) {
      out.dropped.push_back({i, fee ? "fees overflow" : fee.error_message()});
      continue;
    }
    out.fees = *sum;
    out.kept.push_back(i);
  }
  return out;
}

status chain_store::connect_block(const block& b, const commit_certificate& cert,
                                  const connect_options& opt) {
  const block_header& h = b.header;
  hash256 bh = block_hash(h);
  if (cert.height != h.height || cert.block_hash != bh)
    return make_error("commit certificate does not name this block");
  connect_plan fresh;
  connect_plan* plan = opt.plan;
  if (!plan || plan->source != &b || plan->block_hash != bh || plan->parent != tip_.hash) {
    auto p = plan_block(b, opt);
    if (!p) return p.take_error();
    fresh = std::move(*p);
    plan = &fresh;
  }
  const std::vector<tx_digest>& digests = plan->digests;
  block_undo& undo = plan->undo;
  registry& working = plan->working;
  const auto& overlay = plan->overlay;

  sql::transaction_guard txn(*db_);
  TC_TRY(txn.begin());
  // Validation is over; write in key order (B-tree locality makes this
  // several times faster than hash order).
  std::sort(undo.spent.begin(), undo.spent.end(), [](const auto& a, const auto& b) {
    return table_order(a.second.height, a.first, b.second.height, b.first);
  });
  std::vector<std::pair<outpoint, const utxo_entry*>> created;
  created.reserve(overlay.size());
  for (const auto& [o, e] : overlay)
    if (e) created.push_back({o, &*e});  // skips outputs created and spent in this block
  std::sort(created.begin(), created.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto delta = std::make_shared<utxo_delta>();
  delta->height = h.height;
  delta->block = bh;
  delta->parent = h.prev_hash;
  delta->spent = undo.spent;
  delta->created.reserve(created.size());
  for (const auto& [o, e] : created) delta->created.push_back({o, *e});
  delta->txs.reserve(digests.size());
  for (uint32_t i = 0; i < digests.size(); ++i) delta->txs.push_back({digests[i].txid, i});
  std::sort(delta->txs.begin(), delta->txs.end());
  bool flush = flush_due(*delta, opt.catching_up);
  delta->on_disk = flush;
  if (flush) {
    TC_TRY(write_flush(h.height, undo.spent, created));
    TC_TRY(write_txindex(delta->txs.size(), [&](size_t i) {
      return std::make_tuple(delta->txs[i].first, h.height, delta->txs[i].second);
    }));
  }
  for (const auto& [key, before] : undo.registry_before)
    TC_TRY(write_masternode(*db_, key, working[key]));
  auto blk =
      db_->cached("INSERT INTO blocks (height, hash, timestamp_ms, data, cert) VALUES (?,?,?,?,?)");
  if (!blk) return blk.take_error();
  TC_TRY((*blk)
             ->bind(1, int64_t(h.height))
             .bind(2, bh)
             .bind(3, int64_t(h.timestamp_ms))
             .bind(4, encode_block(b))
             .bind(5, encode_certificate(cert))
             .run());
  auto und = db_->cached("INSERT INTO undo (height, data) VALUES (?, ?)");
  if (!und) return und.take_error();
  TC_TRY((*und)->bind(1, int64_t(h.height)).bind(2, encode_undo(undo)).run());
  uint64_t t0 = now_us_ ? now_us_() : 0;
  TC_TRY(txn.commit());
  last_commit_us_ = now_us_ ? now_us_() - t0 : 0;

  registry_ = std::move(working);
  tip_ = {h.height, bh, h.timestamp_ms};
  locked_cache_.reset();
  recent_.apply(*delta);
  if (flush)
    cache_.set_flushed(h.height);
  else
    cache_.add(delta);
  last_delta_ = std::move(delta);
  return ok_status();
}

bool chain_store::flush_due(const utxo_delta& next, bool catching_up) const {
  uint32_t every =
      catching_up ? std::max(utxo_flush_blocks_, catch_up_flush_blocks_) : utxo_flush_blocks_;
  if (utxo_cache_bytes_ == 0 || every == 0) return true;
  if (next.height - cache_.flushed() >= every) return true;
  size_t slots = cache_.overlay().size() + next.spent.size() + next.created.size();
  size_t txs = cache_.tx_count() + next.txs.size();
  return slots * utxo_overlay::bytes_per_slot + txs * sizeof(next.txs[0]) > utxo_cache_bytes_;
}

// Deletes in key order: one statement per run of outputs created at the same
// height, up to 256 of them (SQLite searches the key for `height = ? AND
// outpoint IN (...)`, but scans the table for a list of (height, outpoint)
// pairs). Spends mostly take recent outputs, so the runs are long. The list
// is padded to a power of two with its last outpoint (a repeat in IN changes
// nothing), so nine texts serve every run length from the statement cache.
result<int64_t> chain_store::delete_utxos(
    const std::vector<std::pair<outpoint, const utxo_entry*>>& gone) {
  constexpr size_t batch = 256;
  int64_t deleted = 0;
  for (size_t start = 0; start < gone.size();) {
    uint64_t height = gone[start].second->height;
    size_t end = start + 1;
    while (end < gone.size() && end - start < batch && gone[end].second->height == height) ++end;
    size_t n = end - start, slots = 1;
    while (slots < n) slots *= 2;
    auto st = db_->cached("delete_utxos*" + std::to_string(slots), [&] {
      std::string text = "DELETE FROM utxos WHERE height = ? AND outpoint IN (?";
      for (size_t i = 1; i < slots; ++i) text += ",?";
      return text + ")";
    });
    if (!st) return st.take_error();
    (*st)->bind(1, int64_t(height));
    for (size_t i = 0; i < slots; ++i)
      (*st)->bind(static_cast<int>(i) + 2, outpoint_key(gone[start + std::min(i, n - 1)].first));
    TC_TRY((*st)->run());
    deleted += db_->changes();
    start = end;
  }
  return deleted;
}

// Both lists in table_order; inserts 256 rows per statement.
status chain_store::write_utxo_changes(
    const std::vector<std::pair<outpoint, const utxo_entry*>>& gone,
    const std::vector<std::pair<outpoint, const utxo_entry*>>& added) {
  auto deleted = delete_utxos(gone);
  if (!deleted) return deleted.take_error();
  TC_TRY(run_batched(*db_, "INSERT INTO utxos (outpoint, owner_tag, value, owner, height) VALUES ",
                     "(?,?,?,?,?)", "", added.size(), 5, [&](sql::statement& st, int p, size_t i) {
                       const auto& [o, e] = added[i];
                       st.bind(p, outpoint_key(o)).bind(p + 1, owner_tag(e->out.owner));
                       st.bind(p + 2, e->out.value).bind(p + 3, e->out.owner);
                       st.bind(p + 4, int64_t(e->height));
                     }));
  return add_utxo_rows(int64_t(added.size()) - *deleted);
}

// Inside a block's transaction: the cache first (its live outputs may be
// spent by this block), then this block's changes, and the mark.
status chain_store::write_flush(
    uint64_t height, const std::vector<std::pair<outpoint, utxo_entry>>& spent,
    const std::vector<std::pair<outpoint, const utxo_entry*>>& created) {
  TC_TRY(write_overlay(height));
  std::vector<std::pair<outpoint, const utxo_entry*>> gone;
  gone.reserve(spent.size());
  for (const auto& [o, e] : spent) gone.push_back({o, &e});
  return write_utxo_changes(gone, created);
}

// Tx index rows, in txid order (B-tree locality), 256 per statement.
status chain_store::write_txindex(
    size_t n, const std::function<std::tuple<hash256, uint64_t, uint32_t>(size_t)>& row) {
  return run_batched(*db_, "INSERT OR REPLACE INTO txindex (txid, height, pos) VALUES ", "(?,?,?)",
                     "", n, 3, [&](sql::statement& st, int p, size_t i) {
                       auto [id, height, pos] = row(i);
                       st.bind(p, id).bind(p + 1, int64_t(height)).bind(p + 2, int64_t(pos));
                     });
}

// Inside a write transaction: the cache into the table, and the mark.
status chain_store::write_overlay(uint64_t flushed_height) {
  std::vector<std::pair<outpoint, const utxo_entry*>> gone, added;
  gone.reserve(cache_.overlay().size());
  added.reserve(cache_.overlay().size());
  for (const auto& [o, slot] : cache_.overlay().sorted())
    (slot->live ? added : gone).push_back({o, &slot->entry});
  TC_TRY(write_utxo_changes(gone, added));
  auto txs = cache_.sorted_txs();
  TC_TRY(write_txindex(txs.size(), [&](size_t i) { return txs[i]; }));
  auto mark = db_->cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('utxo_flushed', ?)");
  if (!mark) return mark.take_error();
  return (*mark)->bind(1, int64_t(flushed_height)).run();
}

status chain_store::flush_utxos() {
  TC_ASSERT(!reader_);
  if (cache_.flushed() == tip_.height) return ok_status();
  sql::transaction_guard txn(*db_);
  TC_TRY(txn.begin());
  TC_TRY(write_overlay(tip_.height));
  TC_TRY(txn.commit());
  cache_.set_flushed(tip_.height);
  return ok_status();
}

result<std::pair<amount, std::vector<tx_output>>> chain_store::check_tx(const transaction& tx,
                                                                        const hash256& id,
                                                                        bool check_signatures) {
  if (tx.kind == tx_kind::reward || tx.kind == tx_kind::genesis)
    return make_error("reward and genesis transactions only come in blocks");
  uint64_t h = tip_.height + 1;
  if (!locked_cache_ || locked_cache_->first != h)
    locked_cache_ = std::make_pair(h, locked_collateral(registry_, h, params_.validator_set_delay));
  std::vector<tx_output> spent;
  std::optional<std::string> db_error;
  utxo_lookup lookup = [&](const outpoint& o) -> std::optional<utxo_entry> {
    auto u = find_utxo(o);
    if (!u) {
      db_error = u.error_message();
      return std::nullopt;
    }
    if (*u) spent.push_back((*u)->out);
    return *u;
  };
  auto fee = check_tx_contextual(tx, id, lookup,
                                 {params_, registry_, locked_cache_->second, h, check_signatures});
  if (db_error) return make_error(*db_error);
  if (!fee) return fee.take_error();
  // check_tx_contextual looks up every input first, in order, then (for a
  // registration) the collateral: the first entries are the spent outputs.
  TC_ASSERT(spent.size() >= tx.inputs.size());
  spent.resize(tx.inputs.size());
  return std::make_pair(*fee, std::move(spent));
}

status chain_store::disconnect_tip() {
  if (tip_.height == 0) return make_error("cannot disconnect the genesis block");
  TC_TRY(flush_utxos());  // the undo below works on the table
  auto blk = get_block(tip_.height);
  if (!blk) return make_error(corrupt_advice(path_, "tip block: " + blk.error_message()));
  auto st = db_->prepare("SELECT data FROM undo WHERE height = ?");
  if (!st) return st.take_error();
  st->bind(1, int64_t(tip_.height));
  auto row = st->step();
  if (!row || !*row) return make_error(corrupt_advice(path_, "undo data missing for the tip"));
  auto undo = decode_undo(st->col_blob(0));
  st->reset();
  if (!undo) return make_error(corrupt_advice(path_, undo.error_message()));
  auto parent = db_->prepare("SELECT hash, timestamp_ms FROM blocks WHERE height = ?");
  if (!parent) return parent.take_error();
  parent->bind(1, int64_t(tip_.height - 1));
  auto prow = parent->step();
  if (!prow || !*prow || parent->col_blob(0).size != 32)
    return make_error(corrupt_advice(path_, "parent of the tip is missing"));
  tip_info new_tip{tip_.height - 1, hash256::from_view(parent->col_blob(0)),
                   static_cast<uint64_t>(parent->col_int(1))};
  parent->reset();

  sql::transaction_guard txn(*db_);
  TC_TRY(txn.begin());
  auto ins = db_->prepare(
      "INSERT INTO utxos (outpoint, owner_tag, value, owner, height) VALUES (?,?,?,?,?)");
  auto idx = db_->prepare("DELETE FROM txindex WHERE txid = ?");
  if (!ins || !idx) return make_error("sqlite: cannot prepare block undo");
  // The rows at the tip's height are exactly its outputs still unspent.
  TC_TRY(db_->exec("DELETE FROM utxos WHERE height = " + std::to_string(tip_.height)));
  TC_TRY(add_utxo_rows(int64_t(undo->spent.size()) - db_->changes()));
  for (const auto& tx : blk->txs) TC_TRY(idx->bind(1, txid(tx)).run());
  for (const auto& [o, e] : undo->spent)
    TC_TRY(ins->bind(1, outpoint_key(o))
               .bind(2, owner_tag(e.out.owner))
               .bind(3, e.out.value)
               .bind(4, e.out.owner)
               .bind(5, int64_t(e.height))
               .run());
  for (const auto& [key, before] : undo->registry_before)
    TC_TRY(write_masternode(*db_, key, before));
  TC_TRY(db_->exec("DELETE FROM undo WHERE height = " + std::to_string(tip_.height) +
                   "; DELETE FROM blocks WHERE height = " + std::to_string(tip_.height) +
                   "; INSERT OR REPLACE INTO meta (key, value) VALUES ('utxo_flushed', " +
                   std::to_string(new_tip.height) + ")"));
  TC_TRY(txn.commit());
  cache_.set_flushed(new_tip.height);
  recent_.clear();

  for (const auto& [key, before] : undo->registry_before) {
    if (before)
      registry_[key] = *before;
    else
      registry_.erase(key);
  }
  tip_ = new_tip;
  locked_cache_.reset();
  return ok_status();
}

result<block> chain_store::get_block(uint64_t height) {
  auto st = db_->cached("SELECT data FROM blocks WHERE height = ?");
  if (!st) return st.take_error();
  (*st)->bind(1, int64_t(height));
  auto row = (*st)->step();
  if (!row) return row.take_error();
  if (!*row) return make_error("no block at height " + std::to_string(height));
  return decode_block((*st)->col_blob(0));
}

result<commit_certificate> chain_store::get_certificate(uint64_t height) {
  auto st = db_->cached("SELECT cert FROM blocks WHERE height = ?");
  if (!st) return st.take_error();
  (*st)->bind(1, int64_t(height));
  auto row = (*st)->step();
  if (!row) return row.take_error();
  if (!*row) return make_error("no block at height " + std::to_string(height));
  return decode_certificate((*st)->col_blob(0));
}

std::optional<uint64_t> chain_store::height_of(const hash256& bh) {
  auto st = db_->cached("SELECT height FROM blocks WHERE hash = ?");
  if (!st) return std::nullopt;
  (*st)->bind(1, bh);
  auto row = (*st)->step();
  if (!row || !*row) return std::nullopt;
  return static_cast<uint64_t>((*st)->col_int(0));
}

std::optional<std::pair<uint64_t, uint32_t>> chain_store::find_tx(const hash256& id) {
  if (auto cached = cache_.find_tx(id)) return cached;
  auto st = db_->cached("SELECT height, pos FROM txindex WHERE txid = ?");
  if (!st) return std::nullopt;
  (*st)->bind(1, id);
  auto row = (*st)->step();
  if (!row || !*row) return std::nullopt;
  return std::make_pair(static_cast<uint64_t>((*st)->col_int(0)),
                        static_cast<uint32_t>((*st)->col_int(1)));
}

// The table's rows with the cache laid over them: its tombstones hide rows,
// its live outputs add to them.
std::vector<std::pair<outpoint, utxo_entry>> chain_store::utxos_of(const pubkey& owner,
                                                                   size_t limit) {
  std::vector<std::pair<outpoint, utxo_entry>> out;
  auto cached = cache_.overlay().of_owner(owner);
  size_t hidden = 0;
  for (const auto& [o, slot] : cached) {
    if (slot->live)
      out.push_back({o, slot->entry});
    else
      ++hidden;
  }
  auto st = db_->prepare(
      "SELECT outpoint, value, height FROM utxos WHERE owner_tag = ? AND owner = ? "
      "ORDER BY outpoint LIMIT ?");
  if (!st) return out;
  st->bind(1, owner_tag(owner)).bind(2, owner).bind(3, int64_t(limit + hidden));
  for (;;) {
    auto row = st->step();
    if (!row || !*row) break;
    if (st->col_blob(0).size != 36) continue;
    outpoint o = outpoint_from_key(st->col_blob(0));
    if (cache_.overlay().find(o)) continue;  // a tombstone: spent above the flush
    out.push_back({o, {{st->col_int(1), owner}, static_cast<uint64_t>(st->col_int(2))}});
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

result<std::pair<amount, uint64_t>> chain_store::balance_of(const pubkey& owner) {
  auto st = db_->prepare(
      "SELECT COALESCE(SUM(value), 0), COUNT(*) FROM utxos WHERE owner_tag = ? AND owner = ?");
  if (!st) return st.take_error();
  st->bind(1, owner_tag(owner)).bind(2, owner);
  auto row = st->step();
  if (!row) return row.take_error();
  if (!*row) return make_error("balance query returned no row");
  amount sum = st->col_int(0);
  int64_t count = st->col_int(1);
  for (const auto& [o, slot] : cache_.overlay().of_owner(owner)) {
    sum += slot->live ? slot->entry.out.value : -slot->entry.out.value;
    count += slot->live ? 1 : -1;
  }
  if (count < 0 || sum < 0)
    return make_error(corrupt_advice(path_, "the UTXO cache and table disagree"));
  return std::make_pair(sum, static_cast<uint64_t>(count));
}

result<uint64_t> chain_store::utxo_count() {
  auto n = db_->query_int("SELECT value FROM meta WHERE key = 'utxo_rows'");
  if (!n) n = db_->query_int("SELECT COUNT(*) FROM utxos");  // a file no writer has opened since
  if (!n) return n.take_error();
  int64_t total = *n + cache_.overlay().count_change();
  if (total < 0) return make_error(corrupt_advice(path_, "the UTXO cache and table disagree"));
  return static_cast<uint64_t>(total);
}

// A merge of the table (in key order) and the sorted cache: a tombstone
// skips its row, a live output is hashed in its place in the order. The
// order, creation height then outpoint, is a property of the set itself, so
// two nodes' digests agree whatever their flush schedules.
result<std::pair<hash256, uint64_t>> chain_store::utxo_digest() {
  auto st =
      db_->prepare("SELECT outpoint, value, owner, height FROM utxos ORDER BY height, outpoint");
  if (!st) return st.take_error();
  hasher hs("TimeCoin/utxo-set");
  uint64_t count = 0;
  auto hash_row = [&](byte_view key, int64_t value, byte_view owner, uint64_t height) {
    byte_writer w;
    w.fixed(key);
    w.i64(value);
    w.fixed(owner);
    w.u64(height);
    hs.write(w.data());
    ++count;
  };
  auto cached = cache_.overlay().sorted();
  size_t k = 0;
  // Hashes the live outputs that sort before the row (height, o); then k is
  // at the first slot not before it.
  auto hash_live_below = [&](const std::optional<std::pair<uint64_t, outpoint>>& row) {
    for (; k < cached.size(); ++k) {
      const auto& [co, slot] = cached[k];
      if (row && !table_order(slot->entry.height, co, row->first, row->second)) return;
      if (!slot->live) continue;
      auto key = outpoint_key(co);
      hash_row(byte_view(key.data(), key.size()), slot->entry.out.value,
               byte_view(slot->entry.out.owner.v.data(), 32), slot->entry.height);
    }
  };
  for (;;) {
    auto row = st->step();
    if (!row) return row.take_error();
    if (!*row) break;
    if (st->col_blob(0).size != 36)
      return make_error(corrupt_advice(path_, "a UTXO key of the wrong size"));
    auto height = static_cast<uint64_t>(st->col_int(3));
    outpoint o = outpoint_from_key(st->col_blob(0));
    hash_live_below(std::make_pair(height, o));
    if (k < cached.size() && cached[k].first == o) {
      ++k;  // a tombstone (a live output is never in the table)
      continue;
    }
    hash_row(st->col_blob(0), st->col_int(1), st->col_blob(2), height);
  }
  hash_live_below(std::nullopt);
  return std::make_pair(hs.finish(), count);
}

status chain_store::check_rows_match_tip() {
  // At every start: blocks run from the genesis to the tip and undo data
  // from 1 to the tip (primary keys, so four lookups, not scans; the full
  // count is check_integrity's). A file whose tip block outlived its undo
  // row, or the reverse, cannot be written on safely.
  auto lo = db_->query_int("SELECT MIN(height) FROM blocks");
  auto ulo = db_->query_int("SELECT COALESCE(MIN(height), 0) FROM undo");
  auto uhi = db_->query_int("SELECT COALESCE(MAX(height), 0) FROM undo");
  if (!lo || !ulo || !uhi) return make_error(corrupt_advice(path_, "cannot read the height range"));
  bool ok = *lo == 0 && uint64_t(*uhi) == tip_.height && (tip_.height == 0 ? *ulo == 0 : *ulo == 1);
  if (!ok)
    return make_error(corrupt_advice(
        path_, "blocks from " + std::to_string(*lo) + " to " + std::to_string(tip_.height) +
                   ", undo data from " + std::to_string(*ulo) + " to " + std::to_string(*uhi) +
                   " (expected 0.." + std::to_string(tip_.height) + " and 1.." +
                   std::to_string(tip_.height) + ")"));
  return ok_status();
}

status chain_store::check_integrity() {
  auto ic = db_->query_text("PRAGMA integrity_check");
  if (!ic) return make_error(corrupt_advice(path_, ic.error_message()));
  if (*ic != "ok") return make_error(corrupt_advice(path_, "integrity check: " + *ic));
  auto blocks = db_->query_int("SELECT COUNT(*) FROM blocks");
  auto undos = db_->query_int("SELECT COUNT(*) FROM undo");
  if (!blocks || !undos) return make_error(corrupt_advice(path_, "cannot count blocks"));
  if (uint64_t(*blocks) != tip_.height + 1 || uint64_t(*undos) != tip_.height)
    return make_error(corrupt_advice(path_, "block or undo rows do not match the tip height"));
  auto rows = db_->query_int("SELECT COUNT(*) FROM utxos");
  auto kept = db_->query_int("SELECT value FROM meta WHERE key = 'utxo_rows'");
  if (!rows) return make_error(corrupt_advice(path_, "cannot count UTXO rows"));
  if (kept && *kept != *rows)
    return make_error(corrupt_advice(path_, "the kept UTXO row count " + std::to_string(*kept) +
                                                " differs from the table's " +
                                                std::to_string(*rows)));
  return ok_status();
}

status chain_store::put_state(const std::string& key, byte_view value) {
  auto st = db_->prepare("INSERT OR REPLACE INTO node_state (key, value) VALUES (?, ?)");
  if (!st) return st.take_error();
  return st->bind(1, key).bind(2, value).run();
}

status chain_store::erase_state(const std::string& key) {
  auto st = db_->prepare("DELETE FROM node_state WHERE key = ?");
  if (!st) return st.take_error();
  return st->bind(1, key).run();
}

std::optional<bytes> chain_store::get_state(const std::string& key) {
  auto st = db_->prepare("SELECT value FROM node_state WHERE key = ?");
  if (!st) return std::nullopt;
  st->bind(1, key);
  auto row = st->step();
  if (!row || !*row) return std::nullopt;
  auto b = st->col_blob(0);
  return bytes(b.data, b.data + b.size);
}

std::vector<std::pair<std::string, bytes>> chain_store::state_entries() {
  std::vector<std::pair<std::string, bytes>> out;
  auto st = db_->prepare("SELECT key, value FROM node_state ORDER BY key");
  if (!st) return out;
  while (true) {
    auto row = st->step();
    if (!row || !*row) break;
    auto b = st->col_blob(1);
    out.emplace_back(st->col_text(0), bytes(b.data, b.data + b.size));
  }
  return out;
}

}  // namespace tc
