#pragma once
// The chain store: one SQLite database (WAL) per node holding blocks with
// their commit certificates, the tx index, the UTXO set, per-block undo data,
// the masternode registry, peers, bans and node state. It is the only writer
// of that database; connect_block and disconnect_tip are each one SQLite
// transaction, so a crash leaves the old tip or the new one, never a mix.

#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "crypto/assert.hpp"
#include "messages/encoding.hpp"
#include "messages/ledger/chain_rules.hpp"
#include "storage/recent_utxos.hpp"
#include "storage/sqlite.hpp"
#include "storage/undo.hpp"
#include "storage/utxo_cache.hpp"

namespace tc {

constexpr int64_t schema_version = 3;

struct open_options {
  bool create_if_missing = true;
  bool quick_check = true;              // PRAGMA quick_check at open
  int64_t migrate_to = schema_version;  // tests open older schemas
  // WAL frames (16 KiB pages) after which a checkpoint is due.
  int wal_checkpoint_frames = 16384;
  // The address index (utxos_by_owner) serves listunspent and getbalance by
  // address; without it they scan the UTXO set. It costs a random B-tree
  // write per output created or spent, about a third of connect_block's
  // writes, so it is the operator's choice ([storage] address_index). It is
  // built or dropped at open to match.
  bool address_index = false;
  // The write-back UTXO cache (utxo_cache.hpp): a block's UTXO changes stay
  // in memory until a flush writes them with that block, once
  // utxo_flush_blocks blocks are pending or the cache holds utxo_cache_mb.
  // Blocks, certificates and undo data are written at every commit either
  // way; after a crash the blocks above the flushed height are replayed at
  // open. 0 for either: write every block's changes at once (write-through).
  uint64_t utxo_cache_mb = 128;
  uint32_t utxo_flush_blocks = 100;
  // Blocks connected to catch up (connect_options::catching_up) flush at
  // least this often even when utxo_flush_blocks is smaller or 0: nobody
  // waits on such a block's commit, and a re-sync writing through spent
  // over a third of its time on tx index pages. 0: as utxo_flush_blocks.
  uint32_t catch_up_flush_blocks = 100;
  // The reader connection maps up to this much of the file (PRAGMA
  // mmap_size) instead of copying each page it reads: every commit by the
  // writer empties the reader's own page cache, so admission's lookups read
  // their pages again after each block. 0: read() as before. The cost: an I/O
  // error on a mapped page is a SIGBUS instead of an error SQLite reports.
  uint64_t reader_mmap_mb = 1024;
  // Each connection (writer and reader) keeps the outputs of the latest
  // blocks in memory, up to this many (recent_utxos.hpp): most inputs spend
  // one of them, and each miss costs two B-tree seeks. 0: off. The node's
  // [storage] utxo_recent_mb sets it (64 MiB: about 560k outputs).
  size_t utxo_recent_entries = recent_utxos::entries_in_mb(64);
};

struct tip_info {
  uint64_t height = 0;
  hash256 hash;
  uint64_t timestamp_ms = 0;
};

// What validating a block against the tip found: everything connecting it
// writes. A plan made by plan_block lets the commit of that same block skip
// the validation's reads; it is only used while the tip is still `parent`.
struct connect_plan {
  const block* source = nullptr;  // the block object it was made from
  hash256 parent;                 // the tip it was checked against
  hash256 block_hash;
  std::vector<tx_digest> digests;
  registry working;  // the registry after the block
  std::unordered_map<outpoint, std::optional<utxo_entry>, outpoint_hasher> overlay;
  block_undo undo;
};

struct connect_options {
  uint64_t now_ms = 0;  // injected clock: bound on block timestamps
  // wtxids whose signatures were already verified (e.g. by the mempool);
  // those txs skip signature checks. Sound because a wtxid commits to the
  // signatures and the spent outpoints, whose content never changes.
  const std::unordered_set<hash256, fixed_bytes_hasher>* verified = nullptr;
  // A plan of this very block object (same address, alive since plan_block
  // made it); consumed by connect_block when it still fits the tip.
  connect_plan* plan = nullptr;
  // Every input signature of this exact block was verified already (a dry
  // run of it passed). Sound because the header's merkle root commits to the
  // wtxids, and the body is checked against the header before anything else.
  bool signatures_checked = false;
  // digest_txs(b.txs) of this very block object, when the caller has them:
  // nothing checks them again (check_block_stateless takes them as the
  // body's), so only code that hashed this block itself may pass them.
  const std::vector<tx_digest>* digests = nullptr;
  // The block was fetched from peers to catch up: the write-back cache may
  // hold its changes for open_options::catch_up_flush_blocks.
  bool catching_up = false;
};

class chain_store {
 public:
  // Opens (or, when missing, creates) the database at `path` for the chain
  // described by `genesis`. Refuses, naming the file and what to do: a file
  // that is not SQLite, a database of another program or chain, a newer
  // schema, or one that fails the integrity check. Never overwrites a file.
  static result<std::unique_ptr<chain_store>> open(const std::string& path,
                                                   const genesis_spec& genesis,
                                                   const open_options& opt = {});
  ~chain_store();

