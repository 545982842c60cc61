#pragma once
// timed's configuration: a TOML file with sections [node] [network] [rpc]
// [storage] [consensus] [mempool] [masternode] [logging] [trace]. Unknown
// keys, wrong types and out-of-range values are refused with the key's name.

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/bech32m.hpp"

namespace tc {

struct node_config {
  // [node]
  network net = network::localnet;
  std::string datadir;       // default ~/.timecoin/<network>
  std::string genesis_file;  // default: <datadir>/genesis.toml
  // Niceness of admission threads (verifiers, RPC, chain reader): the block
  // pipeline gets the cores first when all are busy (crypto/thread_priority).
  int background_nice = 5;
  // [network]
  std::string listen_host = "127.0.0.1";
  uint16_t p2p_port = 24200;
  std::vector<std::string> addnode;
  uint32_t max_inbound = 64;
  uint32_t max_outbound = 16;
  uint32_t max_per_ip = 8;
  uint32_t max_new_per_minute = 60;  // inbound connections accepted, per source group (/16)
  uint32_t ping_interval_s = 10;
  bool p2p_enabled = true;  // false: a node without peers (tests, benchmarks)
  // Catch-up: blocks with a valid commit certificate are connected without
  // checking their txs' signatures (consensus_setup::trust_synced_certificates).
  bool sync_trust_certificates = false;
  std::string node_key_file = "node.key";  // non-validators; validators use the masternode key
  // [rpc]
  bool rpc_enabled = true;
  std::string rpc_bind = "127.0.0.1";
  uint16_t rpc_port = 24201;
  std::string rpc_user;
  std::string rpc_password;
  uint32_t rpc_threads = 4;
  uint64_t rpc_max_body_bytes = 16u << 20;
  bool rpc_allow_remote = false;  // a bind off loopback, only with a password
  // [metrics]: GET /metrics and /health, unauthenticated (node/monitor.hpp)
  bool metrics_enabled = true;
  std::string metrics_bind = "127.0.0.1";
  uint16_t metrics_port = 0;  // 0: the RPC port + 1
  uint16_t metrics_port_or_default() const;
  // [storage]
  std::string db_file = "chain.db";
  bool address_index = false;    // see open_options::address_index
  uint64_t utxo_cache_mb = 128;  // see open_options::utxo_cache_mb
  // 0: write-through. The node's default until the stall of the one
  // 30-minute 4-validator run with the cache is understood (README,
  // "The write-back UTXO cache"); 100 turns the cache on.
  uint32_t utxo_flush_blocks = 0;    // see open_options::utxo_flush_blocks
  uint32_t sync_flush_blocks = 100;  // see open_options::catch_up_flush_blocks
  uint64_t reader_mmap_mb = 1024;    // see open_options::reader_mmap_mb
  uint64_t utxo_recent_mb = 64;      // see open_options::utxo_recent_entries
  // [consensus]
  uint64_t block_interval_ms = 1000;
  uint64_t empty_block_interval_ms = 0;  // idle pacing; see consensus_config
  uint64_t propose_timeout_ms = 3000;
  uint64_t propose_timeout_missed_ms = 500;  // for a proposer that missed its last turn
  uint64_t prevote_timeout_ms = 1000;
  uint64_t precommit_timeout_ms = 1000;
  uint64_t timeout_delta_ms = 500;
  uint64_t vote_resend_ms = 1000;  // a slow round's own votes again; 0: never
  uint64_t fork_linger_s = 30;     // a proven fork: stop following, exit after this
  // [mempool]
  uint64_t mempool_max_txs = 200'000;
  uint64_t mempool_max_bytes = 128u << 20;
  uint32_t verifiers = 2;
  // [masternode]
  bool masternode_enabled = false;
  std::string masternode_key_file;  // relative paths are under datadir
  // The double-sign guard (last signed vote), kept outside chain.db so that
  // a re-sync or a restored database cannot undo it. Empty: the key file's
  // path with ".sign_guard" appended.
  std::string masternode_guard_file;
  std::string guard_path() const;
  // [logging]
  std::string log_level = "info";
  std::string log_format = "text";     // or "json": one JSON object per line
  std::vector<std::string> log_debug;  // categories at debug (log_categories)
  uint64_t log_file_max_bytes = 10u << 20;
  uint32_t log_files = 5;
  uint32_t status_interval_s = 10;
  // [trace]
  bool trace_enabled = false;
  std::string trace_file = "trace.json";
  uint64_t trace_max_events = 1'000'000;
  bool trace_to_log = false;  // timed -vvv: each traced message is a log line too

  std::string path_in_datadir(const std::string& p) const;
};

// The log's debug categories: consensus, mempool, p2p, rpc, storage, sync.
const std::vector<std::string>& log_categories();
// "p2p,consensus" checked against log_categories(); "all" and "none" allowed.
result<std::vector<std::string>> parse_categories(const std::string& comma_list);

// Defaults for a network: ports 24000/24001 mainnet, 24100/24101 testnet,
// 24200/24201 localnet; the data dir under `home`.
node_config default_config(network n, const std::string& home);
// Applies a TOML document over `base`. Errors name the origin and the key.
result<node_config> parse_config(const std::string& text, const std::string& origin,
                                 node_config base);
result<node_config> load_config_file(const std::string& path, node_config base);
// A commented config with every key at its default (timed --gen-config).
// Paths in it are relative to the data dir, which it leaves to --datadir
// (or ~/.timecoin/<network>): it names nothing of the machine it came from.
std::string default_config_text(network n, bool masternode = false);

}  // namespace tc
