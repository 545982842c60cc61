#include "node/signing_state.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/hash.hpp"
#include "storage/sign_guard.hpp"
#include "tests/support/chain_builder.hpp"

namespace fs = std::filesystem;
using namespace tc;
using consensus::signed_record;
using consensus::step;

namespace {
struct guard_fixture {
  fs::path dir;
  test::chain_builder cb;
  std::unique_ptr<chain_store> store = cb.open_memory();
  std::mt19937_64 rng{7};
  guard_fixture() {
    char tmpl[] = "/tmp/tc-signing-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~guard_fixture() { fs::remove_all(dir); }
  std::string guard() const { return (dir / "mn.key.sign_guard").string(); }
  void grow(int blocks) {
    for (int i = 0; i < blocks; ++i)
      REQUIRE(cb.connect(*store, cb.next_block(*store, rng, 2)).ok());
  }
  signing_state_options opts(const secret_key& k) const { return {guard(), k.public_key()}; }
  std::optional<signed_record> on_file() const {
    auto f = sign_guard::load(guard());
    REQUIRE(f.ok());
    if (!*f) return std::nullopt;
    auto r = consensus::decode_signed_record(**f);
    REQUIRE(r.ok());
    return *r;
  }
};
signed_record rec_at(uint64_t h, uint32_t r, step s) {
  return signed_record{h, r, s, tagged_hash("t", byte_view::of("b")), -1, {}};
}
}  // namespace

TEST_CASE("a fresh validator starts with no record and no guard file until it signs") {
  guard_fixture f;
  auto got = load_signing_state(*f.store, f.opts(f.cb.operators[0]));
  REQUIRE(got.ok());
  CHECK_FALSE(got->has_value());
  CHECK_FALSE(fs::exists(f.guard()));
}

TEST_CASE("the guard file outlives chain.db: a fresh database does not reset it") {
  guard_fixture f;
  signed_record r = rec_at(40, 2, step::precommit);
  REQUIRE(sign_guard::store(f.guard(), consensus::encode_signed_record(r)).ok());
  // chain.db deleted: a new, empty store (its tip is genesis, no record).
  auto fresh = f.cb.open_memory();
  auto got = load_signing_state(*fresh, f.opts(f.cb.operators[0]));
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK(**got == r);
}

TEST_CASE("a record an older node kept in chain.db moves beside the key; the later one wins") {
  guard_fixture f;
  signed_record in_db = rec_at(12, 0, step::prevote);
  REQUIRE(f.store->put_state("last_signed", consensus::encode_signed_record(in_db)).ok());
  auto got = load_signing_state(*f.store, f.opts(f.cb.operators[0]));
  REQUIRE(got.ok());
  CHECK(**got == in_db);
  CHECK(f.on_file() == in_db);
  // A restored (older) chain.db cannot take the guard back.
  signed_record newer = rec_at(30, 1, step::precommit);
  REQUIRE(sign_guard::store(f.guard(), consensus::encode_signed_record(newer)).ok());
  got = load_signing_state(*f.store, f.opts(f.cb.operators[0]));
  CHECK(**got == newer);
  CHECK(f.on_file() == newer);
}

TEST_CASE("a lost guard while the chain shows this key's recent precommits holds the next height") {
  guard_fixture f;
  f.grow(5);  // certify() signs with every active validator
  uint64_t tip = f.store->tip().height;
  auto got = load_signing_state(*f.store, f.opts(f.cb.operators[1]));
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  // Nothing at tip+1 may be signed; tip+2 round 0 may.
  CHECK((*got)->height == tip + 1);
  CHECK((*got)->round == UINT32_MAX);
  CHECK((*got)->stage == step::precommit);
  CHECK(f.on_file() == **got);  // written at once: a second restart keeps the hold
  // A key that never signed here (not in the set) gets no hold.
  guard_fixture g;
  g.grow(3);
  auto other = load_signing_state(*g.store, g.opts(test::key_from_seed(999)));
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());
}

TEST_CASE("--accept-lost-sign-guard: the operator's word lifts the hold") {
  guard_fixture f;
  f.grow(5);
  auto o = f.opts(f.cb.operators[1]);
  o.accept_lost_guard = true;
  auto got = load_signing_state(*f.store, o);
  REQUIRE(got.ok());
  CHECK_FALSE(got->has_value());  // nothing held: the next height may be signed
  // A record the guard does hold is never lifted by the flag.
  signed_record r = rec_at(40, 2, step::prevote);
  REQUIRE(sign_guard::store(f.guard(), consensus::encode_signed_record(r)).ok());
  got = load_signing_state(*f.store, o);
  REQUIRE(got.ok());
  CHECK(**got == r);
}

TEST_CASE("a damaged guard file stops the start with the reason; it is never overwritten") {
  guard_fixture f;
  bytes junk{'n', 'o', 'p', 'e'};
  FILE* fp = std::fopen(f.guard().c_str(), "wb");
  std::fwrite(junk.data(), 1, junk.size(), fp);
  std::fclose(fp);
  auto got = load_signing_state(*f.store, f.opts(f.cb.operators[0]));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error_message().find("is damaged") != std::string::npos);
  CHECK(fs::file_size(f.guard()) == junk.size());
  // A well-formed file whose record does not decode is refused as well.
  REQUIRE(sign_guard::store(f.guard(), bytes{9, 9, 9}).ok());
  got = load_signing_state(*f.store, f.opts(f.cb.operators[0]));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error_message().find("holds no valid record") != std::string::npos);
}
