#include "tests/sim/checkers.hpp"

#include "actors/consensus/validator_set.hpp"
#include "messages/encoding.hpp"

namespace tc::sim {

bool run_report::has(const std::string& checker) const {
  for (const auto& v : violations)
    if (v.checker == checker) return true;
  return false;
}

result<stored_chain> read_chain(uint32_t node, chain_store& cs) {
  stored_chain out;
  out.node = node;
  for (uint64_t h = 1; h <= cs.tip().height; ++h) {
    auto b = cs.get_block(h);
    if (!b)
      return make_error("node " + std::to_string(node) + ": block " + std::to_string(h) + ": " +
                        b.error_message());
    out.hashes.push_back(block_hash(b->header));
    out.timestamps_ms.push_back(b->header.timestamp_ms);
    for (const auto& t : b->txs) out.txids.insert(txid(t));
  }
  return out;
}

std::vector<violation> check_agreement(const std::vector<stored_chain>& chains) {
  std::vector<violation> out;
  for (size_t i = 0; i < chains.size(); ++i)
    for (size_t j = i + 1; j < chains.size(); ++j) {
      const auto &a = chains[i], &b = chains[j];
      size_t n = std::min(a.hashes.size(), b.hashes.size());
      for (size_t h = 0; h < n; ++h)
        if (a.hashes[h] != b.hashes[h]) {
          out.push_back(
              {"agreement", "nodes " + std::to_string(a.node) + " and " + std::to_string(b.node) +
                                " finalized different blocks at height " + std::to_string(h + 1) +
                                " (" + a.hashes[h].hex().substr(0, 16) + " vs " +
                                b.hashes[h].hex().substr(0, 16) + ")"});
          break;
        }
    }
  return out;
}

result<replay_outcome> replay_chain(chain_store& cs, const genesis_spec& genesis,
                                    uint64_t at_height) {
  auto fresh = chain_store::open(":memory:", genesis);
  if (!fresh) return fresh.take_error();
  chain_store& r = **fresh;
  cached_verifier verifier(10'000);
  replay_outcome out;
  if (at_height == 0) out.digest_at = r.utxo_digest()->first;
  for (uint64_t h = 1; h <= cs.tip().height; ++h) {
    auto b = cs.get_block(h);
    auto c = cs.get_certificate(h);
    if (!b || !c) return make_error("block " + std::to_string(h) + " unreadable");
    auto set = consensus::validator_set::from_masternodes(r.validators_at(h));
    if (c->block_hash != block_hash(b->header))
      return make_error("certificate at height " + std::to_string(h) + " names another block");
    if (auto s = consensus::verify_certificate(genesis_domain(genesis), *c, set, verifier); !s)
      return make_error("certificate at height " + std::to_string(h) + ": " + s.error_message());
    connect_options o;
    o.now_ms = b->header.timestamp_ms;
    if (auto s = r.connect_block(*b, *c, o); !s)
      return make_error("block " + std::to_string(h) + " is invalid: " + s.error_message());
    for (const auto& e : b->evidence_list) out.evidence.insert(e.a.validator);
    if (h == at_height) {
      auto d = r.utxo_digest();
      if (!d) return d.take_error();
      out.digest_at = d->first;
    }
  }
  for (const auto& m : r.validators_at(r.tip().height + 1)) out.active_after.insert(m.operator_key);
  return out;
}

}  // namespace tc::sim