  const chain_params& params() const { return params_; }
  const hash256& genesis_hash() const { return genesis_hash_; }
  const std::string& path() const { return path_; }
  tip_info tip() const { return tip_; }

  // Validates `b` against the tip and the UTXO set and applies it atomically.
  // The certificate must name this block; its signatures are checked by the
  // consensus layer, which alone knows the validator set's voting rules.
  status connect_block(const block& b, const commit_certificate& cert, const connect_options& opt);
  // The validation half of connect_block: every check, no writes.
  result<connect_plan> plan_block(const block& b, const connect_options& opt);
  // The block producer's filter: applies `txs` (ids: their txids) in order
  // against the tip as the next block would, leaving out each one that is
  // invalid where it stands (a pair valid alone but not together, a spend
  // of collateral locked meanwhile, ...). Signatures are not checked: the
  // txs come from the mempool, which verified them.
  result<tx_selection> select_valid(const std::vector<const transaction*>& txs,
                                    const std::vector<hash256>& ids);
  // Contextual checks of a transaction for the next block (mempool
  // admission): returns the fee and the outputs it spends.
  result<std::pair<amount, std::vector<tx_output>>> check_tx(const transaction& tx,
                                                             const hash256& id,
                                                             bool check_signatures);
  // A second, read-only store on the same file for the admission path: its
  // reads run on another thread while this one writes a block (WAL gives
  // each read transaction the last committed state). Fails for ":memory:".
  result<std::unique_ptr<chain_store>> open_reader() const;
  // Reader stores only: check_tx calls between these see one committed
  // state; begin re-reads the tip and, when it moved, the registry.
  status begin_snapshot();
  void end_snapshot();
  // The writer checkpoints the WAL itself (SQLite's automatic checkpoint is
  // passive: it never moves a reader off the WAL, so with a reader busy
  // most of the time the WAL would grow block after block). Due once the
  // WAL holds wal_checkpoint_frames; checkpoint_wal copies the WAL into
  // the database and restarts it from its beginning, and fails at once
  // (busy, nothing lost) if some reader still has a snapshot open.
  bool wal_checkpoint_due() const { return wal_frames_ >= wal_checkpoint_frames_; }
  int wal_frames() const { return wal_frames_; }
  int wal_checkpoint_frames() const { return wal_checkpoint_frames_; }
  // passive: copy what no snapshot needs, never wait and never restart (the
  // bulk of the work, done before pausing the reader); restart: the above;
  // truncate: also cut the file to zero bytes (at close, when a reader
  // connection may outlive this one and keep SQLite from deleting it).
  enum class checkpoint_mode { passive, restart, truncate };
  status checkpoint_wal(checkpoint_mode mode = checkpoint_mode::restart);
  // Undoes the tip block (not genesis) atomically (flushing the UTXO cache
  // first).
  status disconnect_tip();

  // The UTXO cache. Writer: the delta of the last committed block (for the
  // reader), the height the table holds, and a flush of everything pending
  // (also run when the store closes). Reader: takes the writer's deltas in
  // commit order; each snapshot reads the flushed height and drops what the
  // table already holds.
  // The last connected block's delta (on_disk when its flush wrote it).
  const utxo_delta_ptr& last_delta() const { return last_delta_; }
  const recent_utxos& recent_outputs() const { return recent_; }
  uint64_t utxo_flushed_height() const { return cache_.flushed(); }
  // How much of the file this connection maps (PRAGMA mmap_size), in bytes.
  result<int64_t> mapped_bytes_limit() { return db_->query_int("PRAGMA mmap_size"); }
  const utxo_overlay& utxo_cache() const { return cache_.overlay(); }
  status flush_utxos();
  void add_utxo_delta(utxo_delta_ptr d) {
    TC_ASSERT(reader_ && !in_snapshot_);  // a snapshot keeps one view
    recent_.apply(*d);
    if (!d->on_disk) cache_.add(std::move(d));
  }

