#include "messages/codec.hpp"

#include <capnp/schema.h>
#include <cstring>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "crypto/assert.hpp"
#include "messages/limits.hpp"
#include "messages/wire.capnp.h"

namespace tc {

namespace {

// Thrown only inside this file and always caught at the decode boundary.
struct decode_error {
  std::string what;
};

[[noreturn]] void fail(std::string what) {
  throw decode_error{std::move(what)};
}

// ---- writing ----

kj::ArrayPtr<const kj::byte> data_of(byte_view b) {
  return kj::arrayPtr(b.data, b.size);
}
capnp::Text::Reader text_of(const std::string& s) {
  return capnp::Text::Reader(s.data(), s.size());
}

void put(wire::OutPoint::Builder o, const outpoint& v) {
  o.setTxid(data_of(v.txid));
  o.setIndex(v.index);
}

void put(wire::Transaction::Builder t, const transaction& v) {
  t.setVersion(v.version);
  t.setKind(static_cast<wire::TxKind>(v.kind));
  t.setHeight(v.height);
  auto ins = t.initInputs(static_cast<unsigned>(v.inputs.size()));
  for (unsigned i = 0; i < v.inputs.size(); ++i) {
    put(ins[i].initPrev(), v.inputs[i].prev);
    ins[i].setSignature(data_of(v.inputs[i].sig));
  }
  auto outs = t.initOutputs(static_cast<unsigned>(v.outputs.size()));
  for (unsigned i = 0; i < v.outputs.size(); ++i) {
    outs[i].setValue(v.outputs[i].value);
    outs[i].setOwner(data_of(v.outputs[i].owner));
  }
  if (v.registration) {
    const auto& r = *v.registration;
    auto b = t.initRegistration();
    b.setTier(static_cast<wire::Tier>(r.tier));
    put(b.initCollateral(), r.collateral);
    b.setOperatorKey(data_of(r.operator_key));
    b.setNetAddress(text_of(r.net_address));
    b.setOperatorSig(data_of(r.operator_sig));
    b.setOwnerSig(data_of(r.owner_sig));
  }
  if (v.deregistration) {
    auto b = t.initDeregistration();
    b.setOperatorKey(data_of(v.deregistration->operator_key));
    b.setOwnerSig(data_of(v.deregistration->owner_sig));
  }
}

void put(wire::Vote::Builder b, const vote& v) {
  b.setType(static_cast<wire::VoteType>(v.type));
  b.setHeight(v.height);
  b.setRound(v.round);
  b.setBlockHash(data_of(v.block_hash));
  b.setValidator(data_of(v.validator));
  b.setSignature(data_of(v.sig));
}

void put(wire::Evidence::Builder b, const evidence& e) {
  put(b.initVoteA(), e.a);
  put(b.initVoteB(), e.b);
}

void put(wire::BlockHeader::Builder h, const block_header& v) {
  h.setVersion(v.version);
  h.setHeight(v.height);
  h.setTimestampMs(v.timestamp_ms);
  h.setPrevHash(data_of(v.prev_hash));
  h.setMerkleRoot(data_of(v.merkle_root));
  h.setEvidenceHash(data_of(v.evidence_hash));
  h.setProposer(data_of(v.proposer));
}

template <class Builder>
void put_evidence(Builder b, const std::vector<evidence>& list) {
  auto ev = b.initEvidence(static_cast<unsigned>(list.size()));
  for (unsigned i = 0; i < list.size(); ++i) put(ev[i], list[i]);
}

void put(wire::Block::Builder b, const block& v) {
  put(b.initHeader(), v.header);
  auto txs = b.initTxs(static_cast<unsigned>(v.txs.size()));
  for (unsigned i = 0; i < v.txs.size(); ++i) put(txs[i], v.txs[i]);
  put_evidence(b, v.evidence_list);
}

// Lists of hashes travel as one Data of 32 x n bytes: no pointer per hash.
void put_hashes(capnp::Data::Builder d, const std::vector<hash256>& v) {
  for (size_t i = 0; i < v.size(); ++i) std::memcpy(d.begin() + 32 * i, v[i].v.data(), 32);
}

void put(wire::CompactProposal::Builder b, const peer::compact_proposal& v) {
  b.setHeight(v.height);
  b.setRound(v.round);
  b.setPolRound(v.pol_round);
  put(b.initHeader(), v.header);
  put(b.initReward(), v.reward);
  put_hashes(b.initWtxids(static_cast<unsigned>(32 * v.wtxids.size())), v.wtxids);
  put_evidence(b, v.evidence_list);
  b.setProposer(data_of(v.proposer));
  b.setSignature(data_of(v.sig));
}

void put(wire::CommitCertificate::Builder b, const commit_certificate& c) {
  b.setHeight(c.height);
  b.setRound(c.round);
  b.setBlockHash(data_of(c.block_hash));
  auto sigs = b.initSigs(static_cast<unsigned>(c.sigs.size()));
  for (unsigned i = 0; i < c.sigs.size(); ++i) {
    sigs[i].setValidator(data_of(c.sigs[i].validator));
    sigs[i].setSignature(data_of(c.sigs[i].sig));
  }
}

void put(wire::BlockWithCert::Builder b, const block_with_cert& v) {
  put(b.initBlock(), v.blk);
  put(b.initCert(), v.cert);
}

void put(wire::Handshake::Builder h, const peer::handshake& v) {
  h.setProtocolVersion(v.protocol_version);
  h.setMinProtocolVersion(v.min_protocol_version);
  h.setChainId(text_of(v.chain_id));
  h.setGenesisHash(data_of(v.genesis_hash));
  h.setNodeKey(data_of(v.node_key));
  h.setListenAddr(text_of(v.listen_addr));
  h.setNonce(data_of(v.nonce));
  h.setBestHeight(v.best_height);
  h.setUserAgent(text_of(v.user_agent));
}

void put(wire::GetBlockTxs::Builder g, const peer::get_block_txs& v) {
  g.setBlockHash(data_of(v.block_hash));
  auto l = g.initIndexes(static_cast<unsigned>(v.indexes.size()));
  for (unsigned i = 0; i < v.indexes.size(); ++i) l.set(i, v.indexes[i]);
}

void put(wire::BlockTxs::Builder b, const peer::block_txs& v) {
  b.setBlockHash(data_of(v.block_hash));
  auto l = b.initTxs(static_cast<unsigned>(v.txs.size()));
  for (unsigned i = 0; i < v.txs.size(); ++i) put(l[i], v.txs[i]);
}

bytes to_bytes(capnp::MessageBuilder& mb) {
  auto words = capnp::messageToFlatArray(mb);
  auto chars = words.asBytes();
  return bytes(chars.begin(), chars.end());
}

// The Cap'n Proto canonical form (one segment, objects in pre-order, no
// padding, no far pointers, trailing zero words cut), with its segment
// table: the one encoding of a message's content that peers accept, so a
// re-encoded copy can never pass for something new.
bytes to_canonical_bytes(capnp::MessageBuilder& mb) {
  auto words = capnp::canonicalize(mb.getRoot<wire::Message>().asReader());
  auto body = words.asBytes();
  bytes out(8 + body.size());
  uint32_t n = static_cast<uint32_t>(words.size());
  // Segment table: (segment count - 1) = 0, then the segment's size in words.
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<uint8_t>(n >> (8 * i));
  std::memcpy(out.data() + 8, body.begin(), body.size());
  return out;
}

// ---- reading ----

template <class Fixed>
Fixed get_fixed(capnp::Data::Reader d, const char* field) {
  if (d.size() != Fixed::size)
    fail(std::string(field) + " must be " + std::to_string(Fixed::size) + " bytes, got " +
         std::to_string(d.size()));
  return Fixed::from_view(byte_view(d.begin(), d.size()));
}

std::string get_text(capnp::Text::Reader t, size_t max, const char* field) {
  if (t.size() > max) fail(std::string(field) + " longer than " + std::to_string(max));
  std::string out(t.cStr(), t.size());
  // Cap'n Proto Text is NUL-terminated; an embedded NUL would not survive
  // re-encoding, so two nodes could disagree on the value.
  if (out.find('\0') != std::string::npos) fail(std::string(field) + " contains a NUL byte");
  return out;
}

void check_count(size_t n, size_t max, const char* what) {
  if (n > max)
    fail(std::string(what) + ": " + std::to_string(n) + " exceeds limit " + std::to_string(max));
}

template <class E>
E get_enum(uint16_t raw, uint16_t max, const char* field) {
  if (raw > max) fail(std::string("unknown ") + field + " " + std::to_string(raw));
  return static_cast<E>(raw);
}

outpoint get(wire::OutPoint::Reader r) {
  return {get_fixed<hash256>(r.getTxid(), "txid"), r.getIndex()};
}

transaction get(wire::Transaction::Reader r) {
  transaction t;
  t.version = r.getVersion();
  t.kind = get_enum<tx_kind>(static_cast<uint16_t>(r.getKind()), 4, "tx kind");
  t.height = r.getHeight();
  auto ins = r.getInputs();
  check_count(ins.size(), limits::max_tx_inputs, "tx inputs");
  t.inputs.reserve(ins.size());
  for (auto in : ins)
    t.inputs.push_back(
        {get(in.getPrev()), get_fixed<signature>(in.getSignature(), "input signature")});
  auto outs = r.getOutputs();
  check_count(outs.size(), limits::max_tx_outputs, "tx outputs");
  // Every kind has outputs (validation.hpp); refusing an empty tx here also
  // stops a list of empty structs, which costs one word each on the wire,
  // from decoding into many much larger objects.
  if (outs.size() == 0) fail("tx has no outputs");
  t.outputs.reserve(outs.size());
  for (auto out : outs)
    t.outputs.push_back({out.getValue(), get_fixed<pubkey>(out.getOwner(), "output owner")});
  if (r.hasRegistration()) {
    auto g = r.getRegistration();
    mn_registration reg;
    reg.tier = get_enum<mn_tier>(static_cast<uint16_t>(g.getTier()), 3, "tier");
    reg.collateral = get(g.getCollateral());
    reg.operator_key = get_fixed<pubkey>(g.getOperatorKey(), "operator key");
    reg.net_address = get_text(g.getNetAddress(), limits::max_net_address_len, "net address");
    reg.operator_sig = get_fixed<signature>(g.getOperatorSig(), "operator signature");
    reg.owner_sig = get_fixed<signature>(g.getOwnerSig(), "owner signature");
    t.registration = reg;
  }
  if (r.hasDeregistration()) {
    auto g = r.getDeregistration();
    t.deregistration = mn_deregistration{get_fixed<pubkey>(g.getOperatorKey(), "operator key"),
                                         get_fixed<signature>(g.getOwnerSig(), "owner signature")};
  }
  return t;
}

vote get(wire::Vote::Reader r) {
  vote v;
  v.type = get_enum<vote_type>(static_cast<uint16_t>(r.getType()), 1, "vote type");
  v.height = r.getHeight();
  v.round = r.getRound();
  v.block_hash = get_fixed<hash256>(r.getBlockHash(), "vote block hash");
  v.validator = get_fixed<pubkey>(r.getValidator(), "vote validator");
  v.sig = get_fixed<signature>(r.getSignature(), "vote signature");
  return v;
}

evidence get(wire::Evidence::Reader r) {
  return {get(r.getVoteA()), get(r.getVoteB())};
}

block_header get(wire::BlockHeader::Reader h) {
  block_header v;
  v.version = h.getVersion();
  v.height = h.getHeight();
  v.timestamp_ms = h.getTimestampMs();
  v.prev_hash = get_fixed<hash256>(h.getPrevHash(), "prev hash");
  v.merkle_root = get_fixed<hash256>(h.getMerkleRoot(), "merkle root");
  v.evidence_hash = get_fixed<hash256>(h.getEvidenceHash(), "evidence hash");
  v.proposer = get_fixed<pubkey>(h.getProposer(), "proposer");
  return v;
}

std::vector<evidence> get_evidence(capnp::List<wire::Evidence>::Reader ev) {
  check_count(ev.size(), limits::max_block_evidence, "block evidence");
  std::vector<evidence> out;
  for (auto e : ev) out.push_back(get(e));
  return out;
}

block get(wire::Block::Reader r) {
  block b;
  b.header = get(r.getHeader());
  auto txs = r.getTxs();
  check_count(txs.size(), limits::max_block_txs, "block txs");
  b.txs.reserve(txs.size());
  for (auto t : txs) b.txs.push_back(get(t));
  b.evidence_list = get_evidence(r.getEvidence());
  return b;
}

std::vector<hash256> get_hashes(capnp::Data::Reader d, size_t max, const char* what) {
  if (d.size() % 32 != 0) fail(std::string(what) + " are not 32-byte hashes");
  check_count(d.size() / 32, max, what);
  std::vector<hash256> v(d.size() / 32);
  for (size_t i = 0; i < v.size(); ++i) std::memcpy(v[i].v.data(), d.begin() + 32 * i, 32);
  return v;
}

peer::compact_proposal get(wire::CompactProposal::Reader r) {
  peer::compact_proposal v;
  v.height = r.getHeight();
  v.round = r.getRound();
  v.pol_round = r.getPolRound();
  v.header = get(r.getHeader());
  v.reward = get(r.getReward());
  // The reward is txs[0]: the wtxids name the rest.
  v.wtxids = get_hashes(r.getWtxids(), limits::max_block_txs - 1, "compact proposal's wtxids");
  v.evidence_list = get_evidence(r.getEvidence());
  v.proposer = get_fixed<pubkey>(r.getProposer(), "proposer");
  v.sig = get_fixed<signature>(r.getSignature(), "proposal signature");
  return v;
}

commit_certificate get(wire::CommitCertificate::Reader r) {
  commit_certificate c;
  c.height = r.getHeight();
  c.round = r.getRound();
  c.block_hash = get_fixed<hash256>(r.getBlockHash(), "certificate block hash");
  auto sigs = r.getSigs();
  check_count(sigs.size(), limits::max_validators, "certificate signatures");
  c.sigs.reserve(sigs.size());
  for (auto s : sigs)
    c.sigs.push_back({get_fixed<pubkey>(s.getValidator(), "certificate validator"),
                      get_fixed<signature>(s.getSignature(), "certificate signature")});
  return c;
}

block_with_cert get(wire::BlockWithCert::Reader r) {
  return {get(r.getBlock()), get(r.getCert())};
}

// Copies into aligned words (FlatArrayMessageReader needs 8-byte alignment),
// checks framing, and runs `fn` on the reader; any exception becomes an error.
template <class Fn>
auto with_reader(byte_view data, size_t max_bytes, Fn&& fn)
    -> result<decltype(fn(std::declval<capnp::FlatArrayMessageReader&>(), size_t{}))> {
  if (data.size == 0) return make_error("empty message");
  if (data.size > max_bytes)
    return make_error("message of " + std::to_string(data.size) + " bytes exceeds limit " +
                      std::to_string(max_bytes));
  if (data.size % 8) return make_error("message length is not a multiple of 8 bytes");
  auto words = kj::heapArray<capnp::word>(data.size / 8);
  std::memcpy(words.begin(), data.data, data.size);
  capnp::ReaderOptions opts;
  opts.traversalLimitInWords = words.size() * 2 + 16;
  opts.nestingLimit = limits::max_nesting;
  try {
    capnp::FlatArrayMessageReader reader(words, opts);
    if (reader.getEnd() != words.end()) return make_error("trailing bytes after message");
    return fn(reader, data.size);
  } catch (const decode_error& e) {
    return make_error("malformed message: " + e.what);
  } catch (const kj::Exception& e) {
    return make_error(std::string("malformed message: ") + e.getDescription().cStr());
  }
}

}  // namespace

size_t max_payload_bytes(size_t kind) {
  switch (kind) {
    case peer::kind_index<peer::handshake>:
      return 4096;
    case peer::kind_index<peer::handshake_ack>:
    case peer::kind_index<peer::ping>:
    case peer::kind_index<peer::pong>:
    case peer::kind_index<peer::get_peers>:
    case peer::kind_index<peer::get_tip>:
    case peer::kind_index<peer::tip>:
      return 256;
    case peer::kind_index<peer::peers>:
      return 256u << 10;
    case peer::kind_index<peer::tx>:
      return 2 * limits::max_tx_bytes;  // tx (Cap'n Proto pads)
    case peer::kind_index<peer::get_txs>:
      return 64 * limits::max_get_txs + 64;
    case peer::kind_index<peer::tx_inv>:
      return 32 * limits::max_tx_inv + 64;
    case peer::kind_index<peer::prevote>:
    case peer::kind_index<peer::precommit>:
      return 512;
    case peer::kind_index<commit_certificate>:
      return 256 + 128 * limits::max_validators;
    case peer::kind_index<peer::get_blocks>:
      return 256;
    case peer::kind_index<evidence>:
      return 1024;
    case peer::kind_index<peer::reject>:
      return 4096;
    case peer::kind_index<peer::get_block_txs>:
      return 4 * limits::max_block_txs + 128;
    default:
      return limits::max_frame_bytes;  // proposal (either form), block, blocks, block txs
  }
}

bytes encode_message(const peer::message& m) {
  capnp::MallocMessageBuilder mb;
  auto root = mb.initRoot<wire::Message>();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, peer::handshake>) {
          put(root.initHandshake(), v);
        } else if constexpr (std::is_same_v<T, peer::handshake_ack>) {
          root.initHandshakeAck().setNonceSig(data_of(v.nonce_sig));
        } else if constexpr (std::is_same_v<T, peer::ping>) {
          root.setPing(v.nonce);
        } else if constexpr (std::is_same_v<T, peer::pong>) {
          root.setPong(v.nonce);
        } else if constexpr (std::is_same_v<T, peer::get_peers>) {
          root.setGetPeers();
        } else if constexpr (std::is_same_v<T, peer::peers>) {
          auto l = root.initPeers(static_cast<unsigned>(v.list.size()));
          for (unsigned i = 0; i < v.list.size(); ++i) {
            l[i].setAddr(text_of(v.list[i].addr));
            l[i].setNodeKey(data_of(v.list[i].node_key));
            l[i].setLastSeenMs(v.list[i].last_seen_ms);
          }
        } else if constexpr (std::is_same_v<T, peer::tx>) {
          put(root.initTx(), v.t);
        } else if constexpr (std::is_same_v<T, peer::get_txs>) {
          auto l = root.initGetTxs(static_cast<unsigned>(v.wtxids.size()));
          for (unsigned i = 0; i < v.wtxids.size(); ++i) l.set(i, data_of(v.wtxids[i]));
        } else if constexpr (std::is_same_v<T, peer::tx_inv>) {
          put_hashes(root.initTxInv(static_cast<unsigned>(32 * v.wtxids.size())), v.wtxids);
        } else if constexpr (std::is_same_v<T, proposal>) {
          auto p = root.initProposal();
          p.setHeight(v.height);
          p.setRound(v.round);
          p.setPolRound(v.pol_round);
          TC_ASSERT(v.blk != nullptr);
          put(p.initBlock(), *v.blk);
          p.setProposer(data_of(v.proposer));
          p.setSignature(data_of(v.sig));
        } else if constexpr (std::is_same_v<T, peer::prevote>) {
          put(root.initPrevote(), v.v);
        } else if constexpr (std::is_same_v<T, peer::precommit>) {
          put(root.initPrecommit(), v.v);
        } else if constexpr (std::is_same_v<T, commit_certificate>) {
          put(root.initCommitCert(), v);
        } else if constexpr (std::is_same_v<T, block_with_cert>) {
          put(root.initBlock(), v);
        } else if constexpr (std::is_same_v<T, peer::get_blocks>) {
          auto g = root.initGetBlocks();
          g.setFromHeight(v.from_height);
          g.setCount(v.count);
        } else if constexpr (std::is_same_v<T, peer::blocks>) {
          auto l = root.initBlocks(static_cast<unsigned>(v.list.size()));
          for (unsigned i = 0; i < v.list.size(); ++i) put(l[i], v.list[i]);
        } else if constexpr (std::is_same_v<T, peer::get_tip>) {
          root.setGetTip();
        } else if constexpr (std::is_same_v<T, peer::tip>) {
          auto t = root.initTip();
          t.setHeight(v.height);
          t.setHash(data_of(v.hash));
        } else if constexpr (std::is_same_v<T, evidence>) {
          put(root.initEvidence(), v);
        } else if constexpr (std::is_same_v<T, peer::reject>) {
          auto r = root.initReject();
          r.setCode(v.code);
          r.setReason(text_of(v.reason));
        } else if constexpr (std::is_same_v<T, peer::compact_proposal>) {
          put(root.initCompactProposal(), v);
        } else if constexpr (std::is_same_v<T, peer::get_block_txs>) {
          put(root.initGetBlockTxs(), v);
        } else if constexpr (std::is_same_v<T, peer::block_txs>) {
          put(root.initBlockTxs(), v);
        } else {
          static_assert(sizeof(T) == 0, "every message kind must be encoded");
        }
      },
      m);
  return to_canonical_bytes(mb);
}

