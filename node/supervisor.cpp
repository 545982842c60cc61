#include "node/supervisor.hpp"

#include <malloc.h>

#include <atomic>

#include <spdlog/spdlog.h>

#include "actors/chain/chain_actor.hpp"
#include "actors/consensus/sign_guard_actor.hpp"
#include "actors/consensus/validator_set.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "actors/peer/peer_manager.hpp"
#include "actors/peer/sync_actor.hpp"
#include "actors/producer/producer_actor.hpp"
#include "messages/limits.hpp"
#include "node/build_info.hpp"  // TC_GIT_COMMIT (generated)
#include "node/health.hpp"
#include "node/monitor.hpp"
#include "node/rpc.hpp"
#include "node/tracer.hpp"
#if TC_FAULT_INJECTION
#include "actors/fault/faulty_actors.hpp"
#endif

namespace tc {

using watch_atom = caf::atom_constant<caf::atom("watch")>;

namespace {
using settrace_atom = caf::atom_constant<caf::atom("settrace")>;

// The peer manager's settings, from the config and the chain.
manager_setup peer_setup_of(const node_config& cfg, const chain_params& params,
                            const hash256& genesis, const supervisor_setup& s,
                            const chain_actor& chain, const chain_reader_ctl_actor& reader,
                            const mempool_actor& mempool, const tip_info& start_tip) {
  manager_setup ms;
  ms.book.max_inbound = cfg.max_inbound;
  ms.book.max_outbound = cfg.max_outbound;
  ms.book.max_per_ip = cfg.max_per_ip;
  ms.book.max_new_per_minute = cfg.max_new_per_minute;
  ms.addnode = cfg.addnode;
  ms.listen_addr = cfg.listen_host + ":" + std::to_string(cfg.p2p_port);
  ms.io.listen_host = cfg.listen_host;
  ms.io.port = cfg.p2p_port;
  auto& sc = ms.io.session.cfg;
  sc.chain_id = params.chain_id;
  sc.genesis_hash = genesis;
  sc.protocol_version = limits::protocol_version;
  sc.min_protocol_version = limits::min_protocol_version;
  sc.listen_addr = ms.listen_addr;
  sc.user_agent = std::string("timed/") + TC_VERSION + "-" + TC_GIT_COMMIT;
  sc.ping_interval_ms = uint64_t{cfg.ping_interval_s} * 1000;
  sc.pong_timeout_ms = 2 * sc.ping_interval_ms;
  sc.idle_timeout_ms = std::max<uint64_t>(90'000, 6 * sc.ping_interval_ms);
  ms.io.session.signer = s.node_key;
  ms.io.session.now_ms = s.now_ms;
  ms.io.session.random32 = s.random32;
  ms.chain = chain;
  if (reader) ms.reader = caf::actor_cast<chain_reader_actor>(reader);
  ms.mempool = mempool;
  ms.tip_height = start_tip.height;
  ms.tip_hash = start_tip.hash;
  ms.now_ms = s.now_ms;
  ms.spawn_io = s.spawn_peer_io;
  ms.metrics = s.metrics;
  return ms;
}

// What the RPC server may ask, and of whom.
rpc_context rpc_context_of(caf::event_based_actor* self, const supervisor_setup& s,
                           const node_config& cfg, const chain_params& params,
                           const hash256& genesis, const chain_actor& chain,
                           const chain_reader_ctl_actor& reader, const mempool_actor& mempool,
                           const consensus_actor& consensus, const peer_manager_actor& peers,
                           const sync_actor& sync) {
  rpc_context ctx;
  ctx.sys = &self->system();
  ctx.chain = chain;
  ctx.reader = reader;
  ctx.mempool = mempool;
  ctx.consensus = consensus;
  ctx.peers = peers;
  ctx.sync = sync;
  ctx.metrics = s.metrics;
  ctx.cfg = cfg;
  ctx.params = params;
  ctx.genesis_hash = genesis;
  ctx.now_ms = s.now_ms;
  ctx.started_ms = s.now_ms();
  ctx.request_stop = s.request_stop;
  ctx.on_listening = s.on_ready;
  caf::actor_addr sup_addr = self->address();  // weak: no cycle through the RPC server
  ctx.set_trace = [sup_addr](bool on) {
    if (auto sup = caf::actor_cast<caf::actor>(sup_addr))
      caf::anon_send(sup, settrace_atom::value, on);
  };
  return ctx;
}

// What /metrics and /health ask, and of whom.
monitor_context monitor_context_of(caf::event_based_actor* self, const supervisor_setup& s,
                                   const chain_actor& chain, const chain_reader_ctl_actor& reader,
                                   const mempool_actor& mempool, const consensus_actor& consensus,
                                   const peer_manager_actor& peers, const sync_actor& sync) {
  monitor_context m;
  m.sys = &self->system();
  m.chain = chain;
  m.reader = reader ? caf::actor_cast<chain_reader_actor>(reader) : chain_reader_actor(chain);
  m.mempool = mempool;
  m.consensus = consensus;
  m.peers = peers;
  m.sync = sync;
  m.metrics = s.metrics;
  if (s.consensus.key) m.own_key = s.consensus.key->public_key();
  m.cfg = s.cfg;
  m.now_ms = s.now_ms;
  return m;
}

// Once a second: the quorum lines of node/health.hpp (quorum_watch), from
// the validator set of the height being decided and the connected peers.
void watch_quorum(caf::event_based_actor* self, std::shared_ptr<quorum_watch> w,
                  const chain_actor& chain, const consensus_actor& consensus,
                  const peer_manager_actor& peers, std::optional<pubkey> me,
                  size_t min_validators) {
  self->request(consensus, std::chrono::seconds(5), status_atom::value)
      .then([=](const consensus_status& c) {
        self->request(chain, std::chrono::seconds(5), vset_atom::value, c.height)
            .then([=](const std::vector<masternode>& active) {
              auto judge = [=](const std::vector<peer_status>& ps) {
                auto set = consensus::validator_set::from_masternodes(active);
                quorum_sample q;
                q.total = set.size();
                q.total_power = set.total_power();
                q.min_validators = min_validators;
                for (const auto& v : set.members()) {
                  bool here = me && v.key == *me;
                  for (const auto& p : ps) here |= p.hello.key == v.key;
                  if (!here) continue;
                  ++q.active;
                  q.active_power += v.power;
                }
                for (const auto& line : w->on_sample(q)) {
                  if (line.rfind("Consensus activated", 0) == 0)
                    spdlog::info("✓ {}", line);
                  else
                    spdlog::warn("⚠ {}", line);
                }
              };
              if (!peers) return judge({});
              self->request(peers, std::chrono::seconds(5), peers_atom::value).then(judge);
            });
      });
}

// No peer: the line says what the node knows of why (each added peer's
// last dial error) and what to check.
void warn_no_peers(caf::event_based_actor* self, const peer_manager_actor& peers) {
  self->request(peers, std::chrono::seconds(10), added_atom::value)
      .then([](const std::vector<added_node>& added) {
        std::string why;
        for (const auto& n : added)
          if (!n.last_error.empty()) why += "; " + n.addr + ": " + n.last_error;
        spdlog::warn(
            "⚠ No peers connected{}: check network.addnode ({} configured), that the peers run and "
            "that their port is open (--debug=p2p shows each dial)",
            why, added.size());
      });
}

// What the status line keeps between lines: how many in a row had no peer,
// and the UTXO count the chain reader last found (written on its thread).
struct status_memory {
  uint64_t lonely_lines = 0;
  std::atomic<uint64_t> utxos{0};
};

// The UTXO count for the next status line: one COUNT on the chain reader (a
// connection of its own), never on the writer.
void refresh_utxo_count(caf::event_based_actor* self, const chain_reader_actor& reader,
                        std::shared_ptr<status_memory> mem) {
  chain_read count = [mem](chain_store& cs) {
    if (auto n = cs.utxo_count()) mem->utxos = *n;
  };
  self->request(reader, std::chrono::seconds(10), read_atom::value, count).then([](bool) {});
}

// The periodic status line. Its requests time out when an actor is busy
// for long (a big commit): the line is then skipped (the error handler).
void log_status(caf::event_based_actor* self, const tracer_actor& tracer, const chain_actor& chain,
                const mempool_actor& mempool, const consensus_actor& consensus,
                const peer_manager_actor& peers, std::function<void(const std::string&)> on_status,
                std::shared_ptr<status_memory> mem) {
  trace(tracer, "supervisor", "chain", "tip");
  trace(tracer, "supervisor", "mempool", "info");
  trace(tracer, "supervisor", "consensus", "status");
  self->request(chain, std::chrono::seconds(10), tip_atom::value).then([=](const chain_tip& t) {
    self->request(mempool, std::chrono::seconds(10), info_atom::value)
        .then([=](const mempool_info& m) {
          self->request(consensus, std::chrono::seconds(10), status_atom::value)
              .then([=](const consensus_status& c) {
                auto log = [=](size_t n_peers) {
                  spdlog::info(
                      "status: height {}, peers {}, mempool {} txs, active masternodes "
                      "{}{}, memory {} MB, {} UTXOs",
                      t.height, n_peers, m.size, c.validators,
                      c.is_validator ? " (validating)" : "", read_process_stats("").rss_bytes >> 20,
                      mem->utxos.load());
                  on_status("height " + std::to_string(t.height) + ", peers " +
                            std::to_string(n_peers) + ", mempool " + std::to_string(m.size) +
                            " txs" + (c.is_validator ? ", validating" : ""));
                  // Said when the last peer goes, then every 60th status line.
                  mem->lonely_lines = n_peers == 0 ? mem->lonely_lines + 1 : 0;
                  if (peers && mem->lonely_lines % 60 == 1) warn_no_peers(self, peers);
                };
                if (!peers) return log(0);
                self->request(peers, std::chrono::seconds(10), peers_atom::value)
                    .then([=](const std::vector<peer_status>& p) { log(p.size()); });
              });
        });
  });
}

#if TC_FAULT_INJECTION
// This node's faulty behaviours (actors/fault), and the context each runs in.
struct fault_plan {
  std::vector<fault::spec> faults;
  fault::context base;
  std::function<bool(const std::string&)> active;  // per-fault schedule, if any

  template <class Pred>
  const fault::spec* find(Pred pred) const {
    for (const auto& f : faults)
      if (pred(f.k)) return &f;
    return nullptr;
  }
  // The context of one fault: switched on and off by its own schedule.
  fault::context ctx_for(const fault::spec& f) const {
    fault::context c = base;
    if (active) c.active = [a = active, name = f.name] { return a(name); };
    return c;
  }

  producer_actor wrap_producer(caf::event_based_actor* self, producer_actor p) const {
    if (auto f = find([](fault::kind k) {
          return k == fault::kind::producer_invalid_block || k == fault::kind::producer_oversized;
        }))
      return fault::wrap_producer(self, p, *f, ctx_for(*f));
    return p;
  }

  // Consensus faults stack: each wraps the previous one (double-propose
  // inside equivocate makes the strongest equivocator).
  result<consensus_actor> wrap_consensus(caf::event_based_actor* self, consensus_actor c) const {
    for (const auto& f : faults) {
      if (!fault::is_consensus(f.k)) continue;
      if (!base.key)
        return make_error("fault " + f.name + " needs a validator (masternode.enabled)");
      c = fault::wrap_consensus(self, c, f, ctx_for(f));
    }
    return c;
  }

  peer::session_fault_factory session_faults() const {
    if (auto f = find([](fault::kind k) {
          return k == fault::kind::peer_garbage || k == fault::kind::peer_replay ||
                 k == fault::kind::peer_padded_duplicates || k == fault::kind::peer_withhold_txs;
        }))
      return fault::session_faults(*f, ctx_for(*f));
    return {};
  }

  // The flooder and the poisoner, when this node has those faults.
  std::pair<caf::actor, caf::actor> start_mempool_faults(caf::event_based_actor* self,
                                                         const peer_manager_actor& peers,
                                                         const chain_actor& chain) const {
    caf::actor flooder, poisoner;
    if (auto f = find([](fault::kind k) { return k == fault::kind::mempool_flood; }))
      flooder = fault::start_flooder(self, peers, *f, ctx_for(*f));
    if (auto f = find([](fault::kind k) { return k == fault::kind::mempool_poison_pairs; }))
      poisoner = fault::start_poisoner(self, peers, chain, *f, ctx_for(*f));
    return {flooder, poisoner};
  }
};

result<fault_plan> fault_plan_of(const supervisor_setup& s, const chain_params& params) {
  fault_plan p;
  for (const auto& f : s.faults) {
    auto spec = fault::parse(f);
    if (!spec) return spec.take_error();
    p.faults.push_back(*spec);
  }
  p.base.domain = params.domain;
  if (s.consensus.key)
    p.base.key =
        std::make_shared<key_signer>(*s.consensus.key, s.consensus.deterministic_signatures);
  p.base.seed = s.fault_seed;
  p.base.max_block_bytes = limits::max_block_bytes;
  p.base.wallet = s.fault_wallet;
  p.base.min_tx_fee = params.min_tx_fee;
  p.active = s.fault_active;
  return p;
}
#endif

// The chain actor, the database's only writer, and its reader. Admission
// reads through a second connection, so the chain actor writing a block
// never holds it up; without one (an in-memory database) the chain actor
// answers those questions itself.
sign_guard_actor spawn_sign_guard(caf::event_based_actor* self, const supervisor_setup& s,
                                  chain_actor chain) {
  if (s.sign_guard_path.empty()) return self->spawn<caf::linked>(sign_guard_in_db_impl, chain);
  // Each store waits for fsync: off the shared workers in a running node.
  return s.own_threads
             ? self->spawn<caf::detached + caf::linked>(sign_guard_file_impl, s.sign_guard_path)
             : self->spawn<caf::linked>(sign_guard_file_impl, s.sign_guard_path);
}

std::pair<chain_actor, chain_reader_ctl_actor> spawn_store_actors(caf::event_based_actor* self,
                                                                  supervisor_setup& s) {
  chain_reader_ctl_actor reader;
  if (auto r = s.store->open_reader()) {
    std::shared_ptr<chain_store> ro = std::move(r).value();
    reader = s.own_threads ? self->spawn<caf::detached + caf::linked>(chain_reader_impl, ro)
                           : self->spawn<caf::linked>(chain_reader_impl, ro);
  } else if (s.store->path() != ":memory:") {
    spdlog::warn("admission reads go through the chain actor: {}", r.error_message());
  }
  // The WAL's copy into the database file, off the chain actor's thread.
  wal_copier_actor copier;
  if (reader) {
    if (auto c = wal_copier::open(s.store->path())) {
      std::shared_ptr<wal_copier> wc = std::move(c).value();
      copier = s.own_threads ? self->spawn<caf::detached + caf::linked>(wal_copier_impl, wc)
                             : self->spawn<caf::linked>(wal_copier_impl, wc);
    } else {
      spdlog::warn("the chain actor copies the WAL itself: {}", c.error_message());
    }
  }
  chain_actor chain =
      s.own_threads ? self->spawn<caf::detached + caf::linked>(chain_actor_impl, s.store, s.now_ms,
                                                               reader, copier)
                    : self->spawn<caf::linked>(chain_actor_impl, s.store, s.now_ms, reader, copier);
  s.store.reset();  // the chain actor is now its only owner
  return {chain, reader};
}

// A child's exit stops the node (with its reason); a status request that
// times out is skipped, not fatal (CAF's default would stop the supervisor).
void install_handlers(caf::event_based_actor* self) {
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    if (msg.source != self->address() && msg.reason == caf::exit_reason::user_shutdown)
      spdlog::info("🛑 Shutting down: stopping consensus, mempool, RPC and the chain store");
    else if (msg.reason != caf::exit_reason::user_shutdown && msg.reason)
      spdlog::error("an actor failed ({}); stopping the node", to_string(msg.reason));
    self->quit(msg.reason);
  });
  self->set_error_handler(
      [](caf::error& e) { spdlog::debug("status line skipped: {}", caf::to_string(e)); });
}

// The actors that record what they send (peers and sync: null with P2P off).
struct traced_actors {
  chain_actor chain;
  mempool_actor mempool;
  producer_actor producer;
  consensus_actor consensus;
  peer_manager_actor peers;
  sync_actor sync;
};

// Switches tracing on or off: a tracer actor exists only while it is on,
// and every traced actor is handed its handle (or a null one).
std::function<void(bool)> trace_switch(caf::event_based_actor* self, const node_config& cfg,
                                       std::function<uint64_t()> now_us,
                                       std::shared_ptr<tracer_actor> tracer, traced_actors a) {
  return [=](bool on) {
    if (on && !*tracer) {
      *tracer = self->spawn<caf::linked>(tracer_impl, cfg.path_in_datadir(cfg.trace_file),
                                         cfg.trace_max_events, now_us, cfg.trace_to_log);
    } else if (!on && *tracer) {
      self->unlink_from(*tracer);
      self->send_exit(*tracer, caf::exit_reason::user_shutdown);
      *tracer = tracer_actor{};
    }
    self->send(a.chain, trace_atom::value, *tracer);
    self->send(a.mempool, trace_atom::value, *tracer);
    self->send(a.producer, trace_atom::value, *tracer);
    self->send(a.consensus, trace_atom::value, *tracer);
    if (a.peers) self->send(a.peers, trace_atom::value, *tracer);  // inbound peer traffic
    if (a.sync) self->send(a.sync, trace_atom::value, *tracer);
  };
}

}  // namespace

