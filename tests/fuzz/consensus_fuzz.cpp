// Fuzz target: the consensus core under a generated schedule. Four
// validators of equal power: three honest cores and a Byzantine fourth
// whose key the input holds. Each input step delivers an honest core's
// earlier message to another in any order (or drops it, by never choosing
// it), makes the Byzantine validator vote or propose anything, fires a
// timeout, answers a core's pending validation or block request, or lets
// every message sent so far reach every core (a calm network).
// Checkers after every step: agreement (honest cores never decide different
// blocks at one height), validity (every decided block is one validation
// accepted), no honest core signs two different blocks in one slot, and no
// fork proof (one Byzantine of four is under 1/3).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "actors/consensus/core.hpp"
#include "crypto/hash.hpp"
#include "messages/encoding.hpp"
#include "tests/support/fake_signer.hpp"

using namespace tc;
using namespace tc::consensus;

namespace {

// Keyed-hash signatures: the protocol logic is what is fuzzed (the
// Byzantine validator signs with its own key only; nobody forges).
using test::fake_sign;
using test::fake_signer;
using test::fake_verifier;

// Whether the chain would accept a block: a fixed function of the block,
// the same for every core (Byzantine blocks may fail it).
bool chain_accepts(const block& b) {
  return b.header.timestamp_ms % 7 != 0;
}

constexpr size_t honest = 3, max_pool = 128;
constexpr uint64_t max_height = 6;

struct world {
  sign_domain domain = signing_domain("fuzz", hash256{});
  std::array<pubkey, 4> keys;
  validator_set set;
  fake_verifier verifier;
  std::vector<std::unique_ptr<fake_signer>> signers;
  std::vector<std::unique_ptr<core>> cores;
  std::vector<std::variant<proposal, vote>> pool;
  std::array<std::vector<request_validation>, honest> to_validate;
  std::array<std::vector<request_block>, honest> to_build;
  std::map<uint64_t, hash256> decided_at;  // height -> the block decided there
  std::array<std::map<std::tuple<uint64_t, uint32_t, uint8_t>, hash256>, honest> signed_slots;

  world() {
    std::vector<validator> v;
    for (uint8_t i = 0; i < 4; ++i) {
      keys[i].v.fill(static_cast<uint8_t>(i + 1));
      v.push_back({keys[i], 10});
    }
    set = validator_set(v);
    for (size_t i = 0; i < honest; ++i) {
      signers.push_back(std::make_unique<fake_signer>(keys[i]));
      consensus_config cfg;
      cfg.min_validators = 1;
      cores.push_back(std::make_unique<core>(domain, cfg, signers[i].get(), &verifier));
    }
    for (size_t i = 0; i < honest; ++i) run(i, cores[i]->start_height(1, set, 0));
  }

  void run(size_t i, const actions& acts) {
    for (const auto& a : acts) {
      if (auto* x = std::get_if<broadcast_proposal>(&a)) keep(x->p);
      if (auto* x = std::get_if<broadcast_vote>(&a)) keep(x->v);
      if (auto* x = std::get_if<request_validation>(&a)) to_validate[i].push_back(*x);
      if (auto* x = std::get_if<request_block>(&a)) to_build[i].push_back(*x);
      if (auto* x = std::get_if<persist_signed>(&a)) {
        const signed_record& r = x->record;
        auto [it, fresh] = signed_slots[i].emplace(
            std::make_tuple(r.height, r.round, static_cast<uint8_t>(r.stage)), r.block_hash);
        TC_ASSERT_MSG(fresh || it->second == r.block_hash, "an honest core signed two blocks");
      }
      TC_ASSERT_MSG(!std::holds_alternative<fork_proven>(a), "a fork with 1 of 4 Byzantine");
      if (auto* x = std::get_if<decided>(&a)) on_decided(i, *x);
    }
  }

  void on_decided(size_t i, const decided& d) {
    TC_ASSERT_MSG(chain_accepts(*d.blk), "decided a block validation refused");
    hash256 h = block_hash(d.blk->header);
    TC_ASSERT(h == d.cert.block_hash);
    auto [it, fresh] = decided_at.emplace(d.cert.height, h);
    TC_ASSERT_MSG(fresh || it->second == h, "two honest cores decided different blocks");
    to_validate[i].clear();  // answers for a past height would be stale
    to_build[i].clear();
    if (d.cert.height < max_height) run(i, cores[i]->start_height(d.cert.height + 1, set, 0));
  }

