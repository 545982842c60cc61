#include "messages/ledger/chain_rules.hpp"

#include "messages/encoding.hpp"
#include "messages/limits.hpp"

namespace tc {

bool masternode::active_at(uint64_t h, uint32_t delay) const {
  bool started = registered_height == 0 ? h >= 1 : h >= registered_height + delay;
  bool ended = removed_height && h >= *removed_height + (slashed ? 1 : delay);
  return started && !ended;
}

bool masternode::collateral_locked_at(uint64_t h, uint32_t delay) const {
  if (tier == mn_tier::free) return false;
  // Slashing costs the collateral: it stays locked for good.
  if (slashed) return true;
  return !removed_height || h < *removed_height + delay;
}

bool operator==(const masternode& a, const masternode& b) {
  return std::tie(a.operator_key, a.owner, a.tier, a.collateral, a.net_address, a.registered_height,
                  a.removed_height, a.slashed) ==
         std::tie(b.operator_key, b.owner, b.tier, b.collateral, b.net_address, b.registered_height,
                  b.removed_height, b.slashed);
}

std::set<outpoint> locked_collateral(const registry& reg, uint64_t height, uint32_t delay) {
  std::set<outpoint> locked;
  for (const auto& [k, m] : reg)
    if (m.collateral_locked_at(height, delay)) locked.insert(m.collateral);
  return locked;
}

std::vector<masternode> active_set(const registry& reg, uint64_t height, uint32_t delay) {
  std::vector<masternode> out;
  for (const auto& [key, m] : reg)
    if (m.active_at(height, delay)) out.push_back(m);
  return out;  // std::map keeps key order
}

uint64_t total_weight(const std::vector<masternode>& set) {
  uint64_t w = 0;
  for (const auto& m : set) w += tier_weight(m.tier);
  return w;
}

amount block_subsidy(const chain_params& p, uint64_t height) {
  using wide = __int128;
  if (height == 0) return 0;
  wide before = wide(p.block_reward) * wide(height - 1);  // what earlier blocks created
  wide left = wide(max_money) - wide(p.genesis_supply) - before;
  if (left <= 0) return 0;
  return static_cast<amount>(std::min<wide>(left, p.block_reward));
}

result<std::vector<tx_output>> reward_outputs(const chain_params& p, uint64_t height, amount fees,
                                              const pubkey& proposer,
                                              const std::vector<masternode>& active) {
  auto total = checked_add(block_subsidy(p, height), fees);
  if (!total) return make_error("reward plus fees overflow");
  const masternode* prop = nullptr;
  for (const auto& m : active)
    if (m.operator_key == proposer) prop = &m;
  if (!prop) return make_error("proposer is not an active masternode");
  using wide = __int128;
  amount proposer_cut = static_cast<amount>(wide(*total) * p.proposer_share_percent / 100);
  amount rest = *total - proposer_cut;
  uint64_t weight = total_weight(active);
  std::vector<tx_output> shares;
  amount paid = 0;
  for (const auto& m : active) {
    amount a = static_cast<amount>(wide(rest) * tier_weight(m.tier) / weight);
    paid += a;
    shares.push_back({a, m.owner});
  }
  std::vector<tx_output> out;
  out.push_back({proposer_cut + (rest - paid), prop->owner});
  for (auto& s : shares) out.push_back(s);
  std::vector<tx_output> nonzero;
  for (auto& o : out)
    if (o.value > 0) nonzero.push_back(o);
  return nonzero;
}

namespace {
size_t live_count(const registry& reg) {
  size_t n = 0;
  for (const auto& [k, m] : reg) n += !m.removed_height;
  return n;
}

const masternode* find_live(const registry& reg, const pubkey& key) {
  auto it = reg.find(key);
  if (it == reg.end() || it->second.removed_height) return nullptr;
  return &it->second;
}
}  // namespace

result<amount> check_tx_contextual(const transaction& tx, const hash256& id,
                                   const utxo_lookup& lookup, const tx_context& ctx) {
  const auto& p = ctx.params;
  TC_ASSERT(tx.kind != tx_kind::reward && tx.kind != tx_kind::genesis);
  const std::set<outpoint>& locked = ctx.locked;

  amount in_total = 0, out_total = 0;
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    const auto& in = tx.inputs[i];
    auto u = lookup(in.prev);
    if (!u) return make_error("input " + std::to_string(i) + " spends a missing or spent output");
    if (locked.count(in.prev))
      return make_error("input " + std::to_string(i) + " spends locked masternode collateral");
    auto s = checked_add(in_total, u->out.value);
    if (!s) return make_error("input values overflow");
    in_total = *s;
    if (ctx.check_signatures &&
        !verify(u->out.owner, tx_sighash(p.domain, id, static_cast<uint32_t>(i), u->out), in.sig))
      return make_error("input " + std::to_string(i) + " has an invalid signature");
  }
  for (const auto& o : tx.outputs) out_total += o.value;  // range-checked statelessly
  if (out_total > in_total) return make_error("outputs exceed inputs");
  amount fee = in_total - out_total;
  if (fee < p.min_tx_fee)
    return make_error("fee " + format_amount(fee) + " below the minimum " +
                      format_amount(p.min_tx_fee));

