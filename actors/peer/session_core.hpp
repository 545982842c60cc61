#pragma once
// One peer connection's protocol, without I/O: framing, the mutual
// handshake, ping/pong, per-class token buckets and the misbehaviour score.
// The peer_session broker feeds it bytes and a clock and carries out the
// actions it returns. No CAF here, so tests drive two cores back to back.

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "actors/metrics/metrics.hpp"
#include "actors/peer/channel.hpp"
#include "actors/peer/frame.hpp"
#include "crypto/recent_table.hpp"
#include "crypto/signer.hpp"
#include "messages/peer.hpp"

namespace tc::peer {

enum class direction : uint8_t { inbound, outbound };
const char* direction_name(direction d);

// Rate-limit classes: a flood of one kind cannot starve the others.
enum class msg_class : uint8_t { control, tx, consensus, block, sync_request, exchange };
constexpr size_t msg_class_count = 6;
msg_class class_of(const message& m);
msg_class class_of_kind(size_t index);  // index in peer::message
const char* class_name(msg_class c);

// Reasons carried in a `reject` before we close; also logged.
enum class reject_code : uint32_t {
  wrong_chain = 1,
  wrong_genesis = 2,
  wrong_version = 3,
  bad_signature = 4,
  protocol_violation = 5,
  rate_limited = 6,
  undecodable = 7,
  duplicate = 8,
  too_many_peers = 9,
  timeout = 10,
  banned = 11,
  shutting_down = 12,
};

// Until a peer has authenticated, frames are capped small (a handshake is
// well under this), so an unauthenticated connection cannot make us buffer
// a 16 MiB frame.
constexpr size_t max_handshake_frame_bytes = 8 * 1024;

// Misbehaviour points for a proposal whose body does not match its header.
constexpr uint32_t proposal_body_penalty = 25;
// A peer repeating one proposal, vote or tx in a burst: the first copies
// are passed on, each copy past free_repeats within repeat_window_ms of the
// one before is dropped and costs repeat_penalty points. Honest nodes do
// repeat content, but a round apart (their own votes when a round ends, a
// polka's prevotes with each re-proposal and round change), never in bursts.
constexpr uint32_t free_repeats = 2;
constexpr uint32_t repeat_penalty = 5;
constexpr uint64_t repeat_window_ms = 250;

// The gossip keys (messages/gossip.hpp) one peer sent lately: when last, and
// how many copies in the current burst; the oldest forgotten first past
// `capacity`.
class recent_keys {
 public:
  explicit recent_keys(size_t capacity) : seen_(capacity) {}
  // Copies of `key` in its current burst, this one included (1: the first,
  // or the first after a quiet repeat_window_ms).
  uint32_t note(const hash256& key, uint64_t now_ms);
  size_t size() const { return seen_.size(); }

 private:
  struct entry {
    uint64_t last_ms = 0;
    uint32_t burst = 0;
  };
  recent_table<entry> seen_;
};

struct bucket_config {
  double rate_per_s = 0;
  double burst = 0;
};

class token_bucket {
 public:
  token_bucket() = default;
  token_bucket(bucket_config c, uint64_t now_ms) : cfg_(c), tokens_(c.burst), last_ms_(now_ms) {}
  bool take(uint64_t now_ms);

 private:
  bucket_config cfg_;
  double tokens_ = 0;
  uint64_t last_ms_ = 0;
};

struct session_config {
  std::string chain_id;
  hash256 genesis_hash;
  uint32_t protocol_version = 0;      // the newest version this node speaks
  uint32_t min_protocol_version = 0;  // the oldest (0: protocol_version only)
  std::string listen_addr;            // what we announce; empty = not dialable
  std::string user_agent;
  uint64_t handshake_timeout_ms = 10'000;
  uint64_t ping_interval_ms = 10'000;
  uint64_t pong_timeout_ms = 20'000;
  uint64_t idle_timeout_ms = 90'000;
  uint32_t ban_score = 100;
  std::array<bucket_config, msg_class_count> rates = default_rates();
  // Messages and bytes by class (metrics.hpp); null: not counted.
  std::shared_ptr<metrics::node_metrics> metrics;

