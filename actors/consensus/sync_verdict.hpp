#pragma once
// What consensus answers about a block a peer served for catch-up. Pure (no
// CAF): the sync core (actors/peer) acts on it, so it lives with consensus,
// which the peer layer depends on, never the other way round.

#include <cstdint>

namespace tc::consensus {

// ok: committed (or this node already had it); retry: not at that height
// yet, or busy; invalid: the block or its certificate is bad, and the peer
// that served it is to blame.
enum class apply_result : uint8_t { ok, retry, invalid };

}  // namespace tc::consensus
