#include "storage/chain_store.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "messages/encoding.hpp"
#include "storage/undo.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;
using test::chain_builder;

namespace {
hash256 digest(chain_store& cs) {
  return cs.utxo_digest()->first;
}
std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void remove_db(const std::string& p) {
  for (const char* s : {"", "-wal", "-shm"}) std::remove((p + s).c_str());
}
// A path for a test database with no file (nor WAL) left from an earlier run.
std::string fresh_db(const char* name) {
  std::string p = test::temp_path(name);
  remove_db(p);
  return p;
}
}  // namespace

TEST_CASE("a new store holds the genesis state and reopens to it") {
  chain_builder cb;
  std::string path = fresh_db("genesis.db");
  {
    auto cs = chain_store::open(path, cb.genesis);
    REQUIRE_MESSAGE(cs.ok(), cs.error_message());
    CHECK((*cs)->tip().height == 0);
    CHECK((*cs)->tip().hash == block_hash(make_genesis_block(cb.genesis).header));
    auto d = (*cs)->utxo_digest();
    CHECK(d->second == cb.genesis.allocations.size() + 3);  // + gold/silver/bronze collateral
    CHECK((*cs)->masternodes().size() == 4);
    CHECK((*cs)->validators_at(1).size() == 4);
    CHECK((*cs)->validators_at(0).empty());
    CHECK((*cs)->check_integrity().ok());
  }
  auto again = chain_store::open(path, cb.genesis);
  REQUIRE(again.ok());
  CHECK((*again)->tip().height == 0);
  CHECK((*again)->masternodes().size() == 4);
  remove_db(path);
}

TEST_CASE("valid blocks connect; the reward pays proposer and masternodes") {
  chain_builder cb;
  auto cs = cb.open_memory();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5; ++i) {
    block b = cb.next_block(*cs, rng, 6);
    CHECK(b.txs.size() == 7);
    auto s = cb.connect(*cs, b);
    REQUIRE_MESSAGE(s.ok(), s.error_message());
  }
  CHECK(cs->tip().height == 5);
  auto blk = cs->get_block(5);
  REQUIRE(blk.ok());
  CHECK(cs->find_tx(txid(blk->txs[3]))->first == 5);
  CHECK(cs->get_certificate(5)->block_hash == block_hash(blk->header));
  // 4 validators (gold 1000, silver 100, bronze 10, free 1) + the proposer.
  const auto& reward = blk->txs[0].outputs;
  amount total = 0;
  for (auto& o : reward) total += o.value;
  CHECK(total == cs->params().block_reward + 6 * cs->params().min_tx_fee);
  CHECK(reward.size() == 5);
}

TEST_CASE("invalid blocks are refused and change nothing") {
  chain_builder cb;
  auto cs = cb.open_memory();
  std::mt19937_64 rng(11);
  REQUIRE(cb.connect(*cs, cb.next_block(*cs, rng, 3)).ok());
  hash256 before = digest(*cs);
  block good = cb.next_block(*cs, rng, 3);
  auto refuse = [&](block b, const char* needle, bool reseal = true) {
    CAPTURE(needle);
    if (reseal) test::seal(b);
    auto s = cs->connect_block(b, cb.certify(*cs, b), cb.at(b));
    REQUIRE_FALSE(s.ok());
    CAPTURE(s.error_message());
    CHECK(s.error_message().find(needle) != std::string::npos);
    CHECK(digest(*cs) == before);
    CHECK(cs->tip().height == 1);
  };
  block b = good;
  b.header.height = 3;
  refuse(b, "does not extend");
  b = good;
  b.header.prev_hash.v[0] ^= 1;
  refuse(b, "parent");
  b = good;
  b.header.timestamp_ms = cs->tip().timestamp_ms;
  refuse(b, "not after");
  b = good;
  {
    auto cert = cb.certify(*cs, b);
    auto opt = cb.at(b);
    opt.now_ms = b.header.timestamp_ms - cs->params().max_future_drift_ms - 1;
    auto s = cs->connect_block(b, cert, opt);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error_message().find("future") != std::string::npos);
  }
  b = good;
  b.txs[1].inputs[0].sig.v[5] ^= 1;
  refuse(b, "invalid signature");
  b = good;
  b.txs[1].outputs[0].value += 1;  // outputs now exceed inputs - fee: signature breaks first
  refuse(b, "tx 1 (");
  refuse(b, "input 0 has an invalid signature");
  b = good;
  b.txs[0].outputs[0].value += 1;
  refuse(b, "reward outputs");
  b = good;
  b.header.proposer = cb.owners[0].public_key();
  refuse(b, "proposer is not an active masternode");
  b = good;
  b.header.merkle_root.v[0] ^= 1;
  refuse(b, "merkle", false);
  b = good;
  {
    auto cert = cb.certify(*cs, b);
    cert.block_hash.v[0] ^= 1;
    auto s = cs->connect_block(b, cert, cb.at(b));
    CHECK_FALSE(s.ok());
  }
  // A tx spending an output the chain never had.
  b = good;
  b.txs[1] = test::make_transfer(cb.domain(), {hash256{}, 0}, {coin, cb.owners[0].public_key()},
                                 cb.owners[0], {{coin / 2, cb.owners[1].public_key()}});
  refuse(b, "missing or spent");
  // The same output spent in two blocks: connect good, then replay its tx.
  REQUIRE(cb.connect(*cs, good).ok());
  before = digest(*cs);
  block again = cb.make_block(*cs, {good.txs[1]}, cs->params().min_tx_fee);
  auto s = cb.connect(*cs, again);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("missing or spent") != std::string::npos);
  CHECK(digest(*cs) == before);
}

