#include "node/config.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <limits>
#include <sstream>

namespace tc {

namespace {

// 127.0.0.0/8, ::1 or localhost: reachable from this machine only.
bool is_loopback_host(const std::string& h) {
  if (h == "localhost" || h == "::1" || h == "[::1]") return true;
  if (h.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

struct config_error {
  std::string what;
};
[[noreturn]] void fail(std::string w) {
  throw config_error{std::move(w)};
}

// Reads one section, checking every key against what it knows.
class section {
 public:
  section(const toml::table& root, std::string name) : name_(std::move(name)) {
    auto node = root.get(name_);
    if (!node) return;
    t_ = node->as_table();
    if (!t_) fail(name_ + ": must be a table");
  }
  ~section() noexcept(false) {
    if (!t_ || std::uncaught_exceptions()) return;
    for (auto& [k, v] : *t_) {
      (void)v;
      bool known = false;
      for (auto& s : seen_) known |= s == k.str();
      if (!known) fail(name_ + "." + std::string(k.str()) + ": unknown key");
    }
  }
  template <class T>
  void get(const char* key, T& out, T lo, T hi) {
    seen_.push_back(key);
    if (!t_) return;
    auto n = t_->get(key);
    if (!n) return;
    auto v = n->value<int64_t>();
    if (!v || !n->is_integer()) fail(where(key) + "wrong type (expected an integer)");
    if (*v < static_cast<int64_t>(lo) || *v > static_cast<int64_t>(hi))
      fail(where(key) + "out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
    out = static_cast<T>(*v);
  }
  void get(const char* key, bool& out) {
    seen_.push_back(key);
    if (!t_) return;
    auto n = t_->get(key);
    if (!n) return;
    if (!n->is_boolean()) fail(where(key) + "wrong type (expected true or false)");
    out = *n->value<bool>();
  }
  void get(const char* key, std::string& out) {
    seen_.push_back(key);
    if (!t_) return;
    auto n = t_->get(key);
    if (!n) return;
    if (!n->is_string()) fail(where(key) + "wrong type (expected a string)");
    out = *n->value<std::string>();
  }
  void get(const char* key, std::vector<std::string>& out) {
    seen_.push_back(key);
    if (!t_) return;
    auto n = t_->get(key);
    if (!n) return;
    auto arr = n->as_array();
    if (!arr) fail(where(key) + "wrong type (expected an array of strings)");
    out.clear();
    for (auto& e : *arr) {
      if (!e.is_string()) fail(where(key) + "wrong type (expected an array of strings)");
      out.push_back(*e.value<std::string>());
    }
  }
  std::string where(const char* key) const { return name_ + "." + key + ": "; }

 private:
  std::string name_;
  const toml::table* t_ = nullptr;
  std::vector<std::string> seen_;
};

void apply_node(const toml::table& root, node_config& c) {
  section s(root, "node");
  std::string net = network_name(c.net);
  s.get("network", net);
  auto n = parse_network(net);
  if (!n) fail("node.network: " + n.error_message());
  c.net = *n;
  s.get("datadir", c.datadir);
  s.get("genesis", c.genesis_file);
  s.get<int>("background_nice", c.background_nice, 0, 19);
}

void apply_network(const toml::table& root, node_config& c) {
  section s(root, "network");
  s.get("listen_host", c.listen_host);
  s.get<uint16_t>("port", c.p2p_port, 1, 65535);
  s.get("addnode", c.addnode);
  s.get<uint32_t>("max_inbound", c.max_inbound, 0, 10'000);
  s.get<uint32_t>("max_outbound", c.max_outbound, 0, 1'000);
  s.get<uint32_t>("max_per_ip", c.max_per_ip, 1, 10'000);
  s.get<uint32_t>("max_new_per_minute", c.max_new_per_minute, 1, 100'000);
  s.get<uint32_t>("ping_interval_s", c.ping_interval_s, 1, 3'600);
  s.get("enabled", c.p2p_enabled);
  s.get("node_key_file", c.node_key_file);
  s.get("sync_trust_certificates", c.sync_trust_certificates);
}

void apply_rpc(const toml::table& root, node_config& c) {
  section s(root, "rpc");
  s.get("enabled", c.rpc_enabled);
  s.get("bind", c.rpc_bind);
  s.get<uint16_t>("port", c.rpc_port, 1, 65535);
  s.get("user", c.rpc_user);
  s.get("password", c.rpc_password);
  s.get<uint32_t>("threads", c.rpc_threads, 1, 64);
  s.get<uint64_t>("max_body_bytes", c.rpc_max_body_bytes, 1024, 256u << 20);
  s.get("allow_remote", c.rpc_allow_remote);
  if (c.rpc_user.empty() != c.rpc_password.empty())
    fail("rpc.user/rpc.password: set both or neither");
  // Plain HTTP with Basic auth: anyone on the path reads the password.
  // Off loopback only when the operator says so, and never with the
  // cookie (which would then be the only secret, readable by any local
  // user who can read the data dir... and sent in the clear).
  if (c.rpc_enabled && !is_loopback_host(c.rpc_bind)) {
    if (!c.rpc_allow_remote)
      fail("rpc.bind: " + c.rpc_bind +
           " is not a loopback address; JSON-RPC is plain HTTP. Set rpc.allow_remote = true "
           "(and rpc.user/rpc.password) to accept it, behind a tunnel or a trusted network");
    if (c.rpc_password.size() < 16)
      fail(
          "rpc.password: a non-loopback bind needs rpc.user and a password of at least 16 "
          "characters");
  }
}

void apply_metrics(const toml::table& root, node_config& c) {
  section s(root, "metrics");
  s.get("enabled", c.metrics_enabled);
  s.get("bind", c.metrics_bind);
  s.get<uint16_t>("port", c.metrics_port, 1, 65535);
  if (c.metrics_bind.empty()) fail("metrics.bind: must not be empty");
}

void apply_storage(const toml::table& root, node_config& c) {
  section s(root, "storage");
  s.get("db_file", c.db_file);
  s.get("address_index", c.address_index);
  s.get<uint64_t>("utxo_cache_mb", c.utxo_cache_mb, 0, 1u << 20);
  s.get<uint32_t>("utxo_flush_blocks", c.utxo_flush_blocks, 0, 1'000'000);
  s.get<uint32_t>("sync_flush_blocks", c.sync_flush_blocks, 0, 1'000'000);
  s.get<uint64_t>("reader_mmap_mb", c.reader_mmap_mb, 0, 1u << 20);
  s.get<uint64_t>("utxo_recent_mb", c.utxo_recent_mb, 0, 1u << 16);
  if (c.db_file.empty()) fail("storage.db_file: must not be empty");
}

void apply_consensus(const toml::table& root, node_config& c) {
  section s(root, "consensus");
  s.get<uint64_t>("block_interval_ms", c.block_interval_ms, 10, 3'600'000);
  s.get<uint64_t>("empty_block_interval_ms", c.empty_block_interval_ms, 0, 3'600'000);
  s.get<uint64_t>("propose_timeout_ms", c.propose_timeout_ms, 10, 600'000);
  s.get<uint64_t>("propose_timeout_missed_ms", c.propose_timeout_missed_ms, 10, 600'000);
  s.get<uint64_t>("prevote_timeout_ms", c.prevote_timeout_ms, 10, 600'000);
  s.get<uint64_t>("precommit_timeout_ms", c.precommit_timeout_ms, 10, 600'000);
  s.get<uint64_t>("timeout_delta_ms", c.timeout_delta_ms, 0, 600'000);
  s.get<uint64_t>("vote_resend_ms", c.vote_resend_ms, 0, 600'000);
  // Peers fine copies of one vote that come in bursts (session_core.hpp).
  if (c.vote_resend_ms != 0 && c.vote_resend_ms < 500)
    fail("consensus.vote_resend_ms: 0 (never) or at least 500");
  s.get<uint64_t>("fork_linger_s", c.fork_linger_s, 0, 86'400);
}

void apply_mempool(const toml::table& root, node_config& c) {
  section s(root, "mempool");
  s.get<uint64_t>("max_txs", c.mempool_max_txs, 1, 10'000'000);
  s.get<uint64_t>("max_bytes", c.mempool_max_bytes, 1u << 16, 16ull << 30);
  s.get<uint32_t>("verifiers", c.verifiers, 1, 64);
}

void apply_masternode(const toml::table& root, node_config& c) {
  section s(root, "masternode");
  s.get("enabled", c.masternode_enabled);
  s.get("key_file", c.masternode_key_file);
  s.get("guard_file", c.masternode_guard_file);
  if (c.masternode_enabled && c.masternode_key_file.empty())
    fail("masternode.key_file: required when masternode.enabled = true");
}

std::string join_commas(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
  return out;
}

void apply_logging(const toml::table& root, node_config& c) {
  section s(root, "logging");
  s.get("level", c.log_level);
  s.get("format", c.log_format);
  s.get("debug", c.log_debug);
  if (auto cats = parse_categories(join_commas(c.log_debug)); !cats)
    fail("logging.debug: " + cats.error_message());
  if (c.log_format != "text" && c.log_format != "json")
    fail("logging.format: expected \"text\" or \"json\"");
  static const char* levels[] = {"trace", "debug", "info", "warn", "error"};
  bool ok = false;
  for (auto* l : levels) ok |= c.log_level == l;
  if (!ok) fail("logging.level: expected trace, debug, info, warn or error");
  s.get<uint64_t>("file_max_bytes", c.log_file_max_bytes, 1u << 16, 1ull << 32);
  s.get<uint32_t>("files", c.log_files, 1, 100);
  s.get<uint32_t>("status_interval_s", c.status_interval_s, 1, 3600);
}

void apply_trace(const toml::table& root, node_config& c) {
  section s(root, "trace");
  s.get("enabled", c.trace_enabled);
  s.get("file", c.trace_file);
  s.get<uint64_t>("max_events", c.trace_max_events, 1, 100'000'000);
}

// The metrics port defaults to the RPC port + 1: a layout that already put
// something there (P2P on RPC + 1) must say where metrics go.
void check_ports(const node_config& c) {
  if (!c.metrics_enabled) return;
  uint16_t m = c.metrics_port_or_default();
  const char* clash = (c.p2p_enabled && m == c.p2p_port)   ? "network.port"
                      : (c.rpc_enabled && m == c.rpc_port) ? "rpc.port"
                                                           : nullptr;
  if (clash)
    fail("metrics.port: " + std::to_string(m) + " is also " + clash +
         "; set [metrics] port (default: the RPC port + 1) or enabled = false");
}

// One function per section; a section or key this version does not know is
// an error (a typo would otherwise leave a default in force unnoticed).
void apply(const toml::table& root, node_config& c) {
  for (auto& [k, v] : root) {
    (void)v;
    static const char* known[] = {"node",      "network", "rpc",        "metrics", "storage",
                                  "consensus", "mempool", "masternode", "logging", "trace"};
    bool ok = false;
    for (auto* s : known) ok |= k.str() == s;
    if (!ok) fail(std::string(k.str()) + ": unknown section");
  }
  apply_node(root, c);
  apply_network(root, c);
  apply_rpc(root, c);
  apply_metrics(root, c);
  apply_storage(root, c);
  apply_consensus(root, c);
  apply_mempool(root, c);
  apply_masternode(root, c);
  apply_logging(root, c);
  apply_trace(root, c);
  check_ports(c);
}

}  // namespace

std::string node_config::path_in_datadir(const std::string& p) const {
  if (p.empty() || p[0] == '/') return p;
  return datadir + "/" + p;
}

const std::vector<std::string>& log_categories() {
  static const std::vector<std::string> c = {"consensus", "mempool", "p2p",
                                             "rpc",       "storage", "sync"};
  return c;
}

result<std::vector<std::string>> parse_categories(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string c =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    if (c.empty()) continue;
    bool known = c == "all" || c == "none";
    for (const auto& k : log_categories()) known |= c == k;
    if (!known) {
      std::string names;
      for (const auto& k : log_categories()) names += (names.empty() ? "" : ", ") + k;
      return make_error("unknown log category '" + c + "' (known: " + names + ", all, none)");
    }
    out.push_back(c);
  }
  return out;
}

uint16_t node_config::metrics_port_or_default() const {
  if (metrics_port) return metrics_port;
  return rpc_port < 65535 ? static_cast<uint16_t>(rpc_port + 1) : uint16_t{65534};
}

std::string node_config::guard_path() const {
  if (!masternode_guard_file.empty()) return path_in_datadir(masternode_guard_file);
  return path_in_datadir(masternode_key_file) + ".sign_guard";
}

node_config default_config(network n, const std::string& home) {
  node_config c;
  c.net = n;
  c.datadir = home + "/.timecoin/" + network_name(n);
  uint16_t base = n == network::mainnet ? 24000 : n == network::testnet ? 24100 : 24200;
  c.p2p_port = base;
  c.rpc_port = static_cast<uint16_t>(base + 1);
  c.listen_host = n == network::localnet ? "127.0.0.1" : "0.0.0.0";
  c.block_interval_ms = n == network::localnet ? 1000 : 2000;
  c.empty_block_interval_ms = n == network::localnet ? 3000 : 10'000;
  return c;
}

result<node_config> parse_config(const std::string& text, const std::string& origin,
                                 node_config base) {
  try {
    toml::table t = toml::parse(text, origin);
    apply(t, base);
    return base;
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "config " << origin << ": " << e.description() << " at line " << e.source().begin.line;
    return make_error(os.str());
  } catch (const config_error& e) {
    return make_error("config " + origin + ": " + e.what);
  }
}

result<node_config> load_config_file(const std::string& path, node_config base) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path, std::move(base));
}

std::string default_config_text(network n, bool masternode) {
  node_config c = default_config(n, "~");
  std::ostringstream o;
  o << "# timed configuration (" << network_name(n) << "). Every key is shown at its default.\n\n"
    << "[node]\nnetwork = \"" << network_name(n) << "\"\n"
    << "# datadir = \"/var/lib/timecoin\"   # default: --datadir, else ~/.timecoin/<network>;\n"
    << "                                    # database, logs, cookie, lock; relative paths below\n"
    << "# genesis = \"genesis.toml\"         # default: <datadir>/genesis.toml\n"
    << "background_nice = " << c.background_nice
    << "                 # 0-19: admission threads yield to the block pipeline\n\n"
    << "[network]\nlisten_host = \"" << c.listen_host << "\"\nport = " << c.p2p_port << "\n"
    << "addnode = []                        # \"host:port\" peers to dial\n"
    << "max_inbound = " << c.max_inbound << "\nmax_outbound = " << c.max_outbound
    << "\nmax_per_ip = " << c.max_per_ip << "\nmax_new_per_minute = " << c.max_new_per_minute
    << "              # new inbound connections, per source network (/16)"
    << "\nping_interval_s = " << c.ping_interval_s
    << "\nenabled = true                      # false: no P2P at all (a lone node)\n"
    << "node_key_file = \"" << c.node_key_file
    << "\"          # created on first start; validators use the masternode key\n"
    << "sync_trust_certificates = false     # true: catch-up skips tx signatures in blocks whose\n"
    << "                                    # commit certificate verifies (faster, trusts 2/3)\n\n"
    << "[rpc]\nenabled = true\nbind = \"127.0.0.1\"                  # JSON-RPC stays on loopback\n"
    << "port = " << c.rpc_port << "\n"
    << "# user = \"\"                         # default: cookie auth (<datadir>/.cookie)\n"
    << "# password = \"\"\n"
    << "allow_remote = false                # true: a non-loopback bind (plain HTTP!) with a "
       "password\n"
    << "threads = " << c.rpc_threads << "\nmax_body_bytes = " << c.rpc_max_body_bytes
    << "\n\n[metrics]\nenabled = true                      # GET /metrics (Prometheus) and "
       "/health\n"
    << "bind = \"127.0.0.1\"                  # no secrets, no auth: widen to your scraper only\n"
    << "# port = " << c.rpc_port + 1 << "                       # default: the RPC port + 1\n"
    << "\n[storage]\ndb_file = \"chain.db\"\n"
    << "address_index = false               # true: fast listunspent/getbalance by address;\n"
    << "                                    # costs block throughput (see README)\n"
    << "utxo_cache_mb = " << c.utxo_cache_mb
    << "                 # UTXO changes kept in memory between flushes; 0: write each block's\n"
    << "utxo_flush_blocks = " << c.utxo_flush_blocks
    << "               # flush at least every this many blocks (a crash replays them);\n"
    << "                                    # 0: write-through (the default for now), 100: the "
       "cache\n"
    << "sync_flush_blocks = " << c.sync_flush_blocks
    << "              # the same for blocks fetched to catch up (at least\n"
    << "                                    # utxo_flush_blocks; 0: as utxo_flush_blocks)\n"
    << "reader_mmap_mb = " << c.reader_mmap_mb
    << "               # the reader maps this much of chain.db; 0: read() each page\n"
    << "utxo_recent_mb = " << c.utxo_recent_mb
    << "                 # writer and reader each keep the latest blocks' outputs; 0: off\n\n"
    << "[consensus]\nblock_interval_ms = " << c.block_interval_ms
    << "\nempty_block_interval_ms = " << c.empty_block_interval_ms
    << "   # with an empty mempool; 0 or <= block_interval_ms: off"
    << "\npropose_timeout_ms = " << c.propose_timeout_ms
    << "\npropose_timeout_missed_ms = " << c.propose_timeout_missed_ms
    << "  # a proposer that missed its last turn, until it proposes again"
    << "\nprevote_timeout_ms = " << c.prevote_timeout_ms
    << "\nprecommit_timeout_ms = " << c.precommit_timeout_ms
    << "\ntimeout_delta_ms = " << c.timeout_delta_ms << "     # added per round"
    << "\nvote_resend_ms = " << c.vote_resend_ms
    << "      # a round still waiting for votes sends ours (and our proposal) again; 0: never\n"
    << "fork_linger_s = " << c.fork_linger_s
    << "                   # after a proven fork: answer RPC this long, then exit 6\n\n"
    << "[mempool]\nmax_txs = " << c.mempool_max_txs << "\nmax_bytes = " << c.mempool_max_bytes
    << "\nverifiers = " << c.verifiers << "                       # signature-checking actors\n\n"
    << "[masternode]\n"
    << (masternode
            ? "enabled = true\nkey_file = \"masternode.key\"        # made by timed init\n"
            : "enabled = false\n# key_file = \"masternode.key\"      # timed init --masternode\n")
    << "# guard_file = \"\"                   # default: <key_file>.sign_guard (README)\n\n"
    << "[logging]\nlevel = \"info\"                      # trace, debug, info, warn, error\n"
    << "format = \"text\"                     # or \"json\": one object per line\n"
    << "debug = []                          # debug lines of: consensus, mempool, p2p, rpc,\n"
    << "                                    # storage, sync (or \"all\"); RPC logging changes "
       "them\n"
    << "file_max_bytes = " << c.log_file_max_bytes << "\nfiles = " << c.log_files
    << "\nstatus_interval_s = " << c.status_interval_s << "\n\n"
    << "[trace]\nenabled = false                     # message-flow trace (Chrome trace JSON)\n"
    << "file = \"trace.json\"\nmax_events = " << c.trace_max_events << "\n";
  return o.str();
}

}  // namespace tc