// The actors the front ends ask.
struct node_actors {
  chain_actor chain;
  chain_reader_ctl_actor reader;
  mempool_actor mempool;
  consensus_actor consensus;
  peer_manager_actor peers;
  sync_actor sync;
};

// What the node shows outside: JSON-RPC and the metrics/health listener.
struct front_ends {
  rpc_actor rpc;
  caf::actor metrics;
};

struct quorum_lines {
  std::shared_ptr<quorum_watch> watch;
  std::optional<pubkey> me;
  size_t min_validators = 1;
};

quorum_lines quorum_lines_of(const supervisor_setup& s, const chain_params& params) {
  quorum_lines q{std::make_shared<quorum_watch>(), std::nullopt, params.min_validators};
  if (s.consensus.key) q.me = s.consensus.key->public_key();
  return q;
}

// The chain reader when there is one (a file database), else the chain actor.
chain_reader_actor reader_of(const chain_actor& chain, const chain_reader_ctl_actor& reader) {
  return reader ? caf::actor_cast<chain_reader_actor>(reader) : chain_reader_actor(chain);
}

// Spawns them, linked; why not, or "".
std::string spawn_front_ends(caf::event_based_actor* self, const supervisor_setup& s,
                             const chain_params& params, const hash256& genesis, front_ends& out,
                             const node_actors& a) {
  const node_config& cfg = s.cfg;
  auto mon = std::make_shared<monitor>(
      monitor_context_of(self, s, a.chain, a.reader, a.mempool, a.consensus, a.peers, a.sync));
  if (cfg.rpc_enabled) {
    auto server = rpc_server::start(rpc_context_of(self, s, cfg, params, genesis, a.chain, a.reader,
                                                   a.mempool, a.consensus, a.peers, a.sync));
    if (!server) return server.error_message();
    out.rpc = self->spawn<caf::linked>(rpc_actor_impl,
                                       std::shared_ptr<rpc_server>(std::move(server).value()), mon);
  } else {
    s.on_ready();
  }
  if (cfg.metrics_enabled) {
    out.metrics = spawn_monitor_http(self->system(), mon, cfg, s.now_ms);
    self->link_to(out.metrics);
  }
  return {};
}

