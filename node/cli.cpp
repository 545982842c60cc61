// timecoin-cli: JSON-RPC client for timed, and a small wallet that builds and
// signs transactions locally (keys never leave this process).

#include <httplib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "crypto/keyfile.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "node/build_info.hpp"  // TC_GIT_COMMIT (generated)
#include "node/config.hpp"
#include "node/rpc_url.hpp"
#include "node/wallet.hpp"

using namespace tc;
using json = nlohmann::json;

namespace {

// What went wrong, for scripts: the exit status (README, "timecoin-cli").
namespace exit_code {
constexpr int ok = 0;
constexpr int other = 1;        // a bad answer, a local file problem
constexpr int usage = 2;        // bad flags or values
constexpr int unreachable = 3;  // no node answered at the RPC address
constexpr int auth = 4;         // no cookie, or the node refused the credentials
constexpr int rpc_error = 5;    // the node answered with a JSON-RPC error
}  // namespace exit_code

struct cli_error {
  std::string what;
  int code = exit_code::other;
};
[[noreturn]] void die(std::string w, int code = exit_code::other) {
  throw cli_error{std::move(w), code};
}

struct rpc_client {
  rpc_endpoint at;
  std::string auth;
  uint64_t wait_s = 0;  // --rpcwait: keep trying to reach the node this long

