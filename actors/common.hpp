#pragma once
// What every actor shell shares: CAF, the payload handles that travel
// between actors, the atoms more than one interface uses, message tracing,
// and why a node stops by itself. Each actor's own typed interface sits
// beside it (actors/<name>/<name>_interface.hpp). Large payloads travel as
// shared_ptr<const T>: immutable, so sharing them between actors needs no
// lock. Only shells include this (it pulls in CAF); cores never do.

#include <caf/all.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "actors/metrics/metrics.hpp"
#include "crypto/hash.hpp"
#include "messages/encoding.hpp"
#include "messages/peer.hpp"
#include "messages/types.hpp"

namespace tc {

using tx_ptr = std::shared_ptr<const transaction>;
using tx_batch = std::vector<tx_ptr>;
using wtxid_set = std::unordered_set<hash256, fixed_bytes_hasher>;
using verified_ptr = std::shared_ptr<const wtxid_set>;
using digests_ptr = std::shared_ptr<const std::vector<tx_digest>>;  // digest_txs of one block
using msg_ptr = std::shared_ptr<const peer::message>;
using frame_ptr = std::shared_ptr<const bytes>;  // a framed message, shared by every session
using block_cert_ptr = std::shared_ptr<const block_with_cert>;

// Atoms of more than one interface.
using status_atom = caf::atom_constant<caf::atom("status")>;
using committed_atom = caf::atom_constant<caf::atom("committed")>;
using blocks_atom = caf::atom_constant<caf::atom("blocks")>;
using localtip_atom = caf::atom_constant<caf::atom("localtip")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using wire_atom = caf::atom_constant<caf::atom("wire")>;

// ---- tracing (message-flow recording for developers) ----
struct trace_event {
  std::string from;  // sending actor
  std::string to;    // receiving actor
  std::string kind;  // message kind
  uint64_t height = 0;
  uint32_t round = 0;
  std::string summary;
};
using trace_atom = caf::atom_constant<caf::atom("trace")>;
using tracer_actor = caf::typed_actor<caf::reacts_to<trace_event>>;
// The node's metrics registry, handed to each actor after it is spawned
// (actors/metrics/metrics.hpp); until then an actor counts into its own.
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;

// Records one message if tracing is on (a null tracer handle is off: one
// branch, no message, when tracing is disabled).
inline void trace(const tracer_actor& t, const char* from, const char* to, const char* kind,
                  uint64_t height = 0, uint32_t round = 0, std::string summary = {}) {
  if (t) caf::anon_send(t, trace_event{from, to, kind, height, round, std::move(summary)});
}

// The id of a proposal or vote in traces: the same on the node that sends it
// and on every node that receives it (relayed or not), so timed-trace
// --merge can draw the arrow between nodes. 16 hex digits of a hash over
// what makes the message one message (a proposal: height, round, block,
// proposer; a vote: type, height, round, target, validator).
inline std::string trace_id(const proposal& p) {
  byte_writer w;
  w.u64(p.height);
  w.u32(p.round);
  w.fixed(byte_view(block_hash(p.blk->header).v));
  w.fixed(byte_view(p.proposer.v));
  return tagged_hash("TimeCoin/trace-id", w.data()).hex().substr(0, 16);
}
inline std::string trace_id(const vote& v) {
  byte_writer w;
  w.u8(static_cast<uint8_t>(v.type));
  w.u64(v.height);
  w.u32(v.round);
  w.fixed(byte_view(v.block_hash.v));
  w.fixed(byte_view(v.validator.v));
  return tagged_hash("TimeCoin/trace-id", w.data()).hex().substr(0, 16);
}

// ---- errors between actors ----
// A request that cannot be answered replies with a caf::error of category
// "tc", one of these codes and a text for people. What a request decides
// (a block's or a transaction's verdict, a peer's sync verdict) is an
// answer of its own type, not an error: only failures to answer are errors.
enum class errc : uint8_t {
  unavailable = 1,   // the database cannot be read now (no snapshot)
  busy = 2,          // a bounded queue is full (the paused reader's hold queue)
  store_failed = 3,  // a write did not reach the database
  query_failed = 4,  // a query on the database threw
};
inline const char* errc_name(errc c) {
  switch (c) {
    case errc::unavailable:
      return "unavailable";
    case errc::busy:
      return "busy";
    case errc::store_failed:
      return "store_failed";
    case errc::query_failed:
      return "query_failed";
  }
  return "unknown";
}
inline caf::error make_error(errc c, std::string text) {
  return caf::error(static_cast<uint8_t>(c), caf::atom("tc"), caf::make_message(std::move(text)));
}
// The code of one of ours; nullopt for CAF's own (request_timeout,
// request_receiver_down, ...).
inline std::optional<errc> errc_of(const caf::error& e) {
  if (!e || e.category() != caf::atom("tc")) return std::nullopt;
  if (e.code() < 1 || e.code() > 4) return std::nullopt;
  return static_cast<errc>(e.code());
}
// "store_failed: disk I/O error" for ours, CAF's rendering for the rest.
inline std::string error_text(const caf::error& e) {
  auto c = errc_of(e);
  if (!c) return to_string(e);
  std::string out = errc_name(*c);
  if (e.context().match_elements<std::string>()) out += ": " + e.context().get_as<std::string>(0);
  return out;
}

// ---- how long an actor waits for another ----
// Every request between actors has a bound. No answer within it means the
// other actor is wedged (a deadlock, a disk that hangs): a request without
// an error handler of its own then stops the asking actor with
// request_timeout, and the links stop the node with that reason, rather
// than leave a node that hangs without a word.
namespace wait_bound {
// The block pipeline: validate, connect, persist, assemble. A full block
// (8 MiB, 20k txs) on a slow disk takes seconds; minutes mean a hang.
constexpr std::chrono::seconds pipeline{120};
// Questions and hand-overs: tips, status, reads, admission batches, votes.
constexpr std::chrono::seconds query{60};
}  // namespace wait_bound

// ---- why a node stops by itself ----
// The exit reason of an actor that found the node cannot go on safely. It
// travels the links to the supervisor, which stops with it, and timed turns
// it into its exit code (exit_status_for, node/supervisor.hpp), so that a service manager
// does not restart a node that must not run unattended.
enum class halt_reason : uint8_t {
  consensus_fatal = 1,  // a decided block this node's chain refuses
  fork_detected = 2,    // two valid commit certificates for one height
};
inline caf::error make_halt(halt_reason r) {
  return caf::error(static_cast<uint8_t>(r), caf::atom("halt"));
}
inline std::optional<halt_reason> halt_of(const caf::error& e) {
  if (!e || e.category() != caf::atom("halt")) return std::nullopt;
  if (e.code() < 1 || e.code() > 2) return std::nullopt;
  return static_cast<halt_reason>(e.code());
}

}  // namespace tc

// These types only ever travel between actors of one process (peers get the
// Cap'n Proto encoding), so they need no CAF serialization.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::block_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::verified_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::digests_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::commit_certificate)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::pubkey)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::hash256)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::hash256>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::proposal)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::vote)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::evidence)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::trace_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::msg_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::block_cert_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::block_with_cert>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::tx_output>)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::metrics::metrics_ptr)
