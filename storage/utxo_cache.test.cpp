#include "storage/utxo_cache.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "storage/chain_store.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;
using test::chain_builder;
using test::plain_entry;
using test::tagged_outpoint;

namespace {
utxo_delta_ptr delta(uint64_t height, std::vector<std::pair<outpoint, utxo_entry>> spent,
                     std::vector<std::pair<outpoint, utxo_entry>> created, uint8_t fork = 0) {
  auto d = std::make_shared<utxo_delta>();
  d->height = height;
  d->block.v[0] = static_cast<uint8_t>(height);
  d->block.v[1] = fork;
  d->spent = std::move(spent);
  d->created = std::move(created);
  return d;
}
void remove_db(const std::string& p) {
  for (const char* s : {"", "-wal", "-shm"}) std::remove((p + s).c_str());
}
open_options write_back(uint32_t flush_blocks, uint64_t cache_mb = 64) {
  open_options o;
  o.utxo_flush_blocks = flush_blocks;
  o.utxo_cache_mb = cache_mb;
  return o;
}
open_options write_through() {
  return write_back(0, 0);
}

// Everything a caller can ask about the UTXO set, from both stores.
void check_same_set(chain_store& cached, chain_store& plain, const chain_builder& cb) {
  CHECK(*cached.utxo_digest() == *plain.utxo_digest());
  CHECK(*cached.utxo_count() == *plain.utxo_count());
  // The kept row count (meta) against a full scan of the set.
  CHECK(*plain.utxo_count() == plain.utxo_digest()->second);
  for (const auto& k : cb.owners) {
    CHECK(*cached.balance_of(k.public_key()) == *plain.balance_of(k.public_key()));
    auto a = cached.utxos_of(k.public_key(), 5), b = plain.utxos_of(k.public_key(), 5);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].first == b[i].first);
      CHECK(a[i].second == b[i].second);
    }
  }
}
}  // namespace

TEST_CASE("the overlay: live outputs, tombstones, and outputs that never reach the table") {
  utxo_overlay ov;
  ov.apply(
      *delta(1, {{tagged_outpoint(1), plain_entry(5, 0)}},
             {{tagged_outpoint(2), plain_entry(7, 1)}, {tagged_outpoint(3), plain_entry(9, 1)}}));
  REQUIRE(ov.find(tagged_outpoint(1)));
  CHECK_FALSE(ov.find(tagged_outpoint(1))->live);  // on disk, spent above the flush
  CHECK(ov.find(tagged_outpoint(2))->live);
  CHECK(ov.find(tagged_outpoint(4)) == nullptr);  // unknown: ask the table
  CHECK(ov.count_change() == 1);
  // Spending an output created above the flush forgets it: it never existed
  // on disk, so the flush has nothing to write for it.
  ov.apply(*delta(2, {{tagged_outpoint(2), plain_entry(7, 1)}}, {}));
  CHECK(ov.find(tagged_outpoint(2)) == nullptr);
  CHECK(ov.count_change() == 0);
  CHECK(ov.size() == 2);
  auto sorted = ov.sorted();
  REQUIRE(sorted.size() == 2);
  CHECK(sorted[0].first == tagged_outpoint(1));
  CHECK(sorted[1].first == tagged_outpoint(3));
  // The table's order is by creation height first: tagged_outpoint(9) was created
  // before tagged_outpoint(1) and sorts ahead of it, though its outpoint sorts after.
  ov.apply(*delta(3, {{tagged_outpoint(9), plain_entry(4, 0)}}, {}));
  ov.apply(*delta(3, {}, {{tagged_outpoint(0), plain_entry(4, 3)}}));
  sorted = ov.sorted();
  REQUIRE(sorted.size() == 4);
  CHECK(sorted[0].first == tagged_outpoint(1));  // both at height 0: outpoint order
  CHECK(sorted[1].first == tagged_outpoint(9));
  CHECK(sorted[2].first == tagged_outpoint(3));  // height 1
  CHECK(sorted[3].first == tagged_outpoint(0));  // height 3
  CHECK(ov.approx_bytes() == 4 * utxo_overlay::bytes_per_slot);
}

