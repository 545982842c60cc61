#pragma once
// What node_bench and sync_bench share: the limit measured in the run (one
// core's signature checks/s), a process's CPU and memory from /proc, a
// JSON-RPC client for a node's cookie, and starting `timed` on a config.

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tc::bench {

using json = nlohmann::json;

// One core's BIP340 verifications per second, each parsing its key
// (ledger_bench's first row). A node checks every tx's signature, so
// 2 cores x this rate bound one node's tx/s.
double verify_rate_1core(double seconds);

// A field of /proc/PID/status in kB ("VmRSS:", "VmHWM:").
uint64_t status_kb(pid_t pid, const char* field);
// User + system CPU of a process, in clock ticks (sysconf(_SC_CLK_TCK)).
uint64_t cpu_ticks(pid_t pid);
// Voluntary context switches summed over a process's live threads: each is
// a thread going to sleep, so idle, this counts wakeups. Unlike CPU time it
// does not vary with what a wakeup costs on the machine (a VM's futex wake
// and timer cost several times what bare metal's do).
uint64_t wakeups(pid_t pid);

// The p-quantile (0..1) of v; 0 when empty.
double pct(std::vector<double> v, double p);

struct client {
  int port;
  std::string auth;  // "user:password", from the node's .cookie
  json call(const json& body);
  json post(const std::string& body);
  // The call's "result", or null when it failed.
  json rpc(const std::string& method, json params = json::array());
};

// Forks `timed --config cfg [extra...]` with its output appended to
// `out_log`; the child's pid.
pid_t spawn_timed(const std::string& timed, const std::string& cfg, const std::string& out_log,
                  const std::vector<std::string>& extra = {});
// Waits (up to 30 s) for the node in `datadir` to answer getblockcount on
// `rpc_port` with the cookie it wrote; auth stays empty if it never does.
client wait_rpc(const std::string& datadir, int rpc_port);
// The first line `timed --version` prints (commit, build kind, allocator),
// so a table says which binary it measured; "?" when it cannot run.
std::string timed_version(const std::string& timed);

}  // namespace tc::bench
