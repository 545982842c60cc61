#include "tests/sim/node_sim.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <caf/scheduler/test_coordinator.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "actors/fault/fault.hpp"
#include "actors/peer/peer_book.hpp"
#include "messages/encoding.hpp"
#include "node/signing_state.hpp"
#include "node/supervisor.hpp"
#include "storage/peer_store.hpp"
#include "tests/sim/checkers.hpp"
#include "tests/sim/sim_net.hpp"
#include "tests/support/chain_builder.hpp"

namespace tc::sim {

namespace {

using run_atom = caf::atom_constant<caf::atom("run")>;
constexpr uint64_t sim_mempool_max_txs = 20'000;
// A fork must be proven within this much virtual time (tips are announced
// after each commit and every 2 s when idle; a probe takes a round trip).
constexpr uint64_t fork_detection_grace_ms = 6'000;
// AddressSanitizer keeps freed memory in quarantine (up to 256 MB) and adds
// shadow memory: the memory bound is for the nodes, not for the sanitizer.
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t rss_bound_factor = 4;
#else
constexpr uint64_t rss_bound_factor = 1;
#endif
using probe_fn = std::function<void(caf::event_based_actor*)>;

}  // namespace
}  // namespace tc::sim

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::sim::probe_fn)

namespace tc::sim {

namespace {

// Runs a function inside an actor, so the driver can make requests.
caf::behavior probe_impl(caf::event_based_actor* self, int) {
  self->set_error_handler([](caf::error&) {});  // a node died mid-request: ignore
  return {[self](run_atom, const probe_fn& f) { f(self); }};
}

// The running world's clock, for log stamps (the simulation is one thread).
std::function<uint64_t()> g_clock;
// Which node each actor belongs to (those a node's actors spawn are its
// too), and the node whose actor runs now: what log lines are labelled with.
std::unordered_map<caf::actor_id, int> g_actor_node;
int g_current_node = -1;

struct sim_node {
  uint32_t idx = 0;
  std::string dir;
  std::optional<secret_key> key;
  std::vector<fault_entry> faults;  // scheduled for this node
  caf::actor sup;
  node_handles h;
  bool up = false;
  bool safety = true;  // consensus and producer honest: held to agreement
  bool live = true;    // expected to make progress after healing
  bool load = true;    // receives client transactions
  uint64_t restarts = 0;
  uint64_t height_at_heal = 0;
  bool heal_seen = false;
  uint64_t tip_height = 0;
  std::optional<std::pair<uint64_t, hash256>> finalized_before_crash;
  std::shared_ptr<std::mt19937_64> rng;
};

struct acked_tx {
  hash256 id;
  uint64_t at_ms;
  uint32_t node;
};

class world {
 public:
  world(const scenario& s, const run_options& o)
      : sc_(s), opt_(o), model_(s, o.seed * 7919 + 1), cb_(8, s.nodes, 8), rng_(o.seed) {
    for (uint32_t i = 0; i < s.nodes; ++i) cb_.genesis.masternodes[i].tier = s.tiers[i];
    for (uint32_t i = 0; i < s.nodes; ++i) cb_.genesis.masternodes[i].net_address = node_addr(i);
    // Funds only faulty nodes spend (mempool:poison-pairs), apart from what
    // the load generator spends: a client's tx is never undercut by a fault.
    for (int i = 0; i < 32; ++i)
      cb_.genesis.allocations.push_back({1'000 * coin, fault_wallet_.public_key()});
    cfg_.set("scheduler.policy", caf::atom("testing"));
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
    t0_ = sched_->clock().current_time;
    base_ms_ = cb_.genesis.params.genesis_time_ms + 1000;
    g_clock = [this] { return now(); };
    g_actor_node.clear();  // actor ids start over with each actor system
  }

  ~world() {
    g_clock = nullptr;
    // Every actor must be gone before the system goes (its destructor waits
    // for them); they only go when the coordinator runs their exits.
    for (auto& n : nodes_)
      if (n.sup) caf::anon_send_exit(n.sup, caf::exit_reason::kill);
    caf::anon_send_exit(net_, caf::exit_reason::kill);
    caf::anon_send_exit(probe_, caf::exit_reason::kill);
    nodes_.clear();
    net_ = probe_ = caf::actor{};
    run_jobs();
    for (int i = 0; i < 10'000 && sys_->registry().running() > 0; ++i) {
      if (!sched_->has_pending_timeout()) break;
      sched_->trigger_timeouts();
      run_jobs();
    }
    if (sys_->registry().running() > 0)
      spdlog::error("timed-sim: {} actors still running at the end", sys_->registry().running());
  }

  run_report run();
  // The coordinator's jobs, one at a time, noting whose actor runs.
  void run_jobs();

 private:
  uint64_t now() const {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(sched_->clock().current_time - t0_)
            .count());
  }
  void at(uint64_t t, std::function<void()> f) { events_.emplace(t, std::move(f)); }
  void probe(probe_fn f) { caf::anon_send(probe_, run_atom::value, std::move(f)); }
  void drive_until(uint64_t t_ms);
  void start_node(sim_node& n);
  void crash_node(sim_node& n);
  void load_tick();
  void sample_tick();
  bool fault_on(const sim_node& n, const std::string& name) const;
  void check(run_report& r);
  void check_scale(run_report& r, const std::vector<stored_chain>& chains);
  void check_accountability(run_report& r,
                            const std::map<uint32_t, std::unique_ptr<chain_store>>& stores,
                            const std::vector<stored_chain>& chains, bool disagree);

  const scenario& sc_;
  run_options opt_;
  net_model model_;
  net_stats nstats_;
  test::chain_builder cb_;
  std::mt19937_64 rng_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  caf::actor_clock::time_point t0_;
  uint64_t base_ms_ = 0;
  std::multimap<uint64_t, std::function<void()>> events_;
  caf::actor net_, probe_;
  std::vector<sim_node> nodes_;
  std::set<outpoint> used_;  // spent by a tx the load generator sent (a run sends < 10^5)
  std::vector<acked_tx> acked_;
  secret_key fault_wallet_ = test::key_from_seed(9'999);
  uint64_t sent_ = 0, faults_injected_ = 0, crashes_ = 0, max_mempool_ = 0;
  double load_carry_ = 0;
  uint64_t start_rss_mb_ = 0, peak_rss_mb_ = 0;
};

bool world::fault_on(const sim_node& n, const std::string& name) const {
  uint64_t t = now();
  for (const auto& f : n.faults)
    if (f.name == name && t >= f.start_ms && t < f.stop_ms) return true;
  return false;
}

void world::run_jobs() {
  while (sched_->has_job()) {
    int node = -1;
    if (auto* a = dynamic_cast<caf::scheduled_actor*>(sched_->jobs.front()))
      if (auto it = g_actor_node.find(a->id()); it != g_actor_node.end()) node = it->second;
    caf::actor_id before = sys_->latest_actor_id();
    g_current_node = node;
    sched_->run_once();
    for (caf::actor_id id = before + 1; id <= sys_->latest_actor_id(); ++id)
      g_actor_node[id] = node;
  }
  g_current_node = -1;
}

void world::drive_until(uint64_t t_ms) {
  auto& clock = sched_->clock();
  for (;;) {
    run_jobs();
    uint64_t next_event = events_.empty() ? UINT64_MAX : events_.begin()->first;
    uint64_t next_timer = UINT64_MAX;
    if (sched_->has_pending_timeout()) {
      auto due = clock.schedule().begin()->first;
      next_timer =
          due <= clock.current_time
              ? now()
              : static_cast<uint64_t>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(due - t0_).count());
    }
    uint64_t next = std::min(next_event, next_timer);
    if (next > t_ms) {
      clock.current_time = t0_ + std::chrono::milliseconds(t_ms);
      return;
    }
    if (next_event <= next_timer) {
      if (next_event > now()) clock.current_time = t0_ + std::chrono::milliseconds(next_event);
      auto f = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      f();
    } else {
      auto due = clock.schedule().begin()->first;
      sched_->advance_time(due > clock.current_time ? due - clock.current_time : caf::timespan{0});
    }
  }
}

void world::start_node(sim_node& n) {
  std::string db = n.dir + "/chain.db";
  auto store = chain_store::open(db, cb_.genesis);
  TC_ASSERT(store.ok());
  node_config cfg = default_config(network::localnet, n.dir);
  cfg.datadir = n.dir;
  cfg.rpc_enabled = false;
  cfg.metrics_enabled = false;
  cfg.p2p_enabled = true;
  cfg.listen_host = node_ip(n.idx);
  cfg.p2p_port = 24100;
  cfg.addnode.clear();
  for (uint32_t j = 0; j < sc_.nodes; ++j)
    if (j != n.idx) cfg.addnode.push_back(node_addr(j));
  cfg.block_interval_ms = sc_.block_interval_ms;
  cfg.mempool_max_txs = sim_mempool_max_txs;
  cfg.mempool_max_bytes = 16u << 20;
  cfg.verifiers = 1;
  cfg.status_interval_s = 3600;
  if (!opt_.trace_file.empty()) {
    cfg.trace_enabled = true;
    cfg.trace_file = opt_.trace_file + ".node" + std::to_string(n.idx) + ".json";
  }
  consensus_setup cs;
  cs.domain = cb_.domain();
  cs.cfg.block_interval_ms = sc_.block_interval_ms;
  cs.cfg.propose_timeout_ms = 1000;
  cs.cfg.prevote_timeout_ms = cs.cfg.precommit_timeout_ms = cs.cfg.vote_resend_ms = 500;
  cs.cfg.propose_timeout_delta_ms = cs.cfg.prevote_timeout_delta_ms =
      cs.cfg.precommit_timeout_delta_ms = 250;
  cs.cfg.min_validators = cb_.genesis.params.min_validators;
  cs.key = *n.key;
  cs.deterministic_signatures = true;
  cs.fork_linger_ms = 0;
  // The guard file beside the (simulated) key, as timed keeps it.
  std::string guard = n.dir + "/mn.key.sign_guard";
  auto rec = load_signing_state(**store, signing_state_options{guard, n.key->public_key()});
  TC_ASSERT(rec.ok());
  cs.persisted = *rec;
  supervisor_setup s;
  s.sign_guard_path = guard;
  s.cfg = cfg;
  s.store = std::shared_ptr<chain_store>(std::move(store).value());
  s.consensus = cs;
  s.now_ms = [this] { return base_ms_ + now(); };
  s.now_us = [this] { return (base_ms_ + now()) * 1000; };
  s.request_stop = [] {};
  s.node_key = std::make_shared<key_signer>(*n.key, true);
  auto rng = n.rng;
  s.random32 = [rng] {
    hash256 h;
    for (auto& b : h.v) b = static_cast<uint8_t>((*rng)());
    return h;
  };
  s.own_threads = false;
  s.trace_placeholder = true;  // --trace must not change the run
  s.spawn_peer_io = sim_io_factory(net_, n.idx);
  for (const auto& f : n.faults)
    if (fault::parse(f.name)->k != fault::kind::chain_crash_restart) s.faults.push_back(f.name);
  s.fault_seed = opt_.seed * 131 + n.idx * 17 + n.restarts;
  s.fault_wallet = fault_wallet_;
  uint32_t idx = n.idx;
  s.fault_active = [this, idx](const std::string& name) { return fault_on(nodes_[idx], name); };
  caf::actor_id before = sys_->latest_actor_id();
  n.sup = sys_->spawn(node_supervisor, s);
  for (caf::actor_id id = before + 1; id <= sys_->latest_actor_id(); ++id)
    g_actor_node[id] = static_cast<int>(n.idx);
  n.up = true;
  sim_node* np = &n;
  probe([np](caf::event_based_actor* self) {
    self->request(np->sup, wait_bound::query, caf::get_atom::value)
        .then([np](const node_handles& h) { np->h = h; });
  });
}

void world::crash_node(sim_node& n) {
  if (!n.up) return;
  sim_node* np = &n;
  // What the node has finalized: it must still be there after the restart.
  probe([np, this](caf::event_based_actor* self) {
    self->request(np->h.chain, wait_bound::query, tip_atom::value)
        .then([np, this](const chain_tip& t) {
          np->finalized_before_crash = std::make_pair(t.height, t.hash);
          caf::anon_send_exit(np->sup, caf::exit_reason::kill);
          np->up = false;
          np->h = node_handles{};
          ++crashes_;
        });
  });
}

void world::load_tick() {
  at(now() + 100, [this] { load_tick(); });
  load_carry_ += sc_.tx_per_s / 10.0;
  size_t want = static_cast<size_t>(load_carry_);
  load_carry_ -= static_cast<double>(want);
  if (want == 0) return;
  std::vector<sim_node*> targets;
  for (auto& n : nodes_)
    if (n.up && n.load && n.h.chain) targets.push_back(&n);
  if (targets.empty()) return;
  sim_node* n = targets[rng_() % targets.size()];
  auto owners = std::make_shared<std::vector<pubkey>>();
  for (const auto& k : cb_.owners) owners->push_back(k.public_key());
  auto spendable = std::make_shared<std::vector<std::pair<outpoint, utxo_entry>>>();
  probe([=](caf::event_based_actor* self) {
    self->request(n->h.chain, wait_bound::query, read_atom::value,
                  chain_read([owners, spendable](chain_store& cs) {
                    auto locked = locked_collateral(cs.masternodes(), cs.tip().height + 1,
                                                    cs.params().validator_set_delay);
                    for (const auto& o : *owners)
                      for (auto& u : cs.utxos_of(o, 64))
                        if (!locked.count(u.first)) spendable->push_back(u);
                  }))
        .then([=](bool) {
          if (!n->up) return;
          // Never spend an outpoint twice, even one this node's (possibly
          // lagging) view shows unspent: a client double spend is not the
          // network's fault.
          amount fee = cb_.genesis.params.min_tx_fee;
          tx_batch batch;
          for (auto& [prev, e] : *spendable) {
            if (batch.size() >= want) break;
            if (used_.count(prev) || e.out.value < 4 * fee) continue;
            used_.insert(prev);
            amount rest = e.out.value - fee;
            amount part = 1 + static_cast<amount>(rng_() % static_cast<uint64_t>(rest - 1));
            const pubkey& to = cb_.owners[rng_() % cb_.owners.size()].public_key();
            batch.push_back(std::make_shared<const transaction>(
                test::make_transfer(cb_.domain(), prev, e.out, *cb_.key_of(e.out.owner),
                                    {{part, to}, {rest - part, e.out.owner}})));
          }
          sent_ += batch.size();
          self->request(n->h.mempool, wait_bound::query, submit_atom::value, batch)
              .then([=](const std::vector<tx_admission>& res) {
                tx_batch accepted;
                for (size_t i = 0; i < res.size() && i < batch.size(); ++i)
                  if (res[i].error.empty()) {
                    acked_.push_back({res[i].txid, now(), n->idx});
                    accepted.push_back(batch[i]);
                  }
                if (n->h.peers && !accepted.empty())
                  self->send(n->h.peers, relay_atom::value, accepted);
              });
        });
  });
}

// Resident set of this process now, in MB (all nodes share it).
uint64_t rss_mb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) >> 20;
}

void world::sample_tick() {
  at(now() + 500, [this] { sample_tick(); });
  peak_rss_mb_ = std::max(peak_rss_mb_, rss_mb());
  for (auto& n : nodes_) {
    if (!n.up || !n.h.mempool) continue;
    sim_node* np = &n;
    probe([np, this](caf::event_based_actor* self) {
      self->request(np->h.mempool, wait_bound::query, info_atom::value)
          .then([this](const mempool_info& m) { max_mempool_ = std::max(max_mempool_, m.size); });
      self->request(np->h.chain, wait_bound::query, tip_atom::value).then([np](const chain_tip& t) {
        np->tip_height = t.height;
      });
    });
  }
}

run_report world::run() {
  auto wall0 = std::chrono::steady_clock::now();
  start_rss_mb_ = rss_mb();
  run_report r;
  r.scenario_name = sc_.name;
  r.seed = opt_.seed;
  std::string root = opt_.workdir;
  if (root.empty()) root = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  root += "/timed-sim-" + std::to_string(::getpid()) + "-" + std::to_string(opt_.seed);
  std::filesystem::remove_all(root);
  net_ = sys_->spawn(sim_net_impl, &model_, &nstats_,
                     std::function<uint64_t()>([this] { return now(); }));
  probe_ = sys_->spawn(probe_impl, 0);
  nodes_.resize(sc_.nodes);
  for (uint32_t i = 0; i < sc_.nodes; ++i) {
    sim_node& n = nodes_[i];
    n.idx = i;
    n.dir = root + "/node" + std::to_string(i);
    std::filesystem::create_directories(n.dir);
    n.key = cb_.operators[i];
    n.rng = std::make_shared<std::mt19937_64>(opt_.seed * 1'000'003 + i);
    for (const auto& f : sc_.faults) {
      if (f.node != i) continue;
      n.faults.push_back(f);
      ++faults_injected_;
      auto k = fault::parse(f.name)->k;
      // It only keeps its clients' txs to itself: it still takes load, and
      // they must become final through its proposals.
      if (k == fault::kind::peer_withhold_txs) continue;
      n.load = false;
      if (k != fault::kind::chain_crash_restart || f.stop_ms == UINT64_MAX) n.live = false;
      if (k <= fault::kind::producer_oversized && fault::is_byzantine(k)) n.safety = false;
      if (k == fault::kind::chain_crash_restart) {
        at(f.start_ms, [this, i] { crash_node(nodes_[i]); });
        if (f.stop_ms != UINT64_MAX)
          at(f.stop_ms, [this, i] {
            ++nodes_[i].restarts;
            start_node(nodes_[i]);
          });
      }
    }
  }
  for (auto& n : nodes_) start_node(n);
  if (sc_.tx_per_s > 0) at(1000, [this] { load_tick(); });
  at(500, [this] { sample_tick(); });
  uint64_t heal = heal_time_ms(sc_) + sc_.heal_grace_ms;
  at(heal, [this] {
    for (auto& n : nodes_) {
      n.height_at_heal = n.tip_height;
      n.heal_seen = true;
    }
  });
  drive_until(sc_.duration_ms);
  // Final heights, then every node stops as on SIGTERM.
  sample_tick();
  drive_until(sc_.duration_ms + 1);
  for (auto& n : nodes_)
    if (n.up) caf::anon_send_exit(n.sup, caf::exit_reason::user_shutdown);
  events_.clear();
  run_jobs();
  for (auto& n : nodes_) n.h = node_handles{}, n.sup = caf::actor{};
  run_jobs();
  r.frames = nstats_.frames;
  r.frames_lost = nstats_.lost;
  r.frames_duplicated = nstats_.duplicated;
  r.bytes = nstats_.bytes;
  r.connections = nstats_.connections;
  r.txs_sent = sent_;
  r.txs_acknowledged = acked_.size();
  r.faults_injected = faults_injected_;
  r.crashes = crashes_;
  r.max_mempool = max_mempool_;
  if (max_mempool_ > sim_mempool_max_txs)
    r.violations.push_back({"memory", "a mempool held " + std::to_string(max_mempool_) +
                                          " txs, over its bound of " +
                                          std::to_string(sim_mempool_max_txs)});
  check(r);
  // Growth of the process while the nodes ran (earlier runs' freed memory
  // may stay mapped, so the start is the baseline).
  r.peak_rss_mb = peak_rss_mb_ > start_rss_mb_ ? peak_rss_mb_ - start_rss_mb_ : 0;
  if (r.peak_rss_mb > sc_.max_rss_mb * rss_bound_factor)
    r.violations.push_back(
        {"memory", "the nodes grew the process by " + std::to_string(r.peak_rss_mb) + " MB, over " +
                       std::to_string(sc_.max_rss_mb * rss_bound_factor) + " MB"});
  if (!opt_.keep) std::filesystem::remove_all(root);
  r.wall_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - wall0)
                                        .count());
  return r;
}

