// timecoin-cli: JSON-RPC client for timed, and a small wallet that builds and
// signs transactions locally (keys never leave this process).

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/keyfile.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "node/config.hpp"
#include "node/wallet.hpp"

using namespace tc;
using json = nlohmann::json;

namespace {

struct cli_error {
  std::string what;
};
[[noreturn]] void die(std::string w) {
  throw cli_error{std::move(w)};
}

struct rpc_client {
  std::string url, auth;
  json call(const std::string& method, json params = json::array()) {
    std::string rest = url.substr(url.find("://") + 3);
    std::string host = rest.substr(0, rest.find(':'));
    int port = std::stoi(rest.substr(rest.find(':') + 1));
    httplib::Client cli(host, port);
    cli.set_read_timeout(660, 0);
    httplib::Headers h{{"Authorization", "Basic " + base64_encode(auth)}};
    json req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    auto res = cli.Post("/", h, req.dump(), "application/json");
    if (!res) die("cannot reach timed at " + url + " (is it running?)");
    if (res->status == 401)
      die("RPC authentication failed (401): check the cookie or rpc user/password");
    json j = json::parse(res->body, nullptr, false);
    if (j.is_discarded()) die("bad response from timed: " + res->body);
    if (j.contains("error") && !j["error"].is_null())
      die("error " + std::to_string(j["error"]["code"].get<int>()) + ": " +
          j["error"]["message"].get<std::string>());
    return j["result"];
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

// `send` and `register-masternode`: ask the node for the chain's domain, the
// fee and our coins, build and sign the tx (node/wallet.hpp), submit it.
int run_wallet(wallet_args w, network net, rpc_client& rpc) {
  auto k = load_key_file(w.key_file);
  if (!k) die(k.error_message());
  std::string from = encode_address(net, k->public_key());
  json info = rpc.call("getblockchaininfo");
  auto genesis = hash256::from_hex(info["genesis_hash"].get<std::string>());
  if (!genesis) die("the node sent a bad genesis hash: " + genesis.error_message());
  // Signatures are bound to the chain id and the genesis hash.
  sign_domain domain = signing_domain(info["chain_id"].get<std::string>(), *genesis);
  amount fee = *parse_amount(info["min_tx_fee"].get<std::string>());
  if (!w.fee_text.empty()) {
    auto f = parse_amount(w.fee_text);
    if (!f) die("--fee: " + f.error_message());
    fee = *f;
  }
  json utxos = rpc.call("listunspent", {from});
  transaction tx;
  amount target = fee;
  std::optional<secret_key> op_key;  // a registration's operator
  std::optional<outpoint> coll;
  tx_output coll_out;
  if (w.send) {
    auto a = parse_amount(w.amount_text);
    if (!a || *a <= 0)
      die("--amount: " + (a ? std::string("must be positive") : a.error_message()));
    auto dest = decode_address(net, w.to);
    if (!dest) die("--to: " + dest.error_message());
    target += *a;
    tx.outputs.push_back({*a, *dest});
  } else {
    tx.kind = tx_kind::mn_register;
    auto colon = w.collateral.find(':');
    if (colon == std::string::npos) die("--collateral: expected TXID:VOUT");
    auto cid = hash256::from_hex(w.collateral.substr(0, colon));
    if (!cid) die("--collateral: " + cid.error_message());
    std::string vout = w.collateral.substr(colon + 1);
    if (vout.empty() || vout.size() > 9 ||
        vout.find_first_not_of("0123456789") != std::string::npos)
      die("--collateral: VOUT must be a number");
    coll = outpoint{*cid, static_cast<uint32_t>(std::stoul(vout))};
    json out = rpc.call("gettxout", {cid->hex(), coll->index});
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"timecoin-cli — TimeCoin RPC client and wallet"};
  std::string net_name = "localnet", datadir, rpc_url, rpc_user, rpc_password;
  app.add_option("--network", net_name, "mainnet, testnet or localnet");
  app.add_option("--datadir", datadir, "timed's data directory (for the .cookie)");
  app.add_option("--rpc-url", rpc_url, "http://127.0.0.1:PORT");
  app.add_option("--rpc-user", rpc_user, "instead of the cookie");
  app.add_option("--rpc-password", rpc_password, "instead of the cookie");
  app.require_subcommand(0, 1);

  std::string key_file, to, amount_text, fee_text, address, collateral, operator_key_file;
  bool wait = false, dry_run = false;
  auto* keygen =
      app.add_subcommand("keygen", "create a key file (mode 0600) and print its address");
  keygen->add_option("--out", key_file, "key file to create")->required();
  auto* addr = app.add_subcommand("address", "print the address of a key file");
  addr->add_option("--key", key_file)->required();
  auto* bal = app.add_subcommand("balance", "balance of a key file's or an address's outputs");
  bal->add_option("--key", key_file);
  bal->add_option("--address", address);
  auto* send = app.add_subcommand("send", "build, sign and submit a transfer; prints the txid");
  send->add_option("--key", key_file)->required();
  send->add_option("--to", to)->required();
  send->add_option("--amount", amount_text, "in TIME, e.g. 12.5")->required();
  send->add_option("--fee", fee_text, "in TIME (default: the chain's minimum)");
  send->add_flag("--wait", wait, "wait until the transaction is final");
  send->add_flag("--dry-run", dry_run,
                 "print the signed transaction's hex instead of submitting it");
  auto* reg = app.add_subcommand("register-masternode",
                                 "lock a collateral output and register a masternode");
  reg->add_option("--key", key_file, "owner of the collateral")->required();
  reg->add_option("--collateral", collateral, "TXID:VOUT of exactly 1000/10000/100000 TIME")
      ->required();
  reg->add_option("--address", address, "the masternode's HOST:PORT")->required();
  reg->add_option("--operator-key", operator_key_file, "the masternode's key (default: --key)");
  std::vector<std::string> rpc_args;
  app.add_option("method", rpc_args, "METHOD [ARGS...] for a raw RPC call");
  CLI11_PARSE(app, argc, argv);

  try {
    auto n = parse_network(net_name);
    if (!n) die(n.error_message());
    network net = *n;
    const char* home = std::getenv("HOME");
    node_config defaults = default_config(net, home ? home : ".");
    if (datadir.empty()) datadir = defaults.datadir;
    if (rpc_url.empty()) rpc_url = "http://127.0.0.1:" + std::to_string(defaults.rpc_port);
    rpc_client rpc{rpc_url, ""};
    auto connect = [&] {
      if (!rpc_user.empty()) {
        rpc.auth = rpc_user + ":" + rpc_password;
        return;
      }
      std::ifstream in(datadir + "/.cookie");
      if (!in)
        die("cannot read " + datadir + "/.cookie (is timed running? use --datadir or --rpc-user)");
      std::getline(in, rpc.auth);
    };

    if (*keygen) {
      secret_key k = secret_key::generate();
      if (auto s = write_key_file(key_file, k); !s) die(s.error_message());
      std::cout << encode_address(net, k.public_key()) << "\n";
      return 0;
    }
    if (*addr) {
      auto k = load_key_file(key_file);
      if (!k) die(k.error_message());
      std::cout << encode_address(net, k->public_key()) << "\n";
      return 0;
    }
    connect();
    if (*bal) {
      if (!key_file.empty()) {
        auto k = load_key_file(key_file);
        if (!k) die(k.error_message());
        address = encode_address(net, k->public_key());
      }
      if (address.empty()) die("balance needs --key or --address");
      print(rpc.call("getbalance", {address}));
      return 0;
    }
    if (*send || *reg) {
      wallet_args w{bool(*send), key_file,          to,   amount_text, fee_text, address,
                    collateral,  operator_key_file, wait, dry_run};
      return run_wallet(std::move(w), net, rpc);
    }
    if (rpc_args.empty()) die("nothing to do: give a METHOD or a wallet command (--help)");
    json params = json::array();
    for (size_t i = 1; i < rpc_args.size(); ++i) params.push_back(parse_arg(rpc_args[i]));
    print(rpc.call(rpc_args[0], params));
    return 0;
  } catch (const cli_error& e) {
    std::cerr << "timecoin-cli: " << e.what << "\n";
    return 1;
  }
}
