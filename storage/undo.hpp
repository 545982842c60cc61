#pragma once
// Per-block undo data: the UTXOs a block spent and the registry entries it
// changed (their state before the block), enough to disconnect it exactly.

#include "messages/ledger/chain_rules.hpp"

namespace tc {

struct block_undo {
  std::vector<std::pair<outpoint, utxo_entry>> spent;
  std::vector<std::pair<pubkey, std::optional<masternode>>> registry_before;
};

bytes encode_undo(const block_undo& u);
// Fails (never crashes) on truncated or malformed bytes.
result<block_undo> decode_undo(byte_view data);

// The 36-byte UTXO key: txid || big-endian index, so keys sort by txid, index.
std::array<uint8_t, 36> outpoint_key(const outpoint& o);
outpoint outpoint_from_key(byte_view k);

}  // namespace tc
