#include "messages/validation.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "messages/limits.hpp"

namespace tc {

bool valid_net_address(std::string_view addr) {
  if (addr.empty() || addr.size() > limits::max_net_address_len) return false;
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == addr.size()) return false;
  std::string_view port = addr.substr(colon + 1);
  if (port.size() > 5) return false;
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  for (char c : addr.substr(0, colon))
    if (c <= ' ' || c > '~') return false;
  return p >= 1 && p <= 65535;
}

status check_tx_stateless(const transaction& tx, std::optional<size_t> size) {
  if (tx.version != 1) return make_error("unsupported tx version " + std::to_string(tx.version));
  if (tx.inputs.size() > limits::max_tx_inputs) return make_error("too many inputs");
  if (tx.outputs.size() > limits::max_tx_outputs) return make_error("too many outputs");
  bool coinbase_like = tx.kind == tx_kind::reward || tx.kind == tx_kind::genesis;
  if (coinbase_like) {
    if (!tx.inputs.empty()) return make_error("reward/genesis tx must have no inputs");
  } else {
    if (tx.inputs.empty()) return make_error("tx has no inputs");
    if (tx.height != 0) return make_error("height must be 0 outside reward/genesis txs");
  }
  if (tx.outputs.empty()) return make_error("tx has no outputs");
  if ((size ? *size : tx_size(tx)) > limits::max_tx_bytes)
    return make_error("tx exceeds the size limit");

  amount total = 0;
  for (const auto& out : tx.outputs) {
    if (out.value <= 0) return make_error("output value must be positive");
    auto sum = checked_add(total, out.value);
    if (!sum) return make_error("output values overflow the money supply");
    total = *sum;
  }
  if (tx.inputs.size() > 1) {
    std::vector<outpoint> prevs;
    prevs.reserve(tx.inputs.size());
    for (const auto& in : tx.inputs) prevs.push_back(in.prev);
    std::sort(prevs.begin(), prevs.end());
    if (std::adjacent_find(prevs.begin(), prevs.end()) != prevs.end())
      return make_error("tx spends the same output twice");
  }

  if (tx.registration.has_value() != (tx.kind == tx_kind::mn_register))
    return make_error("registration payload must be present exactly in registration txs");
  if (tx.deregistration.has_value() != (tx.kind == tx_kind::mn_deregister))
    return make_error("deregistration payload must be present exactly in deregistration txs");
  if (tx.registration) {
    const auto& r = *tx.registration;
    if (!valid_net_address(r.net_address))
      return make_error("masternode address '" + r.net_address + "' is not host:port");
    bool zero_collateral = r.collateral.txid.is_zero() && r.collateral.index == 0;
    if ((r.tier == mn_tier::free) != zero_collateral)
      return make_error("free tier takes no collateral; other tiers need one");
    if (!is_valid_pubkey(r.operator_key)) return make_error("operator key is not a valid key");
    for (const auto& in : tx.inputs)
      if (in.prev == r.collateral) return make_error("registration spends its own collateral");
  }
  return ok_status();
}

status check_block_stateless(const block& b, const std::vector<tx_digest>* given) {
  if (b.header.version != 1) return make_error("unsupported block version");
  if (b.txs.empty()) return make_error("block has no reward tx");
  if (b.txs.size() > limits::max_block_txs) return make_error("block has too many txs");
  if (b.evidence_list.size() > limits::max_block_evidence)
    return make_error("block has too much evidence");
  if (b.txs[0].kind != tx_kind::reward) return make_error("first tx is not the reward tx");
  if (b.txs[0].height != b.header.height) return make_error("reward tx height mismatch");
  std::vector<tx_digest> computed;
  if (!given) computed = digest_txs(b.txs);
  const std::vector<tx_digest>& digests = given ? *given : computed;
  TC_ASSERT(digests.size() == b.txs.size());
  for (size_t i = 0; i < b.txs.size(); ++i) {
    const auto& tx = b.txs[i];
    if (i > 0 && (tx.kind == tx_kind::reward || tx.kind == tx_kind::genesis))
      return make_error("tx " + std::to_string(i) + " is a second reward/genesis tx");
    auto s = check_tx_stateless(tx, digests[i].size);
    if (!s) return make_error("tx " + std::to_string(i) + ": " + s.error_message());
  }
  if (block_size(b, digests) > limits::max_block_bytes)
    return make_error("block exceeds the size limit");
  std::vector<hash256> leaves;
  leaves.reserve(digests.size());
  for (const auto& d : digests) leaves.push_back(d.wtxid);
  if (merkle_root(leaves) != b.header.merkle_root) return make_error("merkle root mismatch");
  if (evidence_hash(b.evidence_list) != b.header.evidence_hash)
    return make_error("evidence hash mismatch");
  std::set<pubkey> offenders;
  for (const auto& e : b.evidence_list)
    if (!offenders.insert(e.a.validator).second)
      return make_error("block carries two pieces of evidence against one validator");
  std::unordered_set<outpoint, outpoint_hasher> spent;
  size_t total_inputs = 0;
  for (const auto& tx : b.txs) total_inputs += tx.inputs.size();
  spent.reserve(total_inputs);
  for (const auto& tx : b.txs)
    for (const auto& in : tx.inputs)
      if (!spent.insert(in.prev).second) return make_error("block spends an output twice");
  return ok_status();
}

}  // namespace tc
