// timed: the TimeCoin validator node. The only place that reads the wall
// clock and handles signals; everything else gets them injected.

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <thread>

#include <caf/io/middleman.hpp>

#include "crypto/keyfile.hpp"
#include "crypto/random.hpp"
#include "crypto/thread_priority.hpp"
#include "messages/encoding.hpp"
#include "node/allocator.hpp"
#include "node/build_info.hpp"  // TC_GIT_COMMIT (generated)
#include "node/config.hpp"
#include "node/init.hpp"
#include "node/logging.hpp"
#include "node/rpc.hpp"
#include "node/service_notify.hpp"
#include "node/signing_state.hpp"
#include "node/supervisor.hpp"
#include "storage/reindex.hpp"
#if TC_FAULT_INJECTION
#include "actors/fault/fault.hpp"
#endif

using namespace tc;

namespace {

using stop_atom = caf::atom_constant<caf::atom("stop")>;

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

int fail(const std::string& msg, int code = exit_status::failure) {
  std::fprintf(stderr, "timed: %s\n", msg.c_str());
  return code;
}

bool make_dirs(const std::string& path) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) return false;
    }
  }
  return true;
}

// [storage] as the store takes it.
open_options store_options(const node_config& cfg) {
  open_options o;
  o.address_index = cfg.address_index;
  o.utxo_cache_mb = cfg.utxo_cache_mb;
  o.utxo_flush_blocks = cfg.utxo_flush_blocks;
  o.catch_up_flush_blocks = cfg.sync_flush_blocks;
  o.reader_mmap_mb = cfg.reader_mmap_mb;
  o.utxo_recent_entries = recent_utxos::entries_in_mb(cfg.utxo_recent_mb);
  return o;
}

// timed --reindex, before the node starts (see storage/reindex.hpp).
status run_reindex(const std::string& db_path, const genesis_spec& g, const open_options& oo) {
  auto rebuilt = reindex(db_path, g, oo,
                         [](uint64_t h, uint64_t tip) { spdlog::info("reindex: {}/{}", h, tip); });
  if (!rebuilt) return rebuilt.take_error();
  spdlog::info("reindex: rebuilt {} blocks; the previous file is {}.pre-reindex", *rebuilt,
               db_path);
  return ok_status();
}

// timed --show-fork-evidence / --clear-fork-evidence: on the database, with
// the node stopped (the lock is held).
// Opens what is there as the node would (no new file; the address index as
// configured, so an inspection never builds or drops it).
int fork_evidence_command(const std::string& db_path, const genesis_spec& g, open_options oo,
                          bool clear) {
  oo.create_if_missing = false;
  auto store = chain_store::open(db_path, g, oo);
  if (!store) return fail(store.error_message());
  auto raw = (*store)->get_state("fork_evidence");
  if (!raw) {
    std::printf("no fork evidence is stored in %s\n", db_path.c_str());
    return 0;
  }
  auto f = consensus::decode_fork_evidence(*raw);
  if (!f) return fail("stored fork evidence: " + f.error_message());
  std::printf("%s\n", fork_evidence_json(*f).dump(2).c_str());
  if (!clear) return 0;
  if (auto s = (*store)->erase_state("fork_evidence"); !s) return fail(s.error_message());
  std::fprintf(stderr, "timed: fork evidence deleted from %s\n", db_path.c_str());
  return 0;
}

// What the config and the genesis say about consensus (no key yet).
consensus_setup consensus_setup_of(const node_config& cfg, const genesis_spec& g) {
  consensus_setup cs;
  cs.domain = genesis_domain(g);
  cs.cfg.block_interval_ms = cfg.block_interval_ms;
  cs.cfg.empty_block_interval_ms = cfg.empty_block_interval_ms;
  cs.cfg.propose_timeout_ms = cfg.propose_timeout_ms;
  cs.cfg.missed_propose_timeout_ms = cfg.propose_timeout_missed_ms;
  cs.cfg.prevote_timeout_ms = cfg.prevote_timeout_ms;
  cs.cfg.precommit_timeout_ms = cfg.precommit_timeout_ms;
  cs.cfg.vote_resend_ms = cfg.vote_resend_ms;
  cs.cfg.propose_timeout_delta_ms = cs.cfg.prevote_timeout_delta_ms =
      cs.cfg.precommit_timeout_delta_ms = cfg.timeout_delta_ms;
  cs.cfg.min_validators = g.params.min_validators;
  cs.fork_linger_ms = cfg.fork_linger_s * 1000;
  cs.trust_synced_certificates = cfg.sync_trust_certificates;
  return cs;
}