namespace {
peer::handshake read_handshake(wire::Handshake::Reader h) {
  peer::handshake v;
  v.protocol_version = h.getProtocolVersion();
  v.chain_id = get_text(h.getChainId(), limits::max_text_len, "chain id");
  v.genesis_hash = get_fixed<hash256>(h.getGenesisHash(), "genesis hash");
  v.node_key = get_fixed<pubkey>(h.getNodeKey(), "node key");
  v.listen_addr = get_text(h.getListenAddr(), limits::max_net_address_len, "listen address");
  v.nonce = get_fixed<hash256>(h.getNonce(), "nonce");
  v.best_height = h.getBestHeight();
  v.user_agent = get_text(h.getUserAgent(), limits::max_text_len, "user agent");
  v.min_protocol_version = h.getMinProtocolVersion();
  return v;
}

peer::get_block_txs get(wire::GetBlockTxs::Reader g) {
  auto l = g.getIndexes();
  check_count(l.size(), limits::max_block_txs, "get-block-txs");
  peer::get_block_txs v{get_fixed<hash256>(g.getBlockHash(), "block hash"), {}};
  v.indexes.reserve(l.size());
  for (uint32_t i : l) v.indexes.push_back(i);
  return v;
}

peer::block_txs get(wire::BlockTxs::Reader b) {
  auto l = b.getTxs();
  check_count(l.size(), limits::max_block_txs, "block-txs");
  peer::block_txs v{get_fixed<hash256>(b.getBlockHash(), "block hash"), {}};
  v.txs.reserve(l.size());
  for (auto t : l) v.txs.push_back(get(t));
  return v;
}

proposal read_proposal(wire::Proposal::Reader p) {
  proposal v;
  v.height = p.getHeight();
  v.round = p.getRound();
  v.pol_round = p.getPolRound();
  v.blk = std::make_shared<const block>(get(p.getBlock()));
  v.proposer = get_fixed<pubkey>(p.getProposer(), "proposer");
  v.sig = get_fixed<signature>(p.getSignature(), "proposal signature");
  return v;
}

// The content of a decoded root, kind by kind, every field checked.
peer::message read_message(wire::Message::Reader root) {
  switch (root.which()) {
    case wire::Message::HANDSHAKE:
      return read_handshake(root.getHandshake());
    case wire::Message::HANDSHAKE_ACK:
      return peer::handshake_ack{
          get_fixed<signature>(root.getHandshakeAck().getNonceSig(), "nonce signature")};
    case wire::Message::PING:
      return peer::ping{root.getPing()};
    case wire::Message::PONG:
      return peer::pong{root.getPong()};
    case wire::Message::GET_PEERS:
      return peer::get_peers{};
    case wire::Message::PEERS: {
      auto l = root.getPeers();
      check_count(l.size(), limits::max_peers_per_msg, "peers");
      peer::peers v;
      for (auto p : l)
        v.list.push_back({get_text(p.getAddr(), limits::max_net_address_len, "peer address"),
                          get_fixed<pubkey>(p.getNodeKey(), "peer key"), p.getLastSeenMs()});
      return v;
    }
    case wire::Message::TX:
      return peer::tx{get(root.getTx())};
    case wire::Message::GET_TXS: {
      auto l = root.getGetTxs();
      check_count(l.size(), limits::max_get_txs, "get-txs");
      peer::get_txs v;
      for (auto d : l) v.wtxids.push_back(get_fixed<hash256>(d, "wtxid"));
      return v;
    }
    case wire::Message::PROPOSAL:
      return read_proposal(root.getProposal());
    case wire::Message::PREVOTE:
      return peer::prevote{get(root.getPrevote())};
    case wire::Message::PRECOMMIT:
      return peer::precommit{get(root.getPrecommit())};
    case wire::Message::COMMIT_CERT:
      return get(root.getCommitCert());
    case wire::Message::BLOCK:
      return get(root.getBlock());
    case wire::Message::GET_BLOCKS: {
      auto g = root.getGetBlocks();
      return peer::get_blocks{g.getFromHeight(), g.getCount()};
    }
    case wire::Message::BLOCKS: {
      auto l = root.getBlocks();
      check_count(l.size(), limits::max_blocks_per_msg, "blocks");
      peer::blocks v;
      for (auto b : l) v.list.push_back(get(b));
      return v;
    }
    case wire::Message::GET_TIP:
      return peer::get_tip{};
    case wire::Message::TIP: {
      auto t = root.getTip();
      return peer::tip{t.getHeight(), get_fixed<hash256>(t.getHash(), "tip hash")};
    }
    case wire::Message::EVIDENCE:
      return get(root.getEvidence());
    case wire::Message::REJECT: {
      auto r = root.getReject();
      return peer::reject{r.getCode(), get_text(r.getReason(), limits::max_text_len, "reason")};
    }
    case wire::Message::COMPACT_PROPOSAL:
      return get(root.getCompactProposal());
    case wire::Message::GET_BLOCK_TXS:
      return get(root.getGetBlockTxs());
    case wire::Message::BLOCK_TXS:
      return get(root.getBlockTxs());
    case wire::Message::TX_INV:
      return peer::tx_inv{get_hashes(root.getTxInv(), limits::max_tx_inv, "tx-inv wtxids")};
  }
  fail("unknown message kind");
}
}  // namespace

