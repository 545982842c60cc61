#include "messages/ledger/genesis.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "crypto/hash.hpp"
#include "messages/encoding.hpp"
#include "messages/validation.hpp"

namespace tc {

namespace {

struct parse_error {
  std::string what;
};
[[noreturn]] void fail(std::string w) {
  throw parse_error{std::move(w)};
}

template <class T>
T need(const toml::table& t, const std::string& key, const std::string& where) {
  auto node = t.get(key);
  if (!node) fail(where + key + ": missing");
  auto v = node->value<T>();
  if (!v) fail(where + key + ": wrong type");
  return *v;
}

template <class T>
T opt(const toml::table& t, const std::string& key, T fallback, const std::string& where) {
  auto node = t.get(key);
  if (!node) return fallback;
  auto v = node->value<T>();
  if (!v) fail(where + key + ": wrong type");
  return *v;
}

amount need_amount(const toml::table& t, const std::string& key, const std::string& where,
                   std::optional<amount> fallback = std::nullopt) {
  if (!t.get(key) && fallback) return *fallback;
  auto a = parse_amount(need<std::string>(t, key, where));
  if (!a) fail(where + key + ": " + a.error_message());
  return *a;
}

pubkey need_address(const toml::table& t, const std::string& key, network n,
                    const std::string& where) {
  auto k = decode_address(n, need<std::string>(t, key, where));
  if (!k) fail(where + key + ": " + k.error_message());
  return *k;
}

void check_keys(const toml::table& t, std::initializer_list<const char*> allowed,
                const std::string& where) {
  for (auto& [k, v] : t) {
    (void)v;
    bool ok = false;
    for (const char* a : allowed) ok |= k.str() == a;
    if (!ok) fail(where + std::string(k.str()) + ": unknown key");
  }
}

// [params]: the chain's rules, each defaulted and range-checked.
void read_params(const toml::table& pt, chain_params& p) {
  const std::string w = "params.";
  check_keys(pt,
             {"block_reward", "proposer_share_percent", "min_tx_fee", "allow_free_tier",
              "min_validators", "validator_set_delay", "max_future_drift_ms"},
             w);
  p.block_reward = need_amount(pt, "block_reward", w, p.block_reward);
  int64_t share = opt<int64_t>(pt, "proposer_share_percent", p.proposer_share_percent, w);
  if (share < 0 || share > 100) fail(w + "proposer_share_percent: must be 0..100");
  p.proposer_share_percent = static_cast<uint32_t>(share);
  p.min_tx_fee = need_amount(pt, "min_tx_fee", w, p.min_tx_fee);
  p.allow_free_tier = opt<bool>(pt, "allow_free_tier", p.allow_free_tier, w);
  int64_t mv = opt<int64_t>(pt, "min_validators", p.min_validators, w);
  if (mv < 1 || mv > 1000) fail(w + "min_validators: must be 1..1000");
  p.min_validators = static_cast<uint32_t>(mv);
  int64_t d = opt<int64_t>(pt, "validator_set_delay", p.validator_set_delay, w);
  if (d < 1 || d > 1000) fail(w + "validator_set_delay: must be 1..1000");
  p.validator_set_delay = static_cast<uint32_t>(d);
  int64_t drift = opt<int64_t>(pt, "max_future_drift_ms", 15000, w);
  if (drift < 0 || drift > 3'600'000) fail(w + "max_future_drift_ms: must be 0..3600000");
  p.max_future_drift_ms = static_cast<uint64_t>(drift);
}

genesis_spec from_table(const toml::table& root) {
  genesis_spec g;
  check_keys(root, {"chain_id", "network", "time_ms", "params", "allocation", "masternode"}, "");
  auto& p = g.params;
  p.chain_id = need<std::string>(root, "chain_id", "");
  if (p.chain_id.empty() || p.chain_id.size() > 64) fail("chain_id: must be 1..64 characters");
  auto net = parse_network(need<std::string>(root, "network", ""));
  if (!net) fail("network: " + net.error_message());
  p.net = *net;
  int64_t t = need<int64_t>(root, "time_ms", "");
  if (t <= 0) fail("time_ms: must be positive");
  p.genesis_time_ms = static_cast<uint64_t>(t);
  if (auto pt = root["params"].as_table())
    read_params(*pt, p);
  else if (root.get("params"))
    fail("params: must be a table");
  amount total = 0;
  auto add_total = [&](amount a, const std::string& where) {
    auto s = checked_add(total, a);
    if (!s) fail(where + "total exceeds the money supply");
    total = *s;
  };
  if (auto arr = root["allocation"].as_array()) {
    size_t i = 0;
    for (auto& n : *arr) {
      std::string w = "allocation[" + std::to_string(i++) + "].";
      auto tt = n.as_table();
      if (!tt) fail(w + " must be a table");
      check_keys(*tt, {"address", "amount"}, w);
      tx_output out{need_amount(*tt, "amount", w), need_address(*tt, "address", p.net, w)};
      if (out.value <= 0) fail(w + "amount: must be positive");
      add_total(out.value, w);
      g.allocations.push_back(out);
    }
  }
  if (auto arr = root["masternode"].as_array()) {
    size_t i = 0;
    for (auto& n : *arr) {
      std::string w = "masternode[" + std::to_string(i++) + "].";
      auto tt = n.as_table();
      if (!tt) fail(w + " must be a table");
      check_keys(*tt, {"operator", "owner", "tier", "address"}, w);
      genesis_masternode m;
      m.operator_key = need_address(*tt, "operator", p.net, w);
      m.owner = tt->get("owner") ? need_address(*tt, "owner", p.net, w) : m.operator_key;
      std::string tier = need<std::string>(*tt, "tier", w);
      bool found = false;
      for (mn_tier x : {mn_tier::free, mn_tier::bronze, mn_tier::silver, mn_tier::gold})
        if (tier == tier_name(x)) m.tier = x, found = true;
      if (!found) fail(w + "tier: expected free, bronze, silver or gold");
      if (m.tier == mn_tier::free && !p.allow_free_tier)
        fail(w + "tier: free tier is not allowed on this network");
      m.net_address = need<std::string>(*tt, "address", w);
      if (!valid_net_address(m.net_address)) fail(w + "address: expected host:port");
      for (auto& other : g.masternodes)
        if (other.operator_key == m.operator_key) fail(w + "operator: listed twice");
      add_total(tier_collateral(m.tier), w);
      g.masternodes.push_back(m);
    }
  }
  if (g.allocations.empty() && g.masternodes.empty())
    fail("genesis needs at least one allocation or masternode");
  return g;
}

}  // namespace

result<genesis_spec> parse_genesis(const std::string& text, const std::string& origin) {
  try {
    toml::table t = toml::parse(text, origin);
    return from_table(t);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "genesis " << origin << ": " << e.description() << " at line " << e.source().begin.line;
    return make_error(os.str());
  } catch (const parse_error& e) {
    return make_error("genesis " + origin + ": " + e.what);
  }
}

result<genesis_spec> load_genesis_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read genesis file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_genesis(ss.str(), path);
}

