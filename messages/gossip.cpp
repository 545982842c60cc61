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
  if (auto* p = std::get_if<proposal>(&m)) {
    byte_writer w;
    w.u64(p->height);
    w.u32(p->round);
    w.i64(p->pol_round);
    w.fixed(block_hash(p->blk->header));
    w.fixed(p->proposer);
    w.fixed(p->sig);
    return tagged_hash("TimeCoin/gossip-proposal", w.data());
  }
  return std::nullopt;
}

}  // namespace tc