// Fork accountability: what a node stored as proof of a fork must hold (two
// certificates for one height, different blocks, each valid for that
// height's set: a false proof would halt an honest node), and when honest
// nodes finalized different blocks, one of them must have proven it, unless
// the fork came too close to the end of the run for the tips to cross.
void world::check_accountability(run_report& r,
                                 const std::map<uint32_t, std::unique_ptr<chain_store>>& stores,
                                 const std::vector<stored_chain>& chains, bool disagree) {
  for (const auto& [idx, cs] : stores) {
    auto raw = cs->get_state("fork_evidence");
    if (!raw) continue;
    auto ev = consensus::decode_fork_evidence(*raw);
    std::string why = ev ? "" : ev.error_message();
    if (ev) {
      auto set = consensus::validator_set::from_masternodes(cs->validators_at(ev->a.height));
      cached_verifier v(1000);
      for (const auto* c : {&ev->a, &ev->b})
        if (auto s = consensus::verify_certificate(cb_.domain(), *c, set, v); !s)
          why = s.error_message();
    }
    if (why.empty())
      ++r.forks_detected;
    else
      r.violations.push_back({"accountability", "node " + std::to_string(idx) +
                                                    " stored a false proof of a fork: " + why});
  }
  if (!disagree || r.forks_detected) return;
  // When the first conflicting blocks were made, by their timestamps.
  uint64_t fork_ms = UINT64_MAX;
  for (const auto& c : chains)
    for (const auto& d : chains)
      for (size_t h = 0; h < std::min(c.hashes.size(), d.hashes.size()); ++h)
        if (c.hashes[h] != d.hashes[h]) {
          if (auto b = stores.at(c.node)->get_block(h + 1))
            fork_ms = std::min(fork_ms, b->header.timestamp_ms);
          break;
        }
  if (fork_ms + fork_detection_grace_ms <= base_ms_ + sc_.duration_ms)
    r.violations.push_back(
        {"accountability", "honest nodes finalized different blocks and none proved the fork"});
}