  if (tx.registration) {
    const auto& r = *tx.registration;
    // A removed entry stays in the registry (its lock period and slashing
    // are history the rules still read), so a key registers once, ever.
    if (ctx.reg.count(r.operator_key))
      return make_error(find_live(ctx.reg, r.operator_key)
                            ? "operator key is already a registered masternode"
                            : "operator key was a masternode before; register a new key");
    // A certificate carries at most max_validators signatures and the
    // reward tx an output per masternode: a larger set could never finish
    // a block again.
    if (live_count(ctx.reg) >= limits::max_validators)
      return make_error("the masternode limit (" + std::to_string(limits::max_validators) +
                        ") is reached");
    tx_output owner_out{0, r.operator_key};
    if (r.tier == mn_tier::free) {
      if (!p.allow_free_tier) return make_error("free tier is not allowed on this network");
    } else {
      auto c = lookup(r.collateral);
      if (!c) return make_error("collateral output is missing or spent");
      if (c->out.value != tier_collateral(r.tier))
        return make_error(std::string("collateral must be exactly ") +
                          format_amount(tier_collateral(r.tier)) + " TIME for tier " +
                          tier_name(r.tier));
      if (locked.count(r.collateral)) return make_error("collateral is already locked");
      owner_out = c->out;
    }
    if (ctx.check_signatures) {
      if (!verify(r.operator_key, tx_sighash(p.domain, id, sighash_operator, {0, r.operator_key}),
                  r.operator_sig))
        return make_error("invalid operator signature");
      if (r.tier != mn_tier::free &&
          !verify(owner_out.owner, tx_sighash(p.domain, id, sighash_owner, owner_out), r.owner_sig))
        return make_error("invalid collateral owner signature");
    }
  }
  if (tx.deregistration) {
    const auto& d = *tx.deregistration;
    const masternode* m = find_live(ctx.reg, d.operator_key);
    if (!m) return make_error("no registered masternode with that operator key");
    // Below min_validators nothing can be produced, so nothing could ever
    // be registered again: the last ones cannot leave.
    if (live_count(ctx.reg) <= p.min_validators)
      return make_error("deregistering would leave fewer than min_validators (" +
                        std::to_string(p.min_validators) + ") masternodes");
    tx_output signed_out = m->tier == mn_tier::free ? tx_output{0, m->operator_key}
                                                    : tx_output{tier_collateral(m->tier), m->owner};
    if (ctx.check_signatures &&
        !verify(signed_out.owner, tx_sighash(p.domain, id, sighash_owner, signed_out), d.owner_sig))
      return make_error("invalid deregistration signature");
  }
  return fee;
}

void apply_registry_change(registry& reg, const transaction& tx, const utxo_lookup& lookup,
                           uint64_t height) {
  if (tx.registration) {
    const auto& r = *tx.registration;
    masternode m;
    m.operator_key = r.operator_key;
    m.tier = r.tier;
    m.collateral = r.collateral;
    m.net_address = r.net_address;
    m.registered_height = height;
    if (r.tier == mn_tier::free) {
      m.owner = r.operator_key;
    } else {
      auto c = lookup(r.collateral);
      TC_ASSERT_MSG(c.has_value(), "registration applied without its collateral");
      m.owner = c->out.owner;
    }
    reg[r.operator_key] = m;
  }
  if (tx.deregistration) {
    auto it = reg.find(tx.deregistration->operator_key);
    TC_ASSERT(it != reg.end());
    it->second.removed_height = height;
  }
}

status verify_evidence(const sign_domain& domain, const evidence& e, const registry& reg) {
  const vote &a = e.a, &b = e.b;
  if (a.validator != b.validator) return make_error("evidence votes are by different validators");
  if (a.height != b.height || a.round != b.round || a.type != b.type)
    return make_error("evidence votes are for different height/round/type");
  if (a.block_hash == b.block_hash) return make_error("evidence votes do not conflict");
  if (!reg.count(a.validator)) return make_error("evidence names an unknown validator");
  if (!verify(a.validator, vote_sign_bytes(domain, a), a.sig) ||
      !verify(b.validator, vote_sign_bytes(domain, b), b.sig))
    return make_error("evidence carries an invalid signature");
  return ok_status();
}

void apply_evidence(registry& reg, const pubkey& key, uint64_t height, const chain_params& p) {
  auto it = reg.find(key);
  if (it == reg.end()) return;
  masternode& m = it->second;
  if (!m.active_at(height, p.validator_set_delay)) return;
  m.slashed = true;
  // A pending deregistration no longer counts as live, so cutting its exit
  // short never shrinks the live set; for the others the minimum holds.
  // Either way removed_height = height keeps every past height's set: the
  // slashed entry ends at height + 1.
  if (m.removed_height || live_count(reg) > p.min_validators) m.removed_height = height;
}

}  // namespace tc