  static std::array<bucket_config, msg_class_count> default_rates();
};

// What the peer told us in a verified handshake.
struct hello {
  pubkey key;
  std::string listen_addr;
  uint64_t best_height = 0;
  std::string user_agent;
  uint32_t protocol_version = 0;  // the one both speak (the highest in both ranges)
};

// The version two ranges share (the newest in both), or 0 when they share
// none. A min of 0 stands for the max (a node from before ranges).
uint32_t negotiate_version(uint32_t my_min, uint32_t my_max, uint32_t their_min,
                           uint32_t their_max);

struct send_frame {
  std::shared_ptr<const bytes> frame;  // wire bytes: the preamble or sealed records
};
struct deliver {  // a well-formed message, within its rate, after the handshake
  message msg;
  std::shared_ptr<const bytes> payload;  // the frame's payload (canonical), relayed as is
  std::optional<hash256> key;            // gossip_key: what dedup goes by (gossiped kinds)
};
struct became_ready {
  hello peer;
};
struct close_session {  // send nothing more, close the connection
  std::string reason;
  uint32_t score = 0;        // misbehaviour points this session earned (the manager keeps the sum)
  bool ban = false;          // this session alone reached the ban score
  uint32_t peer_reject = 0;  // the code of the peer's reject, when it closed us with one
  uint32_t code = 0;         // our own reject's code (reject_code), 0 when we sent none
};
using session_action = std::variant<send_frame, deliver, became_ready, close_session>;
using session_actions = std::vector<session_action>;

// What both handshake-acks sign (PROTOCOL.md §3): this connection's
// channel (its session id and both ephemeral keys), both node keys, both
// nonces and the chain, by role. An ack is valid on one connection only, so
// a relay in the middle, which has a channel of its own with each side,
// cannot pass one on.
struct handshake_transcript {
  std::string chain_id;
  hash256 genesis;
  hash256 session_id;
  x25519_key initiator_ephemeral, responder_ephemeral;
  pubkey initiator_key, responder_key;
  hash256 initiator_nonce, responder_nonce;
};
hash256 handshake_sign_bytes(const handshake_transcript& t, bool signer_is_initiator);

struct session_stats {
  uint64_t bytes_in = 0, bytes_out = 0, msgs_in = 0, msgs_out = 0;
  uint64_t rtt_ms = 0;  // last measured; 0 = none yet
  // The lowest measured: the path's own delay, without the queueing a busy
  // node adds to a single ping (tx relay pushes by it, tx_fetch.hpp).
  std::optional<uint64_t> min_rtt_ms;
  uint64_t connected_ms = 0, last_recv_ms = 0;
  uint32_t score = 0;
  // For the manager's send budget (send_budget.hpp): bytes the shell took
  // from the manager so far, and bytes still unsent on the socket.
  uint64_t taken_bytes = 0, unsent_bytes = 0;
};

// Receive-side flow control of one session, in bytes: the payloads handed
// to the manager count against a window; at the window the session stops
// reading its socket (TCP pushes back on the peer), and reads again once the
// manager's credit brings the count down to half of it. Bounds what one peer
// can queue in the manager's mailbox, whatever it sends: the window plus one
// read plus one frame.
// The manager returns credit in steps of this many handled bytes, so a
// window holds at least two steps (else credit could never come back).
constexpr uint32_t flow_credit_step = 256 * 1024;
class flow_window {
 public:
  explicit flow_window(uint32_t window_bytes)
      : window_(std::max<uint32_t>(window_bytes, 2 * flow_credit_step)) {}
  // True when reading must stop now.
  bool on_delivered(size_t n);
  // True when reading may resume now.
  bool on_credit(uint32_t n);
  uint32_t outstanding() const { return outstanding_; }
  bool paused() const { return paused_; }

