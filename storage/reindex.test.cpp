#include "storage/reindex.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <random>

#include "storage/peer_store.hpp"
#include "tests/support/chain_builder.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
void remove_db(const std::string& path) {
  for (const char* s : {"", "-wal", "-shm", ".pre-reindex", ".reindex"})
    std::remove((path + s).c_str());
}
}  // namespace

// Review finding: --reindex rebuilt a fresh file from the blocks alone, so
// a validator restarted after it had forgotten its last signed vote (and
// its lock) and any fork evidence: it could sign against its own vote.
TEST_CASE("reindex rebuilds the ledger and keeps what the blocks do not hold") {
  test::chain_builder cb(6, 4, 4);
  std::string path = test::temp_path("reindex.db");
  remove_db(path);
  bytes signed_record = {1, 2, 3, 4}, evidence = {9, 9};
  std::pair<hash256, uint64_t> digest_before;
  uint64_t tip = 0;
  {
    auto cs = chain_store::open(path, cb.genesis);
    REQUIRE(cs.ok());
    std::mt19937_64 rng(7);
    for (int i = 0; i < 5; ++i) REQUIRE(cb.connect(**cs, cb.next_block(**cs, rng, 4)).ok());
    REQUIRE((*cs)->put_state("last_signed", signed_record).ok());
    REQUIRE((*cs)->put_state("fork_evidence", evidence).ok());
    REQUIRE(save_peers(**cs, {{"127.0.0.1:9", test::key_from_seed(3).public_key(), 5, 1}}).ok());
    REQUIRE(save_ban(**cs, {"ip:10.0.0.2", 0, 3, "garbage"}).ok());
    digest_before = *(*cs)->utxo_digest();
    tip = (*cs)->tip().height;
  }
  open_options opt;
  opt.address_index = true;
  uint64_t progress_calls = 0;
  auto rebuilt = reindex(path, cb.genesis, opt, [&](uint64_t, uint64_t) { ++progress_calls; });
  REQUIRE_MESSAGE(rebuilt.ok(), rebuilt.error_message());
  CHECK(*rebuilt == tip);
  CHECK(progress_calls == 0);  // fewer than 1000 blocks

  auto cs = chain_store::open(path, cb.genesis, opt);
  REQUIRE(cs.ok());
  CHECK((*cs)->tip().height == tip);
  CHECK(*(*cs)->utxo_digest() == digest_before);
  CHECK((*cs)->has_address_index());
  CHECK((*cs)->get_state("last_signed") == signed_record);
  CHECK((*cs)->get_state("fork_evidence") == evidence);
  auto peers = load_peers(**cs, 10);
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].addr == "127.0.0.1:9");
  auto bans = load_bans(**cs);
  REQUIRE(bans.size() == 1);
  CHECK(bans[0].reason == "garbage");
  CHECK(::access((path + ".pre-reindex").c_str(), F_OK) == 0);
  cs->reset();
  remove_db(path);
}

TEST_CASE("reindex of a missing database fails and creates nothing") {
  test::chain_builder cb(6, 4, 4);
  std::string path = test::temp_path("reindex-missing.db");
  remove_db(path);
  auto r = reindex(path, cb.genesis, {});
  CHECK_FALSE(r.ok());
  CHECK(::access(path.c_str(), F_OK) != 0);
}