TEST_CASE("fee below the minimum is refused; verified-signature cache skips checks") {
  chain_builder cb;
  auto cs = cb.open_memory();
  auto u = cs->utxos_of(cb.owners[0].public_key(), 1).at(0);
  transaction cheap = test::make_transfer(cb.domain(), u.first, u.second.out, cb.owners[0],
                                          {{u.second.out.value - 1, cb.owners[1].public_key()}});
  block b = cb.make_block(*cs, {cheap}, 1);
  auto s = cb.connect(*cs, b);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("below the minimum") != std::string::npos);

  amount fee = cs->params().min_tx_fee;
  transaction tx = test::make_transfer(cb.domain(), u.first, u.second.out, cb.owners[0],
                                       {{u.second.out.value - fee, cb.owners[1].public_key()}});
  tx.inputs[0].sig.v[0] ^= 1;  // bad signature, but claimed verified
  block bad = cb.make_block(*cs, {tx}, fee);
  std::unordered_set<hash256, fixed_bytes_hasher> verified{wtxid(tx)};
  connect_options opt = cb.at(bad);
  opt.verified = &verified;
  // The cache is trusted: this shows the check is really skipped (the cache
  // must only hold wtxids that passed verification).
  {
    // Without the cache entry the forged signature is caught ...
    connect_options plain = cb.at(bad);
    CHECK_FALSE(cs->plan_block(bad, plain).ok());
    // ... and `signatures_checked` (a dry run of this exact block passed) skips it too.
    plain.signatures_checked = true;
    CHECK(cs->plan_block(bad, plain).ok());
  }
  CHECK(cs->connect_block(bad, cb.certify(*cs, bad), opt).ok());
}

TEST_CASE("a plan from the dry run is what the commit writes, and only for that block and tip") {
  chain_builder cb(6, 4, 3);
  auto a = cb.open_memory();
  auto b = cb.open_memory();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3; ++i) {
    block blk = cb.next_block(*a, rng, 8);
    auto plan = a->plan_block(blk, cb.at(blk));
    REQUIRE_MESSAGE(plan.ok(), plan.error_message());
    connect_options opt = cb.at(blk);
    opt.plan = &*plan;
    REQUIRE(a->connect_block(blk, cb.certify(*a, blk), opt).ok());
    REQUIRE(cb.connect(*b, blk).ok());  // the same block without a plan
    CHECK(digest(*a) == digest(*b));
    CHECK(a->tip().hash == b->tip().hash);
  }

  // A plan made before the tip moved is not applied: the block is checked again.
  block first = cb.next_block(*a, rng, 4);
  auto stale = a->plan_block(first, cb.at(first));
  REQUIRE(stale.ok());
  block other = cb.make_block(*a, {}, 0);
  REQUIRE(cb.connect(*a, other).ok());
  connect_options opt = cb.at(first);
  opt.plan = &*stale;
  CHECK_FALSE(a->connect_block(first, cb.certify(*a, first), opt).ok());

  // A plan is tied to the block object it came from: another object with the
  // same header but a different body is validated afresh (and refused).
  block good = cb.next_block(*a, rng, 4);
  auto plan = a->plan_block(good, cb.at(good));
  REQUIRE(plan.ok());
  block forged = good;
  forged.txs.pop_back();
  connect_options fopt = cb.at(forged);
  fopt.plan = &*plan;
  CHECK_FALSE(a->connect_block(forged, cb.certify(*a, good), fopt).ok());
  fopt.plan = &*plan;
  CHECK(a->connect_block(good, cb.certify(*a, good), fopt).ok());
}

TEST_CASE("a caller's digests are taken as the body's: the connect does not hash the txs again") {
  chain_builder cb(6, 4, 3);
  auto a = cb.open_memory();
  std::mt19937_64 rng(9);
  block blk = cb.next_block(*a, rng, 6);
  std::vector<tx_digest> digests = digest_txs(blk.txs);
  // Altered hashes fail the header's merkle root: they were used, not
  // recomputed (which is why only code that hashed the block may pass them).
  std::vector<tx_digest> wrong = digests;
  wrong[2].wtxid.v[0] ^= 1;
  connect_options opt = cb.at(blk);
  opt.digests = &wrong;
  auto refused = a->connect_block(blk, cb.certify(*a, blk), opt);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error_message().find("merkle root") != std::string::npos);
  // A list of another length is not this block's: hashed afresh.
  std::vector<tx_digest> short_list(digests.begin(), digests.end() - 1);
  opt.digests = &short_list;
  CHECK(a->plan_block(blk, opt).ok());
  opt.digests = &digests;
  REQUIRE(a->connect_block(blk, cb.certify(*a, blk), opt).ok());
  CHECK(a->find_tx(digests[3].txid)->second == 3);
}

