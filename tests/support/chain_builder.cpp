#include "tests/support/chain_builder.hpp"

#include "crypto/bech32m.hpp"

namespace tc::test {

chain_builder::chain_builder(size_t accounts, size_t validators, size_t outputs_per_account) {
  auto& p = genesis.params;
  p.chain_id = "timecoin-test";
  p.net = network::localnet;
  p.genesis_time_ms = 1'700'000'000'000;
  p.allow_free_tier = true;
  p.min_validators = 1;
  for (size_t i = 0; i < accounts; ++i) owners.push_back(key_from_seed(i));
  for (size_t i = 0; i < validators; ++i) operators.push_back(key_from_seed(1000 + i));
  for (size_t r = 0; r < outputs_per_account; ++r)
    for (const auto& k : owners) genesis.allocations.push_back({1'000'000 * coin, k.public_key()});
  const mn_tier tiers[] = {mn_tier::gold, mn_tier::silver, mn_tier::bronze, mn_tier::free};
  for (size_t i = 0; i < validators; ++i)
    genesis.masternodes.push_back({operators[i].public_key(), owners[i % accounts].public_key(),
                                   tiers[i % 4], "127.0.0.1:" + std::to_string(24200 + i)});
}

const secret_key* chain_builder::key_of(const pubkey& p) const {
  for (const auto& k : owners)
    if (k.public_key() == p) return &k;
  for (const auto& k : operators)
    if (k.public_key() == p) return &k;
  return nullptr;
}

block chain_builder::make_block(chain_store& cs, std::vector<transaction> txs, amount fees,
                                const pubkey* proposer) {
  tip_info tip = cs.tip();
  block b;
  b.header.height = tip.height + 1;
  b.header.timestamp_ms = tip.timestamp_ms + 1000;
  b.header.prev_hash = tip.hash;
  auto active = cs.validators_at(b.header.height);
  TC_ASSERT(!active.empty());
  b.header.proposer = proposer ? *proposer : active[b.header.height % active.size()].operator_key;
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = b.header.height;
  auto outs = reward_outputs(cs.params(), b.header.height, fees, b.header.proposer, active);
  reward.outputs =
      outs ? *outs : std::vector<tx_output>{{cs.params().block_reward, b.header.proposer}};
  b.txs.push_back(reward);
  for (auto& t : txs) b.txs.push_back(std::move(t));
  seal(b);
  return b;
}

block chain_builder::next_block(chain_store& cs, std::mt19937_64& rng, size_t n_txs) {
  const amount fee = cs.params().min_tx_fee;
  std::set<outpoint> locked =
      locked_collateral(cs.masternodes(), cs.tip().height + 1, cs.params().validator_set_delay);
  std::vector<std::pair<outpoint, utxo_entry>> spendable;
  for (const auto& k : owners)
    for (auto& u : cs.utxos_of(k.public_key(), 4 * n_txs + 8))
      if (!locked.count(u.first) && u.second.out.value > 2 * fee + 2) spendable.push_back(u);
  std::shuffle(spendable.begin(), spendable.end(), rng);
  std::vector<transaction> txs;
  amount fees = 0;
  // The domain hashes the genesis (all its allocations): once per block.
  const sign_domain dom = domain();
  for (size_t i = 0; i < n_txs && i < spendable.size(); ++i) {
    const auto& [prev, entry] = spendable[i];
    amount rest = entry.out.value - fee;
    amount part = 1 + static_cast<amount>(rng() % static_cast<uint64_t>(rest - 1));
    const pubkey& to = owners[rng() % owners.size()].public_key();
    txs.push_back(make_transfer(dom, prev, entry.out, *key_of(entry.out.owner),
                                {{part, to}, {rest - part, entry.out.owner}}));
    fees += fee;
  }
  return make_block(cs, std::move(txs), fees);
}

transaction chain_builder::make_registration(const std::pair<outpoint, tx_output>& funding,
                                             const secret_key& payer, mn_tier tier,
                                             const outpoint& coll, const tx_output& coll_out,
                                             const secret_key& owner, const secret_key& op,
                                             amount fee) const {
  transaction reg;
  reg.kind = tx_kind::mn_register;
  reg.inputs.push_back({funding.first, {}});
  reg.outputs.push_back({funding.second.value - fee, payer.public_key()});
  reg.registration = mn_registration{
      tier, tier == mn_tier::free ? outpoint{} : coll, op.public_key(), "127.0.0.1:24999", {}, {}};
  hash256 id = txid(reg);
  sign_inputs(domain(), reg, {funding.second}, {&payer});
  reg.registration->operator_sig =
      op.sign(tx_sighash(domain(), id, sighash_operator, {0, op.public_key()}), hash256{});
  if (tier != mn_tier::free)
    reg.registration->owner_sig =
        owner.sign(tx_sighash(domain(), id, sighash_owner, coll_out), hash256{});
  return reg;
}

transaction chain_builder::make_deregistration(const std::pair<outpoint, tx_output>& funding,
                                               const secret_key& payer, const pubkey& op,
                                               const tx_output& signed_out,
                                               const secret_key& signer, amount fee) const {
  transaction dereg;
  dereg.kind = tx_kind::mn_deregister;
  dereg.inputs.push_back({funding.first, {}});
  dereg.outputs.push_back({funding.second.value - fee, payer.public_key()});
  dereg.deregistration = mn_deregistration{op, {}};
  hash256 id = txid(dereg);
  sign_inputs(domain(), dereg, {funding.second}, {&payer});
  dereg.deregistration->owner_sig =
      signer.sign(tx_sighash(domain(), id, sighash_owner, signed_out), hash256{});
  return dereg;
}

std::unique_ptr<chain_store> chain_builder::open_memory() const {
  auto cs = chain_store::open(":memory:", genesis);
  TC_ASSERT_MSG(cs.ok(), cs.ok() ? "" : cs.error_message().c_str());
  return std::move(cs).value();
}

status chain_builder::connect(chain_store& cs, const block& b) const {
  return cs.connect_block(b, certify(cs, b), at(b));
}

commit_certificate chain_builder::certify(chain_store& cs, const block& b) const {
  commit_certificate c;
  c.height = b.header.height;
  c.block_hash = block_hash(b.header);
  for (const auto& m : cs.validators_at(b.header.height)) {
    TC_ASSERT_MSG(key_of(m.operator_key), "certify: validator key unknown to the builder");
    vote v{vote_type::precommit, c.height, 0, c.block_hash, m.operator_key, {}};
    c.sigs.push_back(
        {m.operator_key, key_of(m.operator_key)->sign(vote_sign_bytes(domain(), v), hash256{})});
  }
  return c;
}

}  // namespace tc::test
