// Attacks on the JSON-RPC server, and one that needs a funded key.

#include <nlohmann/json.hpp>

#include <thread>

#include "crypto/bech32m.hpp"
#include "crypto/keyfile.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "tests/adversary/attacks.hpp"

namespace tc::adversary {

using json = nlohmann::json;

namespace {

outcome fail(std::string why) {
  return {false, std::move(why)};
}

// The JSON body of an HTTP response, or null.
json body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  if (at == std::string::npos) return nullptr;
  return json::parse(response.substr(at + 4), nullptr, false);
}

json call(const options& o, const std::string& method, json params = json::array()) {
  json req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
  return body_of(http_exchange(o.rpc, http_post(o.credentials, req.dump()), 10'000));
}

bool alive(const options& o) {
  json r = call(o, "getblockcount");
  return r.is_object() && r.contains("result");
}

// Finding 5: an id of 100,000 nested arrays once overflowed the stack.
outcome deep_json(const options& o) {
  std::string body =
      "{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\",\"id\":" + std::string(100'000, '[') +
      std::string(100'000, ']') + "}";
  std::string r = http_exchange(o.rpc, http_post(o.credentials, body), 5'000);
  json j = body_of(r);
  if (!j.is_object() || !j.contains("error") || j["error"]["code"] != -32700)
    return fail("no -32700 answer: " + r.substr(0, 200));
  if (!alive(o)) return fail("the node no longer answers");
  return {true, "-32700 before parsing, and the node still answers"};
}

// Finding 5: 50 clients each sending half a head must not keep a normal
// request waiting.
outcome slowloris(const options& o) {
  std::vector<std::unique_ptr<tcp>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<tcp>(o.rpc));
    slow.back()->send(std::string("POST / HTTP/1.1\r\nAuthoriz"));
  }
  uint64_t t0 = now_ms();
  json r = call(o, "getblockcount");
  uint64_t took = now_ms() - t0;
  if (!r.is_object() || !r.contains("result") || took > 5'000)
    return fail("a normal request took " + std::to_string(took) + " ms with 50 slow clients");
  return {true, "answered in " + std::to_string(took) + " ms beside 50 half-sent heads"};
}

// Finding 5: the credentials decide before a byte of the body is read.
outcome unauth_body(const options& o) {
  tcp c(o.rpc, 100);
  c.send(
      std::string("POST / HTTP/1.1\r\nAuthorization: Basic eDp5\r\n"
                  "Content-Length: 16000000\r\n\r\n"));
  std::string r;
  uint64_t end = now_ms() + 2'000;
  while (now_ms() < end && r.find("\r\n\r\n") == std::string::npos) {
    auto b = c.recv();
    if (!b) break;
    r.append(b->begin(), b->end());
  }
  if (r.rfind("HTTP/1.1 401", 0) != 0)
    return fail("no 401 within 2 s of a head with wrong credentials: '" + r.substr(0, 40) + "'");
  return {true, "401 from the head alone"};
}

// Finding 5: a request without a method is an error with id null.
outcome no_method(const options& o) {
  std::string r = http_exchange(o.rpc, http_post(o.credentials, "{\"foo\":1}"), 5'000);
  json j = body_of(r);
  if (!j.is_object() || !j.contains("error") || j["error"]["code"] != -32600 || !j["id"].is_null())
    return fail("expected -32600 with id null, got: " + r.substr(0, 120));
  return {true, "-32600, id null"};
}

// Finding 3: a registration locking output C and a transfer spending C,
// each valid alone. The pool keeps the first and blocks stay full.
outcome poison_pairs(const options& o) {
  auto key = load_key_file(o.wallet_file);
  if (!key) return fail("--wallet: " + key.error_message());
  json info = call(o, "getblockchaininfo")["result"];
  auto genesis = hash256::from_hex(info["genesis_hash"].get<std::string>());
  sign_domain domain = signing_domain(info["chain_id"].get<std::string>(), *genesis);
  amount fee = *parse_amount(info["min_tx_fee"].get<std::string>());
  network net = *parse_network(info["chain"].get<std::string>());
  json utxos = call(o, "listunspent", {encode_address(net, key->public_key())})["result"];
  if (!utxos.is_array() || utxos.empty()) return fail("the wallet has no outputs");
  json big = utxos[0];
  for (auto& u : utxos)
    if (u["value_units"].get<int64_t>() > big["value_units"].get<int64_t>()) big = u;
  tx_output spent{big["value_units"].get<int64_t>(), key->public_key()};
  // A split: an output of exactly 1,000 TIME (collateral) and one for fees.
  transaction split;
  split.inputs.push_back(
      {{*hash256::from_hex(big["txid"].get<std::string>()), big["vout"].get<uint32_t>()}, {}});
  split.outputs = {{1'000 * coin, key->public_key()},
                   {10 * coin, key->public_key()},
                   {spent.value - 1'010 * coin - fee, key->public_key()}};
  hash256 sid = txid(split);
  split.inputs[0].sig = key->sign(tx_sighash(domain, sid, 0, spent));
  if (!call(o, "sendrawtransaction", {to_hex(encode_transaction(split))}).contains("result"))
    return fail("the split was refused");
  json fin = call(o, "waittransactionfinality", {sid.hex(), 30'000})["result"];
  if (!fin.is_object() || !fin["final"].get<bool>()) return fail("the split never became final");
  tx_output coll_out{1'000 * coin, key->public_key()}, fund_out{10 * coin, key->public_key()};
  secret_key op = secret_key::generate();
  transaction reg;
  reg.kind = tx_kind::mn_register;
  reg.inputs.push_back({{sid, 1}, {}});
  reg.outputs.push_back({10 * coin - fee, key->public_key()});
  reg.registration =
      mn_registration{mn_tier::bronze, {sid, 0}, op.public_key(), "127.0.0.1:9", {}, {}};
  hash256 rid = txid(reg);
  reg.inputs[0].sig = key->sign(tx_sighash(domain, rid, 0, fund_out));
  reg.registration->operator_sig =
      op.sign(tx_sighash(domain, rid, sighash_operator, {0, op.public_key()}));
  reg.registration->owner_sig = key->sign(tx_sighash(domain, rid, sighash_owner, coll_out));
  transaction spend;
  spend.inputs.push_back({{sid, 0}, {}});
  spend.outputs.push_back({1'000 * coin - fee, key->public_key()});
  spend.inputs[0].sig = key->sign(tx_sighash(domain, txid(spend), 0, coll_out));
  json test = call(o, "testmempoolaccept",
                   {{to_hex(encode_transaction(reg)), to_hex(encode_transaction(spend))}});
  json first = call(o, "sendrawtransaction", {to_hex(encode_transaction(reg))});
  json second = call(o, "sendrawtransaction", {to_hex(encode_transaction(spend))});
  if (!first.contains("result")) return fail("the registration was refused: " + first.dump());
  if (second.contains("result")) return fail("the pool took both halves of the pair");
  fin = call(o, "waittransactionfinality", {rid.hex(), 30'000})["result"];
  if (!fin.is_object() || !fin["final"].get<bool>())
    return fail("the registration never became final: blocks stay empty");
  return {true, "the pool kept the registration, refused the spend (" +
                    second["error"]["message"].get<std::string>() +
                    "), and the registration was final"};
}

}  // namespace

const std::vector<attack>& rpc_attacks() {
  static const std::vector<attack> all = {
      {"rpc-deep-json", "5", "an id of 100,000 nested arrays", deep_json},
      {"rpc-slowloris", "5", "50 half-sent request heads, then a normal call", slowloris},
      {"rpc-unauth-body", "5", "wrong credentials with a 16 MB body announced", unauth_body},
      {"rpc-no-method", "5", "a request without a method", no_method},
      {"poison-pairs", "3", "a registration locking C and a transfer spending C", poison_pairs},
  };
  return all;
}

outcome learn_identity(options& o) {
  json info = call(o, "getblockchaininfo");
  if (!info.is_object() || !info.contains("result")) return fail("no getblockchaininfo answer");
  o.id.chain_id = info["result"]["chain_id"].get<std::string>();
  auto g = hash256::from_hex(info["result"]["genesis_hash"].get<std::string>());
  if (!g) return fail("bad genesis hash");
  o.id.genesis = *g;
  return {true, "chain " + o.id.chain_id};
}

}  // namespace tc::adversary