TEST_CASE("property: connecting N random blocks then disconnecting all restores the start") {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    CAPTURE(seed);
    chain_builder cb(6, 4, 3);
    auto cs = cb.open_memory();
    std::mt19937_64 rng(seed);
    auto start = cs->utxo_digest();
    auto reg_start = cs->masternodes();
    std::vector<hash256> digests{start->first};
    size_t n = 5 + rng() % 20;
    for (size_t i = 0; i < n; ++i) {
      block b = cb.next_block(*cs, rng, rng() % 12);
      auto s = cb.connect(*cs, b);
      REQUIRE_MESSAGE(s.ok(), s.error_message());
      digests.push_back(digest(*cs));
      CHECK(*cs->utxo_count() == cs->utxo_digest()->second);  // the kept count, not a scan
    }
    for (size_t i = n; i > 0; --i) {
      REQUIRE(cs->disconnect_tip().ok());
      CHECK(digest(*cs) == digests[i - 1]);
      CHECK(*cs->utxo_count() == cs->utxo_digest()->second);
    }
    CHECK(cs->tip().height == 0);
    CHECK(*cs->utxo_digest() == *start);
    CHECK(cs->masternodes() == reg_start);
    CHECK_FALSE(cs->disconnect_tip().ok());
    CHECK(cs->check_integrity().ok());
  }
}