// Block times and heights at scale: every honest node must reach
// `min_heights`, and the median gap between blocks stay under the bound.
void world::check_scale(run_report& r, const std::vector<stored_chain>& chains) {
  if (chains.empty()) return;
  const stored_chain* longest = &chains[0];
  r.min_honest_height = UINT64_MAX;
  for (const auto& c : chains) {
    r.min_honest_height = std::min<uint64_t>(r.min_honest_height, c.hashes.size());
    if (c.hashes.size() > longest->hashes.size()) longest = &c;
  }
  std::vector<uint64_t> gaps;
  for (size_t i = 1; i < longest->timestamps_ms.size(); ++i)
    gaps.push_back(longest->timestamps_ms[i] - longest->timestamps_ms[i - 1]);
  if (!gaps.empty()) {
    std::sort(gaps.begin(), gaps.end());
    r.block_p50_ms = gaps[gaps.size() / 2];
    r.block_max_ms = gaps.back();
  }
  if (sc_.min_heights && r.min_honest_height < sc_.min_heights)
    r.violations.push_back({"liveness", "an honest node reached only height " +
                                            std::to_string(r.min_honest_height) + " of " +
                                            std::to_string(sc_.min_heights)});
  if (sc_.max_p50_block_ms && (gaps.empty() || r.block_p50_ms > sc_.max_p50_block_ms))
    r.violations.push_back({"liveness", "median block time " + std::to_string(r.block_p50_ms) +
                                            " ms, over " + std::to_string(sc_.max_p50_block_ms) +
                                            " ms"});
}

