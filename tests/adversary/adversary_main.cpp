// adversary: a hostile peer and RPC client built on the project's own
// codec, keys and session core. It mounts one attack (or all) against a
// running node and exits 0 only if the node answered as it must.
//
//   adversary --target 127.0.0.1:24200 --rpc 127.0.0.1:24201
//             --cookie ~/.timecoin/localnet/.cookie --attack body-swap
//   adversary --list
//
// The honest network's progress around an attack is checked by
// tests/adversary/run.sh (ctest: adversary:<name>).

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/adversary/attacks.hpp"

using namespace tc::adversary;

int main(int argc, char** argv) {
  CLI::App app{"adversary: attacks a running timed"};
  options o;
  std::string name, cookie;
  bool list = false;
  app.add_option("--target", o.target, "the node's P2P address, host:port");
  app.add_option("--rpc", o.rpc, "the node's RPC address, host:port");
  app.add_option("--cookie", cookie, "the node's RPC cookie file (or --rpc-credentials)");
  app.add_option("--rpc-credentials", o.credentials, "user:password");
  app.add_option("--wallet", o.wallet_file, "a funded key file (poison-pairs)");
  app.add_option("--target2", o.target2, "another node's P2P address (handshake-relay)");
  app.add_option("--attack", name, "an attack's name, or all");
  app.add_flag("--list", list, "list the attacks");
  bool legacy = false;
  app.add_flag("--legacy-v2", legacy,
               "speak protocol version 2 (plaintext): to run an attack against a node built "
               "from the code before the encrypted transport");
  CLI11_PARSE(app, argc, argv);
  set_legacy_v2(legacy);
  std::vector<attack> all = p2p_attacks();
  for (const auto& a : rpc_attacks()) all.push_back(a);
  for (const auto& a : transport_attacks()) all.push_back(a);
  if (list) {
    for (const auto& a : all) std::printf("%-16s finding %-5s %s\n", a.name, a.finding, a.what);
    return 0;
  }
  if (!cookie.empty()) {
    std::ifstream in(cookie);
    std::getline(in, o.credentials);
  }
  if (o.target.empty() || o.rpc.empty() || o.credentials.empty() || name.empty()) {
    std::fprintf(stderr, "need --target, --rpc, --cookie (or --rpc-credentials) and --attack\n");
    return 2;
  }
  if (auto id = learn_identity(o); !id.ok) {
    std::fprintf(stderr, "cannot learn the chain: %s\n", id.what.c_str());
    return 2;
  }
  int failed = 0, ran = 0;
  for (const auto& a : all) {
    if (name != "all" && name != a.name) continue;
    ++ran;
    outcome r = a.run(o);
    std::printf("%s %s (finding %s, %s): %s\n", r.ok ? "ok  " : "FAIL", a.name, a.finding, a.what,
                r.what.c_str());
    failed += !r.ok;
  }
  if (!ran) {
    std::fprintf(stderr, "unknown attack '%s' (--list)\n", name.c_str());
    return 2;
  }
  return failed ? 1 : 0;
}
