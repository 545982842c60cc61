#pragma once
// The peer manager: a thin shell over peer_book. Admits sessions, routes
// what peers send (consensus, mempool, sync, chain), gossips with dedup and
// no echo, serves blocks and addresses, keeps bans and the address book in
// the database, and dials. It spawns (and links) the io broker.

#include <set>

#include "actors/chain/chain_interface.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/peer/fork_watch.hpp"
#include "actors/peer/gossip.hpp"
#include "actors/peer/peer_book.hpp"
#include "actors/peer/peer_session.hpp"
#include "actors/peer/rebuild.hpp"
#include "actors/peer/send_budget.hpp"
#include "actors/peer/sync_core.hpp"
#include "actors/peer/tx_fetch.hpp"
#include "actors/peer/tx_intake.hpp"
#include "actors/peer/tx_reannounce.hpp"

namespace tc {

struct manager_setup {
  peer::book_config book;
  std::vector<std::string> addnode;
  std::string listen_addr;  // what peers should dial (host:port)
  io_setup io;
  chain_actor chain;
  // Blocks for peers are read here (a second SQLite connection), never on
  // the chain actor that writes; null (an in-memory database): the chain.
  chain_reader_actor reader;
  mempool_actor mempool;
  uint64_t tip_height = 0;
  hash256 tip_hash;
  std::function<uint64_t()> now_ms;
  peer::send_budget_config send_budget;
  peer::tx_intake_config tx_intake;
  // Spawns the transport the manager dials through and sessions report
  // from; unset: CAF io brokers on real sockets (peer_io). The whole-node
  // simulator plugs in its simulated network here.
  std::function<caf::actor(caf::local_actor* manager, const io_setup&)> spawn_io;
  // The node's metrics; the sessions count into io.session.cfg.metrics.
  metrics::metrics_ptr metrics = std::make_shared<metrics::node_metrics>();
};

struct manager_state {
  // The actor's name (CAF's stateful_actor::name): the mempool tells a peer
  // batch from an RPC one by it when tracing.
  static inline const char* name = "peers";
  manager_state() = default;  // never an aggregate (CAF state pitfall)
  struct session {
    caf::actor act;
    session_open info;
    std::optional<peer::hello> hello;
    std::optional<pubkey> proved;  // its key verified, but the connection was refused
    peer::session_stats stats;
    uint32_t handled = 0;  // inbound messages not yet credited back
  };
  struct queued_tx {
    uint64_t from;
    tx_ptr tx;
    frame_ptr frame;
    hash256 wtxid;
  };
  std::unique_ptr<peer::peer_book> book;
  peer::send_budget budget;
  peer::tx_intake<queued_tx> txs_in;  // peer txs waiting for the mempool, per peer
  peer::recent_commits committed;     // txs of recent blocks: a late copy is no fault
  peer::fork_watch forks;
  std::map<uint64_t, session> sessions;
  pubkey me;
  caf::actor io;
  chain_actor chain;
  chain_reader_actor reader;
  mempool_actor mempool;
  consensus_actor consensus;
  sync_actor sync;
  tracer_actor tracer;  // null: tracing off
  std::function<uint64_t()> now_ms;
  uint64_t tip_height = 0;
  hash256 tip_hash;
  std::set<uint64_t> serving;       // peers with a get_blocks at the chain (one each)
  size_t tx_in_flight = 0;          // batches at the mempool
  peer::consensus_gate gate{1024};  // proposals and votes being judged by consensus
  peer::rebuild_core rebuilds;      // compact proposals being rebuilt; blocks to serve their txs
  peer::tx_fetch_core fetches;      // announced txs asked of peers (protocol 5)
  peer::recent_frames tx_frames;    // admitted txs' frames, to answer get_txs
  std::set<uint64_t> serving_txs;   // peers with a get_txs at the mempool (one each)
  peer::reannounce_schedule reannounce;  // when waiting pool txs are announced again
  bool reannounce_asked = false;         // a waiting_atom of the schedule's is out
  std::set<uint64_t> pool_to_announce;   // new sessions owed the pool's wtxids
  bool pool_asked = false;               // a waiting_atom for them is out
  uint64_t txs_dropped = 0;
  uint64_t sends_skipped = 0;  // gossip or answers held back by the send budget
  uint64_t ticks = 0;
  uint64_t tip_sent_ms = 0;  // last tip announcement
  metrics::metrics_ptr metrics;
  // The validators of the height after the tip: never banned for what an
  // upgrade can cause (spared_from_ban), nor are addnode peers.
  std::set<pubkey> validators;
  sign_domain domain;  // what proposals are signed under (admit_compact)
  std::map<std::string, std::string> dial_errors;  // address -> the last dial's error
};

peer_manager_actor::behavior_type peer_manager_impl(
    peer_manager_actor::stateful_pointer<manager_state> self, manager_setup setup);

}  // namespace tc