TEST_CASE("the reader's delta chain drops what the table holds and replaces a disconnected tip") {
  utxo_delta_chain c;
  c.set_flushed(10);
  c.add(delta(9, {}, {{tagged_outpoint(9), plain_entry(1, 9)}}));  // already on disk: ignored
  CHECK(c.overlay().empty());
  c.add(delta(11, {}, {{tagged_outpoint(11), plain_entry(1, 11)}}));
  c.add(delta(12, {{tagged_outpoint(11), plain_entry(1, 11)}},
              {{tagged_outpoint(12), plain_entry(1, 12)}}));
  CHECK(c.top() == 12);
  CHECK(c.overlay().find(tagged_outpoint(11)) == nullptr);
  // The table now holds 11: only 12's delta stays, rebuilt over it.
  c.set_flushed(11);
  REQUIRE(c.deltas().size() == 1);
  REQUIRE(c.overlay().find(tagged_outpoint(11)));
  CHECK_FALSE(c.overlay().find(tagged_outpoint(11))->live);
  CHECK(c.overlay().find(tagged_outpoint(12))->live);
  // A second copy of 12 (rebuilt from the table, then its message) is ignored.
  c.add(delta(12, {{tagged_outpoint(11), plain_entry(1, 11)}},
              {{tagged_outpoint(12), plain_entry(1, 12)}}));
  CHECK(c.deltas().size() == 1);
  CHECK(c.overlay().size() == 2);
  // Another block at 12 replaces the one kept.
  c.add(delta(12, {}, {{tagged_outpoint(13), plain_entry(1, 12)}}, 1));
  CHECK(c.overlay().find(tagged_outpoint(11)) == nullptr);
  CHECK(c.overlay().find(tagged_outpoint(13))->live);
  CHECK(c.top() == 12);
  // A lower mark (a disconnect, which flushed first) clears everything.
  c.set_flushed(5);
  CHECK(c.overlay().empty());
  CHECK(c.top() == 5);
}

TEST_CASE("property: with write-back every read equals a write-through store's, at every height") {
  for (uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    chain_builder cb(6, 4, 3);
    std::string path = test::temp_path("utxo_cache.db");
    remove_db(path);
    auto plain = chain_store::open(":memory:", cb.genesis, write_through());
    auto cached = chain_store::open(path, cb.genesis, write_back(7));
    REQUIRE(plain.ok());
    REQUIRE(cached.ok());
    std::mt19937_64 rng(seed);
    std::vector<std::pair<hash256, uint64_t>> digests{*(*plain)->utxo_digest()};
    std::vector<std::vector<hash256>> ids;  // per block
    size_t n = 30 + rng() % 20;
    for (size_t i = 0; i < n; ++i) {
      block b = cb.next_block(**plain, rng, rng() % 12);
      REQUIRE(cb.connect(**plain, b).ok());
      REQUIRE(cb.connect(**cached, b).ok());
      CHECK((*cached)->utxo_flushed_height() == (i + 1) / 7 * 7);
      check_same_set(**cached, **plain, cb);
      digests.push_back(*(*plain)->utxo_digest());
      ids.emplace_back();
      for (const auto& tx : b.txs) ids.back().push_back(txid(tx));
      // The tx index goes with the UTXO set: the table has the flushed
      // blocks' rows only, and lookups see the cached ones too.
      std::string flushed = std::to_string((*cached)->utxo_flushed_height());
      CHECK((*cached)->db().query_int("SELECT COUNT(*) FROM txindex").value() ==
            (*plain)
                ->db()
                .query_int("SELECT COUNT(*) FROM txindex WHERE height <= " + flushed)
                .value());
      for (const auto& id : ids.back()) CHECK((*cached)->find_tx(id) == (*plain)->find_tx(id));
      if (i % 11 == 5) {
        // A crash: a copy of the file between two commits is what a killed
        // process leaves (no flush at close); opening it replays the rest.
        auto reader = (*cached)->open_reader();
        REQUIRE(reader.ok());
        std::string copy = path + ".crash";
        remove_db(copy);
        for (const char* ext : {"", "-wal"}) std::filesystem::copy_file(path + ext, copy + ext);
        auto again = chain_store::open(copy, cb.genesis, write_back(7));
        REQUIRE_MESSAGE(again.ok(), again.error_message());
        CHECK((*again)->utxo_flushed_height() == (*cached)->utxo_flushed_height());
        CHECK(*(*again)->utxo_digest() == digests.back());
        for (const auto& block_ids : ids)
          for (const auto& id : block_ids) CHECK((*again)->find_tx(id) == (*plain)->find_tx(id));
        // The reader started from the writer's deltas.
        REQUIRE((*reader)->begin_snapshot().ok());
        CHECK(*(*reader)->utxo_digest() == digests.back());
        CHECK(*(*reader)->utxo_count() == digests.back().second);
        (*reader)->end_snapshot();
        CHECK(*(*again)->utxo_count() == digests.back().second);
        again = result<std::unique_ptr<chain_store>>(make_error("closed"));
        remove_db(copy);
      }
    }
    for (size_t i = n; i > 0; --i) {
      REQUIRE((*cached)->disconnect_tip().ok());
      CHECK(*(*cached)->utxo_digest() == digests[i - 1]);
      CHECK(*(*cached)->utxo_count() == digests[i - 1].second);
      for (const auto& id : ids[i - 1]) CHECK_FALSE((*cached)->find_tx(id));
    }
    CHECK((*cached)->check_integrity().ok());
    cached = result<std::unique_ptr<chain_store>>(make_error("closed"));
    remove_db(path);
  }
}

