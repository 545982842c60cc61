#include "storage/peer_store.hpp"

#include <doctest/doctest.h>

#include "tests/support/chain_builder.hpp"

using namespace tc;

TEST_CASE("address book and bans survive in the database") {
  test::chain_builder cb;
  auto cs = cb.open_memory();
  stored_peer a{"127.0.0.1:1", test::key_from_seed(1).public_key(), 50, 0};
  stored_peer b{"127.0.0.1:2", pubkey{}, 70, 3};
  REQUIRE(save_peers(*cs, {a, b}).ok());
  auto peers = load_peers(*cs, 10);
  REQUIRE(peers.size() == 2);
  CHECK(peers[0].addr == "127.0.0.1:2");  // most recently seen first
  CHECK(peers[0].key.is_zero());
  CHECK(peers[0].failures == 3);
  CHECK(peers[1].key == a.key);
  REQUIRE(save_peers(*cs, {b}).ok());  // replaces the book
  CHECK(load_peers(*cs, 10).size() == 1);
  CHECK(load_peers(*cs, 0).empty());

  REQUIRE(save_ban(*cs, {"key:ab", 0, 3, "garbage"}).ok());
  REQUIRE(save_ban(*cs, {"ip:10.0.0.1", 1234, 1, "flood"}).ok());
  REQUIRE(save_ban(*cs, {"ip:10.0.0.1", 5678, 2, "flood again"}).ok());
  auto bans = load_bans(*cs);
  REQUIRE(bans.size() == 2);
  CHECK(bans[0].subject == "ip:10.0.0.1");
  CHECK(bans[0].until_ms == 5678);
  CHECK(bans[0].level == 2);
  CHECK(bans[1].reason == "garbage");
  REQUIRE(remove_ban(*cs, "key:ab").ok());
  CHECK(load_bans(*cs).size() == 1);
}

TEST_CASE("finding 3: the bans table is pruned of expired rows and kept within its bound") {
  test::chain_builder cb;
  auto cs = cb.open_memory();
  REQUIRE(save_ban(*cs, {"key:forever", 0, 3, "x"}).ok());
  for (int i = 1; i <= 50; ++i)
    REQUIRE(save_ban(*cs, {"ip:10.0.0." + std::to_string(i), uint64_t(i) * 100, 1, "x"}).ok());
  REQUIRE(prune_bans(*cs, 1'000, 1'000).ok());  // rows ending at or before 1000 go
  CHECK(load_bans(*cs).size() == 41);
  REQUIRE(prune_bans(*cs, 1'000, 5).ok());  // then the soonest-ending past the bound
  auto left = load_bans(*cs);
  REQUIRE(left.size() == 5);
  bool permanent_kept = false;
  for (auto& b : left) {
    permanent_kept |= b.subject == "key:forever";
    CHECK((b.until_ms == 0 || b.until_ms >= 4'700));
  }
  CHECK(permanent_kept);
}

TEST_CASE("blocks are served with their certificates, bounded by count and bytes") {
  test::chain_builder cb;
  auto cs = cb.open_memory();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5; ++i) REQUIRE(cb.connect(*cs, cb.next_block(*cs, rng, 3)).ok());
  auto all = load_blocks(*cs, 1, 100, 1u << 30);
  REQUIRE(all.size() == 5);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].blk.header.height == i + 1);
    CHECK(all[i].cert.block_hash == block_hash(all[i].blk.header));
  }
  CHECK(load_blocks(*cs, 2, 2, 1u << 30).size() == 2);
  CHECK(load_blocks(*cs, 1, 100, 1).size() == 1);  // at least one, whatever the byte cap
  CHECK(load_blocks(*cs, 6, 10, 1u << 30).empty());
}

TEST_CASE("finding 7: heights from peers are range-checked before any arithmetic") {
  test::chain_builder cb;
  auto cs = cb.open_memory();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 3; ++i) REQUIRE(cb.connect(*cs, cb.next_block(*cs, rng, 1)).ok());
  // from + count would wrap around to the first blocks; from as int64 is negative.
  CHECK(load_blocks(*cs, UINT64_MAX - 1, 100, 1u << 30).empty());
  CHECK(load_blocks(*cs, uint64_t{1} << 63, 100, 1u << 30).empty());
  CHECK(load_blocks(*cs, (uint64_t{1} << 63) - 1, UINT32_MAX, 1u << 30).empty());
  CHECK(load_blocks(*cs, 0, 10, 1u << 30).empty());  // genesis is never served
  CHECK(load_blocks(*cs, 3, UINT32_MAX, 1u << 30).size() == 1);
}
