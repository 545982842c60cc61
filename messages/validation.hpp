#pragma once
// Stateless ledger rules: everything that can be checked from a transaction or
// block alone. Rules that need the UTXO set, the registry or the parent block
// live in messages/ledger/chain_rules.hpp.

#include "messages/encoding.hpp"

namespace tc {

// Shape of a transaction: version, size and count limits, non-empty inputs and
// outputs (for user kinds), amounts in range and not overflowing, no
// duplicate inputs, payload present exactly for its kind and well formed.
// `size` is the tx's canonical size when already known (digest_tx).
status check_tx_stateless(const transaction& tx, std::optional<size_t> size = std::nullopt);

// Shape of a block: caps on size, tx and evidence counts; txs[0] is the only
// reward tx and carries the block height; every tx is well formed; merkle
// root and evidence hash match; no outpoint is spent twice in the block; at
// most one piece of evidence per offender.
// `digests` may hold digest_tx of every tx (saves re-encoding and rehashing).
status check_block_stateless(const block& b, const std::vector<tx_digest>* digests = nullptr);

// host:port with a non-empty host and a port in 1..65535.
bool valid_net_address(std::string_view addr);

}  // namespace tc