TEST_CASE("masternode registration locks collateral; deregistration releases it") {
  chain_builder cb;
  auto& p = cb.genesis.params;
  p.validator_set_delay = 2;
  auto cs = cb.open_memory();
  const secret_key& owner = cb.owners[1];
  secret_key op = test::key_from_seed(5000);
  cb.operators.push_back(op);  // so certify() can sign for it once active
  amount fee = p.min_tx_fee;
  // Block 1: make an output of exactly 1,000 TIME (bronze collateral).
  auto u = cs->utxos_of(owner.public_key(), 1).at(0);
  transaction split =
      test::make_transfer(cb.domain(), u.first, u.second.out, owner,
                          {{1'000 * coin, owner.public_key()},
                           {u.second.out.value - 1'000 * coin - fee, owner.public_key()}});
  hash256 split_id = txid(split);
  REQUIRE(cb.connect(*cs, cb.make_block(*cs, {split}, fee)).ok());
  outpoint collateral{split_id, 0}, funding{split_id, 1};
  tx_output funding_out = cs->get_utxo(funding)->out;

  tx_output coll_out{1'000 * coin, owner.public_key()};
  auto make_reg = [&](mn_tier tier, const outpoint& coll) {
    return cb.make_registration({funding, funding_out}, owner, tier, coll, coll_out, owner, op,
                                fee);
  };
  // Wrong tier for the amount.
  auto s = cb.connect(*cs, cb.make_block(*cs, {make_reg(mn_tier::silver, collateral)}, fee));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("exactly 10000 TIME") != std::string::npos);
  // Forged owner signature.
  transaction forged = make_reg(mn_tier::bronze, collateral);
  forged.registration->owner_sig.v[3] ^= 1;
  CHECK_FALSE(cb.connect(*cs, cb.make_block(*cs, {forged}, fee)).ok());
  // Block 2: a valid bronze registration.
  transaction reg = make_reg(mn_tier::bronze, collateral);
  s = cb.connect(*cs, cb.make_block(*cs, {reg}, fee));
  REQUIRE_MESSAGE(s.ok(), s.error_message());
  CHECK(cs->masternodes().count(op.public_key()) == 1);
  CHECK(cs->validators_at(3).size() == 4);  // effective at 2 + delay
  CHECK(cs->validators_at(4).size() == 5);
  // Spending locked collateral is invalid.
  transaction spend =
      test::make_transfer(cb.domain(), collateral, {1'000 * coin, owner.public_key()}, owner,
                          {{1'000 * coin - fee, owner.public_key()}});
  s = cb.connect(*cs, cb.make_block(*cs, {spend}, fee));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("locked") != std::string::npos);
  // Block 3: deregister (owner signs).
  auto f2 = cs->utxos_of(owner.public_key(), 50);
  auto fund2 = std::find_if(f2.begin(), f2.end(), [&](auto& e) { return e.first != collateral; });
  transaction dereg = cb.make_deregistration({fund2->first, fund2->second.out}, owner,
                                             op.public_key(), coll_out, owner, fee);
  s = cb.connect(*cs, cb.make_block(*cs, {dereg}, fee));
  REQUIRE_MESSAGE(s.ok(), s.error_message());
  CHECK(cs->validators_at(4).size() == 5);  // removal effective at 3 + 2
  CHECK(cs->validators_at(5).size() == 4);
  // Block 4 still locked; block 5 may spend the collateral.
  CHECK_FALSE(cb.connect(*cs, cb.make_block(*cs, {spend}, fee)).ok());
  REQUIRE(cb.connect(*cs, cb.make_block(*cs, {}, 0)).ok());
  s = cb.connect(*cs, cb.make_block(*cs, {spend}, fee));
  CHECK_MESSAGE(s.ok(), s.error_message());
  // And all of it unwinds.
  for (int i = 0; i < 5; ++i) REQUIRE(cs->disconnect_tip().ok());
  CHECK(cs->masternodes().count(op.public_key()) == 0);
}

TEST_CASE(
    "finding 3: the producer's filter keeps the first of a pair valid alone but not together") {
  chain_builder cb;
  auto& p = cb.genesis.params;
  auto cs = cb.open_memory();
  const secret_key& owner = cb.owners[1];
  amount fee = p.min_tx_fee;
  auto u = cs->utxos_of(owner.public_key(), 1).at(0);
  transaction split =
      test::make_transfer(cb.domain(), u.first, u.second.out, owner,
                          {{1'000 * coin, owner.public_key()},
                           {100 * coin, owner.public_key()},
                           {100 * coin, owner.public_key()},
                           {u.second.out.value - 1'200 * coin - fee, owner.public_key()}});
  hash256 split_id = txid(split);
  REQUIRE(cb.connect(*cs, cb.make_block(*cs, {split}, fee)).ok());
  outpoint coll{split_id, 0};
  tx_output coll_out{1'000 * coin, owner.public_key()};
  std::pair<outpoint, tx_output> fund1{{split_id, 1}, {100 * coin, owner.public_key()}};
  std::pair<outpoint, tx_output> fund2{{split_id, 2}, {100 * coin, owner.public_key()}};
  secret_key op = test::key_from_seed(6000), op2 = test::key_from_seed(6001);
  transaction reg =
      cb.make_registration(fund1, owner, mn_tier::bronze, coll, coll_out, owner, op, fee);
  transaction spend_coll = test::make_transfer(cb.domain(), coll, coll_out, owner,
                                               {{1'000 * coin - fee, owner.public_key()}});
  transaction reg_same_coll =
      cb.make_registration(fund2, owner, mn_tier::bronze, coll, coll_out, owner, op2, fee);
  // Each alone is valid at the tip ...
  for (const auto* t : {&reg, &spend_coll, &reg_same_coll})
    CHECK_MESSAGE(cs->check_tx(*t, txid(*t), true).ok(),
                  cs->check_tx(*t, txid(*t), true).error_message());
  // ... and a block of the three is not.
  CHECK_FALSE(cb.connect(*cs, cb.make_block(*cs, {reg, spend_coll, reg_same_coll}, 3 * fee)).ok());
  std::vector<const transaction*> list{&reg, &spend_coll, &reg_same_coll};
  std::vector<hash256> ids{txid(reg), txid(spend_coll), txid(reg_same_coll)};
  auto sel = cs->select_valid(list, ids);
  REQUIRE(sel.ok());
  CHECK(sel->kept == std::vector<size_t>{0});
  CHECK(sel->fees == fee);
  REQUIRE(sel->dropped.size() == 2);
  CHECK(sel->dropped[0].first == 1);
  CHECK(sel->dropped[0].second.find("locked") != std::string::npos);
  CHECK(sel->dropped[1].first == 2);
  // The other order keeps the spend instead.
  auto other = cs->select_valid({&spend_coll, &reg}, {txid(spend_coll), txid(reg)});
  REQUIRE(other.ok());
  CHECK(other->kept == std::vector<size_t>{0});
  // What it keeps makes a valid block; the store is unchanged by filtering.
  uint64_t h = cs->tip().height;
  REQUIRE(cb.connect(*cs, cb.make_block(*cs, {reg}, fee)).ok());
  CHECK(cs->tip().height == h + 1);
}

TEST_CASE("undo data round-trips and rejects truncation") {
  block_undo u;
  u.spent.push_back({{hash256{}, 3}, {{5, pubkey{}}, 9}});
  masternode m;
  m.net_address = "x:1";
  m.removed_height = 4;
  u.registry_before.push_back({pubkey{}, m});
  u.registry_before.push_back({pubkey{}, std::nullopt});
  bytes enc = encode_undo(u);
  auto back = decode_undo(enc);
  REQUIRE(back.ok());
  CHECK(back->spent == u.spent);
  CHECK(back->registry_before == u.registry_before);
  for (size_t cut = 0; cut < enc.size(); ++cut)
    CHECK_FALSE(decode_undo(byte_view(enc.data(), cut)).ok());
}

TEST_CASE("foreign, truncated, corrupt, newer and other-chain databases are refused untouched") {
  chain_builder cb;
  std::string path = test::temp_path("refuse.db");
  auto expect_refused = [&](const char* needle) {
    std::string before = file_bytes(path);
    auto cs = chain_store::open(path, cb.genesis);
    REQUIRE_FALSE(cs.ok());
    CAPTURE(cs.error_message());
    CHECK(cs.error_message().find(path) != std::string::npos);
    CHECK(cs.error_message().find(needle) != std::string::npos);
    CHECK(file_bytes(path) == before);
  };
  remove_db(path);
  { std::ofstream(path) << "this is not a database, it is a shopping list\n"; }
  expect_refused("not an SQLite database");

  // A good store, truncated to half.
  remove_db(path);
  {
    auto cs = chain_store::open(path, cb.genesis);
    REQUIRE(cs.ok());
    std::mt19937_64 rng(3);
    for (int i = 0; i < 20; ++i) {
      block b = cb.next_block(**cs, rng, 8);
      REQUIRE(cb.connect(**cs, b).ok());
    }
    REQUIRE((*cs)->db().exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  std::string full = file_bytes(path);
  REQUIRE(full.size() > 8192);
  remove_db(path);
  { std::ofstream(path, std::ios::binary) << full.substr(0, full.size() / 2); }
  expect_refused("damaged");

  // B-tree page headers scribbled over (SQLite keeps no checksums of row
  // data, so it is structure that the check can see).
  remove_db(path);
  {
    std::string bad = full;
    size_t page = size_t(uint8_t(full[16])) << 8 | uint8_t(full[17]);
    if (page == 1) page = 65536;
    for (size_t off = page; off < bad.size(); off += 2 * page)
      for (size_t i = 0; i < 12; ++i) bad[off + i] = '\x5a';
    std::ofstream(path, std::ios::binary) << bad;
  }
  expect_refused("damaged");

  // Another program's SQLite database.
  remove_db(path);
  {
    auto db = sql::database::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("CREATE TABLE recipes (name TEXT)").ok());
  }
  expect_refused("another program");

  // Our database from a future version.
  remove_db(path);
  {
    auto cs = chain_store::open(path, cb.genesis);
    REQUIRE(cs.ok());
    REQUIRE((*cs)->db().exec("PRAGMA user_version = 99").ok());
    REQUIRE((*cs)->db().exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  expect_refused("newer than this timed");

  // A database of another chain.
  remove_db(path);
  {
    auto cs = chain_store::open(path, cb.genesis);
    REQUIRE(cs.ok());
  }
  chain_builder other;
  other.genesis.params.chain_id = "timecoin-other";
  std::string before = file_bytes(path);
  auto cs = chain_store::open(path, other.genesis);
  REQUIRE_FALSE(cs.ok());
  CHECK(cs.error_message().find("another chain") != std::string::npos);
  // The chain id recorded in the file is read back to name that chain.
  CHECK(cs.error_message().find("chain id 'timecoin-test'") != std::string::npos);
  CHECK(file_bytes(path) == before);
  remove_db(path);
}

TEST_CASE("open refuses a file whose undo data does not reach its tip block") {
  // As if the tip block's row outlived its undo row (a hand edit, a bad
  // restore): disconnecting that block later would be impossible.
  chain_builder cb;
  std::string path = fresh_db("undo_gap.db");
  std::mt19937_64 rng(3);
  {
    auto cs = chain_store::open(path, cb.genesis);
    REQUIRE(cs.ok());
    for (int i = 0; i < 2; ++i) REQUIRE(cb.connect(**cs, cb.next_block(**cs, rng, 3)).ok());
    REQUIRE((*cs)->db().exec("DELETE FROM undo WHERE height = 2").ok());
  }
  auto cs = chain_store::open(path, cb.genesis);
  REQUIRE_FALSE(cs.ok());
  CHECK(cs.error_message().find("undo data from 1 to 1") != std::string::npos);
  CHECK(cs.error_message().find("expected 0..2 and 1..2") != std::string::npos);
  remove_db(path);
}

TEST_CASE("forward migration from schema 1 keeps the data") {
  chain_builder cb;
  std::string path = fresh_db("migrate.db");
  {
    open_options o;
    o.migrate_to = 1;
    auto cs = chain_store::open(path, cb.genesis, o);
    REQUIRE(cs.ok());
    CHECK(*(*cs)->db().query_int("PRAGMA user_version") == 1);
  }
  open_options o;
  o.address_index = true;
  auto cs = chain_store::open(path, cb.genesis, o);
  REQUIRE(cs.ok());
  CHECK(*(*cs)->db().query_int("PRAGMA user_version") == schema_version);
  CHECK(*(*cs)->db().query_int(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'utxos_by_owner'") == 1);
  CHECK((*cs)->tip().height == 0);
  remove_db(path);
}

TEST_CASE("node state is stored and read back") {
  chain_builder cb;
  auto cs = cb.open_memory();
  CHECK_FALSE(cs->get_state("last_signed").has_value());
  REQUIRE(cs->put_state("last_signed", bytes{1, 2, 3}).ok());
  CHECK(*cs->get_state("last_signed") == bytes{1, 2, 3});
}

TEST_CASE("balance_of sums every unspent output of an owner") {
  chain_builder cb(4, 4, 3);  // 3 genesis outputs of 1,000,000 TIME per account
  auto cs = cb.open_memory();
  for (const auto& owner : cb.owners) {
    auto b = cs->balance_of(owner.public_key());
    REQUIRE(b.ok());
    amount sum = 0;
    auto list = cs->utxos_of(owner.public_key(), 1000);
    for (const auto& [o, u] : list) sum += u.out.value;
    CHECK(b->first == sum);
    CHECK(b->second == list.size());
    CHECK(b->first >= 3 * 1'000'000 * coin);  // the genesis allocations at least
  }
  auto none = cs->balance_of(test::key_from_seed(999).public_key());
  REQUIRE(none.ok());
  CHECK(none->first == 0);
  CHECK(none->second == 0);
}

TEST_CASE("the address index follows the setting at each open; answers are the same either way") {
  chain_builder cb(4, 4, 3);
  std::string path = fresh_db("address_index.db");
  using listing = std::vector<std::pair<outpoint, utxo_entry>>;
  auto answers = [&](chain_store& cs) {
    std::vector<std::pair<listing, amount>> out;
    for (const auto& owner : cb.owners)
      out.push_back(
          {cs.utxos_of(owner.public_key(), 1000), cs.balance_of(owner.public_key())->first});
    return out;
  };
  auto index_rows = [](chain_store& cs) {
    return *cs.db().query_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'utxos_by_owner'");
  };
  auto plan_uses_index = [&](chain_store& cs) {
    auto st = cs.db().prepare(
        "EXPLAIN QUERY PLAN SELECT outpoint FROM utxos WHERE owner_tag = 1 AND owner = x'00'");
    REQUIRE(st.ok());
    std::string detail;
    while (*st->step()) detail += st->col_text(3);
    return detail.find("utxos_by_owner") != std::string::npos;
  };
  std::vector<std::pair<listing, amount>> with_index;
  {
    open_options o;
    o.address_index = true;
    auto cs = chain_store::open(path, cb.genesis, o);
    REQUIRE(cs.ok());
    CHECK((*cs)->has_address_index());
    CHECK(index_rows(**cs) == 1);
    CHECK(plan_uses_index(**cs));
    std::mt19937_64 rng(3);
    for (int i = 0; i < 4; ++i) REQUIRE(cb.connect(**cs, cb.next_block(**cs, rng, 5)).ok());
    with_index = answers(**cs);
    CHECK(with_index[0].second > 0);
  }
  for (bool on : {false, true, false}) {
    CAPTURE(on);
    open_options o;
    o.address_index = on;
    auto cs = chain_store::open(path, cb.genesis, o);
    REQUIRE(cs.ok());
    CHECK((*cs)->has_address_index() == on);
    CHECK(index_rows(**cs) == (on ? 1 : 0));
    CHECK(plan_uses_index(**cs) == on);
    CHECK(answers(**cs) == with_index);
    CHECK((*cs)->check_integrity().ok());
  }
  remove_db(path);
}

TEST_CASE("a corrupt UTXO row is a database error, not a missing input") {
  chain_builder cb;
  auto cs = cb.open_memory();
  auto u = cs->utxos_of(cb.owners[0].public_key(), 1).at(0);
  amount fee = cs->params().min_tx_fee;
  transaction tx = test::make_transfer(cb.domain(), u.first, u.second.out, cb.owners[0],
                                       {{u.second.out.value - fee, cb.owners[1].public_key()}});
  block b = cb.make_block(*cs, {tx}, fee);
  REQUIRE(cs->db().exec("UPDATE utxos SET owner = x'00'").ok());
  auto s = cb.connect(*cs, b);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("owner of the wrong size") != std::string::npos);
  CHECK(s.error_message().find("missing or spent") == std::string::npos);
  auto c = cs->check_tx(tx, txid(tx), true);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error_message().find("owner of the wrong size") != std::string::npos);
}

TEST_CASE("a reader sees each committed block from its next snapshot, registry included") {
  chain_builder cb;
  auto& p = cb.genesis.params;
  p.validator_set_delay = 2;
  CHECK_FALSE(cb.open_memory()->open_reader().ok());  // no second connection to ":memory:"
  std::string path = fresh_db("reader.db");
  auto w = chain_store::open(path, cb.genesis);
  REQUIRE_MESSAGE(w.ok(), w.error_message());
  chain_store& cs = **w;
  auto r = cs.open_reader();
  REQUIRE_MESSAGE(r.ok(), r.error_message());
  chain_store& reader = **r;
  CHECK_FALSE(reader.put_state("k", byte_view::of(std::string("v"))).ok());  // read-only

  const secret_key& owner = cb.owners[1];
  secret_key op = test::key_from_seed(5000);
  amount fee = p.min_tx_fee;
  auto u = cs.utxos_of(owner.public_key(), 1).at(0);
  transaction split =
      test::make_transfer(cb.domain(), u.first, u.second.out, owner,
                          {{1'000 * coin, owner.public_key()},
                           {u.second.out.value - 1'000 * coin - fee, owner.public_key()}});
  // A snapshot taken before the block keeps its view while the block commits.
  REQUIRE(reader.begin_snapshot().ok());
  CHECK(reader.check_tx(split, txid(split), false).ok());
  // The chain actor hands the reader each block's UTXO delta (utxo_cache.hpp)
  // in a message of its own, so never while a snapshot is open.
  auto commit = [&](const block& b) {
    REQUIRE(cb.connect(cs, b).ok());
    return cs.last_delta();
  };
  auto pending = commit(cb.make_block(cs, {split}, fee));
  CHECK(reader.check_tx(split, txid(split), false).ok());
  CHECK(reader.tip().height == 0);
  reader.end_snapshot();
  if (pending) reader.add_utxo_delta(pending);
  // The next one sees it: the input is spent.
  REQUIRE(reader.begin_snapshot().ok());
  CHECK(reader.tip().height == 1);
  CHECK(reader.tip().hash == cs.tip().hash);
  auto again = reader.check_tx(split, txid(split), false);
  CHECK_FALSE(again.ok());
  reader.end_snapshot();

  // A registration changes the registry: the reader reloads it and refuses
  // to let the locked collateral be spent.
  outpoint collateral{txid(split), 0}, funding{txid(split), 1};
  tx_output coll_out{1'000 * coin, owner.public_key()};
  transaction reg = cb.make_registration({funding, cs.get_utxo(funding)->out}, owner,
                                         mn_tier::bronze, collateral, coll_out, owner, op, fee);
  if (auto d = commit(cb.make_block(cs, {reg}, fee))) reader.add_utxo_delta(d);
  transaction spend = test::make_transfer(cb.domain(), collateral, coll_out, owner,
                                          {{1'000 * coin - fee, owner.public_key()}});
  REQUIRE(reader.begin_snapshot().ok());
  CHECK(reader.masternodes().count(op.public_key()) == 1);
  auto locked = reader.check_tx(spend, txid(spend), false);
  REQUIRE_FALSE(locked.ok());
  CHECK(locked.error_message().find("locked") != std::string::npos);
  reader.end_snapshot();
  r = result<std::unique_ptr<chain_store>>(make_error("closed"));
  w = result<std::unique_ptr<chain_store>>(make_error("closed"));
  remove_db(path);
}

TEST_CASE("a WAL checkpoint restarts the WAL once no reader holds a snapshot") {
  chain_builder cb;
  std::string path = fresh_db("wal_restart.db");
  open_options opt;
  opt.wal_checkpoint_frames = 8;
  auto w = chain_store::open(path, cb.genesis, opt);
  REQUIRE_MESSAGE(w.ok(), w.error_message());
  chain_store& cs = **w;
  auto r = cs.open_reader();
  REQUIRE_MESSAGE(r.ok(), r.error_message());
  chain_store& reader = **r;
  auto wal_bytes = [&] {
    struct stat st {};
    return ::stat((path + "-wal").c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
  };
  std::mt19937_64 rng(9);
  while (!cs.wal_checkpoint_due()) REQUIRE(cb.connect(cs, cb.next_block(cs, rng, 5)).ok());
  // A snapshot in the way: the checkpoint gives up at once, nothing lost.
  REQUIRE(reader.begin_snapshot().ok());
  auto busy = cs.checkpoint_wal();
  CHECK_FALSE(busy.ok());
  CHECK(busy.error_message().find("WAL checkpoint") != std::string::npos);
  CHECK(cs.wal_checkpoint_due());
  reader.end_snapshot();
  REQUIRE(cs.checkpoint_wal().ok());
  CHECK(cs.wal_frames() == 0);
  CHECK_FALSE(cs.wal_checkpoint_due());
  // Checkpointing whenever due keeps the WAL file near the limit, however
  // many blocks go by; the reader keeps seeing the newest tip.
  size_t after_first = wal_bytes(), largest = 0;
  for (int i = 0; i < 40; ++i) {
    REQUIRE(cb.connect(cs, cb.next_block(cs, rng, 5)).ok());
    largest = std::max(largest, wal_bytes());
    if (cs.wal_checkpoint_due()) REQUIRE(cs.checkpoint_wal().ok());
    REQUIRE(reader.begin_snapshot().ok());
    CHECK(reader.tip().hash == cs.tip().hash);
    reader.end_snapshot();
  }
  CHECK(largest <= after_first + 16 * (16384 + 24));  // unchecked: ~40 blocks of frames
  tip_info last = cs.tip();
  REQUIRE(cs.checkpoint_wal(chain_store::checkpoint_mode::truncate)
              .ok());  // at close: the file is cut to nothing
  CHECK(wal_bytes() == 0);
  r = result<std::unique_ptr<chain_store>>(make_error("closed"));
  w = result<std::unique_ptr<chain_store>>(make_error("closed"));
  // The data is all there after a reopen.
  auto again = chain_store::open(path, cb.genesis);
  REQUIRE(again.ok());
  CHECK((*again)->tip().hash == last.hash);
  CHECK((*again)->tip().height == last.height);
  again = result<std::unique_ptr<chain_store>>(make_error("closed"));
  remove_db(path);
}

TEST_CASE(
    "finding 7: a tx signed on one localnet does not verify on another with the same chain id") {
  chain_builder a, b;
  b.genesis.params.genesis_time_ms += 1;  // another localnet: same chain id, same keys
  REQUIRE(a.chain_id() == b.chain_id());
  auto sa = a.open_memory(), sb = b.open_memory();
  REQUIRE(sa->genesis_hash() != sb->genesis_hash());
  const secret_key& owner = a.owners[0];
  auto ua = sa->utxos_of(owner.public_key(), 1).at(0);
  auto ub = sb->utxos_of(owner.public_key(), 1).at(0);
  REQUIRE(ua.first.index == ub.first.index);
  amount fee = a.genesis.params.min_tx_fee;
  transaction on_a = test::make_transfer(a.domain(), ua.first, ua.second.out, owner,
                                         {{ua.second.out.value - fee, owner.public_key()}});
  CHECK(sa->check_tx(on_a, txid(on_a), true).ok());
  // The same spend replayed on b (its genesis tx differs, so map the outpoint).
  transaction replay = on_a;
  replay.inputs[0].prev = ub.first;
  transaction signed_for_b = test::make_transfer(b.domain(), ub.first, ub.second.out, owner,
                                                 {{ub.second.out.value - fee, owner.public_key()}});
  replay.inputs[0].sig = test::make_transfer(a.domain(), ub.first, ub.second.out, owner,
                                             {{ub.second.out.value - fee, owner.public_key()}})
                             .inputs[0]
                             .sig;
  auto r = sb->check_tx(replay, txid(replay), true);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("signature") != std::string::npos);
  CHECK(sb->check_tx(signed_for_b, txid(signed_for_b), true).ok());
}

TEST_CASE("finding 6: every header field is checked before anything is written") {
  chain_builder cb;
  std::string path = fresh_db("header.db");
  auto expect_refused = [&](const char* needle) {
    std::string before = file_bytes(path);
    std::optional<result<std::unique_ptr<chain_store>>> cs;
    CHECK_NOTHROW(cs.emplace(chain_store::open(path, cb.genesis)));
    REQUIRE(cs);
    REQUIRE_FALSE(cs->ok());
    CAPTURE(cs->error_message());
    CHECK(cs->error_message().find(needle) != std::string::npos);
    CHECK(file_bytes(path) == before);
  };
  auto make_store = [&](int64_t migrate_to) {
    remove_db(path);
    open_options o;
    o.migrate_to = migrate_to;
    auto cs = chain_store::open(path, cb.genesis, o);
    REQUIRE(cs.ok());
    return std::move(cs).value();
  };
  // Our application id with a negative schema version (crashed startup with bad_alloc).
  for (int64_t v : {int64_t{-1}, int64_t{0}, int64_t{INT32_MIN}}) {
    auto cs = make_store(schema_version);
    REQUIRE(cs->db().exec("PRAGMA user_version = " + std::to_string(v)).ok());
    REQUIRE(cs->db().exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    cs.reset();
    expect_refused("damaged");
  }
  // Another chain's store at an older schema: refused before it is migrated.
  {
    auto cs = make_store(1);
    cs.reset();
    chain_builder other;
    other.genesis.params.chain_id = "timecoin-other";
    std::string before = file_bytes(path);
    auto r = chain_store::open(path, other.genesis);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error_message().find("another chain") != std::string::npos);
    CHECK(file_bytes(path) == before);
  }
  // A first start that stopped after the schema and before the genesis: new.
  {
    auto cs = make_store(schema_version);
    REQUIRE(cs->db()
                .exec("DELETE FROM meta; DELETE FROM utxos; DELETE FROM blocks; "
                      "DELETE FROM txindex; DELETE FROM undo; "
                      "DELETE FROM masternodes")
                .ok());
    cs.reset();
    auto again = chain_store::open(path, cb.genesis);
    REQUIRE_MESSAGE(again.ok(), again.error_message());
    CHECK((*again)->tip().height == 0);
  }
  remove_db(path);
}

TEST_CASE("the COMMIT of a block's write is timed with the clock the store is given") {
  chain_builder cb;
  auto cs = cb.open_memory();
  std::mt19937_64 rng(11);
  REQUIRE(cb.connect(*cs, cb.next_block(*cs, rng, 2)).ok());
  CHECK(cs->last_commit_us() == 0);  // no clock: not timed
  uint64_t t = 1000;
  cs->set_clock_us([&t] { return t += 7; });  // each reading 7 us after the last
  REQUIRE(cb.connect(*cs, cb.next_block(*cs, rng, 2)).ok());
  CHECK(cs->last_commit_us() == 7);
  // The status line's UTXO count agrees with the full digest's.
  auto n = cs->utxo_count();
  REQUIRE(n.ok());
  CHECK(*n == cs->utxo_digest()->second);
  CHECK(*n > 0);
}

TEST_CASE("the reader maps the file as configured; the writer does not") {
  chain_builder cb;
  std::string path = fresh_db("reader_mmap.db");
  for (uint64_t mb : {uint64_t{1024}, uint64_t{8}, uint64_t{0}}) {
    CAPTURE(mb);
    open_options o;
    o.reader_mmap_mb = mb;
    auto w = chain_store::open(path, cb.genesis, o);
    REQUIRE_MESSAGE(w.ok(), w.error_message());
    auto r = (*w)->open_reader();
    REQUIRE_MESSAGE(r.ok(), r.error_message());
    CHECK((*r)->mapped_bytes_limit().value() == int64_t(mb << 20));
    // Mapped writes lost to the writer's own commits in the benchmark.
    CHECK((*w)->mapped_bytes_limit().value() == 0);
    REQUIRE((*r)->begin_snapshot().ok());
    CHECK((*r)->tip().height == 0);
    (*r)->end_snapshot();
  }
}

TEST_CASE("the UTXO row count is kept in the file, counted once for older files") {
  chain_builder cb;
  std::string path = fresh_db("utxo_rows.db");
  std::mt19937_64 rng(3);
  int64_t rows = 0;
  open_options through;  // the table holds the whole set after each block
  through.utxo_flush_blocks = 0;
  {
    auto cs = chain_store::open(path, cb.genesis, through);
    REQUIRE_MESSAGE(cs.ok(), cs.error_message());
    for (int i = 0; i < 3; ++i) REQUIRE(cb.connect(**cs, cb.next_block(**cs, rng, 5)).ok());
    rows = (*cs)->db().query_int("SELECT COUNT(*) FROM utxos").value();
    CHECK((*cs)->db().query_int("SELECT value FROM meta WHERE key = 'utxo_rows'").value() == rows);
    CHECK(*(*cs)->utxo_count() == uint64_t(rows));
    CHECK((*cs)->check_integrity().ok());
    // A file written before the count was kept: counted at the next open.
    REQUIRE((*cs)->db().exec("DELETE FROM meta WHERE key = 'utxo_rows'").ok());
  }
  {
    auto cs = chain_store::open(path, cb.genesis, through);
    REQUIRE_MESSAGE(cs.ok(), cs.error_message());
    CHECK((*cs)->db().query_int("SELECT value FROM meta WHERE key = 'utxo_rows'").value() == rows);
    // A count that disagrees with the table is damage check_integrity names.
    REQUIRE((*cs)->db().exec("UPDATE meta SET value = value + 1 WHERE key = 'utxo_rows'").ok());
    auto bad = (*cs)->check_integrity();
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error_message().find("kept UTXO row count") != std::string::npos);
  }
}
