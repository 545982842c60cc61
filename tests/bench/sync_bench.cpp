// Re-sync benchmark: a chain of --txs signed transfers (blocks of
// --block-txs, certified by the genesis validator) is written straight into
// a chain.db, copied to --peers serving nodes, and a fresh node that knows
// them syncs it from scratch with full verification (or, with
// --trust-certificates 1, checking certificates only). Reported: the rate as
// a share of the limit measured in the same run (2 cores x one core's
// signature checks/s), the syncing node's CPU per tx, the ETA the node
// reported against the time it really took, and whether the synced UTXO set
// equals the peers'. Run on demand.
//   build/tests/bench/sync_bench [--txs 1000000] [--block-txs 5000] [--peers 3]
//                                [--trust-certificates 0|1] [--rebuild 0|1]
//                                [--flush-blocks N]  (the syncing node's utxo_flush_blocks)
//                                [--log warn|info|debug] [--keep 1] [--build DIR]
// The chain is built once per (txs, block-txs) in /tmp/tc_sync_bench_chain_*
// and reused (--rebuild 1 builds it again), so runs can alternate cheaply.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "messages/ledger/genesis.hpp"
#include "storage/chain_store.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/support/chain_builder.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using clk = std::chrono::steady_clock;
using bench::json;

namespace {

struct options {
  size_t txs = 1'000'000, block_txs = 5'000, peers = 3;
  bool trust = false, rebuild = false, keep = false;
  long flush_blocks = -1;  // the syncing node's [storage] utxo_flush_blocks; -1: its default
  std::string log = "warn", build;
};

options parse(int argc, char** argv) {
  options o;
  std::error_code ec;
  auto self = std::filesystem::canonical("/proc/self/exe", ec);
  o.build = ec ? "build" : self.parent_path().parent_path().parent_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--txs") o.txs = std::max<size_t>(1, std::stoul(v));
    if (a == "--block-txs") o.block_txs = std::clamp<size_t>(std::stoul(v), 1, 20'000);
    if (a == "--peers") o.peers = std::clamp<size_t>(std::stoul(v), 1, 8);
    if (a == "--trust-certificates") o.trust = v == "1";
    if (a == "--rebuild") o.rebuild = v == "1";
    if (a == "--keep") o.keep = v == "1";
    if (a == "--log") o.log = v;
    if (a == "--build") o.build = v;
    if (a == "--flush-blocks") o.flush_blocks = std::stol(v);
  }
  return o;
}

secret_key wallet() {
  return test::key_from_seed(2);
}
secret_key validator() {
  return test::key_from_seed(10);
}

// One gold validator (offline during the run: nobody makes new blocks) and
// one funded output per lane; each block spends every lane's last change.
void write_genesis(const std::string& path, size_t lanes) {
  std::ofstream g(path);
  g << "chain_id = \"timecoin-syncbench\"\nnetwork = \"localnet\"\ntime_ms = 1764000000000\n"
    << "[params]\nmin_validators = 1\nmin_tx_fee = \"0.0001\"\n";
  std::string addr = encode_address(network::localnet, wallet().public_key());
  for (size_t i = 0; i < lanes; ++i)
    g << "[[allocation]]\naddress = \"" << addr << "\"\namount = \"100\"\n";
  g << "[[masternode]]\noperator = \""
    << encode_address(network::localnet, validator().public_key())
    << "\"\ntier = \"gold\"\naddress = \"127.0.0.1:9\"\n";
}

// Signs lanes [first, end) of one block on the calling thread.
void sign_lanes(const sign_domain& domain, std::vector<outpoint>& prev,
                std::vector<tx_output>& spent, std::vector<transaction>& out, size_t first,
                size_t end, size_t step) {
  secret_key w = wallet();
  pubkey dest = test::key_from_seed(3).public_key();
  for (size_t l = first; l < end; l += step) {
    amount change = spent[l].value - coin / 1000 - 10'000;
    out[l] = test::make_transfer(domain, prev[l], spent[l], w,
                                 {{coin / 1000, dest}, {change, w.public_key()}});
    prev[l] = {txid(out[l]), 1};
    spent[l] = {change, w.public_key()};
  }
}

// Writes the chain into dir/chain.db; false (with a message) on failure.
bool build_chain(const std::string& dir, const options& o) {
  size_t lanes = std::min(o.txs, o.block_txs);
  write_genesis(dir + "/genesis.toml", lanes);
  auto spec = load_genesis_file(dir + "/genesis.toml");
  if (!spec) return std::cerr << spec.error_message() << "\n", false;
  test::chain_builder cb(0, 0, 0);
  cb.genesis = *spec;
  cb.operators = {validator()};
  cb.owners = {wallet()};
  open_options oo;
  oo.utxo_flush_blocks = 100;  // the cache: building is not what is measured
  auto cs = chain_store::open(dir + "/chain.db", *spec, oo);
  if (!cs) return std::cerr << cs.error_message() << "\n", false;
  hash256 gtxid = txid(make_genesis_block(*spec).txs[0]);
  std::vector<outpoint> prev(lanes);
  std::vector<tx_output> spent(lanes, tx_output{100 * coin, wallet().public_key()});
  for (size_t l = 0; l < lanes; ++l) prev[l] = {gtxid, static_cast<uint32_t>(l)};
  sign_domain domain = cb.domain();
  auto t0 = clk::now();
  for (size_t done = 0; done < o.txs;) {
    size_t n = std::min(lanes, o.txs - done);
    std::vector<transaction> txs(n);
    std::thread other(sign_lanes, std::cref(domain), std::ref(prev), std::ref(spent), std::ref(txs),
                      1, n, 2);
    sign_lanes(domain, prev, spent, txs, 0, n, 2);
    other.join();
    block b = cb.make_block(**cs, std::move(txs), static_cast<amount>(n) * 10'000);
    connect_options opt = cb.at(b);
    opt.signatures_checked = true;  // signed just above
    if (auto s = (*cs)->connect_block(b, cb.certify(**cs, b), opt); !s)
      return std::cerr << "building block " << b.header.height << ": " << s.error_message() << "\n",
             false;
    done += n;
    if (b.header.height % 20 == 0)
      std::cerr << "  built " << done << " txs in " << b.header.height << " blocks\n";
  }
  if (auto s = (*cs)->flush_utxos(); !s) return std::cerr << s.error_message() << "\n", false;
  (void)(*cs)->checkpoint_wal(chain_store::checkpoint_mode::truncate);
  std::cerr << "built in " << std::chrono::duration<double>(clk::now() - t0).count() << " s\n";
  return true;
}

void write_config(const std::string& d, int p2p, int rpc, const std::vector<int>& peers,
                  const options& o) {
  std::string add;
  for (int p : peers)
    add += (add.empty() ? "\"" : ", \"") + std::string("127.0.0.1:") + std::to_string(p) + "\"";
  std::ofstream c(d + "/timed.toml");
  c << "[node]\nnetwork = \"localnet\"\ndatadir = \"" << d << "\"\n[network]\nport = " << p2p
    << "\naddnode = [" << add << "]\n"
    << (o.trust && !peers.empty() ? "sync_trust_certificates = true\n" : "")
    << "[rpc]\nport = " << rpc << "\n[metrics]\nenabled = false\n[logging]\nlevel = \"" << o.log
    << "\"\n";
  if (!peers.empty() && o.flush_blocks >= 0)
    c << "[storage]\nutxo_flush_blocks = " << o.flush_blocks << "\n";
}

struct sample {
  double t_s;
  uint64_t height;
  double eta_s;
};

// The ETA the node reported when it was about `share` of the way, against
// the time the rest really took.
void print_eta(const std::vector<sample>& s, uint64_t target, double total_s, double share) {
  for (const auto& x : s)
    if (x.height >= static_cast<uint64_t>(share * static_cast<double>(target)) && x.eta_s > 0) {
      double real = total_s - x.t_s;
      std::printf("%-52s %9.0f s %9.0f s %7.0f%%\n",
                  ("ETA reported at " + std::to_string(int(share * 100)) + "% (real rest)").c_str(),
                  x.eta_s, real, real > 0 ? 100 * (x.eta_s - real) / real : 0.0);
      return;
    }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  options o = parse(argc, argv);
  std::string chain_dir =
      "/tmp/tc_sync_bench_chain_" + std::to_string(o.txs) + "_" + std::to_string(o.block_txs);
  if (o.rebuild || !std::filesystem::exists(chain_dir + "/done")) {
    std::filesystem::remove_all(chain_dir);
    std::filesystem::create_directories(chain_dir);
    std::cerr << "building a chain of " << o.txs << " txs in " << chain_dir << "...\n";
    if (!build_chain(chain_dir, o)) return 1;
    std::ofstream(chain_dir + "/done") << "ok\n";
  }
  uint64_t target = (o.txs + std::min(o.txs, o.block_txs) - 1) / std::min(o.txs, o.block_txs);
  std::string dir = "/tmp/tc_sync_bench_" + std::to_string(::getpid());
  int port = 28000 + static_cast<int>(::getpid() % 200) * 20;
  auto node_dir = [&](size_t i) { return dir + "/node" + std::to_string(i); };
  std::vector<int> peer_ports;
  for (size_t i = 0; i <= o.peers; ++i) {
    std::filesystem::create_directories(node_dir(i));
    std::filesystem::copy_file(chain_dir + "/genesis.toml", node_dir(i) + "/genesis.toml");
    if (i < o.peers) {
      std::filesystem::copy_file(chain_dir + "/chain.db", node_dir(i) + "/chain.db");
      peer_ports.push_back(port + 2 * static_cast<int>(i) + 1);
    }
  }
  for (size_t i = 0; i < o.peers; ++i)
    write_config(node_dir(i), port + 2 * int(i) + 1, port + 2 * int(i), {}, o);
  size_t me = o.peers;
  write_config(node_dir(me), port + 2 * int(me) + 1, port + 2 * int(me), peer_ports, o);

  std::cerr << "measuring one core's signature checks/s...\n";
  double verify_before = bench::verify_rate_1core(2.0);
  std::string timed = o.build + "/node/timed";
  std::vector<pid_t> pids;
  std::vector<bench::client> rpcs;
  for (size_t i = 0; i < o.peers; ++i) {
    pids.push_back(
        bench::spawn_timed(timed, node_dir(i) + "/timed.toml", node_dir(i) + "/out.log"));
    rpcs.push_back(bench::wait_rpc(node_dir(i), port + 2 * int(i)));
    if (rpcs.back().auth.empty()) return std::cerr << "peer " << i << " did not start\n", 1;
  }
  std::vector<uint64_t> peer_cpu0;
  for (pid_t p : pids) peer_cpu0.push_back(bench::cpu_ticks(p));
  std::cerr << "syncing " << target << " blocks from " << o.peers << " peers...\n";
  auto t0 = clk::now();
  pid_t syncer = bench::spawn_timed(timed, node_dir(me) + "/timed.toml", node_dir(me) + "/out.log");
  pids.push_back(syncer);
  bench::client rpc = bench::wait_rpc(node_dir(me), port + 2 * int(me));
  std::vector<sample> samples;
  double total_s = 0, last_print = -5;
  bool synced = false;
  while (!rpc.auth.empty()) {
    double t = std::chrono::duration<double>(clk::now() - t0).count();
    json info = rpc.rpc("getblockchaininfo");
    if (info.is_object() && info["blocks"].is_number()) {
      uint64_t h = info["blocks"].get<uint64_t>();
      double eta = info["sync_eta_s"].is_number() ? info["sync_eta_s"].get<double>() : 0;
      samples.push_back({t, h, eta});
      if (h >= target) {
        total_s = t, synced = true;
        break;
      }
      if (t >= last_print + 5) {
        std::printf("%7.0f s  height %6llu of %llu  %8.0f tx/s so far  ETA %5.0f s\n", t,
                    static_cast<unsigned long long>(h), static_cast<unsigned long long>(target),
                    static_cast<double>(h * std::min(o.txs, o.block_txs)) / t, eta);
        last_print = t;
      }
    }
    int status = 0;
    if (::waitpid(syncer, &status, WNOHANG) == syncer) break;
    if (t > 3600) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  uint64_t sync_cpu = bench::cpu_ticks(syncer), peak_kb = bench::status_kb(syncer, "VmHWM:");
  uint64_t peer_cpu = 0;
  for (size_t i = 0; i < o.peers; ++i) peer_cpu += bench::cpu_ticks(pids[i]) - peer_cpu0[i];
  bool same_set = synced && rpc.rpc("gettxoutsetinfo") == rpcs[0].rpc("gettxoutsetinfo");
  for (pid_t p : pids) ::kill(p, SIGTERM);
  for (pid_t p : pids) ::waitpid(p, nullptr, 0);
  double verify_after = bench::verify_rate_1core(2.0);
  if (!o.keep) std::filesystem::remove_all(dir);
  if (!synced) return std::cerr << "the node did not sync (see " << node_dir(me) << ")\n", 1;

  double vr = (verify_before + verify_after) / 2, sig_us = 1e6 / vr, limit = 2 * vr;
  double tps = static_cast<double>(o.txs) / total_s, hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  double cpu_us = 1e6 * static_cast<double>(sync_cpu) / hz / static_cast<double>(o.txs);
  double peer_us = 1e6 * static_cast<double>(peer_cpu) / hz / static_cast<double>(o.txs);
  std::printf("\n%-52s %11s %11s %8s\n",
              o.trust ? "re-sync, trusting certificates" : "re-sync, full verification", "value",
              "", "ratio");
  std::printf("%s\n", std::string(86, '-').c_str());
  std::printf("%s\n", bench::timed_version(timed).c_str());
  std::printf("%-52s %11zu\n", "transactions", o.txs);
  std::printf("%-52s %11llu\n", "blocks", static_cast<unsigned long long>(target));
  std::printf("%-52s %11.1f\n", "one signature check, 1 core (us)", sig_us);
  std::printf("%-52s %11.0f\n", "limit: 2 cores x verify/s (tx/s)", limit);
  std::printf("%-52s %11.1f\n", "time to sync (s)", total_s);
  std::printf("%-52s %11.0f %11s %7.1f%%\n", "synced tx/s, share of the limit", tps, "",
              100 * tps / limit);
  std::printf("%-52s %11.1f %11s %7.2fx\n", "syncing node's CPU per tx (us), x sig check", cpu_us,
              "", cpu_us / sig_us);
  std::printf("%-52s %11.1f %11s %7.2fx\n", "serving peers' CPU per tx, all (us), x sig check",
              peer_us, "", peer_us / sig_us);
  std::printf("%-52s %11.0f\n", "syncing node's peak RSS (MB)",
              static_cast<double>(peak_kb) / 1024);
  print_eta(samples, target, total_s, 0.25);
  print_eta(samples, target, total_s, 0.5);
  std::printf("%-52s %11s\n", "UTXO set equals the peers' (gettxoutsetinfo)",
              same_set ? "yes" : "NO");
  return same_set ? 0 : 1;
}
