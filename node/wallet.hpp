#pragma once
// The wallet's decisions, apart from the CLI that asks the node for coins
// and submits the result: which outputs a payment spends, and the
// signatures a transfer or a masternode registration needs. Pure: no
// network, no files, no clock.

#include <optional>
#include <vector>

#include "crypto/schnorr.hpp"
#include "messages/encoding.hpp"

namespace tc::wallet {

struct coin {
  outpoint at;
  amount value = 0;
};

struct selection {
  std::vector<coin> inputs;
  amount total = 0;
};

// Largest coins first until `target` is covered, never spending `keep`
// (a collateral being registered). Fewer inputs: a smaller, cheaper tx.
result<selection> select_coins(std::vector<coin> coins, amount target,
                               const std::optional<outpoint>& keep = std::nullopt);

// Adds the chosen inputs and, above the target, a change output back to
// `owner`; `target` is what the outputs and the fee need.
void fund(transaction& tx, const selection& chosen, amount target, const pubkey& owner);

// Signs every input with `owner`: input i spends an output of owner's worth
// spent_values[i]. A registration's payload is signed with the operator's
// key and, over the collateral output being locked, the owner's.
void sign(transaction& tx, const sign_domain& domain, const secret_key& owner,
          const std::vector<amount>& spent_values, const secret_key* operator_key = nullptr,
          const tx_output* collateral = nullptr);

}  // namespace tc::wallet