  // A read error (I/O, corruption) is an error, never a missing output.
  result<std::optional<utxo_entry>> find_utxo(const outpoint& o);
  std::optional<utxo_entry> get_utxo(const outpoint& o);  // errors read as missing (RPC)
  result<block> get_block(uint64_t height);
  result<commit_certificate> get_certificate(uint64_t height);
  std::optional<uint64_t> height_of(const hash256& block_hash);
  // (height, position) of a committed tx.
  std::optional<std::pair<uint64_t, uint32_t>> find_tx(const hash256& txid);
  // By the address index when there is one, else by a scan of the UTXO set.
  std::vector<std::pair<outpoint, utxo_entry>> utxos_of(const pubkey& owner, size_t limit);
  bool has_address_index() const { return address_index_; }
  // Sum and count of an owner's unspent outputs (all of them, in SQL).
  result<std::pair<amount, uint64_t>> balance_of(const pubkey& owner);

  const registry& masternodes() const { return registry_; }
  std::vector<masternode> validators_at(uint64_t height) const {
    return active_set(registry_, height, params_.validator_set_delay);
  }

  // A digest over the whole UTXO set in key order, and its size: two stores
  // with equal digests hold the same set.
  result<std::pair<hash256, uint64_t>> utxo_digest();
  // How many unspent outputs there are (one COUNT over the table: cheap
  // enough for a status line on the reader, not for a hot path).
  result<uint64_t> utxo_count();
  // PRAGMA integrity_check plus our own invariants (tip row, undo rows).
  status check_integrity();

  // Small key-value node state (last signed vote, ...), stored atomically.
  status put_state(const std::string& key, byte_view value);
  std::optional<bytes> get_state(const std::string& key);
  status erase_state(const std::string& key);
  std::vector<std::pair<std::string, bytes>> state_entries();

  sql::database& db() { return *db_; }

  // The clock the last block commit's SQLite COMMIT is timed with (the
  // chain actor passes the node's; unset: not timed). metrics.hpp's
  // sqlite_commit histogram reads last_commit_us() after connect_block.
  void set_clock_us(std::function<uint64_t()> now_us) { now_us_ = std::move(now_us); }
  uint64_t last_commit_us() const { return last_commit_us_; }

 private:
  chain_store() = default;
  status init_new(const genesis_spec& g);
  status load();
  status prepare_statements();
  status apply_genesis(const block& g, const genesis_spec& spec);
  status set_address_index(bool on);
  struct file_state {
    int64_t version = 0;       // schema version
    bool initialized = false;  // the genesis is written (else a first start stopped early)
  };
  result<file_state> check_header(bool quick_check);
  result<bool> check_genesis();
  status check_rows_match_tip();

  result<uint64_t> read_flushed_height();
  status replay_utxo_cache();
  status catch_up_utxo_cache();
  result<utxo_delta_ptr> load_delta(uint64_t height);
  result<int64_t> delete_utxos(const std::vector<std::pair<outpoint, const utxo_entry*>>& gone);
  status write_utxo_changes(const std::vector<std::pair<outpoint, const utxo_entry*>>& gone,
                            const std::vector<std::pair<outpoint, const utxo_entry*>>& added);
  status write_overlay(uint64_t flushed_height);
  status ensure_utxo_rows();
  status add_utxo_rows(int64_t n);
  status write_txindex(size_t n,
                       const std::function<std::tuple<hash256, uint64_t, uint32_t>(size_t)>& row);
  status write_flush(uint64_t height, const std::vector<std::pair<outpoint, utxo_entry>>& spent,
                     const std::vector<std::pair<outpoint, const utxo_entry*>>& created);
  bool flush_due(const utxo_delta& next, bool catching_up) const;
  static int wal_commit_hook(void* self, sqlite3* db, const char* schema, int frames);
  class tx_applier;
  status finish_plan(const block& b, amount fees, const std::vector<masternode>& active,
                     connect_plan& plan);

  std::string path_;
  bool reader_ = false;
  int wal_frames_ = 0;
  int wal_checkpoint_frames_ = 16384;
  bool address_index_ = false;
  std::unique_ptr<sql::database> db_;
  chain_params params_;
  hash256 genesis_hash_;
  tip_info tip_;
  registry registry_;
  sql::statement get_utxo_;
  std::optional<std::pair<uint64_t, std::set<outpoint>>> locked_cache_;  // (height, locked)
  std::function<uint64_t()> now_us_;
  uint64_t last_commit_us_ = 0;
  utxo_delta_chain cache_;
  bool in_snapshot_ = false;
  utxo_delta_ptr last_delta_;
  recent_utxos recent_{0};
  uint64_t utxo_cache_bytes_ = 0;
  uint32_t utxo_flush_blocks_ = 0;
  uint32_t catch_up_flush_blocks_ = 0;
  uint64_t reader_mmap_mb_ = 0;
};

}  // namespace tc
