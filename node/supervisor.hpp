#pragma once
// The node supervisor: spawns every actor linked to itself, so an exit
// (signal, RPC stop, or a child's failure) spreads over the links and the
// whole node stops in order; logs the periodic status line.

#include "actors/consensus/consensus_actor.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/peer/peer_session.hpp"
#include "actors/producer/producer_interface.hpp"
#include "node/config.hpp"
#include "storage/chain_store.hpp"

namespace tc {

// What the supervisor answers to (get_atom): the handles of its actors, for
// an embedding that drives the node directly (the whole-node simulator).
struct node_handles {
  chain_actor chain;
  mempool_actor mempool;
  producer_actor producer;
  consensus_actor consensus;
  peer_manager_actor peers;  // null when the network is off
};

struct supervisor_setup {
  node_config cfg;
  std::shared_ptr<chain_store> store;  // handed to the chain actor
  consensus_setup consensus;
  // The double-sign guard file (beside the masternode key). Empty: the
  // signed record is kept in chain.db instead (tests without a data dir).
  std::string sign_guard_path;
  std::function<uint64_t()> now_ms;
  std::function<uint64_t()> now_us;  // trace timestamps and metrics' durations
  // Every actor counts into this one (actors/metrics); /metrics renders it.
  metrics::metrics_ptr metrics = std::make_shared<metrics::node_metrics>();
  std::function<void()> request_stop;
  // The node is up (the chain open, JSON-RPC listening) and its periodic
  // status line: systemd's READY and STATUS (node/service_notify.hpp).
  std::function<void()> on_ready = [] {};
  std::function<void(const std::string&)> on_status = [](const std::string&) {};
  std::shared_ptr<signer> node_key;   // peer handshakes (the masternode key if any)
  std::function<hash256()> random32;  // handshake and ping nonces
  // The chain actor (SQLite blocks) and the signature verifiers (long CPU
  // jobs that would hold up consensus on a shared worker) get threads of
  // their own; the deterministic simulator runs everything on its one thread.
  bool own_threads = true;
  // The simulator: with tracing off, spawn a tracer that records nothing
  // where the real one would be, and hand the traced actors a null handle.
  // A run with --trace then spawns the same actors (so the same actor ids,
  // which name peer sessions) and sends the same messages as one without,
  // and follows the same path: a failing seed replays with its trace.
  bool trace_placeholder = false;
  // Unset: real sockets. See manager_setup::spawn_io.
  std::function<caf::actor(caf::local_actor*, const io_setup&)> spawn_peer_io;
  // Faulty behaviours for this node (fault injection builds only; names as
  // in actors/fault/fault.hpp). Empty: an honest node.
  std::vector<std::string> faults;
  uint64_t fault_seed = 0;
  // Funds a faulty node may spend (mempool:poison-pairs).
  std::optional<secret_key> fault_wallet;
  // Whether a fault (by its name as given) is on now; unset: always.
  std::function<bool(const std::string&)> fault_active;
};

caf::behavior node_supervisor(caf::event_based_actor* self, supervisor_setup setup);

// timed's exit status. A node that halted for a reason a restart cannot
// mend (halt_reason) has a code of its own: the systemd unit lists them in
// RestartPreventExitStatus= so the node is not restarted into the same state.
namespace exit_status {
constexpr int ok = 0;
constexpr int failure = 1;  // an actor that failed, an unclassified error
constexpr int consensus_fatal = 5;
constexpr int fork_detected = 6;
// Start-up errors (sysexits.h numbers): a restart cannot mend the first
// three, so the unit lists them in RestartPreventExitStatus=.
constexpr int usage = 64;         // a bad flag
constexpr int data_error = 65;    // a damaged database or guard file
constexpr int config_error = 78;  // the config, the genesis, a key file, the data dir
constexpr int lock_held = 75;     // another timed runs on this data dir (may end: retry)
}  // namespace exit_status
// The status for a supervisor that stopped with `reason`.
int exit_status_for(const caf::error& reason);

}  // namespace tc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::node_handles)
