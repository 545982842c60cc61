#pragma once
// Conversion between the domain types and Cap'n Proto bytes (wire.capnp).
// Decoding never throws and never trusts a size it has not checked: every
// malformed, truncated, oversized or out-of-range input becomes an error.

#include "messages/peer.hpp"

namespace tc {

bytes encode_message(const peer::message& m);
// Frame payload (no length prefix) -> message. Enforces limits::max_frame_bytes,
// a per-kind size cap, list-length limits, exact hash/key/signature widths,
// known enum values, and Cap'n Proto traversal and nesting limits.
result<peer::message> decode_message(byte_view payload);

// Standalone ledger objects (the storage format of blocks and certificates).
bytes encode_block(const block& b);
result<block> decode_block(byte_view data);
bytes encode_certificate(const commit_certificate& c);
result<commit_certificate> decode_certificate(byte_view data);
bytes encode_transaction(const transaction& t);
result<transaction> decode_transaction(byte_view data);

// The kind (index of peer::message) of an encoded message, read from its
// union tag without decoding the rest: for accounting our own outbound
// frames by kind. nullopt when the bytes are not a message this node wrote.
std::optional<size_t> peek_message_kind(byte_view payload);

// The largest frame payload accepted for a message kind (index of peer::message).
size_t max_payload_bytes(size_t kind_index);

}  // namespace tc
