#include "messages/gossip.hpp"

#include <doctest/doctest.h>

#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;

TEST_CASE(
    "gossip keys: one per content, whatever the encoding; any signed byte or signature changes "
    "it") {
  auto key = test::key_from_seed(4);
  vote v{vote_type::prevote, 5, 1, hash256{}, key.public_key(), {}};
  v.sig = key.sign(vote_sign_bytes(test::domain_of("c"), v), hash256{});
  peer::message pv = peer::prevote{v};
  auto k = gossip_key(pv);
  REQUIRE(k);
  CHECK(gossip_key(*decode_message(encode_message(pv))) == k);
  vote other_sig = v;
  other_sig.sig = key.sign(vote_sign_bytes(test::domain_of("c"), v),
                           hash256{{1}});  // the same vote signed again
  CHECK(gossip_key(peer::prevote{other_sig}) != k);
  CHECK(gossip_key(peer::precommit{v}) !=
        gossip_key(peer::prevote{vote{vote_type::precommit, 5, 1, {}, v.validator, v.sig}}));
  vote later = v;
  later.round = 2;
  CHECK(gossip_key(peer::prevote{later}) != k);

  transaction tx =
      test::make_transfer(test::domain_of("c"), {hash256{{7}}, 0}, {coin, key.public_key()}, key,
                          {{coin / 2, key.public_key()}});
  CHECK(gossip_key(peer::tx{tx}) == wtxid(tx));

  block b;
  b.header.height = 5;
  auto blk = std::make_shared<const block>(b);
  proposal p{5, 0, -1, blk, key.public_key(), {}};
  auto pk = gossip_key(p);
  REQUIRE(pk);
  proposal q = p;
  q.pol_round = 0;
  CHECK(gossip_key(q) != pk);
  q = p;
  q.sig.v[0] ^= 1;
  CHECK(gossip_key(q) != pk);
  CHECK_FALSE(gossip_key(peer::tip{5, hash256{}}));
  CHECK_FALSE(gossip_key(peer::ping{1}));
}