// The sync actor. It checks signatures ahead on the mempool's verifiers,
// unless the node trusts certificates: then there are none to check.
sync_actor spawn_sync(caf::event_based_actor* self, const supervisor_setup& s, sync_wiring w,
                      uint64_t start_height) {
  if (s.consensus.trust_synced_certificates) {
    w.reader = chain_reader_actor{};
    w.mempool = mempool_actor{};
    spdlog::warn(
        "sync_trust_certificates is on: blocks caught up from peers are connected without "
        "checking their transactions' signatures when a quorum's commit certificate verifies");
  }
  return self->spawn<caf::linked>(sync_impl, std::move(w), start_height, s.now_ms);
}

// A node that cannot be put together stops at once, saying why.
caf::behavior refuse_to_start(caf::event_based_actor* self, const std::string& why) {
  spdlog::critical("{}", why);
  self->quit(caf::make_error(caf::sec::runtime_error, why));
  return {};
}

// What the running supervisor holds: the behavior's handles, and the actors
// it keeps referenced (an unreferenced actor exits as unreachable).
struct running {
  uint32_t status_interval_s;
  node_handles h;
  sync_actor sync;
  chain_reader_actor status_reader;
  caf::actor flooder, poisoner;  // fault injection only
  front_ends fronts;
  std::shared_ptr<tracer_actor> tracer;
  std::function<void(bool)> set_trace;
  quorum_lines quorum;
  std::function<void(const std::string&)> on_status;
  tracer_actor trace_placeholder;  // supervisor_setup::trace_placeholder
};

