#include "tests/bench/bench_support.hpp"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "messages/encoding.hpp"
#include "tests/support/fixtures.hpp"

namespace tc::bench {

using clk = std::chrono::steady_clock;

double verify_rate_1core(double seconds) {
  std::vector<secret_key> keys;
  for (uint64_t i = 0; i < 64; ++i) keys.push_back(test::key_from_seed(1'000 + i));
  std::vector<hash256> msgs(512);
  std::vector<signature> sigs;
  for (size_t i = 0; i < msgs.size(); ++i) {
    msgs[i].v[0] = static_cast<uint8_t>(i), msgs[i].v[1] = static_cast<uint8_t>(i >> 8);
    sigs.push_back(keys[i % keys.size()].sign(msgs[i]));
  }
  size_t done = 0, ok = 0;
  auto t0 = clk::now();
  while (std::chrono::duration<double>(clk::now() - t0).count() < seconds)
    for (size_t i = 0; i < msgs.size(); ++i, ++done)
      ok += verify(keys[i % keys.size()].public_key(), msgs[i], sigs[i]);
  if (ok != done) std::cerr << "verify_rate_1core: a signature did not verify\n";
  return static_cast<double>(done) / std::chrono::duration<double>(clk::now() - t0).count();
}

uint64_t status_kb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::strlen(field)));
  return 0;
}

uint64_t cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string tok;
  uint64_t ut = 0;
  for (int f = 1; in >> tok; ++f) {
    if (f == 14) ut = std::stoull(tok);
    if (f == 15) return ut + std::stoull(tok);
  }
  return ut;
}

uint64_t wakeups(pid_t pid) {
  uint64_t n = 0;
  std::error_code ec;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& t : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(t.path() / "status");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) n += std::stoull(line.substr(24));
  }
  return n;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

json client::call(const json& body) {
  return post(body.dump());
}

json client::post(const std::string& body) {
  // One kept-alive connection per thread and node: a new connection per
  // call ran a long run out of ephemeral ports (TIME_WAIT).
  thread_local std::map<int, std::unique_ptr<httplib::Client>> conns;
  auto& c = conns[port];
  if (!c) {
    c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_keep_alive(true);
    c->set_read_timeout(120, 0);
  }
  auto res =
      c->Post("/", {{"Authorization", "Basic " + base64_encode(auth)}}, body, "application/json");
  if (!res || res->status != 200) {
    static std::atomic<int> reported{0};
    if (reported++ < 5)
      std::cerr << "rpc call failed: "
                << (res ? "HTTP " + std::to_string(res->status) : httplib::to_string(res.error()))
                << "\n";
    c.reset();
    return json();
  }
  return json::parse(res->body, nullptr, false);
}

json client::rpc(const std::string& method, json params) {
  json r = call({{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}});
  return r.is_object() ? r["result"] : json();
}

pid_t spawn_timed(const std::string& timed, const std::string& cfg, const std::string& out_log,
                  const std::vector<std::string>& extra) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (!freopen(out_log.c_str(), "a", stdout) || !freopen(out_log.c_str(), "a", stderr)) _exit(126);
  std::vector<std::string> args{timed, "--config", cfg};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  execv(timed.c_str(), argp.data());
  _exit(127);
}

std::string timed_version(const std::string& timed) {
  std::string cmd = "'" + timed + "' --version 2>/dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return "?";
  char line[512] = {};
  bool got = std::fgets(line, sizeof line, f) != nullptr;
  ::pclose(f);
  std::string v = got ? line : "?";
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

client wait_rpc(const std::string& datadir, int rpc_port) {
  client c{rpc_port, ""};
  for (int i = 0; i < 300; ++i) {
    std::ifstream ck(datadir + "/.cookie");
    if (ck && std::getline(ck, c.auth) && c.rpc("getblockcount").is_number()) return c;
    c.auth.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return c;
}

}  // namespace tc::bench