  template <class T>
  void keep(T m) {
    if (pool.size() >= max_pool) pool.erase(pool.begin());
    pool.emplace_back(std::move(m));
  }

  void deliver(size_t i, const std::variant<proposal, vote>& m) {
    if (auto* p = std::get_if<proposal>(&m))
      run(i, cores[i]->on_proposal(*p));
    else
      run(i, cores[i]->on_vote(std::get<vote>(m)));
  }

  block make_block(uint64_t height, const pubkey& proposer, uint64_t stamp) const {
    block b;
    b.header.height = height;
    b.header.timestamp_ms = stamp;
    b.header.proposer = proposer;
    return b;
  }

  // The Byzantine validator: any vote, any proposal it is entitled to sign.
  vote byzantine_vote(uint64_t height, uint8_t a, uint8_t b) const {
    vote v{a & 1 ? vote_type::precommit : vote_type::prevote,
           height,
           uint32_t(a >> 1) % 4,
           {},
           keys[3],
           {}};
    if (b % 3 == 1 && !pool.empty()) {
      const auto& m = pool[b % pool.size()];
      if (auto* p = std::get_if<proposal>(&m)) v.block_hash = block_hash(p->blk->header);
    } else if (b % 3 == 2) {
      v.block_hash = block_hash(make_block(height, keys[3], b).header);
    }
    v.sig = fake_sign(keys[3], vote_sign_bytes(domain, v));
    return v;
  }

  std::optional<proposal> byzantine_proposal(uint64_t height, uint8_t a, uint8_t b) const {
    uint32_t r = a % 4;
    if (set.proposer(height, r) != keys[3]) return std::nullopt;
    proposal p{height,  r, -1, std::make_shared<const block>(make_block(height, keys[3], b)),
               keys[3], {}};
    if (a & 0x10 && r > 0) p.pol_round = static_cast<int32_t>(r - 1);
    p.sig = fake_sign(
        keys[3], proposal_sign_bytes(domain, height, r, p.pol_round, block_hash(p.blk->header)));
    return p;
  }

  void step(uint8_t op, uint8_t a, uint8_t b) {
    size_t i = b % honest;
    core& c = *cores[i];
    switch (op % 7) {
      case 0:
        if (!pool.empty()) deliver(i, pool[a % pool.size()]);
        break;
      case 1:
        run(i, c.on_vote(byzantine_vote(c.height(), a, b)));
        break;
      case 2:
        if (auto p = byzantine_proposal(c.height(), a, b)) run(i, c.on_proposal(*p));
        break;
      case 3: {
        static const timeout_kind kinds[] = {timeout_kind::propose, timeout_kind::prevote,
                                             timeout_kind::precommit, timeout_kind::new_height};
        run(i, c.on_timeout(kinds[a % 4], c.height(), c.round()));
        break;
      }
      case 4:
        if (!to_validate[i].empty()) {  // any pending one, in any order
          auto at = to_validate[i].begin() + static_cast<std::ptrdiff_t>(a % to_validate[i].size());
          auto req = *at;
          to_validate[i].erase(at);
          run(i, c.on_block_validated(req.hash, chain_accepts(*req.blk)));
        }
        break;
      case 5:
        if (!to_build[i].empty()) {
          auto req = to_build[i].back();
          to_build[i].clear();
          uint64_t stamp = 1000 + req.round * 10 + i;
          if (stamp % 7 == 0) ++stamp;  // honest producers build valid blocks
          auto blk = std::make_shared<const block>(make_block(req.height, keys[i], stamp));
          run(i, c.on_block_built(req.height, req.round, blk));
        }
        break;
      case 6: {  // a calm network: everything sent so far reaches everyone
        auto snapshot = pool;
        for (const auto& m : snapshot)
          for (size_t j = 0; j < honest; ++j) deliver(j, m);
        break;
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  world w;
  for (size_t at = 0; at + 3 <= size; at += 3) w.step(data[at], data[at + 1], data[at + 2]);
  return 0;
}