// Tracing as configured (on, or off with the simulator's placeholder).
void start_tracing(caf::event_based_actor* self, const supervisor_setup& s, running& r,
                   traced_actors a) {
  r.set_trace = trace_switch(self, s.cfg, s.now_us, r.tracer, a);
  if (s.cfg.trace_enabled) {
    r.set_trace(true);
  } else if (s.trace_placeholder) {
    r.trace_placeholder = self->spawn<caf::linked>(tracer_impl, std::string(), 0, s.now_us, false);
    r.set_trace(false);
  }
}

// The started node: status lines, the quorum watch, the trace switch.
caf::behavior supervise(caf::event_based_actor* self, running r) {
  install_handlers(self);
  self->delayed_send(self, std::chrono::seconds(r.status_interval_s), tick_atom::value);
  auto status_mem = std::make_shared<status_memory>();
  refresh_utxo_count(self, r.status_reader, status_mem);
  self->delayed_send(self, std::chrono::seconds(2), watch_atom::value);
  return {
      [=](watch_atom) {
        watch_quorum(self, r.quorum.watch, r.h.chain, r.h.consensus, r.h.peers, r.quorum.me,
                     r.quorum.min_validators);
        self->delayed_send(self, std::chrono::seconds(1), watch_atom::value);
      },
      [=](caf::get_atom) { return r.h; },
      [=](settrace_atom, bool on) {
        spdlog::info("tracing {}", on ? "on" : "off");
        r.set_trace(on);
      },
      [=](tick_atom) {
        // Blocks of several MB come and go on every core's malloc arena;
        // glibc keeps what they freed unless asked, and RSS would creep up
        // under sustained load without anything being live.
        ::malloc_trim(0);
        log_status(self, *r.tracer, r.h.chain, r.h.mempool, r.h.consensus, r.h.peers, r.on_status,
                   status_mem);
        refresh_utxo_count(self, r.status_reader, status_mem);
        self->delayed_send(self, std::chrono::seconds(r.status_interval_s), tick_atom::value);
      },
  };
}

