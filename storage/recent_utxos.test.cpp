#include "storage/recent_utxos.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <random>

#include "storage/chain_store.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;
using test::chain_builder;
using test::plain_entry;
using test::tagged_outpoint;

namespace {
hash256 block_hash(uint64_t height, uint8_t fork = 0) {
  hash256 h;
  h.v[0] = static_cast<uint8_t>(height);
  h.v[1] = fork;
  return h;
}
utxo_delta delta(uint64_t height, std::vector<std::pair<outpoint, utxo_entry>> spent,
                 std::vector<std::pair<outpoint, utxo_entry>> created, uint8_t fork = 0,
                 uint8_t parent_fork = 0) {
  utxo_delta d;
  d.height = height;
  d.block = block_hash(height, fork);
  d.parent = block_hash(height - 1, parent_fork);
  d.spent = std::move(spent);
  d.created = std::move(created);
  return d;
}
// "live", "spent" or "unknown": what the cache answers for `o` at `tip`.
std::string answer(const recent_utxos& r, const outpoint& o, const hash256& tip) {
  const auto* s = r.find(o, tip);
  return s == nullptr ? "unknown" : s->live ? "live" : "spent";
}
}  // namespace

TEST_CASE("recent outputs: created ones are live, spent ones spent, the rest unknown") {
  recent_utxos r(100);
  CHECK(answer(r, tagged_outpoint(1), block_hash(1)) == "unknown");
  r.apply(
      delta(1, {},
            {{tagged_outpoint(1), plain_entry(5, 1)}, {tagged_outpoint(1, 1), plain_entry(6, 1)}}));
  CHECK(answer(r, tagged_outpoint(1), block_hash(1)) == "live");
  CHECK(r.find(tagged_outpoint(1, 1), block_hash(1))->entry == plain_entry(6, 1));
  // Spent by the next block: a tombstone. An output it never held stays unknown.
  r.apply(delta(2,
                {{tagged_outpoint(1), plain_entry(5, 1)}, {tagged_outpoint(9), plain_entry(1, 0)}},
                {{tagged_outpoint(2), plain_entry(7, 2)}}));
  CHECK(answer(r, tagged_outpoint(1), block_hash(2)) == "spent");
  CHECK(answer(r, tagged_outpoint(1, 1), block_hash(2)) == "live");
  CHECK(answer(r, tagged_outpoint(2), block_hash(2)) == "live");
  CHECK(answer(r, tagged_outpoint(9), block_hash(2)) == "unknown");
  // Asked about another block (a reader's older snapshot): nothing.
  CHECK(answer(r, tagged_outpoint(2), block_hash(1)) == "unknown");
  CHECK(answer(r, tagged_outpoint(2), block_hash(2, 1)) == "unknown");
  // The same delta again changes nothing.
  r.apply(delta(2, {{tagged_outpoint(1), plain_entry(5, 1)}},
                {{tagged_outpoint(2), plain_entry(7, 2)}}));
  CHECK(r.size() == 3);
}

TEST_CASE("recent outputs: a gap, a replaced tip or a step back starts over") {
  recent_utxos r(100);
  r.apply(delta(1, {}, {{tagged_outpoint(1), plain_entry(5, 1)}}));
  r.apply(delta(3, {}, {{tagged_outpoint(3), plain_entry(5, 3)}}));  // block 2's delta never came
  CHECK(answer(r, tagged_outpoint(1), block_hash(3)) == "unknown");
  CHECK(answer(r, tagged_outpoint(3), block_hash(3)) == "live");
  r.apply(delta(3, {}, {{tagged_outpoint(4), plain_entry(5, 3)}}, 1));  // another block at height 3
  CHECK(answer(r, tagged_outpoint(3), block_hash(3, 1)) == "unknown");
  CHECK(answer(r, tagged_outpoint(4), block_hash(3, 1)) == "live");
  // The next height, but on the other block 3 (its delta lost in between).
  r.apply(delta(4, {}, {{tagged_outpoint(6), plain_entry(5, 4)}}));
  CHECK(answer(r, tagged_outpoint(4), block_hash(4)) == "unknown");
  CHECK(answer(r, tagged_outpoint(6), block_hash(4)) == "live");
  r.apply(delta(2, {}, {{tagged_outpoint(5), plain_entry(5, 2)}}));  // the tip went back
  CHECK(answer(r, tagged_outpoint(4), block_hash(2)) == "unknown");
  CHECK(answer(r, tagged_outpoint(5), block_hash(2)) == "live");
  CHECK(r.size() == 1);
  r.clear();
  CHECK_FALSE(r.has_height());
  CHECK(answer(r, tagged_outpoint(5), block_hash(2)) == "unknown");
}