std::optional<size_t> peek_message_kind(byte_view payload) {
  // The flat-array layout: a segment table (count - 1, then each segment's
  // size in words, padded to a word), then segment 0 whose first word is
  // the root pointer. A struct pointer holds (offset << 2) in its low word
  // and the data section's size in words in its high word's low half.
  static const uint32_t tag_offset =
      capnp::Schema::from<wire::Message>().getProto().getStruct().getDiscriminantOffset();
  auto u32 = [&](size_t at) {
    uint32_t v = 0;
    std::memcpy(&v, payload.data + at, 4);  // little-endian, as Cap'n Proto writes
    return v;
  };
  if (payload.size < 16) return std::nullopt;
  uint64_t segments = uint64_t{u32(0)} + 1;
  uint64_t table = (4 + 4 * segments + 7) / 8 * 8;
  if (segments > 512 || payload.size < table + 8) return std::nullopt;
  uint32_t lo = u32(table), hi = u32(table + 4);
  if ((lo & 3) != 0) return std::nullopt;  // not a struct pointer (a far pointer)
  int64_t offset_words = static_cast<int32_t>(lo) >> 2;
  uint64_t data_words = hi & 0xffff;
  if (offset_words < 0) return std::nullopt;
  // The canonical form cuts trailing zero words: a data section too short
  // to hold the tag means the tag is 0, as Cap'n Proto reads it.
  if (uint64_t{tag_offset} * 2 + 2 > data_words * 8) return 0;
  uint64_t at = table + 8 + static_cast<uint64_t>(offset_words) * 8 + uint64_t{tag_offset} * 2;
  if (at + 2 > payload.size) return std::nullopt;
  size_t which = payload.data[at] | (payload.data[at + 1] << 8);
  if (which >= std::variant_size_v<peer::message>) return std::nullopt;
  return which;
}