void world::check(run_report& r) {
  std::vector<stored_chain> chains;
  std::map<uint32_t, std::unique_ptr<chain_store>> stores;
  for (auto& n : nodes_) {
    open_options oo;
    oo.create_if_missing = false;
    auto cs = chain_store::open(n.dir + "/chain.db", cb_.genesis, oo);
    if (!cs) {
      r.violations.push_back(
          {"durability",
           "node " + std::to_string(n.idx) + ": database does not reopen: " + cs.error_message()});
      continue;
    }
    auto c = read_chain(n.idx, **cs);
    if (!c) {
      r.violations.push_back({"durability", c.error_message()});
      continue;
    }
    node_report nr;
    nr.node = n.idx;
    for (const auto& f : n.faults) nr.faults += (nr.faults.empty() ? "" : ",") + f.name;
    nr.height = c->hashes.size();
    nr.safety_checked = n.safety;
    r.nodes.push_back(nr);
    // durability: what it had finalized before a crash is still there.
    if (n.finalized_before_crash) {
      auto [h, hash] = *n.finalized_before_crash;
      if (h > c->hashes.size() || (h > 0 && c->hashes[h - 1] != hash))
        r.violations.push_back({"durability", "node " + std::to_string(n.idx) + " lost block " +
                                                  std::to_string(h) +
                                                  " it had finalized before crashing"});
    }
    // liveness: progress after every fault and partition healed.
    if (n.live && n.heal_seen && c->hashes.size() < n.height_at_heal + sc_.min_blocks_after_heal)
      r.violations.push_back({"liveness", "node " + std::to_string(n.idx) + " went from height " +
                                              std::to_string(n.height_at_heal) +
                                              " (healed) to only " +
                                              std::to_string(c->hashes.size()) + " by the end"});
    if (n.safety) chains.push_back(std::move(*c));
    stores[n.idx] = std::move(cs).value();
  }
  check_scale(r, chains);
  auto disagreements = check_agreement(chains);
  for (auto& v : disagreements) r.violations.push_back(v);
  check_accountability(r, stores, chains, !disagreements.empty());
  if (chains.empty()) return;
  // validity and identical UTXO sets, by replay, at the lowest common height.
  uint64_t common = UINT64_MAX;
  const stored_chain* longest = &chains[0];
  for (const auto& c : chains) {
    common = std::min<uint64_t>(common, c.hashes.size());
    if (c.hashes.size() > longest->hashes.size()) longest = &c;
  }
  std::optional<hash256> digest;
  std::set<pubkey> evidence, active_after;
  for (const auto& c : chains) {
    auto rep = replay_chain(*stores[c.node], cb_.genesis, common);
    if (!rep) {
      r.violations.push_back(
          {"validity", "node " + std::to_string(c.node) + ": " + rep.error_message()});
      continue;
    }
    if (digest && *digest != rep->digest_at)
      r.violations.push_back({"utxo", "node " + std::to_string(c.node) +
                                          " has a different UTXO set at height " +
                                          std::to_string(common)});
    digest = rep->digest_at;
    if (&c == longest) evidence = rep->evidence, active_after = rep->active_after;
  }
  r.evidence_committed = evidence.size();
  for (auto& n : nodes_)
    for (const auto& f : n.faults)
      if (fault::parse(f.name)->k == fault::kind::consensus_equivocate) {
        if (!evidence.count(n.key->public_key()))
          r.violations.push_back({"evidence", "no evidence committed against equivocator node " +
                                                  std::to_string(n.idx)});
        else if (active_after.count(n.key->public_key()))
          r.violations.push_back({"evidence", "equivocator node " + std::to_string(n.idx) +
                                                  " is still in the validator set"});
      }
  // A node whose proposals and votes all carry broken signatures is blamed by
  // the honest nodes it sends them to, up to a ban: honest nodes relay only
  // what they accepted, so no honest relay shares the blame.
  for (auto& n : nodes_)
    for (const auto& f : n.faults) {
      if (fault::parse(f.name)->k != fault::kind::consensus_bad_sig || f.start_ms > 0 ||
          f.stop_ms != UINT64_MAX)
        continue;
      std::string subject = peer::key_subject(n.key->public_key());
      size_t banned_by = 0;
      std::string honest_banned;
      for (auto& [idx, st] : stores)
        for (const auto& b : load_bans(*st)) {
          if (!nodes_[idx].faults.empty()) continue;
          if (b.subject == subject) ++banned_by;
          for (auto& m : nodes_)
            if (m.faults.empty() && b.subject == peer::key_subject(m.key->public_key()))
              honest_banned = "node " + std::to_string(idx) + " banned honest node " +
                              std::to_string(m.idx) + ": " + b.reason;
        }
      if (banned_by == 0)
        r.violations.push_back({"blame", "no honest node banned node " + std::to_string(n.idx) +
                                             ", whose consensus messages are all forged"});
      if (!honest_banned.empty()) r.violations.push_back({"blame", honest_banned});
    }
  // every tx a node acknowledged (early enough to be included) is final.
  uint64_t cutoff = sc_.duration_ms > 4'000 ? sc_.duration_ms - 4'000 : 0;
  uint64_t final_count = 0, missing = 0;
  std::string first_missing;
  for (const auto& a : acked_) {
    if (longest->txids.count(a.id)) {
      ++final_count;
    } else if (a.at_ms < cutoff && nodes_[a.node].live) {
      if (!missing++)
        first_missing = a.id.hex().substr(0, 16) + " (acknowledged by node " +
                        std::to_string(a.node) + " at " + std::to_string(a.at_ms) + " ms)";
    }
  }
  r.txs_final = final_count;
  if (missing)
    r.violations.push_back(
        {"acknowledged",
         std::to_string(missing) + " acknowledged txs never became final, first " + first_missing});
}

}  // namespace

