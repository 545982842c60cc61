#include "actors/peer/session_core.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "crypto/schnorr.hpp"
#include "messages/codec.hpp"
#include "messages/compact.hpp"
#include "messages/gossip.hpp"
#include "messages/limits.hpp"
#include "messages/validation.hpp"

namespace tc::peer {

uint32_t negotiate_version(uint32_t my_min, uint32_t my_max, uint32_t their_min,
                           uint32_t their_max) {
  if (my_min == 0) my_min = my_max;
  if (their_min == 0) their_min = their_max;
  uint32_t low = std::max(my_min, their_min), high = std::min(my_max, their_max);
  return low <= high ? high : 0;
}

const char* direction_name(direction d) {
  return d == direction::inbound ? "inbound" : "outbound";
}

msg_class class_of(const message& m) {
  return class_of_kind(m.index());
}

msg_class class_of_kind(size_t index) {
  switch (index) {
    case kind_index<handshake>:
    case kind_index<handshake_ack>:
    case kind_index<ping>:
    case kind_index<pong>:
    case kind_index<reject>:  // handshake, ack, ping, pong, reject
      return msg_class::control;
    case kind_index<tx>:
    case kind_index<get_txs>:
    case kind_index<tx_inv>:  // tx, get_txs, tx_inv
      return msg_class::tx;
    case kind_index<proposal>:
    case kind_index<prevote>:
    case kind_index<precommit>:
    case kind_index<commit_certificate>:
    case kind_index<evidence>:
    case kind_index<compact_proposal>:
    case kind_index<get_block_txs>:
    case kind_index<block_txs>:  // proposals (either form and their txs), votes, certificate,
                                 // evidence
      return msg_class::consensus;
    case kind_index<block_with_cert>:
    case kind_index<blocks>:
    case kind_index<tip>:  // block_with_cert, blocks, tip
      return msg_class::block;
    case kind_index<get_blocks>:
    case kind_index<get_tip>:  // get_blocks, get_tip
      return msg_class::sync_request;
    default:  // get_peers, peers
      return msg_class::exchange;
  }
}

const char* class_name(msg_class c) {
  static const char* names[] = {"control", "tx", "consensus", "block", "sync-request", "exchange"};
  return names[static_cast<size_t>(c)];
}

std::array<bucket_config, msg_class_count> session_config::default_rates() {
  std::array<bucket_config, msg_class_count> r;
  r[size_t(msg_class::control)] = {2, 20};  // pings: one per interval is normal
  r[size_t(msg_class::tx)] = {50'000, 100'000};
  r[size_t(msg_class::consensus)] = {2'000, 10'000};  // votes of many validators, relayed
  r[size_t(msg_class::block)] = {100, 1'000};
  r[size_t(msg_class::sync_request)] = {20, 100};
  r[size_t(msg_class::exchange)] = {1, 10};
  return r;
}

bool token_bucket::take(uint64_t now_ms) {
  if (now_ms > last_ms_) {
    tokens_ = std::min(cfg_.burst, tokens_ + cfg_.rate_per_s * double(now_ms - last_ms_) / 1000.0);
    last_ms_ = now_ms;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

namespace {
x25519_key ephemeral_of(const hash256& seed) {
  x25519_key k;
  k.v = tagged_hash("TimeCoin/session-ephemeral", seed.v).v;
  return k;
}
}  // namespace

hash256 handshake_sign_bytes(const handshake_transcript& t, bool signer_is_initiator) {
  bytes m(t.chain_id.begin(), t.chain_id.end());
  m.push_back(0);  // the chain id is text without NULs: the separator is unambiguous
  auto add = [&m](const auto& fixed) { m.insert(m.end(), fixed.v.begin(), fixed.v.end()); };
  add(t.genesis);
  add(t.session_id);
  add(t.initiator_ephemeral);
  add(t.responder_ephemeral);
  add(t.initiator_key);
  add(t.responder_key);
  add(t.initiator_nonce);
  add(t.responder_nonce);
  m.push_back(signer_is_initiator ? 'I' : 'R');
  return tagged_hash("TimeCoin/handshake", m);
}

session_core::session_core(session_config cfg, signer& me, direction dir, hash256 seed,
                           uint64_t best_height, uint64_t now_ms)
    : cfg_(std::move(cfg)),
      me_(me),
      dir_(dir),
      nonce_(tagged_hash("TimeCoin/session-nonce", seed.v)),
      channel_(dir == direction::outbound, ephemeral_of(seed)),
      best_height_(best_height),
      reader_(max_handshake_frame_bytes) {
  stats_.connected_ms = now_ms;
  stats_.last_recv_ms = now_ms;
  for (size_t i = 0; i < msg_class_count; ++i) buckets_[i] = token_bucket(cfg_.rates[i], now_ms);
}

void session_core::emit(const message& m, session_actions& out) {
  TC_ASSERT(channel_.established());
  auto f = std::make_shared<const bytes>(channel_.seal(make_frame(encode_message(m))));
  on_sent(f->size(), m.index());
  out.push_back(send_frame{std::move(f)});
}

session_actions session_core::on_open() {
  session_actions out;
  if (state_ != state::connecting) return out;
  state_ = state::handshaking;
  auto pre = std::make_shared<const bytes>(channel_.preamble());
  stats_.bytes_out += pre->size();
  out.push_back(send_frame{std::move(pre)});
  return out;
}

void session_core::send_handshake(session_actions& out) {
  handshake h;
  h.protocol_version = cfg_.protocol_version;
  h.min_protocol_version = cfg_.min_protocol_version;
  h.chain_id = cfg_.chain_id;
  h.genesis_hash = cfg_.genesis_hash;
  h.node_key = me_.key();
  h.listen_addr = cfg_.listen_addr;
  h.nonce = nonce_;
  h.best_height = best_height_;
  h.user_agent = cfg_.user_agent;
  emit(h, out);
}

hash256 session_core::sign_bytes(bool signer_is_me) const {
  bool i_dialed = channel_.initiator();
  handshake_transcript t;
  t.chain_id = cfg_.chain_id;
  t.genesis = cfg_.genesis_hash;
  t.session_id = channel_.keys().session_id;
  t.initiator_ephemeral = channel_.ephemeral(true);
  t.responder_ephemeral = channel_.ephemeral(false);
  t.initiator_key = i_dialed ? me_.key() : peer_->key;
  t.responder_key = i_dialed ? peer_->key : me_.key();
  t.initiator_nonce = i_dialed ? nonce_ : peer_nonce_;
  t.responder_nonce = i_dialed ? peer_nonce_ : nonce_;
  return handshake_sign_bytes(t, signer_is_me == i_dialed);
}

void session_core::fail(reject_code code, const std::string& why, uint32_t points,
                        session_actions& out) {
  if (state_ == state::closed) return;
  if (channel_.established()) emit(reject{static_cast<uint32_t>(code), why}, out);
  stats_.score += points;
  state_ = state::closed;
  out.push_back(close_session{why, stats_.score, stats_.score >= cfg_.ban_score, 0,
                              static_cast<uint32_t>(code)});
}

void session_core::misbehave(uint32_t points, const std::string& why, session_actions& out) {
  if (state_ == state::closed) return;
  stats_.score += points;
  if (stats_.score >= cfg_.ban_score) fail(reject_code::protocol_violation, why, 0, out);
}

session_actions session_core::on_penalty(uint32_t points, const std::string& why) {
  session_actions out;
  misbehave(points, why, out);
  return out;
}

session_actions session_core::on_close(reject_code code, const std::string& why) {
  session_actions out;
  fail(code, why, 0, out);
  return out;
}

session_actions session_core::on_bytes(uint64_t now_ms, byte_view data) {
  session_actions out;
  if (state_ == state::closed) return out;
  stats_.bytes_in += data.size;
  stats_.last_recv_ms = now_ms;
  bool was_up = channel_.established();
  bytes plain;
  if (auto s = channel_.on_bytes(data, plain); !s) {
    // Before the channel: not our protocol, charged to the address. After:
    // a record that fails authentication may be forged on the path, so it
    // proves nothing against the peer; the connection just ends.
    state_ = state::closed;
    uint32_t points = was_up ? 0 : cfg_.ban_score;
    // Another transport is what a newer (or older) node speaks: the code an
    // upgrade gives, so an addnode peer is not banned for it (spared_from_ban).
    out.push_back(close_session{"transport: " + s.error_message(), points,
                                points >= cfg_.ban_score && points > 0, 0,
                                static_cast<uint32_t>(reject_code::wrong_version)});
    return out;
  }
  if (!was_up && channel_.established()) send_handshake(out);
  reader_.append(plain);
  while (state_ != state::closed) {
    auto p = reader_.next();
    if (!p) {
      fail(reject_code::undecodable, p.error_message(), cfg_.ban_score, out);
      break;
    }
    if (!*p) break;
    auto m = decode_message(**p);
    if (!m) {
      fail(reject_code::undecodable, "undecodable frame: " + m.error_message(), cfg_.ban_score,
           out);
      break;
    }
    ++stats_.msgs_in;
    if (cfg_.metrics) {
      auto c = static_cast<size_t>(class_of(*m));
      cfg_.metrics->msgs_in_total.at(c).inc();
      cfg_.metrics->bytes_in_total.at(c).inc((*p)->size() + frame_header_bytes);
    }
    handle(now_ms, std::move(m).value(), std::make_shared<const bytes>(std::move(**p)), out);
  }
  return out;
}

void session_core::handle(uint64_t now_ms, message&& m, std::shared_ptr<const bytes> payload,
                          session_actions& out) {
  if (auto* r = std::get_if<reject>(&m)) {
    state_ = state::closed;
    out.push_back(
        close_session{"peer rejected us (code " + std::to_string(r->code) + "): " + r->reason,
                      stats_.score, false, r->code});
    return;
  }
  if (state_ != state::ready) {
    if (auto* h = std::get_if<handshake>(&m)) return on_handshake(*h, out);
    if (auto* a = std::get_if<handshake_ack>(&m)) return on_ack(*a, out);
    return fail(reject_code::protocol_violation,
                std::string(kind_name(m)) + " before the handshake completed", 50, out);
  }
  msg_class c = class_of(m);
  if (!buckets_[static_cast<size_t>(c)].take(now_ms)) {
    // Dropped; a sustained excess reaches the ban score.
    return misbehave(2, std::string("rate limit exceeded for ") + class_name(c) + " messages", out);
  }
  if (auto* p = std::get_if<ping>(&m)) return emit(pong{p->nonce}, out);
  if (auto* p = std::get_if<pong>(&m)) {
    if (!ping_nonce_ || *ping_nonce_ != p->nonce) return misbehave(10, "unsolicited pong", out);
    stats_.rtt_ms = now_ms - ping_sent_ms_;
    stats_.min_rtt_ms = std::min(stats_.min_rtt_ms.value_or(UINT64_MAX), stats_.rtt_ms);
    ping_nonce_.reset();
    return;
  }
  if (std::holds_alternative<handshake>(m) || std::holds_alternative<handshake_ack>(m))
    return misbehave(20, "handshake repeated after it completed", out);
  if (auto* p = std::get_if<proposal>(&m)) {
    // The signature covers the header only: a body that does not match it
    // (merkle root, evidence hash, counts, size) is refused here, before it
    // is deduplicated, stored or relayed, so a tampered copy can neither
    // stand in for the honest proposal nor shut it out. Honest nodes relay
    // only proposals that passed this check: the sender is to blame.
    if (auto s = check_block_stateless(*p->blk); !s)
      return misbehave(proposal_body_penalty,
                       "proposal's body does not match its header: " + s.error_message(), out);
  }
  if (auto* c = std::get_if<compact_proposal>(&m)) {
    // The same for the compact form, as far as wtxids tell (compact.hpp);
    // the rebuilt block is checked whole before consensus sees it.
    if (auto s = check_compact(*c); !s)
      return misbehave(proposal_body_penalty,
                       "proposal's body does not match its header: " + s.error_message(), out);
  }
  std::optional<hash256> key = gossip_key(m);
  if (key && recent_.note(*key, now_ms) > 1 + free_repeats)
    return misbehave(repeat_penalty, std::string("repeated the same ") + kind_name(m), out);
  out.push_back(deliver{std::move(m), std::move(payload), key});
}

void session_core::on_handshake(const handshake& h, session_actions& out) {
  if (peer_) return fail(reject_code::protocol_violation, "second handshake", 50, out);
  if (h.min_protocol_version > h.protocol_version)
    return fail(reject_code::protocol_violation,
                "protocol range " + std::to_string(h.min_protocol_version) + ".." +
                    std::to_string(h.protocol_version) + " is empty",
                50, out);
  // No shared version is what an upgrade looks like, not an attack: the
  // connection ends without points (PROTOCOL.md §10).
  uint32_t version = negotiate_version(cfg_.min_protocol_version, cfg_.protocol_version,
                                       h.min_protocol_version, h.protocol_version);
  if (version == 0) {
    uint32_t mine_min =
        cfg_.min_protocol_version ? cfg_.min_protocol_version : cfg_.protocol_version;
    uint32_t theirs_min = h.min_protocol_version ? h.min_protocol_version : h.protocol_version;
    return fail(reject_code::wrong_version,
                "protocol version " + std::to_string(theirs_min) + ".." +
                    std::to_string(h.protocol_version) + " shares none with " +
                    std::to_string(mine_min) + ".." + std::to_string(cfg_.protocol_version),
                0, out);
  }
  if (h.chain_id != cfg_.chain_id)
    return fail(reject_code::wrong_chain,
                "chain id '" + h.chain_id + "' is not '" + cfg_.chain_id + "'", 50, out);
  if (h.genesis_hash != cfg_.genesis_hash)
    return fail(reject_code::wrong_genesis, "genesis " + h.genesis_hash.hex() + " is not ours", 50,
                out);
  if (!is_valid_pubkey(h.node_key))
    return fail(reject_code::bad_signature, "node key is not a valid x-only key", 50, out);
  if (h.node_key == me_.key())
    return fail(reject_code::duplicate, "connected to ourselves", 0, out);
  peer_ = hello{h.node_key, h.listen_addr, h.best_height, h.user_agent, version};
  peer_nonce_ = h.nonce;
  handshake_ack ack;
  ack.nonce_sig = me_.sign(sign_bytes(true));
  emit(ack, out);
  sent_ack_ = true;
  maybe_ready(out);
}

void session_core::on_ack(const handshake_ack& a, session_actions& out) {
  if (!peer_)
    return fail(reject_code::protocol_violation, "handshake-ack before handshake", 50, out);
  if (acked_by_peer_) return fail(reject_code::protocol_violation, "second handshake-ack", 50, out);
  if (!verify(peer_->key, sign_bytes(false), a.nonce_sig))
    return fail(reject_code::bad_signature, "handshake signature does not verify", 50, out);
  acked_by_peer_ = true;
  maybe_ready(out);
}

void session_core::maybe_ready(session_actions& out) {
  if (state_ != state::handshaking || !peer_ || !acked_by_peer_ || !sent_ack_) return;
  state_ = state::ready;
  reader_.set_max_payload(limits::max_frame_bytes);  // authenticated: full-size frames
  out.push_back(became_ready{*peer_});
}

session_actions session_core::on_tick(uint64_t now_ms, uint64_t ping_nonce) {
  session_actions out;
  if (state_ == state::closed) return out;
  if (state_ != state::ready) {
    if (now_ms >= stats_.connected_ms + cfg_.handshake_timeout_ms)
      fail(reject_code::timeout,
           "no handshake within " + std::to_string(cfg_.handshake_timeout_ms / 1000) + " s", 0,
           out);
    return out;
  }
  if (ping_nonce_ && now_ms >= ping_sent_ms_ + cfg_.pong_timeout_ms) {
    fail(reject_code::timeout,
         "unresponsive: no pong within " + std::to_string(cfg_.pong_timeout_ms / 1000) + " s", 0,
         out);
    return out;
  }
  if (now_ms >= stats_.last_recv_ms + cfg_.idle_timeout_ms) {
    fail(reject_code::timeout, "idle for " + std::to_string(cfg_.idle_timeout_ms / 1000) + " s", 0,
         out);
    return out;
  }
  if (!ping_nonce_ && (!pinged_ || now_ms >= last_ping_ms_ + cfg_.ping_interval_ms)) {
    pinged_ = true;  // the first ping right after the handshake gives an RTT early
    ping_nonce_ = ping_nonce;
    ping_sent_ms_ = last_ping_ms_ = now_ms;
    emit(ping{ping_nonce}, out);
  }
  return out;
}

uint32_t recent_keys::note(const hash256& key, uint64_t now_ms) {
  auto [e, fresh] = seen_.try_emplace(key);
  if (fresh || now_ms >= e->last_ms + repeat_window_ms)
    e->burst = 1;
  else if (e->burst < UINT32_MAX)
    ++e->burst;
  e->last_ms = now_ms;
  return e->burst;
}

bool flow_window::on_delivered(size_t n) {
  outstanding_ += static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX - outstanding_));
  if (paused_ || outstanding_ < window_) return false;
  paused_ = true;
  return true;
}

bool flow_window::on_credit(uint32_t n) {
  outstanding_ -= std::min(n, outstanding_);  // a confused manager cannot underflow it
  if (!paused_ || outstanding_ > window_ / 2) return false;
  paused_ = false;
  return true;
}

}  // namespace tc::peer
