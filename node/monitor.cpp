#include "node/monitor.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "actors/consensus/validator_set.hpp"
#include "messages/ledger/chain_rules.hpp"
#include "node/rpc_http.hpp"

namespace tc {

namespace {

// A bounded blocking ask; nullopt when the actor does not answer in time
// (a scrape then leaves those series out rather than failing whole).
template <class R, class Handle, class... Ts>
std::optional<R> ask(caf::actor_system& sys, const Handle& h, Ts&&... xs) {
  if (!h) return std::nullopt;
  caf::scoped_actor self{sys};
  std::optional<R> out;
  self->request(h, std::chrono::seconds(5), std::forward<Ts>(xs)...)
      .receive([&](R r) { out = std::move(r); }, [](caf::error&) {});
  return out;
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

process_stats read_process_stats(const std::string& db_path) {
  process_stats p;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long long size = 0, resident = 0;
    if (std::fscanf(f, "%llu %llu", &size, &resident) == 2)
      p.rss_bytes = resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.') ++p.open_fds;
    ::closedir(d);
    if (p.open_fds > 0) --p.open_fds;  // the directory's own descriptor
  }
  p.db_bytes = file_size(db_path);
  p.wal_bytes = file_size(db_path + "-wal");
  return p;
}

health_verdict monitor::health() {
  auto& sys = *ctx_.sys;
  health_inputs in;
  in.now_ms = ctx_.now_ms();
  in.p2p_enabled = static_cast<bool>(ctx_.peers);
  // A node with an empty mempool makes a block at least this often.
  uint64_t beat_ms = std::max(ctx_.cfg.block_interval_ms, ctx_.cfg.empty_block_interval_ms);
  in.stale_after_ms = std::max<uint64_t>(60'000, 20 * beat_ms);
  auto tip = ask<chain_tip>(sys, ctx_.reader, tip_atom::value);
  auto cs = ask<consensus_status>(sys, ctx_.consensus, status_atom::value);
  if (!tip || !cs) return {false, "unavailable", "the node's actors did not answer in time"};
  in.tip_height = tip->height;
  in.tip_time_ms = tip->timestamp_ms;
  in.halted = cs->halted;
  in.is_validator = cs->is_validator;
  std::vector<peer_status> peers;
  if (ctx_.peers) {
    peers = ask<std::vector<peer_status>>(sys, ctx_.peers, peers_atom::value).value_or(peers);
    if (auto s = ask<sync_status>(sys, ctx_.sync, status_atom::value)) {
      in.syncing = s->syncing;
      in.sync_target = s->target;
    }
  }
  in.peers = peers.size();
  if (in.is_validator) {
    auto active = ask<std::vector<masternode>>(sys, ctx_.chain, vset_atom::value, cs->height);
    if (active) {
      auto set = consensus::validator_set::from_masternodes(*active);
      in.total_power = set.total_power();
      for (const auto& v : set.members()) {
        bool here = ctx_.own_key && v.key == *ctx_.own_key;
        for (const auto& p : peers) here |= p.hello.key == v.key;
        if (here) in.reachable_power += v.power;
      }
    }
  }
  return judge_health(in);
}

std::string monitor::metrics_text() {
  auto& sys = *ctx_.sys;
  metrics::text_writer w;
  ctx_.metrics->render(w);
  if (auto cs = ask<consensus_status>(sys, ctx_.consensus, status_atom::value)) {
    w.gauge("timed_consensus_height", "Height consensus is deciding",
            static_cast<double>(cs->height));
    w.gauge("timed_consensus_validators", "Validators in the current set",
            static_cast<double>(cs->validators));
    w.gauge("timed_consensus_is_validator", "1 if this node is in the current set",
            cs->is_validator ? 1 : 0);
    w.gauge("timed_consensus_halted", "1 after a proven fork", cs->halted ? 1 : 0);
  }
  if (auto mp = ask<mempool_info>(sys, ctx_.mempool, info_atom::value)) {
    w.gauge("timed_mempool_txs", "Transactions in the mempool", static_cast<double>(mp->size));
    w.gauge("timed_mempool_bytes", "Bytes of transactions in the mempool",
            static_cast<double>(mp->bytes));
  }
  if (ctx_.peers) {
    if (auto ps = ask<std::vector<peer_status>>(sys, ctx_.peers, peers_atom::value)) {
      double in = 0, out = 0, score = 0;
      for (const auto& p : *ps) {
        (p.direction == "inbound" ? in : out) += 1;
        score += p.stats.score;
      }
      w.gauges("timed_p2p_peers", "Connected peers, by direction", "direction",
               {{"inbound", in}, {"outbound", out}});
      w.gauge("timed_p2p_peer_misbehaviour_points", "Misbehaviour points of connected peers",
              score);
    }
    if (auto bans = ask<std::vector<stored_ban>>(sys, ctx_.peers, bans_atom::value))
      w.gauge("timed_p2p_banned", "Subjects banned now", static_cast<double>(bans->size()));
    if (auto s = ask<sync_status>(sys, ctx_.sync, status_atom::value)) {
      w.gauge("timed_sync_syncing", "1 while catching up with peers", s->syncing ? 1 : 0);
      w.gauge("timed_sync_target_height", "Best height peers announced",
              static_cast<double>(s->target));
    }
  }
  auto p = read_process_stats(ctx_.cfg.path_in_datadir(ctx_.cfg.db_file));
  w.gauge("timed_storage_wal_bytes", "Size of chain.db's write-ahead log",
          static_cast<double>(p.wal_bytes));
  w.gauge("timed_storage_db_bytes", "Size of chain.db", static_cast<double>(p.db_bytes));
  w.gauge("process_resident_memory_bytes", "Resident memory", static_cast<double>(p.rss_bytes));
  w.gauge("process_open_fds", "Open file descriptors", static_cast<double>(p.open_fds));
  w.gauge("timed_up", "1 while the node answers", 1);
  return w.str();
}

http::response monitor::serve(const http::request& r) {
  if (r.target != "/metrics" && r.target != "/health")
    return {404, "{\"error\":\"not found: try /metrics or /health\"}"};
  if (r.method != "GET") return {405, "{\"error\":\"GET only\"}"};
  if (r.target == "/health") {
    auto v = health();
    return {v.ok ? 200 : 503, health_json(v)};
  }
  http::response out{200, metrics_text()};
  out.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return out;
}

caf::actor spawn_monitor_http(caf::actor_system& sys, std::shared_ptr<monitor> mon,
                              const node_config& cfg, std::function<uint64_t()> now_ms) {
  rpc_http_setup h;
  h.name = "metrics (GET /metrics, /health)";
  h.section = "metrics";
  h.bind = cfg.metrics_bind;
  h.port = cfg.metrics_port_or_default();
  h.limits.post_rpc = false;
  h.limits.get_targets = {"/metrics", "/health"};
  h.limits.max_body_bytes = 0;
  h.max_connections = 16;
  h.max_queued = 16;
  h.workers = 1;  // a scrape is a handful of asks: one at a time is plenty
  h.authorize = [](const http::request&) { return true; };
  h.serve = [mon](const http::request& r) { return mon->serve(r); };
  h.now_ms = std::move(now_ms);
  return spawn_rpc_http(sys, std::move(h));
}

}  // namespace tc
