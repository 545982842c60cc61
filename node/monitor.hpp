#pragma once
// The monitoring endpoints: GET /metrics (Prometheus text) and GET /health
// (health.hpp), served unauthenticated on their own listener ([metrics];
// loopback by default), and /health on the RPC port as well. A scrape reads
// the metrics registry (actors/metrics) and asks the node's actors for what
// only they know (tip, round, pool, peers, sync), each ask bounded; it runs
// on the HTTP front end's worker threads, never on an actor.

#include <caf/all.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/chain/chain_interface.hpp"
#include "actors/consensus/consensus_interface.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/peer/peer_interface.hpp"
#include "node/config.hpp"
#include "node/health.hpp"
#include "node/http_conn.hpp"

namespace tc {

struct monitor_context {
  caf::actor_system* sys = nullptr;
  chain_actor chain;          // the validator set
  chain_reader_actor reader;  // the chain reader, or the chain actor
  mempool_actor mempool;
  consensus_actor consensus;
  peer_manager_actor peers;  // null when P2P is off
  sync_actor sync;           // null when P2P is off
  metrics::metrics_ptr metrics;
  std::optional<pubkey> own_key;  // the masternode key, if validating
  node_config cfg;
  std::function<uint64_t()> now_ms;
};

// What the process itself costs, read from /proc and the file system.
struct process_stats {
  uint64_t rss_bytes = 0;
  uint64_t open_fds = 0;
  uint64_t wal_bytes = 0;
  uint64_t db_bytes = 0;
};
process_stats read_process_stats(const std::string& db_path);

class monitor {
 public:
  explicit monitor(monitor_context ctx) : ctx_(std::move(ctx)) {}
  // GET /metrics and GET /health; 404 for anything else, 405 for non-GET.
  http::response serve(const http::request& r);
  health_verdict health();
  std::string metrics_text();

 private:
  monitor_context ctx_;
};

// The [metrics] listener: GET /metrics and /health, no authentication, no
// POST. It quits with an error if the port cannot be bound.
caf::actor spawn_monitor_http(caf::actor_system& sys, std::shared_ptr<monitor> mon,
                              const node_config& cfg, std::function<uint64_t()> now_ms);

}  // namespace tc