  json call(const std::string& method, json params = json::array()) {
    httplib::Client cli(at.host, at.port);
    cli.set_connection_timeout(5, 0);
    cli.set_read_timeout(660, 0);
    httplib::Headers h{{"Authorization", "Basic " + base64_encode(auth)}};
    json req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    auto res = cli.Post("/", h, req.dump(), "application/json");
    while (!res && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      res = cli.Post("/", h, req.dump(), "application/json");
    }
    if (!res)
      die("cannot reach timed at " + at.text() + " (is it running?)", exit_code::unreachable);
    if (res->status == 401)
      die("RPC authentication failed (401): check the cookie or rpc user/password",
          exit_code::auth);
    json j = json::parse(res->body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      die("bad response from timed (HTTP " + std::to_string(res->status) +
          "): " + res->body.substr(0, 200));
    if (j.contains("error") && !j["error"].is_null()) {
      const json& e = j["error"];
      std::string code = e.contains("code") ? e["code"].dump() : "?";
      std::string msg = e.contains("message") && e["message"].is_string()
                            ? e["message"].get<std::string>()
                            : e.dump();
      die("error " + code + ": " + msg, exit_code::rpc_error);
    }
    return j.contains("result") ? j["result"] : json();
  }
};

json parse_arg(const std::string& a) {
  json j = json::parse(a, nullptr, false);
  if (j.is_discarded()) return a;
  return j;
}

void print(const json& j) {
  if (j.is_string())
    std::cout << j.get<std::string>() << "\n";
  else
    std::cout << j.dump(2) << "\n";
}

// What a wallet command needs from the command line.
struct wallet_args {
  bool send = false;  // a transfer; else a masternode registration
  std::string key_file, to, amount_text, fee_text, address, collateral, operator_key_file;
  bool wait = false, dry_run = false;
};

// What the command line says, checked before the node is asked anything:
// a typo is exit 2 whether or not a node runs.
struct wallet_plan {
  std::optional<amount> amount_sent, fee;
  pubkey to;
  std::optional<outpoint> coll;
};
wallet_plan check_wallet_args(const wallet_args& w, network net) {
  wallet_plan p;
  if (!w.fee_text.empty()) {
    auto f = parse_amount(w.fee_text);
    if (!f) die("--fee: " + f.error_message(), exit_code::usage);
    p.fee = *f;
  }
  if (w.send) {
    auto a = parse_amount(w.amount_text);
    if (!a || *a <= 0)
      die("--amount: " + (a ? std::string("must be positive") : a.error_message()),
          exit_code::usage);
    auto dest = decode_address(net, w.to);
    if (!dest) die("--to: " + dest.error_message(), exit_code::usage);
    p.amount_sent = *a;
    p.to = *dest;
    return p;
  }
  auto colon = w.collateral.find(':');
  if (colon == std::string::npos) die("--collateral: expected TXID:VOUT", exit_code::usage);
  auto cid = hash256::from_hex(w.collateral.substr(0, colon));
  if (!cid) die("--collateral: " + cid.error_message(), exit_code::usage);
  std::string vout = w.collateral.substr(colon + 1);
  if (vout.empty() || vout.size() > 9 || vout.find_first_not_of("0123456789") != std::string::npos)
    die("--collateral: VOUT must be a number", exit_code::usage);
  p.coll = outpoint{*cid, static_cast<uint32_t>(std::stoul(vout))};  // 9 digits: no throw
  return p;
}

// `send` and `register-masternode`: ask the node for the chain's domain, the
// fee and our coins, build and sign the tx (node/wallet.hpp), submit it.
int run_wallet(wallet_args w, network net, rpc_client& rpc) {
  wallet_plan plan = check_wallet_args(w, net);
  auto k = load_key_file(w.key_file);
  if (!k) die(k.error_message());
  std::string from = encode_address(net, k->public_key());
  json info = rpc.call("getblockchaininfo");
  auto genesis = hash256::from_hex(info["genesis_hash"].get<std::string>());
  if (!genesis) die("the node sent a bad genesis hash: " + genesis.error_message());
  // Signatures are bound to the chain id and the genesis hash.
  sign_domain domain = signing_domain(info["chain_id"].get<std::string>(), *genesis);
  amount fee = plan.fee ? *plan.fee : *parse_amount(info["min_tx_fee"].get<std::string>());
  json utxos = rpc.call("listunspent", {from});
  transaction tx;
  amount target = fee;
  std::optional<secret_key> op_key;  // a registration's operator
  std::optional<outpoint> coll = plan.coll;
  tx_output coll_out;
  if (w.send) {
    target += *plan.amount_sent;
    tx.outputs.push_back({*plan.amount_sent, plan.to});
  } else {
    tx.kind = tx_kind::mn_register;
    json out = rpc.call("gettxout", {coll->txid.hex(), coll->index});
    if (out.is_null()) die("--collateral: no such unspent output");
    coll_out = {out["value_units"].get<amount>(), k->public_key()};
    if (out["address"].get<std::string>() != from) die("--collateral is not owned by --key");
    mn_tier tier = mn_tier::free;
    for (mn_tier t : {mn_tier::bronze, mn_tier::silver, mn_tier::gold})
      if (tier_collateral(t) == coll_out.value) tier = t;
    if (tier == mn_tier::free) die("--collateral must be exactly 1000, 10000 or 100000 TIME");
    op_key = *k;
    if (!w.operator_key_file.empty()) {
      auto o = load_key_file(w.operator_key_file);
      if (!o) die(o.error_message());
      op_key = *o;
    }
    tx.registration = mn_registration{tier, *coll, op_key->public_key(), w.address, {}, {}};
  }
  std::vector<wallet::coin> coins;
  for (const auto& u : utxos) {
    auto id = hash256::from_hex(u["txid"].get<std::string>());
    if (!id) die("the node sent a bad txid: " + id.error_message());
    coins.push_back({outpoint{*id, u["vout"].get<uint32_t>()}, u["value_units"].get<amount>()});
  }
  auto chosen = wallet::select_coins(coins, target, coll);
  if (!chosen) die(chosen.error_message());
  wallet::fund(tx, *chosen, target, k->public_key());
  std::vector<amount> values;
  for (const auto& c : chosen->inputs) values.push_back(c.value);
  wallet::sign(tx, domain, *k, values, op_key ? &*op_key : nullptr, &coll_out);
  if (w.dry_run) {
    std::cout << to_hex(encode_transaction(tx)) << "\n";
    return 0;
  }
  json sent = rpc.call("sendrawtransaction", {to_hex(encode_transaction(tx))});
  std::cout << sent.get<std::string>() << "\n";
  if (w.wait) {
    json fin = rpc.call("waittransactionfinality", {sent, 60000});
    if (!fin["final"].get<bool>()) die("not final within 60 s");
    std::cerr << "final at height " << fin["height"] << "\n";
  }
  return 0;
}

// Where the node is and how to log in: flags first, then --config (the
// node's timed.toml: port, user, password, data dir; without it the data
// dir's timed.toml), then the defaults.
struct connection_args {
  std::string net_name = "localnet", datadir, rpc_url, rpc_user, rpc_password, config;
  uint64_t rpcwait_s = 0;
};
rpc_client connect(const connection_args& a, network net) {
  const char* home = std::getenv("HOME");
  node_config cfg = default_config(net, home ? home : ".");
  // As timed does: without --config, the data dir's timed.toml when it has one.
  std::string file = a.config;
  if (file.empty()) {
    std::string in_dir = (a.datadir.empty() ? cfg.datadir : a.datadir) + "/timed.toml";
    if (::access(in_dir.c_str(), R_OK) == 0) file = in_dir;
  }
  if (!file.empty()) {
    auto c = load_config_file(file, cfg);
    if (!c) die(c.error_message(), exit_code::usage);
    cfg = *c;
  }
  std::string datadir = a.datadir.empty() ? cfg.datadir : a.datadir;
  auto at = parse_rpc_url(a.rpc_url.empty() ? "127.0.0.1" : a.rpc_url, cfg.rpc_port);
  if (!at) die(at.error_message(), exit_code::usage);
  rpc_client rpc{*at, "", a.rpcwait_s};
  std::string user = a.rpc_user.empty() ? cfg.rpc_user : a.rpc_user;
  if (!user.empty()) {
    rpc.auth = user + ":" + (a.rpc_user.empty() ? cfg.rpc_password : a.rpc_password);
    return rpc;
  }
  // The node writes its cookie once it listens: --rpcwait waits for it too.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.rpcwait_s);
  std::ifstream in(datadir + "/.cookie");
  while (!in && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    in = std::ifstream(datadir + "/.cookie");
  }
  if (!in)
    die("cannot read " + datadir +
            "/.cookie (is timed running? use --datadir, --config or "
            "--rpc-user)",
        exit_code::auth);
  std::getline(in, rpc.auth);
  return rpc;
}

int run(CLI::App& app, const connection_args& ca, const std::vector<std::string>& rpc_args,
        wallet_args& w) {
  auto n = parse_network(ca.net_name);
  if (!n) die(n.error_message(), exit_code::usage);
  network net = *n;
  if (*app.get_subcommand("keygen")) {
    secret_key k = secret_key::generate();
    if (auto s = write_key_file(w.key_file, k); !s) die(s.error_message());
    std::cout << encode_address(net, k.public_key()) << "\n";
    return 0;
  }
  if (*app.get_subcommand("address")) {
    auto k = load_key_file(w.key_file);
    if (!k) die(k.error_message());
    std::cout << encode_address(net, k->public_key()) << "\n";
    return 0;
  }
  if (*app.get_subcommand("send") || *app.get_subcommand("register-masternode")) {
    w.send = bool(*app.get_subcommand("send"));
    check_wallet_args(w, net);  // before any connection: usage errors first
    rpc_client rpc = connect(ca, net);
    return run_wallet(std::move(w), net, rpc);
  }
  std::string address = w.address;
  if (*app.get_subcommand("balance")) {
    if (!w.key_file.empty()) {
      auto k = load_key_file(w.key_file);
      if (!k) die(k.error_message());
      address = encode_address(net, k->public_key());
    }
    if (address.empty()) die("balance needs --key or --address", exit_code::usage);
    rpc_client rpc = connect(ca, net);
    print(rpc.call("getbalance", {address}));
    return 0;
  }
  rpc_client rpc = connect(ca, net);
  json params = json::array();
  for (size_t i = 1; i < rpc_args.size(); ++i) params.push_back(parse_arg(rpc_args[i]));
  print(rpc.call(rpc_args[0], params));
  return 0;
}

void add_wallet_commands(CLI::App& app, wallet_args& w) {
  auto* keygen =
      app.add_subcommand("keygen", "create a key file (mode 0600) and print its address");
  keygen->add_option("--out", w.key_file, "key file to create")->required();
  auto* addr = app.add_subcommand("address", "print the address of a key file");
  addr->add_option("--key", w.key_file)->required();
  auto* bal = app.add_subcommand("balance", "balance of a key file's or an address's outputs");
  bal->add_option("--key", w.key_file);
  bal->add_option("--address", w.address);
  auto* send = app.add_subcommand("send", "build, sign and submit a transfer; prints the txid");
  send->add_option("--key", w.key_file)->required();
  send->add_option("--to", w.to)->required();
  send->add_option("--amount", w.amount_text, "in TIME, e.g. 12.5")->required();
  send->add_option("--fee", w.fee_text, "in TIME (default: the chain's minimum)");
  send->add_flag("--wait", w.wait, "wait until the transaction is final");
  send->add_flag("--dry-run", w.dry_run,
                 "print the signed transaction's hex instead of submitting it");
  auto* reg = app.add_subcommand("register-masternode",
                                 "lock a collateral output and register a masternode");
  reg->add_option("--key", w.key_file, "owner of the collateral")->required();
  reg->add_option("--collateral", w.collateral, "TXID:VOUT of exactly 1000/10000/100000 TIME")
      ->required();
  reg->add_option("--address", w.address, "the masternode's HOST:PORT")->required();
  reg->add_option("--operator-key", w.operator_key_file, "the masternode's key (default: --key)");
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();  // global options anywhere
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "timecoin-cli — TimeCoin RPC client and wallet\n"
      "exit status: 0 ok, 1 other error, 2 bad usage, 3 node unreachable, "
      "4 authentication, 5 RPC error"};
  connection_args ca;
  bool version = false;
  app.add_option("--network", ca.net_name, "mainnet, testnet or localnet");
  app.add_option("--datadir", ca.datadir, "timed's data directory (for the .cookie)");
  app.add_option("--config", ca.config, "timed's config file: its RPC port, user and data dir");
  app.add_option("--rpc-url", ca.rpc_url, "http://HOST:PORT (default 127.0.0.1, the RPC port)");
  app.add_option("--rpc-user", ca.rpc_user, "instead of the cookie");
  app.add_option("--rpc-password", ca.rpc_password, "instead of the cookie");
  app.add_option("--rpcwait", ca.rpcwait_s, "wait up to S seconds for the node to answer")
      ->expected(0, 1)
      ->default_str("60");
  app.add_flag("--version", version, "print the version and exit");
  app.require_subcommand(0, 1);
  wallet_args w;
  add_wallet_commands(app, w);
  std::vector<std::string> rpc_args;
  app.add_option("method", rpc_args, "METHOD [ARGS...] for a raw RPC call (help: the list)");
  if (argc <= 1) {
    std::cerr << app.help();
    return exit_code::usage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_code::ok : exit_code::usage;
  }
  if (version) {
    std::cout << "timecoin-cli " << TC_VERSION << " (" << TC_GIT_COMMIT << ", " << TC_BUILD_KIND
              << ")\n";
    return exit_code::ok;
  }
  if (app.get_subcommands().empty() && rpc_args.empty()) {
    std::cerr << "timecoin-cli: nothing to do: give a METHOD or a wallet command (--help)\n";
    return exit_code::usage;
  }
  try {
    return run(app, ca, rpc_args, w);
  } catch (const cli_error& e) {
    std::cerr << "timecoin-cli: " << e.what << "\n";
    return e.code;
  } catch (const std::exception& e) {  // a malformed answer: say so, never abort
    std::cerr << "timecoin-cli: unexpected answer or failure: " << e.what() << "\n";
    return exit_code::other;
  }
}