hash256 params_hash(const chain_params& p) {
  byte_writer w;
  w.str(p.chain_id);
  w.u8(static_cast<uint8_t>(p.net));
  w.u64(p.genesis_time_ms);
  w.i64(p.block_reward);
  w.u32(p.proposer_share_percent);
  w.i64(p.min_tx_fee);
  w.u8(p.allow_free_tier);
  w.u32(p.min_validators);
  w.u32(p.validator_set_delay);
  w.u64(p.max_future_drift_ms);
  return tagged_hash("TimeCoin/params", w.data());
}

block make_genesis_block(const genesis_spec& g) {
  block b;
  b.header.height = 0;
  b.header.timestamp_ms = g.params.genesis_time_ms;
  b.header.prev_hash = params_hash(g.params);
  transaction tx;
  tx.kind = tx_kind::genesis;
  tx.height = 0;
  tx.outputs = g.allocations;
  for (const auto& m : g.masternodes)
    if (m.tier != mn_tier::free) tx.outputs.push_back({tier_collateral(m.tier), m.owner});
  b.txs.push_back(std::move(tx));
  b.header.merkle_root = tx_merkle_root(b.txs);
  b.header.evidence_hash = evidence_hash(b.evidence_list);
  return b;
}

hash256 genesis_hash(const genesis_spec& g) {
  return block_hash(make_genesis_block(g).header);
}

sign_domain genesis_domain(const genesis_spec& g) {
  return signing_domain(g.params.chain_id, genesis_hash(g));
}

}  // namespace tc