// Signals are taken by this one thread: the first asks `front` to stop,
// a second one, or 10 s without a clean stop, ends the process.
void start_signal_thread(caf::actor front, sigset_t sigs) {
  std::thread([front, sigs] {
    int sig = 0;
    // SIGHUP reopens timed.log (logrotate moved it) and goes on waiting.
    while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP) {
      reopen_log_file();
      spdlog::info("log file reopened (SIGHUP)");
    }
    spdlog::info("🛑 Shutdown signal received ({})", sig == SIGINT ? "SIGINT" : "SIGTERM");
    caf::anon_send(front, stop_atom::value);
    // A second signal, or 10 s without a clean stop, ends the process.
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(10));
      spdlog::critical("shutdown took longer than 10 s; forcing exit");
      spdlog::shutdown();
      std::_Exit(1);
    }).detach();
    while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP) reopen_log_file();
    spdlog::warn("second signal: forcing exit");
    spdlog::shutdown();
    std::_Exit(130);
  }).detach();
}

// The command line.
struct flags {
  std::string config_file, datadir, net_name;
  int verbosity = 0;
  bool quiet = false, console = false;
  std::string debug;  // categories
  bool gen_config = false, do_reindex = false, version = false;
  bool init = false, init_masternode = false;
  bool show_fork = false, clear_fork = false;
  bool accept_lost_guard = false;
  std::vector<std::string> faults;
  uint64_t crash_every_ms = 0;  // chain:crash-restart (fault injection)
};

// Parses the flags; an exit code when the process is done (help, a bad
// flag), nothing to go on.
std::optional<int> parse_flags(int argc, char** argv, flags& f) {
  CLI::App app{"timed — TimeCoin validator node"};
  app.add_option("--config", f.config_file, "configuration file (TOML)");
  app.add_option("--datadir", f.datadir, "data directory (default ~/.timecoin/<network>)");
  app.add_option("--network", f.net_name, "mainnet, testnet or localnet (default localnet)");
  app.add_flag("-v", f.verbosity,
               "more logging: -v debug, -vv trace, -vvv trace and a line per actor message");
  app.add_flag("-q,--quiet", f.quiet, "warnings and errors only");
  app.add_option("--debug", f.debug,
                 "debug lines of these categories: consensus,mempool,p2p,rpc,storage,sync or all");
  app.add_flag("--console", f.console,
               "copy the log to stdout (default: only when stdout is a terminal)");
  app.add_flag("--gen-config", f.gen_config, "print a commented default configuration and exit");
  app.add_flag("--reindex", f.do_reindex, "rebuild the UTXO set from the stored blocks");
  app.add_flag("--version", f.version, "print the version and exit");
  app.add_flag("--show-fork-evidence", f.show_fork,
               "print the stored proof of a fork (two certificates for one height) and exit");
  app.add_flag("--clear-fork-evidence", f.clear_fork,
               "delete the stored proof of a fork, so the node starts again (after the fork is "
               "resolved: the proof stays in the log)");
  app.add_flag("--accept-lost-sign-guard", f.accept_lost_guard,
               "the double-sign guard file is lost and this key signed nothing at the next "
               "height anywhere else: sign at once instead of sitting that height out");
  auto* init = app.add_subcommand(
      "init",
      "create the data dir, a key, a commented timed.toml and the network's genesis; "
      "a second run changes nothing");
  init->add_flag("--masternode", f.init_masternode, "create a masternode key and enable it");
  init->fallthrough();
  init->callback([&f] { f.init = true; });
#if TC_FAULT_INJECTION
  app.add_option(
      "--fault", f.faults,
      "make this node faulty (testing builds only; repeatable):\n" + fault::describe_all());
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : exit_status::usage;
  }
  if (!f.debug.empty())
    if (auto cats = parse_categories(f.debug); !cats)
      return fail("--debug: " + cats.error_message(), exit_status::usage);
