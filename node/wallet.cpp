#include "node/wallet.hpp"

#include <algorithm>

#include "crypto/assert.hpp"

namespace tc::wallet {

result<selection> select_coins(std::vector<coin> coins, amount target,
                               const std::optional<outpoint>& keep) {
  std::stable_sort(coins.begin(), coins.end(),
                   [](const coin& a, const coin& b) { return a.value > b.value; });
  selection out;
  for (const auto& c : coins) {
    if (out.total >= target) break;
    if (keep && c.at == *keep) continue;
    out.inputs.push_back(c);
    out.total += c.value;
  }
  if (out.total < target)
    return make_error("insufficient funds: have " + format_amount(out.total) + ", need " +
                      format_amount(target));
  return out;
}

void fund(transaction& tx, const selection& chosen, amount target, const pubkey& owner) {
  TC_ASSERT(chosen.total >= target);
  for (const auto& c : chosen.inputs) tx.inputs.push_back({c.at, {}});
  if (chosen.total > target) tx.outputs.push_back({chosen.total - target, owner});
}

void sign(transaction& tx, const sign_domain& domain, const secret_key& owner,
          const std::vector<amount>& spent_values, const secret_key* operator_key,
          const tx_output* collateral) {
  TC_ASSERT(spent_values.size() == tx.inputs.size());
  // The txid covers no signature, so it is fixed before any is made; each
  // input's sighash commits to the output it spends.
  hash256 id = txid(tx);
  for (size_t i = 0; i < tx.inputs.size(); ++i)
    tx.inputs[i].sig = owner.sign(tx_sighash(domain, id, static_cast<uint32_t>(i),
                                             tx_output{spent_values[i], owner.public_key()}));
  if (!tx.registration) return;
  TC_ASSERT(operator_key && collateral);
  tx.registration->operator_sig =
      operator_key->sign(tx_sighash(domain, id, sighash_operator, {0, operator_key->public_key()}));
  tx.registration->owner_sig = owner.sign(tx_sighash(domain, id, sighash_owner, *collateral));
}

}  // namespace tc::wallet