 private:
  uint32_t window_;
  uint32_t outstanding_ = 0;
  bool paused_ = false;
};

class session_core {
 public:
  // `seed` must be fresh and secret per connection (the shell draws it
  // from the injected random source): the handshake nonce and the ephemeral
  // X25519 secret are both derived from it. `me` outlives the core.
  session_core(session_config cfg, signer& me, direction dir, hash256 seed, uint64_t best_height,
               uint64_t now_ms);

  session_actions on_open();  // sends our preamble; the handshake follows the peer's
  session_actions on_bytes(uint64_t now_ms, byte_view data);
  // Timers: handshake deadline, pings, idle and unresponsive peers.
  // `ping_nonce` is used if a ping goes out.
  session_actions on_tick(uint64_t now_ms, uint64_t ping_nonce);
  // Misbehaviour found above the session (invalid tx, bad block, ...).
  session_actions on_penalty(uint32_t points, const std::string& why);
  // The node closes the session: a reject goes out if the channel is up.
  session_actions on_close(reject_code code, const std::string& why);
  // Frames the node sends (relayed gossip, answers) -> wire records. Only
  // once ready() (or, for fault injection, once the channel is up).
  bytes seal(byte_view frames) { return channel_.seal(frames); }
  void seal(byte_view frames, bytes& out) { channel_.seal(frames, out); }
  bool can_seal() const { return channel_.established() && state_ != state::closed; }
  // Accounts for a frame the shell wrote on the node's behalf.
  // kind_index: the message's index in peer::message, when known.
  void on_sent(size_t frame_bytes, std::optional<size_t> kind_index = std::nullopt) {
    stats_.bytes_out += frame_bytes;
    ++stats_.msgs_out;
    if (cfg_.metrics && kind_index) {
      auto c = static_cast<size_t>(class_of_kind(*kind_index));
      cfg_.metrics->msgs_out_total.at(c).inc();
      cfg_.metrics->bytes_out_total.at(c).inc(frame_bytes);
    }
  }
  // Ready: frames may be sent. Closed: nothing more is processed.
  bool ready() const { return state_ == state::ready; }
  bool closed() const { return state_ == state::closed; }
  direction dir() const { return dir_; }
  const std::optional<hello>& peer() const { return peer_; }
  const session_stats& stats() const { return stats_; }

 private:
  enum class state : uint8_t { connecting, handshaking, ready, closed };
  void handle(uint64_t now_ms, message&& m, std::shared_ptr<const bytes> payload,
              session_actions& out);
  void send_handshake(session_actions& out);
  hash256 sign_bytes(bool signer_is_me) const;
  void on_handshake(const handshake& h, session_actions& out);
  void on_ack(const handshake_ack& a, session_actions& out);
  void maybe_ready(session_actions& out);
  void emit(const message& m, session_actions& out);
  // Sends a reject, adds `points` and closes.
  void fail(reject_code code, const std::string& why, uint32_t points, session_actions& out);
  void misbehave(uint32_t points, const std::string& why, session_actions& out);

  session_config cfg_;
  signer& me_;
  direction dir_;
  hash256 nonce_;
  secure_channel channel_;
  uint64_t best_height_;
  state state_ = state::connecting;
  frame_reader reader_;
  std::optional<hello> peer_;
  hash256 peer_nonce_;
  bool acked_by_peer_ = false;  // they proved their key over our nonce
  bool sent_ack_ = false;
  std::optional<uint64_t> ping_nonce_;
  uint64_t ping_sent_ms_ = 0;
  uint64_t last_ping_ms_ = 0;
  bool pinged_ = false;
  std::array<token_bucket, msg_class_count> buckets_;
  recent_keys recent_{8192};
  session_stats stats_;
};

}  // namespace tc::peer
