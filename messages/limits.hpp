#pragma once
// Hard protocol limits. Decoders and validators enforce them on every input
// before anything is allocated in proportion to a claimed size.

#include <cstddef>
#include <cstdint>

namespace tc::limits {

// 2: canonical Cap'n Proto only, and signatures over the genesis-bound
// domain (a version-1 node's votes would not verify here anyway).
// 3: the encrypted transport (PROTOCOL.md §2) and handshake signatures over
// the whole transcript; a version-2 node fails at the preamble already.
// 4: compact proposals (header, reward tx and wtxids; PROTOCOL.md §7) and
// get_block_txs / block_txs; a version-3 peer still gets full proposals.
// 5: tx announcements (tx_inv, answered by get_txs; PROTOCOL.md §7): a
// version-3 or -4 peer still gets whole txs.
constexpr uint32_t protocol_version = 5;
constexpr uint32_t compact_proposal_version = 4;  // the first that takes compact proposals
constexpr uint32_t tx_announce_version = 5;       // the first that takes tx_inv
// The oldest version this node still speaks: a rolling upgrade raises
// protocol_version first and this only once every node runs the new one
// (PROTOCOL.md §10), so old and new nodes keep talking meanwhile.
constexpr uint32_t min_protocol_version = 3;

constexpr size_t max_frame_bytes = 16u << 20;  // one peer frame, any kind
constexpr size_t max_block_bytes = 8u << 20;   // canonical size of a block
constexpr size_t max_tx_bytes = 256u << 10;    // canonical size of a transaction
constexpr size_t max_tx_inputs = 2000;
constexpr size_t max_tx_outputs = 2000;
constexpr size_t max_block_txs = 40000;
constexpr size_t max_block_evidence = 100;
constexpr size_t max_validators = 1000;  // signatures in a certificate
constexpr size_t max_net_address_len = 255;
constexpr size_t max_text_len = 1024;  // chain id, user agent, reject reason
constexpr size_t max_peers_per_msg = 1000;
constexpr size_t max_get_txs = 5000;  // wtxids in one get_txs
constexpr size_t max_tx_inv = 5000;   // wtxids in one tx_inv
constexpr size_t max_blocks_per_msg = 500;

// Cap'n Proto reader limits: nesting of our schema is < 10 levels deep; a
// traversal budget of 2x the frame's words stops amplification through
// shared pointers.
constexpr int max_nesting = 16;

}  // namespace tc::limits