#if TC_FAULT_INJECTION
  for (const auto& x : f.faults) {
    auto spec = fault::parse(x);
    if (!spec) return fail(spec.error_message(), exit_status::usage);
    if (spec->k == fault::kind::chain_crash_restart)
      f.crash_every_ms = spec->number ? spec->number : 20'000;
  }
#endif
  return std::nullopt;
}

// The defaults for the network, then the config file (--config, else
// <datadir>/timed.toml when there is one, else $CONFIGURATION_DIRECTORY/
// timed.toml under systemd), then the flags.
result<node_config> resolve_config(const flags& f, network net, const std::string& home) {
  node_config cfg = default_config(net, home);
  std::string file = f.config_file;
  if (file.empty()) {
    std::string in_dir = (f.datadir.empty() ? cfg.datadir : f.datadir) + "/timed.toml";
    // systemd's ConfigurationDirectory= (deploy/systemd/timed.service).
    const char* etc = std::getenv("CONFIGURATION_DIRECTORY");
    std::string in_etc = etc && *etc ? std::string(etc) + "/timed.toml" : std::string();
    if (::access(in_dir.c_str(), F_OK) == 0)
      file = in_dir;
    else if (!in_etc.empty() && ::access(in_etc.c_str(), F_OK) == 0)
      file = in_etc;
  }
  if (!file.empty()) {
    auto c = load_config_file(file, cfg);
    if (!c) return c.take_error();
    cfg = *c;
    if (!f.net_name.empty() && cfg.net != net)
      return make_error("--network " + f.net_name + " contradicts node.network in " + file);
    if (cfg.datadir == default_config(net, home).datadir)
      cfg.datadir = default_config(cfg.net, home).datadir;
  }
  if (!f.datadir.empty()) cfg.datadir = f.datadir;
  return cfg;
}

// The node key authenticates peer handshakes: a validator's is its
// masternode key (peers then know who validates); others keep their own.
result<secret_key> node_key_of(const node_config& cfg, const consensus_setup& cs) {
  if (cs.key) return *cs.key;
  std::string path = cfg.path_in_datadir(cfg.node_key_file);
  if (::access(path.c_str(), F_OK) != 0)
    if (auto w = write_key_file(path, secret_key::generate()); !w) return w.take_error();
  return load_key_file(path);
}

// Opens the database and reads the consensus record in it; again after
// each (fault-injected) crash. A stored proof of a fork refuses to start.
struct node_opener {
  std::string db_path;
  const genesis_spec* genesis = nullptr;
  open_options store_options;
  consensus_setup cs;
  std::string guard_path;  // validators only
  bool accept_lost_guard = false;
  bool fork_stored = false;

  status open(supervisor_setup& setup) {
    const open_options& oo = store_options;
    if (oo.address_index) spdlog::info("Address index on (listunspent/getbalance by address)");
    auto store = chain_store::open(db_path, *genesis, oo);
    if (!store) return store.take_error();
    if ((*store)->get_state("fork_evidence")) {
      fork_stored = true;
      return make_error(
          "a fork was proven on this node: two valid commit certificates for one height are "
          "stored in " +
          db_path +
          ". It does not follow the chain until people have looked: timed --show-fork-evidence "
          "prints them; once resolved, timed --clear-fork-evidence lets it start");
    }
    consensus_setup c = cs;
    signing_state_options so{guard_path, std::nullopt};
    so.accept_lost_guard = accept_lost_guard;
    if (cs.key) so.key = cs.key->public_key();
    auto rec = load_signing_state(**store, so);
    if (!rec) return rec.take_error();
    c.persisted = *rec;
    setup.sign_guard_path = guard_path;
    if (!guard_path.empty()) {
      if (*rec)
        spdlog::info("Double-sign guard {}: last signed height {} round {} {}", guard_path,
                     (*rec)->height, (*rec)->round, consensus::step_name((*rec)->stage));
      else
        spdlog::info("Double-sign guard {}: nothing signed yet", guard_path);
    }
    setup.store = std::shared_ptr<chain_store>(std::move(store).value());
    setup.consensus = c;
    return ok_status();
  }
};