std::string run_report::summary() const {
  std::string s = "scenario '" + scenario_name + "' seed " + std::to_string(seed) + ": ";
  s += violations.empty() ? "ok" : std::to_string(violations.size()) + " violation(s)";
  s += "\n  heights:";
  for (const auto& n : nodes)
    s += " n" + std::to_string(n.node) + "=" + std::to_string(n.height) +
         (n.faults.empty() ? "" : "[" + n.faults + "]");
  s += "\n  txs sent " + std::to_string(txs_sent) + ", acknowledged " +
       std::to_string(txs_acknowledged) + ", final " + std::to_string(txs_final) + "; faults " +
       std::to_string(faults_injected) + ", crashes " + std::to_string(crashes) +
       ", evidence against " + std::to_string(evidence_committed) + " validator(s)" +
       (forks_detected ? ", fork proven by " + std::to_string(forks_detected) + " node(s)" : "");
  s += "\n  network: " + std::to_string(frames) + " frames, " + std::to_string(frames_lost) +
       " lost, " + std::to_string(frames_duplicated) + " duplicated, " +
       std::to_string(connections) + " connections; max mempool " + std::to_string(max_mempool) +
       " txs, RSS growth " + std::to_string(peak_rss_mb) + " MB, " + std::to_string(wall_ms) +
       " ms wall";
  s += "\n  scale: " + std::to_string(nodes.size()) + " nodes, lowest honest height " +
       std::to_string(min_honest_height) + ", block time p50 " + std::to_string(block_p50_ms) +
       " ms (max " + std::to_string(block_max_ms) + " ms), " +
       std::to_string(static_cast<uint64_t>(bytes_per_node_height())) +
       " wire bytes per node per height";
  for (const auto& v : violations) s += "\n  VIOLATION " + v.checker + ": " + v.detail;
  return s;
}

double run_report::bytes_per_node_height() const {
  if (nodes.empty() || min_honest_height == 0) return 0;
  return static_cast<double>(bytes) / static_cast<double>(nodes.size()) /
         static_cast<double>(min_honest_height);
}

uint64_t virtual_now_ms() {
  return g_clock ? g_clock() : 0;
}

int current_node() {
  return g_current_node;
}

run_report run_scenario(const scenario& s, const run_options& opt) {
  world w(s, opt);
  return w.run();
}

}  // namespace tc::sim
