#pragma once
// Stateless ledger rules: everything that can be checked from a transaction or
// block alone. Rules that need the UTXO set, the registry or the parent block
// live in storage/chain_rules.hpp.

#include "messages/encoding.hpp"

namespace tc {

// Shape of a transaction: version, size and count limits, non-empty inputs and
// outputs (for user kinds), amounts in range and not overflowing, no
// duplicate inputs, payload present exactly for its kind and well formed.
status check_tx_stateless(const transaction& tx);

// Shape of a block: caps on size, tx and evidence counts; txs[0] is the only
// reward tx and carries the block height; every tx is well formed; merkle
// root and evidence hash match; no outpoint is spent twice in the block.
// `wtxids` may hold the precomputed wtxid of every tx (saves rehashing).
status check_block_stateless(const block& b, const std::vector<hash256>* wtxids = nullptr);

// host:port with a non-empty host and a port in 1..65535.
bool valid_net_address(std::string_view addr);

}  // namespace tc