// READY once JSON-RPC listens, STATUS with each status line (systemd).
void tell_systemd(supervisor_setup& setup) {
  uint64_t start_height = setup.store->tip().height;
  setup.on_ready = [start_height] {
    service::ready("height " + std::to_string(start_height) + ", starting");
  };
  setup.on_status = [](const std::string& s) { service::status(s); };
}

void configure_scheduler(caf::actor_system_config& caf_cfg) {
  caf_cfg.load<caf::io::middleman>();
  // CAF's idle workers poll for ~25 ms (500 x 50 us sleeps) after every
  // job before they block; with a block a second and a few peers that
  // polling was most of an idle node's CPU. Spin briefly, then block.
  caf_cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  // A blocked worker wakes at once for work sent from outside the
  // scheduler (sockets, timers, RPC, the chain and verifier threads), and
  // on this timeout only to steal what another worker queued for itself.
  // Each wakeup costs a context switch: at 100 ms, four workers' timeouts
  // were a third of an idle 4-validator localnet's CPU. Heavy jobs (SQLite,
  // signature checks) run on their own threads, so a job queued behind
  // another waits for a short one, not for this timeout.
  caf_cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{1'000'000'000});
}

// What only main may read (the clocks, the OS random source, signals) is
// handed to the actors here, so that everything below it can be replayed.
void fill_process_setup(supervisor_setup& setup, const flags& f, const node_config& cfg,
                        const secret_key& node_key, node_opener& opener) {
  setup.cfg = cfg;
  setup.faults = f.faults;
  setup.fault_seed = wall_ms();
  setup.fault_wallet = opener.cs.key;  // a masternode key owns its rewards
  setup.now_ms = wall_ms;
  setup.now_us = [] {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  };
  setup.request_stop = [] { ::kill(::getpid(), SIGTERM); };
  tell_systemd(setup);
  setup.node_key = std::make_shared<key_signer>(node_key, false);
  setup.random32 = [] { return os_random32(); };
}

// The actor system with the node's supervisor, until a signal, an RPC stop
// or a failure ends it (and, with chain:crash-restart, through every
// injected crash). Returns the exit code.
int run_node(const flags& f, const node_config& cfg, supervisor_setup setup,
             const secret_key& node_key, node_opener& opener, sigset_t sigs) {
  int exit_code = 0;
  {
    caf::actor_system_config caf_cfg;
    configure_scheduler(caf_cfg);
    caf::actor_system sys{caf_cfg};
    fill_process_setup(setup, f, cfg, node_key, opener);
    const supervisor_setup base = [&] {
      supervisor_setup b = setup;
      b.store.reset();
      return b;
    }();
    caf::actor sup = sys.spawn(node_supervisor, setup);
    setup = supervisor_setup{};

    // Signals reach the main loop below (the supervisor may be replaced by
    // a fault-injected restart, this actor never is).
    caf::scoped_actor self{sys};
    caf::actor front = caf::actor_cast<caf::actor>(self.ptr());
    start_signal_thread(front, sigs);

    for (bool done = false, stopping = false; !done;) {
      self->monitor(sup);
      bool crash_now = false;
      auto on_down = [&](const caf::down_msg& d) {
        done = true;
        service::stopping();
        exit_code = exit_status_for(d.reason);
        if (exit_code != exit_status::ok)
          spdlog::error("node stopped: {} (exit status {})", to_string(d.reason), exit_code);
      };
      auto on_stop = [&](stop_atom) {
        stopping = true;
        service::stopping();
        caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
      };
#if TC_FAULT_INJECTION
      if (f.crash_every_ms && !stopping)
        self->receive(
            on_down, on_stop,
            caf::after(std::chrono::milliseconds(f.crash_every_ms)) >> [&] { crash_now = true; });
      else
#endif
        self->receive(on_down, on_stop);
      if (!crash_now) continue;
      // chain:crash-restart: every actor dies at once, as on kill -9, then
      // the node comes back from what its database holds.
      spdlog::warn("[fault chain:crash-restart] killing every actor of this node");
      caf::anon_send_exit(sup, caf::exit_reason::kill);
      for (bool gone = false; !gone;)
        self->receive([&](const caf::down_msg&) { gone = true; },
                      [&](stop_atom) { stopping = true; });
      if (stopping) break;  // asked to stop while it was down: stay down
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // sockets, the DB close
      supervisor_setup next = base;
      if (auto st = opener.open(next); !st) {
        spdlog::critical("[fault chain:crash-restart] cannot reopen: {}", st.error_message());
        exit_code = 1;
        break;
      }
      spdlog::warn("[fault chain:crash-restart] restarting from the database at height {}",
                   next.store->tip().height);
      sup = sys.spawn(node_supervisor, next);
    }
  }  // ~actor_system waits for every actor: the chain store is closed here
  return exit_code;
}

// `timed init`: prints what it made, what it kept and what to do next.
int run_init(const flags& f, network net, const std::string& home) {
  init_options o;
  o.net = net;
  o.datadir = f.datadir.empty() ? default_config(net, home).datadir : f.datadir;
  o.masternode = f.init_masternode;
  o.new_key = [] { return secret_key::generate(); };
  auto r = init_datadir(o);
  if (!r) return fail(r.error_message(), exit_status::config_error);
  std::cout << describe(*r);
  return exit_status::ok;
}

// The data dir and its lock: the lock's fd, or (fd < 0) an exit code.
struct datadir_lock {
  int fd = -1;
  int exit_code = exit_status::ok;
};
datadir_lock lock_datadir(const node_config& cfg) {
  if (!make_dirs(cfg.datadir))
    return {-1, fail("cannot create data directory " + cfg.datadir, exit_status::config_error)};
  std::string lock_path = cfg.datadir + "/.lock";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
    return {-1,
            fail("another timed is already running on " + cfg.datadir + " (lock " + lock_path + ")",
                 exit_status::lock_held)};
  return {lock_fd, exit_status::ok};
}

result<genesis_spec> genesis_of(const node_config& cfg) {
  std::string genesis_path = cfg.genesis_file.empty() ? cfg.datadir + "/genesis.toml"
                                                      : cfg.path_in_datadir(cfg.genesis_file);
  auto genesis = load_genesis_file(genesis_path);
  if (!genesis)
    return make_error(genesis.error_message() +
                      " (timed init installs it, or copy deploy/genesis/" + network_name(cfg.net) +
                      ".toml there, or set node.genesis)");
  if (genesis->params.net != cfg.net)
    return make_error("genesis " + genesis_path + " is for " + network_name(genesis->params.net) +
                      ", but this node runs " + network_name(cfg.net));
  return genesis;
}

// timed.log in the data dir, a console copy on a terminal (or --console),
// the level from -q/-v and the config, debug categories from both.
status start_logging(const flags& f, node_config& cfg) {
  log_setup ls;
  ls.file = cfg.datadir + "/timed.log";
  ls.max_bytes = cfg.log_file_max_bytes;
  ls.files = cfg.log_files;
  ls.level = level_for(cfg.log_level, f.verbosity, f.quiet);
  ls.console = f.console || ::isatty(STDOUT_FILENO);
  ls.json = cfg.log_format == "json";
  ls.debug_categories = cfg.log_debug;
  if (!f.debug.empty()) {
    auto cats = parse_categories(f.debug);
    if (!cats) return make_error("--debug: " + cats.error_message());
    ls.debug_categories.insert(ls.debug_categories.end(), cats->begin(), cats->end());
  }
  // -vvv: every actor message as a log line too (through the tracer).
  if (f.verbosity >= 3) cfg.trace_to_log = cfg.trace_enabled = true;
  return setup_logging(ls);
}

// With the data dir locked and logging on: opens the chain and runs the
// node until it stops. Returns the exit code.
int start_node(const flags& f, const node_config& cfg) {
  auto genesis = genesis_of(cfg);
  if (!genesis) return fail(genesis.error_message(), exit_status::config_error);
  std::string db_path = cfg.path_in_datadir(cfg.db_file);
  if (f.do_reindex)
    if (auto s = run_reindex(db_path, *genesis, store_options(cfg)); !s)
      return fail(s.error_message(), exit_status::data_error);
  node_opener opener{db_path, &*genesis, store_options(cfg), consensus_setup_of(cfg, *genesis), {}};
  if (cfg.masternode_enabled) {
    auto key = load_key_file(cfg.path_in_datadir(cfg.masternode_key_file));
    if (!key) return fail(key.error_message(), exit_status::config_error);
    opener.cs.key = *key;
    opener.guard_path = cfg.guard_path();
    opener.accept_lost_guard = f.accept_lost_guard;
    spdlog::info("masternode key {}", encode_address(cfg.net, key->public_key()));
  }
  auto node_key = node_key_of(cfg, opener.cs);
  if (!node_key) return fail(node_key.error_message(), exit_status::config_error);
  if (f.show_fork || f.clear_fork)
    return fork_evidence_command(db_path, *genesis, store_options(cfg), f.clear_fork);
  supervisor_setup setup;
  if (auto st = opener.open(setup); !st) {
    fail(st.error_message());
    return opener.fork_stored ? exit_status::fork_detected : exit_status::data_error;
  }
  spdlog::info("timed {} ({}, {}) starting: network {}, chain {}, data {}, height {}", TC_VERSION,
               TC_GIT_COMMIT, TC_BUILD_KIND, network_name(cfg.net), genesis->params.chain_id,
               cfg.datadir, setup.store->tip().height);
  spdlog::info("allocator: {}", allocator_description());
  // Signals are taken by one thread with sigwait; every other thread
  // (CAF's, the RPC server's) inherits the blocked mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  int exit_code = run_node(f, cfg, std::move(setup), *node_key, opener, sigs);
  spdlog::info("✓ All tasks shut down gracefully");
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  configure_allocator();
  {
    // Before any thread or container: see fixed_bytes_hasher.
    uint64_t salt;
    os_random(reinterpret_cast<uint8_t*>(&salt), sizeof salt);
    set_hash_salt(salt);
  }
  flags f;
  if (auto done = parse_flags(argc, argv, f)) return *done;
  if (f.version) {
    std::printf("timed %s (commit %s, %s, %s)\n", TC_VERSION, TC_GIT_COMMIT, TC_BUILD_KIND,
                allocator_description().c_str());
    return 0;
  }
  const char* home_env = std::getenv("HOME");
  std::string home = home_env ? home_env : ".";
  network net = network::localnet;
  if (!f.net_name.empty()) {
    auto n = parse_network(f.net_name);
    if (!n) return fail(n.error_message(), exit_status::usage);
    net = *n;
  }
  if (f.gen_config) {
    std::cout << default_config_text(net);
    return 0;
  }
  if (f.init) return run_init(f, net, home);
  auto resolved = resolve_config(f, net, home);
  if (!resolved) return fail(resolved.error_message(), exit_status::config_error);
  node_config cfg = *resolved;
  set_background_nice(cfg.background_nice);
  datadir_lock lock = lock_datadir(cfg);
  if (lock.fd < 0) return lock.exit_code;
  int lock_fd = lock.fd;
  if (auto st = start_logging(f, cfg); !st)
    return fail(st.error_message(), exit_status::config_error);
  int exit_code = start_node(f, cfg);
  spdlog::shutdown();
  ::flock(lock_fd, LOCK_UN);
  ::close(lock_fd);
  return exit_code;
}