result<peer::message> decode_message(byte_view payload) {
  return with_reader(payload, limits::max_frame_bytes,
                     [](capnp::FlatArrayMessageReader& reader, size_t size) -> peer::message {
                       auto root = reader.getRoot<wire::Message>();
                       auto which = static_cast<size_t>(root.which());
                       if (which >= std::variant_size_v<peer::message>)
                         fail("unknown message kind " + std::to_string(which));
                       if (size > max_payload_bytes(which))
                         fail("message kind " + std::to_string(which) + " of " +
                              std::to_string(size) + " bytes exceeds its limit " +
                              std::to_string(max_payload_bytes(which)));
                       peer::message m = read_message(root);
                       // Any other layout of the same content (padding, extra segments,
                       // far pointers, unused words) passes every check above: only the
                       // canonical one is accepted, so a copy cannot pass for new content.
                       if (!reader.isCanonical()) fail("not in Cap'n Proto canonical form");
                       return m;
                     });
}

namespace {
// One standalone ledger object as its own Cap'n Proto message.
template <class Wire, class T>
bytes encode_as(const T& v) {
  capnp::MallocMessageBuilder mb;
  put(mb.initRoot<Wire>(), v);
  return to_bytes(mb);
}
template <class Wire>
auto decode_as(byte_view data, size_t max_bytes) {
  return with_reader(data, max_bytes, [](capnp::FlatArrayMessageReader& r, size_t) {
    return get(r.getRoot<Wire>());
  });
}
}  // namespace

bytes encode_block(const block& b) {
  return encode_as<wire::Block>(b);
}
result<block> decode_block(byte_view data) {
  return decode_as<wire::Block>(data, limits::max_frame_bytes);
}
bytes encode_certificate(const commit_certificate& c) {
  return encode_as<wire::CommitCertificate>(c);
}
result<commit_certificate> decode_certificate(byte_view data) {
  return decode_as<wire::CommitCertificate>(data, limits::max_frame_bytes);
}
bytes encode_transaction(const transaction& t) {
  return encode_as<wire::Transaction>(t);
}
result<transaction> decode_transaction(byte_view data) {
  return decode_as<wire::Transaction>(data, 2 * limits::max_tx_bytes);
}

}  // namespace tc