caf::behavior node_supervisor(caf::event_based_actor* self, supervisor_setup s) {
  const node_config cfg = s.cfg;
  chain_params params = s.store->params();
  hash256 genesis = s.store->genesis_hash();
  tip_info start_tip = s.store->tip();
  chain_actor chain;
  chain_reader_ctl_actor reader;
  std::tie(chain, reader) = spawn_store_actors(self, s);
#if TC_FAULT_INJECTION
  auto plan = fault_plan_of(s, params);
  if (!plan) return refuse_to_start(self, plan.error_message());
#else
  if (!s.faults.empty())
    return refuse_to_start(
        self, "this build has no fault injection (configure with -DTC_FAULT_INJECTION=ON)");
#endif
  auto mempool = self->spawn<caf::linked>(
      mempool_actor_impl, mempool_limits{cfg.mempool_max_txs, cfg.mempool_max_bytes}, chain, reader,
      params.domain, cfg.verifiers, s.own_threads);
  producer_actor producer =
      self->spawn<caf::linked>(producer_impl, chain, mempool, s.now_ms,
                               uint64_t{limits::max_block_txs}, uint64_t{limits::max_block_bytes});
  caf::actor flooder, poisoner;  // fault injection only
#if TC_FAULT_INJECTION
  producer = plan->wrap_producer(self, producer);
#endif
  consensus_actor consensus =
      self->spawn<caf::linked>(consensus_impl, s.consensus, chain, mempool, producer,
                               spawn_sign_guard(self, s, chain), s.now_ms);
#if TC_FAULT_INJECTION
  auto wrapped = plan->wrap_consensus(self, consensus);
  if (!wrapped) return refuse_to_start(self, wrapped.error_message());
  consensus = *wrapped;
#endif
  if (s.now_us) s.metrics->now_us = s.now_us;
  self->send(chain, metrics_atom::value, s.metrics);
  self->send(mempool, metrics_atom::value, s.metrics);
  self->send(consensus, metrics_atom::value, s.metrics);
  peer_manager_actor peers;
  sync_actor sync;
  if (cfg.p2p_enabled) {
    manager_setup ms = peer_setup_of(cfg, params, genesis, s, chain, reader, mempool, start_tip);
#if TC_FAULT_INJECTION
    ms.io.session.fault = plan->session_faults();
#endif
    peers = self->spawn<caf::linked>(peer_manager_impl, ms);
#if TC_FAULT_INJECTION
    std::tie(flooder, poisoner) = plan->start_mempool_faults(self, peers, chain);
#endif
    sync = spawn_sync(self, s, sync_wiring{peers, consensus, reader_of(chain, reader), mempool},
                      start_tip.height);
    self->send(consensus, wire_atom::value, gossip_out_actor{peers}, tip_listener_actor{sync});
    self->send(peers, wire_atom::value, consensus, sync);
  }
  front_ends fronts;  // held by the behavior below: an unreferenced actor exits as unreachable
  if (auto err = spawn_front_ends(self, s, params, genesis, fronts,
                                  node_actors{chain, reader, mempool, consensus, peers, sync});
      !err.empty())
    return refuse_to_start(self, err);
  running r{cfg.status_interval_s,
            node_handles{chain, mempool, producer, consensus, peers},
            sync,
            reader_of(chain, reader),
            flooder,
            poisoner,
            std::move(fronts),
            std::make_shared<tracer_actor>(),
            {},
            quorum_lines_of(s, params),
            s.on_status,
            {}};
  start_tracing(self, s, r, traced_actors{chain, mempool, producer, consensus, peers, sync});
  self->send(consensus, start_atom::value);
  return supervise(self, std::move(r));
}

int exit_status_for(const caf::error& reason) {
  if (!reason || reason == caf::exit_reason::user_shutdown) return exit_status::ok;
  if (auto h = halt_of(reason)) {
    switch (*h) {
      case halt_reason::consensus_fatal:
        return exit_status::consensus_fatal;
      case halt_reason::fork_detected:
        return exit_status::fork_detected;
    }
  }
  return exit_status::failure;
}

}  // namespace tc
