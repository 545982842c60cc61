#pragma once
// The identity of a gossiped message's content, for deduplication: the same
// content has one key however it was encoded, and content that differs in
// any byte a signature covers, or in the signature itself, has another. The
// signature is part of the key on purpose: a key without it would let a
// copy with a broken signature, arriving first, shut out the real message.

#include <optional>

#include "messages/peer.hpp"

namespace tc {

// tx: its wtxid; proposal (full or compact): height, round, proof-of-lock round, block hash
// (the body is bound to the header before a key is taken), proposer and
// signature; prevote/precommit: every field of the vote. Other kinds are
// not gossiped: nullopt.
std::optional<hash256> gossip_key(const peer::message& m);
hash256 proposal_key(uint64_t height, uint32_t round, int32_t pol_round, const hash256& block,
                     const pubkey& proposer, const signature& sig);

}  // namespace tc
