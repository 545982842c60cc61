#pragma once
// The deterministic byte encoding that every protocol hash is computed over,
// and the hashes themselves. Specified in ENCODING.md; pinned by golden
// hashes in encoding.test.cpp. Independent of Cap'n Proto, whose layout may
// legally vary between writers.

#include <string_view>

#include "messages/types.hpp"

namespace tc {

class byte_writer {
 public:
  byte_writer() = default;
  explicit byte_writer(size_t reserve) { buf_.reserve(reserve); }
  void u8(uint8_t v) { buf_.push_back(v); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void fixed(byte_view b) { buf_.insert(buf_.end(), b.data, b.data + b.size); }
  void str(std::string_view s);  // u32 length, then the bytes
  void count(size_t n);          // u32 element count of a list
  const bytes& data() const { return buf_; }
  bytes take() { return std::move(buf_); }

 private:
  bytes buf_;
};

void encode(byte_writer& w, const outpoint& o);
void encode(byte_writer& w, const transaction& tx, bool with_sigs);
void encode(byte_writer& w, const block_header& h);
void encode(byte_writer& w, const vote& v);

// txid: without signatures, so it is fixed before anyone signs and cannot be
// malleated; outpoints refer to it. wtxid: with signatures; the merkle root
// is over wtxids so the block hash commits to every byte of the block.
hash256 txid(const transaction& tx);
hash256 wtxid(const transaction& tx);
size_t tx_size(const transaction& tx);  // canonical bytes with signatures
// What encode(w, tx, with_sigs) writes, counted without writing it.
size_t encoded_size(const transaction& tx, bool with_sigs);

// All three at once (two encodings instead of three) for hot paths.
struct tx_digest {
  hash256 txid;
  hash256 wtxid;
  size_t size = 0;
};
tx_digest digest_tx(const transaction& tx);
std::vector<tx_digest> digest_txs(const std::vector<transaction>& txs);

// Binary tree of tagged hashes; an odd node is carried up unchanged (no
// duplication, so two different lists never share a root). Empty: zero hash.
hash256 merkle_root(const std::vector<hash256>& leaves);
hash256 tx_merkle_root(const std::vector<transaction>& txs);
hash256 evidence_hash(const std::vector<evidence>& ev);
hash256 block_hash(const block_header& h);
size_t block_size(const block& b);  // header + every tx + evidence, canonical
size_t block_size(const block& b, const std::vector<tx_digest>& digests);

// What every signature of one chain is bound to: the chain id and the
// genesis hash. Every localnet shares a chain id but not a genesis, so a
// vote, proposal or tx signed for one chain never verifies on another.
struct sign_domain_tag {};
using sign_domain = fixed_bytes<32, sign_domain_tag>;
sign_domain signing_domain(std::string_view chain_id, const hash256& genesis_hash);

// What a spender signs for input `index` (registrations use index
// sighash_owner / sighash_operator for their payload signatures).
constexpr uint32_t sighash_owner = 0xffffffffu;
constexpr uint32_t sighash_operator = 0xfffffffeu;
hash256 tx_sighash(const sign_domain& domain, const hash256& txid, uint32_t index,
                   const tx_output& spent);

hash256 vote_sign_bytes(const sign_domain& domain, const vote& v);
hash256 proposal_sign_bytes(const sign_domain& domain, uint64_t height, uint32_t round,
                            int32_t pol_round, const hash256& block_hash);

}  // namespace tc