TEST_CASE("a schema 2 file (UTXOs keyed by outpoint) migrates to creation-height keys intact") {
  chain_builder cb(6, 4, 3);
  std::string path = test::temp_path("utxo_v2.db");
  remove_db(path);
  auto plain = chain_store::open(":memory:", cb.genesis, write_through());
  REQUIRE(plain.ok());
  std::vector<block> blocks;
  {
    open_options v2 = write_back(4);
    v2.migrate_to = 2;
    v2.address_index = true;
    auto old = chain_store::open(path, cb.genesis, v2);
    REQUIRE(old.ok());
    std::mt19937_64 rng(5);
    for (int i = 0; i < 18; ++i) {
      blocks.push_back(cb.next_block(**plain, rng, 1 + rng() % 10));
      REQUIRE(cb.connect(**plain, blocks.back()).ok());
      REQUIRE(cb.connect(**old, blocks.back()).ok());
    }
    CHECK((*old)->db().query_int("PRAGMA user_version").value() == 2);
  }
  open_options v3 = write_back(4);
  v3.address_index = true;
  auto migrated = chain_store::open(path, cb.genesis, v3);
  REQUIRE_MESSAGE(migrated.ok(), migrated.error_message());
  auto& m = **migrated;
  CHECK(m.db().query_int("PRAGMA user_version").value() == 3);
  check_same_set(m, **plain, cb);
  // Every output any block made: found in both, or spent in both.
  for (const auto& b : blocks)
    for (const auto& tx : b.txs)
      for (uint32_t j = 0; j < tx.outputs.size(); ++j) {
        outpoint o{txid(tx), j};
        CHECK(*m.find_utxo(o) == *(*plain)->find_utxo(o));
      }
  // The key leads with the creation height, and the address index is back.
  CHECK(m.db().query_text("SELECT name FROM pragma_table_info('utxos') WHERE pk = 1").value() ==
        "height");
  CHECK(m.db().query_text("SELECT name FROM pragma_table_info('utxos') WHERE pk = 2").value() ==
        "outpoint");
  CHECK(m.db().query_int("SELECT COUNT(*) FROM pragma_index_info('utxos_by_owner')").value() == 2);
  migrated = result<std::unique_ptr<chain_store>>(make_error("closed"));
  remove_db(path);
}

