#include "messages/encoding.hpp"

#include "crypto/hash.hpp"

namespace tc {

void byte_writer::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void byte_writer::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void byte_writer::str(std::string_view s) {
  count(s.size());
  fixed(byte_view::of(s));
}
void byte_writer::count(size_t n) {
  TC_ASSERT(n <= 0xffffffffu);
  u32(static_cast<uint32_t>(n));
}

void encode(byte_writer& w, const outpoint& o) {
  w.fixed(o.txid);
  w.u32(o.index);
}

void encode(byte_writer& w, const transaction& tx, bool with_sigs) {
  w.u32(tx.version);
  w.u8(static_cast<uint8_t>(tx.kind));
  w.u64(tx.height);
  w.count(tx.inputs.size());
  for (const auto& in : tx.inputs) {
    encode(w, in.prev);
    if (with_sigs) w.fixed(in.sig);
  }
  w.count(tx.outputs.size());
  for (const auto& out : tx.outputs) {
    w.i64(out.value);
    w.fixed(out.owner);
  }
  // Presence bytes keep "absent" distinct from any payload.
  w.u8(tx.registration ? 1 : 0);
  if (tx.registration) {
    const auto& r = *tx.registration;
    w.u8(static_cast<uint8_t>(r.tier));
    encode(w, r.collateral);
    w.fixed(r.operator_key);
    w.str(r.net_address);
    if (with_sigs) {
      w.fixed(r.operator_sig);
      w.fixed(r.owner_sig);
    }
  }
  w.u8(tx.deregistration ? 1 : 0);
  if (tx.deregistration) {
    w.fixed(tx.deregistration->operator_key);
    if (with_sigs) w.fixed(tx.deregistration->owner_sig);
  }
}

void encode(byte_writer& w, const block_header& h) {
  w.u32(h.version);
  w.u64(h.height);
  w.u64(h.timestamp_ms);
  w.fixed(h.prev_hash);
  w.fixed(h.merkle_root);
  w.fixed(h.evidence_hash);
  w.fixed(h.proposer);
}

void encode(byte_writer& w, const vote& v) {
  w.u8(static_cast<uint8_t>(v.type));
  w.u64(v.height);
  w.u32(v.round);
  w.fixed(v.block_hash);
  w.fixed(v.validator);
  w.fixed(v.sig);
}

size_t encoded_size(const transaction& tx, bool with_sigs) {
  constexpr size_t outpoint_size = 32 + 4, sig_size = 64, key_size = 32;
  size_t n = 4 + 1 + 8 + 4 + tx.inputs.size() * (outpoint_size + (with_sigs ? sig_size : 0)) + 4 +
             tx.outputs.size() * (8 + key_size) + 1 + 1;
  if (tx.registration)
    n += 1 + outpoint_size + key_size + 4 + tx.registration->net_address.size() +
         (with_sigs ? 2 * sig_size : 0);
  if (tx.deregistration) n += key_size + (with_sigs ? sig_size : 0);
  return n;
}

namespace {
// The canonical bytes in one allocation: grown byte by byte they took ten.
byte_writer encoded(const transaction& tx, bool with_sigs) {
  byte_writer w(encoded_size(tx, with_sigs));
  encode(w, tx, with_sigs);
  return w;
}
}  // namespace

hash256 txid(const transaction& tx) {
  return tagged_hash("TimeCoin/txid", encoded(tx, false).data());
}

hash256 wtxid(const transaction& tx) {
  return tagged_hash("TimeCoin/wtxid", encoded(tx, true).data());
}

size_t tx_size(const transaction& tx) {
  return encoded_size(tx, true);
}

tx_digest digest_tx(const transaction& tx) {
  byte_writer plain = encoded(tx, false), full = encoded(tx, true);
  return {tagged_hash("TimeCoin/txid", plain.data()), tagged_hash("TimeCoin/wtxid", full.data()),
          full.data().size()};
}

std::vector<tx_digest> digest_txs(const std::vector<transaction>& txs) {
  std::vector<tx_digest> out;
  out.reserve(txs.size());
  for (const auto& tx : txs) out.push_back(digest_tx(tx));
  return out;
}

hash256 merkle_root(const std::vector<hash256>& leaves) {
  if (leaves.empty()) return hash256{};
  std::vector<hash256> level = leaves;
  while (level.size() > 1) {
    std::vector<hash256> next;
    next.reserve((level.size() + 1) / 2);
    for (size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(hasher("TimeCoin/merkle").write(level[i]).write(level[i + 1]).finish());
    if (level.size() % 2) next.push_back(level.back());
    level.swap(next);
  }
  return level[0];
}

hash256 tx_merkle_root(const std::vector<transaction>& txs) {
  std::vector<hash256> leaves;
  leaves.reserve(txs.size());
  for (const auto& tx : txs) leaves.push_back(wtxid(tx));
  return merkle_root(leaves);
}

hash256 evidence_hash(const std::vector<evidence>& ev) {
  if (ev.empty()) return hash256{};
  byte_writer w;
  w.count(ev.size());
  for (const auto& e : ev) {
    encode(w, e.a);
    encode(w, e.b);
  }
  return tagged_hash("TimeCoin/evidence", w.data());
}

hash256 block_hash(const block_header& h) {
  byte_writer w;
  encode(w, h);
  return tagged_hash("TimeCoin/block", w.data());
}

size_t block_size(const block& b) {
  return block_size(b, digest_txs(b.txs));
}

size_t block_size(const block& b, const std::vector<tx_digest>& digests) {
  TC_ASSERT(digests.size() == b.txs.size());
  byte_writer w;
  encode(w, b.header);
  w.count(b.txs.size());
  size_t total = w.data().size();
  for (const auto& d : digests) total += d.size;
  byte_writer e;
  e.count(b.evidence_list.size());
  for (const auto& ev : b.evidence_list) {
    encode(e, ev.a);
    encode(e, ev.b);
  }
  return total + e.data().size();
}

sign_domain signing_domain(std::string_view chain_id, const hash256& genesis_hash) {
  byte_writer w;
  w.str(chain_id);
  w.fixed(genesis_hash);
  return sign_domain::from_view(tagged_hash("TimeCoin/domain", w.data()));
}

hash256 tx_sighash(const sign_domain& domain, const hash256& id, uint32_t index,
                   const tx_output& spent) {
  byte_writer w;
  w.fixed(domain);
  w.fixed(id);
  w.u32(index);
  w.i64(spent.value);
  w.fixed(spent.owner);
  return tagged_hash("TimeCoin/sighash", w.data());
}

hash256 vote_sign_bytes(const sign_domain& domain, const vote& v) {
  byte_writer w;
  w.fixed(domain);
  w.u8(static_cast<uint8_t>(v.type));
  w.u64(v.height);
  w.u32(v.round);
  w.fixed(v.block_hash);
  return tagged_hash("TimeCoin/vote", w.data());
}

hash256 proposal_sign_bytes(const sign_domain& domain, uint64_t height, uint32_t round,
                            int32_t pol_round, const hash256& bh) {
  byte_writer w;
  w.fixed(domain);
  w.u64(height);
  w.u32(round);
  w.u32(static_cast<uint32_t>(pol_round));
  w.fixed(bh);
  return tagged_hash("TimeCoin/proposal", w.data());
}

}  // namespace tc
