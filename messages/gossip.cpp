#include "messages/gossip.hpp"

#include "crypto/hash.hpp"
#include "messages/encoding.hpp"

namespace tc {

std::optional<hash256> gossip_key(const peer::message& m) {
  if (auto* t = std::get_if<peer::tx>(&m)) return wtxid(t->t);
  const vote* v = nullptr;
  if (auto* p = std::get_if<peer::prevote>(&m)) v = &p->v;
  if (auto* p = std::get_if<peer::precommit>(&m)) v = &p->v;
  if (v) {
    byte_writer w;
    encode(w, *v);
    return tagged_hash("TimeCoin/gossip-vote", w.data());
  }
  // Both forms of one proposal share a key: a node that holds it in one
  // form does not take it again in the other.
  if (auto* p = std::get_if<proposal>(&m))
    return proposal_key(p->height, p->round, p->pol_round, block_hash(p->blk->header), p->proposer,
                        p->sig);
  if (auto* c = std::get_if<peer::compact_proposal>(&m))
    return proposal_key(c->height, c->round, c->pol_round, block_hash(c->header), c->proposer,
                        c->sig);
  return std::nullopt;
}

hash256 proposal_key(uint64_t height, uint32_t round, int32_t pol_round, const hash256& block,
                     const pubkey& proposer, const signature& sig) {
  byte_writer w;
  w.u64(height);
  w.u32(round);
  w.i64(pol_round);
  w.fixed(block);
  w.fixed(proposer);
  w.fixed(sig);
  return tagged_hash("TimeCoin/gossip-proposal", w.data());
}

}  // namespace tc