TEST_CASE("a reader sees the writer's cached blocks: deltas it is handed, or rebuilt if late") {
  chain_builder cb(6, 4, 3);
  std::string path = test::temp_path("utxo_reader.db");
  remove_db(path);
  auto w = chain_store::open(path, cb.genesis, write_back(5));
  auto plain = chain_store::open(":memory:", cb.genesis, write_through());
  REQUIRE(w.ok());
  REQUIRE(plain.ok());
  auto r = (*w)->open_reader();
  REQUIRE(r.ok());
  std::mt19937_64 rng(7);
  for (int i = 0; i < 23; ++i) {
    block b = cb.next_block(**plain, rng, 1 + rng() % 8);
    REQUIRE(cb.connect(**plain, b).ok());
    REQUIRE(cb.connect(**w, b).ok());
    // A flushed block's delta is marked on disk: the reader's overlay skips it.
    CHECK((*w)->last_delta()->on_disk == ((*w)->utxo_flushed_height() == b.header.height));
    // Every third delta comes late: the snapshot rebuilds it from the
    // table's block and undo row, and the late copy is then ignored (a
    // second apply would trip the overlay's assertions).
    bool late = i % 3 == 1;
    if ((*w)->last_delta() && !late) (*r)->add_utxo_delta((*w)->last_delta());
    REQUIRE((*r)->begin_snapshot().ok());
    CHECK((*r)->tip().height == b.header.height);
    check_same_set(**r, **plain, cb);
    // What the next block spends is refused, what it creates is found.
    for (const auto& tx : b.txs) {
      for (const auto& in : tx.inputs) CHECK_FALSE((*r)->find_utxo(in.prev)->has_value());
      CHECK((*r)->find_utxo({txid(tx), 0})->has_value() ==
            (*plain)->find_utxo({txid(tx), 0})->has_value());
      CHECK((*r)->find_tx(txid(tx)) == (*plain)->find_tx(txid(tx)));
    }
    (*r)->end_snapshot();
    if ((*w)->last_delta() && late) (*r)->add_utxo_delta((*w)->last_delta());
  }
  r = result<std::unique_ptr<chain_store>>(make_error("closed"));
  w = result<std::unique_ptr<chain_store>>(make_error("closed"));
  remove_db(path);
}

TEST_CASE("blocks connected to catch up stay in the cache even when the store writes through") {
  chain_builder cb(6, 4, 3);
  open_options o = write_back(0);  // utxo_flush_blocks = 0: write-through
  o.catch_up_flush_blocks = 4;
  auto plain = chain_store::open(":memory:", cb.genesis, write_through());
  auto cs = chain_store::open(":memory:", cb.genesis, o);
  REQUIRE(plain.ok());
  REQUIRE(cs.ok());
  std::mt19937_64 rng(11);
  auto connect = [&](bool catching_up) {
    block b = cb.next_block(**plain, rng, 1 + rng() % 6);
    REQUIRE(cb.connect(**plain, b).ok());
    connect_options opt = cb.at(b);
    opt.catching_up = catching_up;
    REQUIRE((*cs)->connect_block(b, cb.certify(**cs, b), opt).ok());
    check_same_set(**cs, **plain, cb);
    for (const auto& tx : b.txs) CHECK((*cs)->find_tx(txid(tx)) == (*plain)->find_tx(txid(tx)));
  };
  // Caught-up blocks: a flush every 4th, the rest wait in the cache.
  for (int i = 1; i <= 6; ++i) {
    connect(true);
    CHECK((*cs)->utxo_flushed_height() == uint64_t(i / 4 * 4));
  }
  CHECK((*cs)->db().query_int("SELECT MAX(height) FROM txindex").value() == 4);
  // Back at the tip, the next block writes through, with what is pending.
  connect(false);
  CHECK((*cs)->utxo_flushed_height() == 7);
  CHECK((*cs)->utxo_cache().empty());
  CHECK((*cs)->db().query_int("SELECT COUNT(*) FROM txindex").value() ==
        (*plain)->db().query_int("SELECT COUNT(*) FROM txindex").value());
  // With catch_up_flush_blocks = 0, catching up writes through too.
  o.catch_up_flush_blocks = 0;
  cs = chain_store::open(":memory:", cb.genesis, o);
  plain = chain_store::open(":memory:", cb.genesis, write_through());
  REQUIRE(cs.ok());
  REQUIRE(plain.ok());
  connect(true);
  CHECK((*cs)->utxo_flushed_height() == 1);
}
