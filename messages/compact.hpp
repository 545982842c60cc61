#pragma once
// Compact proposals (protocol 4, PROTOCOL.md §7): a proposal whose txs are
// named by wtxid, rebuilt by the receiver from its mempool. A proposal's
// signature covers only its header, and the header's merkle root is over
// the txs' wtxids: a wtxid list that matches the root, and txs that hash to
// those wtxids, rebuild exactly the block the proposer signed.

#include "crypto/result.hpp"
#include "messages/encoding.hpp"
#include "messages/peer.hpp"

namespace tc {

// The compact form of a full proposal. `wtxids`, when given, are those of
// p.blk->txs (as the producer computed them), so they are not hashed again.
peer::compact_proposal compact_of(const proposal& p, const std::vector<hash256>* wtxids = nullptr);

// What can be checked without the txs' bodies: counts, version, the reward
// tx's kind and height, the merkle root over the wtxids, the evidence hash,
// no wtxid twice. A compact proposal that fails cannot stand for any block
// its header names.
status check_compact(const peer::compact_proposal& c);

// The full proposal the compact one stands for, from the bodies of txs[1..]
// in block order (the caller has checked that each hashes to its wtxid).
proposal expand(const peer::compact_proposal& c, std::vector<transaction> txs);

}  // namespace tc