TEST_CASE("recent outputs: the oldest leave first, and capacity 0 is off") {
  recent_utxos r(4);
  for (uint8_t h = 1; h <= 3; ++h)
    r.apply(delta(
        h, {},
        {{tagged_outpoint(h), plain_entry(1, h)}, {tagged_outpoint(h, 1), plain_entry(2, h)}}));
  CHECK(r.size() == 4);
  CHECK(answer(r, tagged_outpoint(1), block_hash(3)) == "unknown");
  CHECK(answer(r, tagged_outpoint(1, 1), block_hash(3)) == "unknown");
  CHECK(answer(r, tagged_outpoint(2), block_hash(3)) == "live");
  CHECK(answer(r, tagged_outpoint(3, 1), block_hash(3)) == "live");
  recent_utxos off(0);
  off.apply(delta(1, {}, {{tagged_outpoint(1), plain_entry(1, 1)}}));
  CHECK(answer(off, tagged_outpoint(1), block_hash(1)) == "unknown");
  CHECK(recent_utxos::entries_in_mb(16) > 100'000);
}

namespace {
void remove_db(const std::string& p) {
  for (const char* s : {"", "-wal", "-shm"}) std::remove((p + s).c_str());
}
}  // namespace

// The property that matters: with the cache, writer and reader answer every
// lookup as a store without it does, across evictions, late deltas,
// disconnected tips and snapshots behind the deltas.
TEST_CASE("recent outputs: writer and reader answer as the table does") {
  chain_builder cb(6, 4, 3);
  std::string path = test::temp_path("recent_utxos.db");
  remove_db(path);
  open_options with;
  with.utxo_flush_blocks = 0;
  with.utxo_recent_entries = 24;  // a few blocks' outputs: evictions happen
  open_options without = with;
  without.utxo_recent_entries = 0;
  auto w = chain_store::open(path, cb.genesis, with);
  auto plain = chain_store::open(":memory:", cb.genesis, without);
  REQUIRE(w.ok());
  REQUIRE(plain.ok());
  auto r = (*w)->open_reader();
  REQUIRE(r.ok());
  std::mt19937_64 rng(17);
  std::vector<outpoint> seen;
  size_t hits = 0;
  auto check_all = [&](chain_store& s, const char* who) {
    for (const auto& o : seen) {
      auto a = s.find_utxo(o), b = (*plain)->find_utxo(o);
      REQUIRE(a.ok());
      INFO(std::string(who), " tip ", s.tip().height, " recent at ", s.recent_outputs().height(),
           " has ", a->has_value(), " table has ", b->has_value(), " created at ",
           (b->has_value() ? (*b)->height : (a->has_value() ? (*a)->height : 0)));
      CHECK(*a == *b);
    }
  };
  for (int i = 0; i < 30; ++i) {
    block b = cb.next_block(**plain, rng, 1 + rng() % 6);
    REQUIRE(cb.connect(**plain, b).ok());
    REQUIRE(cb.connect(**w, b).ok());
    for (const auto& tx : b.txs)
      for (uint32_t j = 0; j < tx.outputs.size(); ++j) seen.push_back({txid(tx), j});
    for (const auto& tx : b.txs)
      for (const auto& in : tx.inputs) seen.push_back(in.prev);
    REQUIRE(bool((*w)->last_delta()));
    CHECK((*w)->last_delta()->on_disk);
    // The reader: a snapshot before the delta (its cache is behind), then
    // after it; every fifth delta is lost (a gap the cache must notice).
    REQUIRE((*r)->begin_snapshot().ok());
    check_all(**r, "reader");
    (*r)->end_snapshot();
    if (i % 5 != 3) (*r)->add_utxo_delta((*w)->last_delta());
    REQUIRE((*r)->begin_snapshot().ok());
    check_all(**r, "reader");
    (*r)->end_snapshot();
    check_all(**w, "writer");
    for (const auto& tx : b.txs)
      for (uint32_t j = 0; j < tx.outputs.size(); ++j)
        if ((*w)->recent_outputs().find({txid(tx), j}, tc::block_hash(b.header))) ++hits;
    if (i % 7 == 6) {  // a tip taken back, and another block in its place
      REQUIRE((*w)->disconnect_tip().ok());
      REQUIRE((*plain)->disconnect_tip().ok());
      CHECK_FALSE((*w)->recent_outputs().has_height());
      check_all(**w, "writer");
    }
  }
  CHECK(hits > 30);  // the cache did answer
  r = result<std::unique_ptr<chain_store>>(make_error("closed"));
  w = result<std::unique_ptr<chain_store>>(make_error("closed"));
  remove_db(path);
}
