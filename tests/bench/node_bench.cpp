// Single-node throughput benchmark: starts a real timed (one validator, a
// genesis funding N outputs), submits signed 1-input 2-output transactions
// over JSON-RPC in batches from several client threads, and reports admitted
// tx/s, finalized tx/s, time to finality (p50/p99) and RSS. Run on demand:
//   build/tests/bench/node_bench [--txs 20000] [--batch 500] [--clients 2] [--interval-ms 1000]
//                                [--verifiers 2] [--rpc-threads 4]

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/keyfile.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "storage/genesis.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;
using json = nlohmann::json;
using clk = std::chrono::steady_clock;

namespace {

uint64_t status_kb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::strlen(field)));
  return 0;
}

struct client {
  int port;
  std::string auth;
  json call(const json& body) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(120, 0);
    auto res = c.Post("/", {{"Authorization", "Basic " + base64_encode(auth)}}, body.dump(),
                      "application/json");
    if (!res || res->status != 200) return json();
    return json::parse(res->body, nullptr, false);
  }
  json rpc(const std::string& m, json params = json::array()) {
    json r = call({{"jsonrpc", "2.0"}, {"id", 1}, {"method", m}, {"params", params}});
    return r.is_object() ? r["result"] : json();
  }
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 20'000, batch = 500, clients = 2;
  uint64_t interval_ms = 1000;
  size_t verifiers = 2, rpc_threads = 4;
  std::string build = "build";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--txs") n = std::stoul(argv[i + 1]);
    if (a == "--batch") batch = std::stoul(argv[i + 1]);
    if (a == "--clients") clients = std::stoul(argv[i + 1]);
    if (a == "--interval-ms") interval_ms = std::stoull(argv[i + 1]);
    if (a == "--build") build = argv[i + 1];
    if (a == "--verifiers") verifiers = std::stoul(argv[i + 1]);
    if (a == "--rpc-threads") rpc_threads = std::stoul(argv[i + 1]);
  }
  std::string dir = "/tmp/tc_node_bench_" + std::to_string(::getpid());
  if (std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()) != 0) return 1;
  secret_key validator = test::key_from_seed(1), wallet = test::key_from_seed(2);
  if (!write_key_file(dir + "/mn.key", validator)) return 1;
  int port = 27000 + static_cast<int>(::getpid() % 1000) * 2;
  {
    std::ofstream g(dir + "/genesis.toml");
    g << "chain_id = \"timecoin-bench\"\nnetwork = \"localnet\"\ntime_ms = 1764000000000\n"
      << "[params]\nmin_validators = 1\nmin_tx_fee = \"0.0001\"\n";
    std::string addr = encode_address(network::localnet, wallet.public_key());
    for (size_t i = 0; i < n; ++i)
      g << "[[allocation]]\naddress = \"" << addr << "\"\namount = \"10\"\n";
    g << "[[masternode]]\noperator = \""
      << encode_address(network::localnet, validator.public_key())
      << "\"\ntier = \"gold\"\naddress = \"127.0.0.1:" << port + 1 << "\"\n";
    std::ofstream c(dir + "/timed.toml");
    c << "[node]\nnetwork = \"localnet\"\ndatadir = \"" << dir
      << "\"\n[network]\nport = " << port + 1 << "\n[rpc]\nport = " << port
      << "\nthreads = " << rpc_threads << "\n[mempool]\nverifiers = " << verifiers
      << "\n[consensus]\nblock_interval_ms = " << interval_ms
      << "\n[masternode]\nenabled = true\nkey_file = \"mn.key\"\n[logging]\nlevel = \"warn\"\n";
  }
  auto spec = load_genesis_file(dir + "/genesis.toml");
  if (!spec) return std::cerr << spec.error_message() << "\n", 1;
  hash256 gtxid = txid(make_genesis_block(*spec).txs[0]);

  std::cerr << "signing " << n << " transactions...\n";
  std::vector<std::string> hex(n);
  std::vector<hash256> ids(n);
  pubkey dest = test::key_from_seed(3).public_key();
  for (size_t i = 0; i < n; ++i) {
    tx_output spent{10 * coin, wallet.public_key()};
    transaction tx =
        test::make_transfer("timecoin-bench", {gtxid, static_cast<uint32_t>(i)}, spent, wallet,
                            {{4 * coin, dest}, {6 * coin - 10'000, wallet.public_key()}});
    tx.inputs[0].sig = wallet.sign(tx_sighash("timecoin-bench", txid(tx), 0, spent));  // fresh aux
    ids[i] = txid(tx);
    hex[i] = to_hex(encode_transaction(tx));
  }

  pid_t pid = ::fork();
  if (pid == 0) {
    std::string out = dir + "/out.log";
    freopen(out.c_str(), "w", stdout);
    freopen(out.c_str(), "a", stderr);
    std::string timed = build + "/node/timed", cfg = dir + "/timed.toml";
    execl(timed.c_str(), timed.c_str(), "--config", cfg.c_str(), nullptr);
    _exit(127);
  }
  client rpc{port, ""};
  for (int i = 0; i < 300; ++i) {
    std::ifstream ck(dir + "/.cookie");
    if (ck && std::getline(ck, rpc.auth) && rpc.rpc("getblockcount").is_number()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (rpc.auth.empty()) return std::cerr << "timed did not start (see " << dir << "/out.log)\n", 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * interval_ms));
  uint64_t idle_rss = status_kb(pid, "VmRSS:");

  std::vector<clk::time_point> submitted(n);
  std::vector<double> finality_ms(n, -1);
  std::atomic<size_t> accepted{0}, rejected{0};
  std::atomic<bool> done{false};
  std::atomic<size_t> finalized{0};
  auto t0 = clk::now();
  clk::time_point last_final = t0;
  std::thread tracker([&] {
    std::unordered_map<hash256, size_t, fixed_bytes_hasher> index;
    for (size_t i = 0; i < n; ++i) index[ids[i]] = i;
    client c = rpc;
    uint64_t seen = c.rpc("getblockcount").get<uint64_t>();
    while (!done) {
      json h = c.rpc("getblockcount");
      if (!h.is_number()) break;
      for (uint64_t x = seen + 1; x <= h.get<uint64_t>(); ++x) {
        json b = c.rpc("getblock", {x, 1});
        auto now = clk::now();
        for (const auto& t : b["tx"]) {
          auto it = index.find(*hash256::from_hex(t.get<std::string>()));
          if (it == index.end()) continue;
          finality_ms[it->second] =
              std::chrono::duration<double, std::milli>(now - submitted[it->second]).count();
          ++finalized;
          last_final = now;
        }
      }
      seen = h.get<uint64_t>();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::vector<std::thread> senders;
  for (size_t k = 0; k < clients; ++k)
    senders.emplace_back([&, k] {
      client c = rpc;
      for (size_t start = k * batch; start < n; start += clients * batch) {
        json req = json::array();
        size_t end = std::min(n, start + batch);
        for (size_t i = start; i < end; ++i)
          req.push_back({{"jsonrpc", "2.0"},
                         {"id", i},
                         {"method", "sendrawtransaction"},
                         {"params", {hex[i]}}});
        for (size_t i = start; i < end; ++i) submitted[i] = clk::now();
        json res = c.call(req);
        for (const auto& r : res)
          if (r.contains("result"))
            ++accepted;
          else
            ++rejected;
      }
    });
  for (auto& t : senders) t.join();
  double submit_s = std::chrono::duration<double>(clk::now() - t0).count();
  auto deadline = clk::now() + std::chrono::seconds(120);
  while (finalized < accepted && clk::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  done = true;
  tracker.join();
  uint64_t peak_rss = status_kb(pid, "VmHWM:");
  double final_s = std::chrono::duration<double>(last_final - t0).count();
  std::vector<double> lat;
  for (double v : finality_ms)
    if (v >= 0) lat.push_back(v);
  ::kill(pid, SIGTERM);
  int st = 0;
  ::waitpid(pid, &st, 0);

  std::printf("\n%-44s %14s\n", "node benchmark (1 validator, localnet)", "value");
  std::printf("%s\n", std::string(60, '-').c_str());
  std::printf("%-44s %14zu\n", "transactions submitted", n);
  std::printf("%-44s %14zu\n", "admitted", accepted.load());
  std::printf("%-44s %14zu\n", "rejected", rejected.load());
  std::printf("%-44s %14.0f\n", "admitted tx/s", accepted / submit_s);
  std::printf("%-44s %14zu\n", "finalized", lat.size());
  std::printf("%-44s %14.0f   (target >= 20000)\n", "finalized tx/s",
              final_s > 0 ? lat.size() / final_s : 0.0);
  std::printf("%-44s %14.0f   (target <= %.0f)\n", "time to finality p50 (ms)", pct(lat, 0.5),
              1.5 * interval_ms);
  std::printf("%-44s %14.0f\n", "time to finality p99 (ms)", pct(lat, 0.99));
  std::printf("%-44s %14.1f   (target <= 64)\n", "RSS at idle (MB)", idle_rss / 1024.0);
  std::printf("%-44s %14.1f\n", "peak RSS (MB)", peak_rss / 1024.0);
  std::printf("%-44s %14d\n", "timed exit code after SIGTERM",
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  std::system(("rm -rf " + dir).c_str());
  return 0;
}
