#pragma once
// Peer messages: one variant member per wire kind (see wire.capnp).

#include <type_traits>
#include <variant>

#include "messages/types.hpp"

namespace tc::peer {

struct handshake {
  uint32_t protocol_version = 0;
  std::string chain_id;
  hash256 genesis_hash;
  pubkey node_key;
  std::string listen_addr;
  hash256 nonce;
  uint64_t best_height = 0;
  std::string user_agent;
  // The oldest version it speaks; protocol_version is the newest. 0 (a node
  // from before ranges): protocol_version only.
  uint32_t min_protocol_version = 0;
  auto tie() const {
    return std::tie(protocol_version, chain_id, genesis_hash, node_key, listen_addr, nonce,
                    best_height, user_agent, min_protocol_version);
  }
  friend bool operator==(const handshake& a, const handshake& b) { return a.tie() == b.tie(); }
};
struct handshake_ack {
  signature nonce_sig;
  friend bool operator==(const handshake_ack& a, const handshake_ack& b) {
    return a.nonce_sig == b.nonce_sig;
  }
};
struct ping {
  uint64_t nonce = 0;
  friend bool operator==(const ping& a, const ping& b) { return a.nonce == b.nonce; }
};
struct pong {
  uint64_t nonce = 0;
  friend bool operator==(const pong& a, const pong& b) { return a.nonce == b.nonce; }
};
struct get_peers {
  friend bool operator==(const get_peers&, const get_peers&) { return true; }
};
struct peer_address {
  std::string addr;
  pubkey node_key;
  uint64_t last_seen_ms = 0;
  auto tie() const { return std::tie(addr, node_key, last_seen_ms); }
  friend bool operator==(const peer_address& a, const peer_address& b) {
    return a.tie() == b.tie();
  }
};
struct peers {
  std::vector<peer_address> list;
  friend bool operator==(const peers& a, const peers& b) { return a.list == b.list; }
};
struct tx {
  transaction t;
  friend bool operator==(const tx& a, const tx& b) { return a.t == b.t; }
};
// Asks for txs by wtxid (protocol 5): the answer is one tx frame per tx the
// peer still holds; a missing one is just not sent.
struct get_txs {
  std::vector<hash256> wtxids;
  friend bool operator==(const get_txs& a, const get_txs& b) { return a.wtxids == b.wtxids; }
};
struct prevote {
  vote v;
  friend bool operator==(const prevote& a, const prevote& b) { return a.v == b.v; }
};
struct precommit {
  vote v;
  friend bool operator==(const precommit& a, const precommit& b) { return a.v == b.v; }
};
struct get_blocks {
  uint64_t from_height = 0;
  uint32_t count = 0;
  auto tie() const { return std::tie(from_height, count); }
  friend bool operator==(const get_blocks& a, const get_blocks& b) { return a.tie() == b.tie(); }
};
struct blocks {
  std::vector<block_with_cert> list;
  friend bool operator==(const blocks& a, const blocks& b) { return a.list == b.list; }
};
struct get_tip {
  friend bool operator==(const get_tip&, const get_tip&) { return true; }
};
struct tip {
  uint64_t height = 0;
  hash256 hash;
  auto tie() const { return std::tie(height, hash); }
  friend bool operator==(const tip& a, const tip& b) { return a.tie() == b.tie(); }
};
struct reject {
  uint32_t code = 0;
  std::string reason;
  auto tie() const { return std::tie(code, reason); }
  friend bool operator==(const reject& a, const reject& b) { return a.tie() == b.tie(); }
};

// A proposal with its txs named by wtxid (protocol 4, PROTOCOL.md §7): the
// reward tx travels whole (no mempool holds it), the rest are rebuilt from
// the receiver's mempool or fetched with get_block_txs.
struct compact_proposal {
  uint64_t height = 0;
  uint32_t round = 0;
  int32_t pol_round = -1;
  block_header header;
  transaction reward;
  std::vector<hash256> wtxids;  // of txs[1..], in block order
  std::vector<evidence> evidence_list;
  pubkey proposer;
  signature sig;
  auto tie() const {
    return std::tie(height, round, pol_round, header, reward, wtxids, evidence_list, proposer, sig);
  }
  friend bool operator==(const compact_proposal& a, const compact_proposal& b) {
    return a.tie() == b.tie();
  }
};
struct get_block_txs {
  hash256 block_hash;
  std::vector<uint32_t> indexes;  // into the block's txs (0 is the reward)
  auto tie() const { return std::tie(block_hash, indexes); }
  friend bool operator==(const get_block_txs& a, const get_block_txs& b) {
    return a.tie() == b.tie();
  }
};
struct block_txs {
  hash256 block_hash;
  std::vector<transaction> txs;  // in the order asked
  auto tie() const { return std::tie(block_hash, txs); }
  friend bool operator==(const block_txs& a, const block_txs& b) { return a.tie() == b.tie(); }
};

// Txs this node admitted, by wtxid (protocol 5, PROTOCOL.md §7): a peer
// asks with get_txs for the ones it lacks, so each tx body crosses to each
// node about once instead of once per neighbour.
struct tx_inv {
  std::vector<hash256> wtxids;
  friend bool operator==(const tx_inv& a, const tx_inv& b) { return a.wtxids == b.wtxids; }
};

// Order matches the union in wire.capnp.
using message = std::variant<handshake, handshake_ack, ping, pong, get_peers, peers, tx, get_txs,
                             proposal, prevote, precommit, commit_certificate, block_with_cert,
                             get_blocks, blocks, get_tip, tip, evidence, reject, compact_proposal,
                             get_block_txs, block_txs, tx_inv>;

const char* kind_name(const message& m);

namespace detail {
template <class T, class V>
struct index_in;
template <class T, class... Ts>
struct index_in<T, std::variant<Ts...>> {
  static constexpr size_t value = [] {
    constexpr bool match[] = {std::is_same_v<T, Ts>...};
    for (size_t i = 0; i < sizeof...(Ts); ++i)
      if (match[i]) return i;
    return sizeof...(Ts);
  }();
};
}  // namespace detail

// A kind's position in `message` (and in the wire union), for switches.
template <class T>
constexpr size_t kind_index = detail::index_in<T, message>::value;

}  // namespace tc::peer
