// The JSON-RPC layer through rpc_server::handle: no sockets, no HTTP. A
// one-validator node (chain, mempool, producer, consensus under the real
// supervisor, P2P off) answers every method; each error code the methods
// can give is provoked once. The last case checks that every registered
// method is named in this file, so a new method cannot go untested.

#include "node/rpc.hpp"

#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "messages/codec.hpp"
#include "node/monitor.hpp"
#include "node/rpc_help.hpp"
#include "node/supervisor.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;
using json = nlohmann::json;

namespace {

// Wall time: block timestamps are checked against the node's clock.
uint64_t wall_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

struct rpc_node {
  test::chain_builder cb{8, 1};  // one gold validator: this node
  std::string dir = test::temp_path("rpc_test");
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::actor sup;
  node_handles h;
  node_config cfg;
  std::unique_ptr<rpc_server> rpc;
  bool trace_on = false;
  metrics::metrics_ptr metrics;

  explicit rpc_node(uint32_t rpc_threads = 4) {
    spdlog::set_level(spdlog::level::warn);
    std::filesystem::create_directories(dir);
    cfg = default_config(network::localnet, dir);
    cfg.datadir = dir;
    cfg.rpc_enabled = false;  // this test is the only client, through handle()
    cfg.metrics_enabled = false;
    cfg.p2p_enabled = false;
    cfg.block_interval_ms = 20;
    cfg.verifiers = 1;
    cfg.status_interval_s = 3600;
    cfg.rpc_threads = rpc_threads;
    supervisor_setup s;
    s.cfg = cfg;
    s.store = std::shared_ptr<chain_store>(cb.open_memory());
    s.consensus.domain = cb.domain();
    s.consensus.cfg.block_interval_ms = cfg.block_interval_ms;
    s.consensus.cfg.min_validators = 1;
    s.consensus.key = cb.operators[0];
    s.consensus.fork_linger_ms = 0;
    s.now_ms = wall_ms;
    s.now_us = [] { return wall_ms() * 1000; };
    s.request_stop = [] {};
    s.node_key = std::make_shared<key_signer>(cb.operators[0], true);
    s.random32 = [] { return hash256{}; };
    metrics = s.metrics;
    sup = sys.spawn(node_supervisor, s);
    caf::scoped_actor self{sys};
    self->request(sup, std::chrono::seconds(10), caf::get_atom::value)
        .receive([&](const node_handles& got) { h = got; },
                 [&](const caf::error& e) { FAIL("no node handles: " << to_string(e)); });
    rpc = start_rpc(h.mempool);
  }
  ~rpc_node() {
    rpc.reset();
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  // An RPC server over this node's actors, with `mempool` as its mempool
  // (a dead one shows how the server answers when an actor is gone).
  std::unique_ptr<rpc_server> start_rpc(mempool_actor mempool) {
    rpc_context ctx;
    ctx.sys = &sys;
    ctx.chain = h.chain;
    ctx.mempool = mempool;
    ctx.consensus = h.consensus;
    ctx.cfg = cfg;
    ctx.params = cb.genesis.params;
    ctx.genesis_hash = genesis_hash(cb.genesis);
    ctx.now_ms = wall_ms;
    ctx.started_ms = wall_ms();
    ctx.request_stop = [] {};
    ctx.set_trace = [this](bool on) { trace_on = on; };
    auto r = rpc_server::start(ctx);
    REQUIRE(r.ok());
    return std::move(r).value();
  }

  json call(const std::string& method, json params = json::array()) {
    json req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    std::string out = rpc->handle(req.dump());
    REQUIRE_FALSE(out.empty());
    return json::parse(out);
  }
  json result(const std::string& method, json params = json::array()) {
    json r = call(method, params);
    INFO(method << " answered " << r.dump());
    REQUIRE(r.contains("result"));
    return r["result"];
  }
  int error_code(const std::string& method, json params = json::array()) {
    json r = call(method, params);
    INFO(method << " answered " << r.dump());
    REQUIRE(r.contains("error"));
    CHECK(r["error"]["message"].get<std::string>().size() > 0);
    return r["error"]["code"].get<int>();
  }
  void wait_height(uint64_t h) {
    for (int i = 0; i < 500 && result("getblockcount").get<uint64_t>() < h; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(result("getblockcount").get<uint64_t>() >= h);
  }
  std::string address(size_t owner) const {
    return encode_address(network::localnet, cb.owners[owner].public_key());
  }
  // A signed transfer of owner i's first unspent output (as listunspent
  // reports it) to owner 1, as hex.
  transaction transfer(size_t i, amount fee_extra = 0) {
    json u = result("listunspent", json::array({address(i)})).at(0);
    outpoint prev{*hash256::from_hex(u["txid"].get<std::string>()), u["vout"].get<uint32_t>()};
    tx_output spent{u["value_units"].get<amount>(), cb.owners[i].public_key()};
    amount fee = cb.genesis.params.min_tx_fee + fee_extra;
    return test::make_transfer(cb.domain(), prev, spent, cb.owners[i],
                               {{spent.value - fee, cb.owners[1].public_key()}});
  }
};

std::string hex_of(const transaction& tx) {
  return to_hex(encode_transaction(tx));
}

}  // namespace

TEST_CASE("rpc: chain, block and node methods answer from the running node") {
  rpc_node n;
  n.wait_height(2);
  json info = n.result("getblockchaininfo");
  CHECK(info["chain"] == "localnet");
  CHECK(info["chain_id"] == n.cb.genesis.params.chain_id);
  CHECK(info["genesis_hash"] == genesis_hash(n.cb.genesis).hex());
  // Nothing to catch up with (no peers): not syncing, no ETA, the target is the tip.
  CHECK(info["initialsync"] == false);
  CHECK(info["sync_eta_s"].is_null());
  CHECK(info["sync_target"].get<uint64_t>() >= info["blocks"].get<uint64_t>());
  json ni0 = n.result("getnetworkinfo");
  CHECK(ni0["commit"].get<std::string>().size() >= 7);
  CHECK(ni0["minprotocolversion"].get<uint32_t>() <= ni0["protocolversion"].get<uint32_t>());
  uint64_t height = n.result("getblockcount").get<uint64_t>();
  CHECK(height >= 2);
  std::string best = n.result("getbestblockhash");
  CHECK(best.size() == 64);
  std::string h1 = n.result("getblockhash", json::array({1}));
  json b1 = n.result("getblock", json::array({h1}));
  CHECK(b1["height"] == 1);
  CHECK(b1["hash"] == h1);
  CHECK(b1["certificate"]["signatures"] == 1);
  CHECK(n.result("getblock", json::array({1, 0})).is_string());  // by height, raw hex
  CHECK(n.result("getblock", json::array({1, 2}))["tx"][0].is_object());
  json header = n.result("getblockheader", json::object({{"blockhash", h1}}));
  CHECK(header["merkleroot"] == b1["merkleroot"]);
  CHECK_FALSE(header.contains("tx"));
  json ci = n.result("getconsensusinfo");
  CHECK(ci["validators"] == 1);
  CHECK(ci["is_validator"] == true);
  CHECK(ci["last_certificate"]["signatures"] == 1);
  CHECK(n.result("masternodestatus")["is_validator"] == true);
  json mns = n.result("masternodelist");
  REQUIRE(mns.size() == 1);
  CHECK(mns[0]["tier"] == "gold");
  CHECK(n.result("getforkevidence")["fork"] == false);
  json gi = n.result("getinfo");
  CHECK(gi["blocks"].get<uint64_t>() >= 2);
  CHECK(gi["connections"] == 0);
  CHECK(n.result("uptime").get<uint64_t>() < 60);
  json ni = n.result("getnetworkinfo");
  CHECK(ni["network"] == "localnet");
  CHECK(n.result("getpeerinfo") == json::array());
  CHECK(n.result("getconnectioncount") == 0);
  CHECK(n.result("listbanned") == json::array());
  // Bans need the peer manager: P2P is off here (ops:cli bans on a live node).
  CHECK(n.error_code("setban", json::array({"10.0.0.9", "add", 60})) == -32603);
  CHECK(n.error_code("clearban") == -32603);
  CHECK(n.error_code("setban", json::array({"10.0.0.9"})) == -32602);
  CHECK(n.error_code("setban", json::array({"10.0.0.9", "maybe"})) == -32602);
  CHECK(n.error_code("setban", json::array({"10.0.0.9", "add", -5})) == -32602);
  CHECK(n.error_code("setban", json::array({"ip:", "add"})) == -32602);
  CHECK(n.error_code("clearban", json::array({7})) == -32602);
  // Node administration: parameters first, then the missing peer manager
  // (ops:peers adds, lists and disconnects on a live network).
  CHECK(n.error_code("addnode", json::array({"127.0.0.1:1"})) == -32602);
  CHECK(n.error_code("addnode", json::array({"127.0.0.1:1", "maybe"})) == -32602);
  CHECK(n.error_code("addnode", json::array({"127.0.0.1:1", "add"})) == -32603);
  CHECK(n.error_code("disconnectnode", json::array({json::array()})) == -32602);
  CHECK(n.error_code("disconnectnode", json::array({3})) == -32603);
  CHECK(n.result("getaddednodeinfo") == json::array());
  json st = n.result("settrace", json::array({true}));
  CHECK(st["trace"] == true);
  CHECK(n.trace_on);
  CHECK(n.result("stop") == "timed stopping");
}

TEST_CASE("rpc: a transaction from sendrawtransaction to final, and the queries around it") {
  rpc_node n;
  n.wait_height(1);
  // Owner 5 holds four genesis outputs and earns no rewards.
  json bal = n.result("getbalance", json::array({n.address(5)}));
  CHECK(bal["utxos"] == 4);
  transaction tx = n.transfer(5);
  std::string hex = hex_of(tx);
  json decoded = n.result("decoderawtransaction", json::array({hex}));
  CHECK(decoded["txid"] == txid(tx).hex());
  CHECK(decoded["kind"] == "transfer");
  json accept = n.result("testmempoolaccept", json::array({json::array({hex})}));
  CHECK(accept[0]["allowed"] == true);
  std::string id = n.result("sendrawtransaction", json::array({hex}));
  CHECK(id == txid(tx).hex());
  // Sent again: the mempool or the chain has it.
  CHECK(n.error_code("sendrawtransaction", json::array({hex})) == -26);
  json fin = n.result("waittransactionfinality", json::array({id, 10'000}));
  REQUIRE(fin["final"] == true);
  CHECK(fin["confirmations"].get<uint64_t>() >= 1);
  CHECK(n.result("gettransactionfinality", json::array({id}))["final"] == true);
  json raw = n.result("getrawtransaction", json::array({id, true}));
  CHECK(raw["hex"] == hex);
  CHECK(raw["height"] == fin["height"]);
  CHECK(n.result("getrawtransaction", json::array({id})) == hex);
  json out = n.result("gettxout", json::array({id, 0}));
  CHECK(out["address"] == n.address(1));
  CHECK(n.result("gettxout", json::array({id, 7})).is_null());  // no such output
  json set = n.result("gettxoutsetinfo");
  CHECK(set["txouts"].get<uint64_t>() > 0);
  CHECK(n.result("getbalance", json::array({n.address(5)}))["utxos"] == 3);
  json mp = n.result("getmempoolinfo");
  CHECK(mp["accepted"].get<uint64_t>() >= 1);
  CHECK(n.result("getrawmempool").is_array());
  json va = n.result("validateaddress", json::array({n.address(2)}));
  CHECK(va["isvalid"] == true);
  CHECK(va["pubkey"] == n.cb.owners[2].public_key().hex());
  CHECK(n.result("validateaddress", json::array({"tc1nonsense"}))["isvalid"] == false);
  // A batch: two submissions go to the mempool together, the rest one by one.
  transaction a = n.transfer(2), b = n.transfer(3);
  json batch = json::array(
      {{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "sendrawtransaction"}, {"params", {hex_of(a)}}},
       {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "sendrawtransaction"}, {"params", {hex_of(b)}}},
       {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "getblockcount"}},
       {{"jsonrpc", "2.0"}, {"method", "getblockcount"}}});  // a notification: no answer
  json answers = json::parse(n.rpc->handle(batch.dump()));
  REQUIRE(answers.size() == 3);
  CHECK(answers[0]["result"] == txid(a).hex());
  CHECK(answers[1]["result"] == txid(b).hex());
  CHECK(answers[2]["result"].is_number_unsigned());
  CHECK(n.rpc->handle(R"({"jsonrpc":"2.0","method":"getblockcount"})").empty());
}

TEST_CASE("monitor: /metrics and /health from the running node") {
  rpc_node n;
  n.wait_height(3);
  monitor_context mc;
  mc.sys = &n.sys;
  mc.chain = n.h.chain;
  mc.reader = chain_reader_actor(n.h.chain);
  mc.mempool = n.h.mempool;
  mc.consensus = n.h.consensus;
  mc.metrics = n.metrics;
  mc.own_key = n.cb.operators[0].public_key();
  mc.cfg = n.cfg;
  mc.now_ms = wall_ms;
  monitor m(mc);
  auto get = [&](const std::string& target) {
    http::request r;
    r.method = "GET";
    r.target = target;
    return m.serve(r);
  };
  auto h = get("/health");
  CHECK(h.status == 200);
  CHECK(h.body == "{\"status\":\"ok\"}");
  auto x = get("/metrics");
  REQUIRE(x.status == 200);
  CHECK(x.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
  auto value = [&](const std::string& name) {
    auto at = x.body.find("\n" + name + " ");
    REQUIRE_MESSAGE(at != std::string::npos, name << " missing");
    return std::stod(x.body.substr(at + name.size() + 2));
  };
  CHECK(value("timed_chain_height") >= 3);
  CHECK(value("timed_blocks_committed_total") >= 3);
  CHECK(value("timed_validator_signed_blocks_total") >= 3);
  CHECK(value("timed_validator_missed_blocks_total") == 0);
  CHECK(value("timed_validator_last_signed_height") >= 3);
  CHECK(value("timed_consensus_is_validator") == 1);
  CHECK(value("timed_connect_block_seconds_count") >= 3);
  CHECK(value("process_resident_memory_bytes") > 0);
  CHECK(get("/other").status == 404);
  http::request post;
  post.method = "POST";
  post.target = "/metrics";
  CHECK(m.serve(post).status == 405);

  // An actor that does not answer: the scrape leaves its series out, and
  // /health says the node is unavailable rather than hanging.
  mc.consensus = consensus_actor{};
  monitor blind(mc);
  http::request r;
  r.method = "GET";
  r.target = "/metrics";
  auto partial = blind.serve(r);
  CHECK(partial.status == 200);
  CHECK(partial.body.find("timed_consensus_is_validator") == std::string::npos);
  CHECK(partial.body.find("timed_mempool_txs") != std::string::npos);
  r.target = "/health";
  CHECK(blind.serve(r).status == 503);
}

TEST_CASE("rpc: every error code a method gives") {
  rpc_node n;
  n.wait_height(1);
  auto envelope = [&](const std::string& body) {
    return json::parse(n.rpc->handle(body))["error"]["code"].get<int>();
  };
  CHECK(envelope("{not json") == -32700);
  CHECK(envelope(R"({"jsonrpc":"2.0","id":1})") == -32600);
  CHECK(envelope("[]") == -32600);
  CHECK(n.error_code("nosuchmethod") == -32601);
  CHECK(n.error_code("backupchain") == -32602);
  CHECK(n.error_code("logging", json::array({json::array({"nosuch"})})) == -32602);
  CHECK(n.error_code("logging", json::array({7})) == -32602);
  CHECK(n.error_code("logging", json::array({"p2p,bogus"})) == -32602);
  CHECK(n.result("logging", json::array({json::array({"p2p"}), json::array()})).is_object());
  CHECK(n.error_code("backupchain", json::array({""})) == -32602);
  // This node's database is in memory: there is no file to copy.
  CHECK(n.error_code("backupchain", json::array({"copy.db"})) == -32000);
  // -32602: parameters of the wrong type or out of range.
  CHECK(n.error_code("getblockhash", json::array({"one"})) == -32602);
  CHECK(n.error_code("getblock", json::array({1, 5})) == -32602);
  CHECK(n.error_code("getblock", json::array({"zz"})) == -32602);
  CHECK(n.error_code("getrawtransaction", json::array({"12"})) == -32602);
  CHECK(n.error_code("gettxout", json::array({std::string(64, '0'), -1})) == -32602);
  CHECK(n.error_code("testmempoolaccept", json::array({"00"})) == -32602);
  CHECK(n.error_code("sendrawtransaction", json::array({42})) == -32602);
  CHECK(n.error_code("validateaddress", json::array({42})) == -32602);
  CHECK(n.error_code("listunspent", json::array({42})) == -32602);
  CHECK(n.error_code("settrace", json::array({"yes"})) == -32602);
  CHECK(n.error_code("waittransactionfinality", json::array({std::string(64, '0'), 600'000})) ==
        -32602);
  // -5: not found, invalid address.
  CHECK(n.error_code("getblock", json::array({std::string(64, 'a')})) == -5);
  CHECK(n.error_code("getblockheader", json::array({1'000'000})) == -5);
  CHECK(n.error_code("getrawtransaction", json::array({std::string(64, 'b')})) == -5);
  CHECK(n.error_code("listunspent", json::array({"tc1nonsense"})) == -5);
  CHECK(n.error_code("getbalance", json::array({"tc1nonsense"})) == -5);
  // -8: a height past the tip.
  CHECK(n.error_code("getblockhash", json::array({1'000'000})) == -8);
  // -22: bytes that are not a transaction.
  CHECK(n.error_code("sendrawtransaction", json::array({"zz"})) == -22);
  CHECK(n.error_code("decoderawtransaction", json::array({"00"})) == -22);
  // -26: a transaction the mempool refuses (its signature is broken).
  transaction bad = n.transfer(4);
  bad.inputs[0].sig.v[5] ^= 1;
  CHECK(n.error_code("sendrawtransaction", json::array({hex_of(bad)})) == -26);
  CHECK(n.result("testmempoolaccept", json::array({json::array({hex_of(bad)})}))[0]["allowed"] ==
        false);
  // Waits are refused inside a batch.
  json batch = json::array({{{"jsonrpc", "2.0"},
                             {"id", 1},
                             {"method", "waittransactionfinality"},
                             {"params", {std::string(64, '0')}}}});
  json ans = json::parse(n.rpc->handle(batch.dump()));
  CHECK(ans[0]["error"]["code"].get<int>() < 0);
}

TEST_CASE("rpc: -32603 when an actor is gone, -32000 when too many calls wait") {
  rpc_node n(2);  // two RPC threads: one call may wait
  n.wait_height(1);
  // A mempool that has exited: the server answers with an internal error
  // (and keeps answering everything else).
  // (An argument: CAF 0.17 dereferences a null tuple for an init function
  // without one, which UBSan reports.)
  auto quits_at_once = [](caf::event_based_actor* s, int) {
    s->quit();
    return caf::behavior{[](int) {}};
  };
  mempool_actor dead = caf::actor_cast<mempool_actor>(n.sys.spawn(quits_at_once, 0));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto broken = n.start_rpc(dead);
  json r = json::parse(broken->handle(R"({"jsonrpc":"2.0","id":1,"method":"getmempoolinfo"})"));
  CHECK(r["error"]["code"] == -32603);
  CHECK(r["error"]["message"].get<std::string>().find("node unavailable") != std::string::npos);
  json ok = json::parse(broken->handle(R"({"jsonrpc":"2.0","id":1,"method":"getblockcount"})"));
  CHECK(ok["result"].is_number_unsigned());
  broken.reset();

  // One call waits on a txid that never comes; a second is refused.
  std::string never = std::string(64, 'c');
  auto first = std::async(std::launch::async, [&] {
    return n.rpc->handle(json{
        {"jsonrpc", "2.0"},
        {"id", 1},
        {"method", "waittransactionfinality"},
        {"params",
         {never, 30'000}}}.dump());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(n.error_code("waittransactionfinality", json::array({never, 1000})) == -32000);
  // Stopping the server ends the wait at once, not after 30 s.
  uint64_t t0 = wall_ms();
  n.rpc->stop();
  json w = json::parse(first.get());
  CHECK(w["result"]["final"] == false);
  CHECK(wall_ms() - t0 < 10'000);
}

TEST_CASE("rpc: every registered method is called by a test in this file") {
  // Each case runs in a process of its own (ctest), so the check reads the
  // source: a method this file never names as a string is a method no test
  // calls.
  std::ifstream f(std::string(TC_SOURCE_DIR) + "/node/rpc.test.cpp");
  std::string source((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(source.size() > 1000);
  rpc_node n;
  std::vector<std::string> missing;
  for (const auto& m : n.rpc->method_names())
    if (source.find('"' + m + '"') == std::string::npos) missing.push_back(m);
  INFO("methods no test calls: " << json(missing).dump());
  CHECK(missing.empty());
  CHECK(n.rpc->method_names().size() > 25);
}

TEST_CASE("rpc: help has an entry for every method and a method for every entry") {
  rpc_node n;
  auto names = n.rpc->method_names();
  std::vector<std::string> undocumented, stale;
  for (const auto& m : names)
    if (!rpc_help_table().count(m)) undocumented.push_back(m);
  for (const auto& [m, h] : rpc_help_table()) {
    if (std::find(names.begin(), names.end(), m) == names.end()) stale.push_back(m);
    CHECK_MESSAGE(h.usage.rfind(m, 0) == 0, m << "'s usage does not start with its name");
  }
  INFO("no help: " << json(undocumented).dump()
                   << "; help without a method: " << json(stale).dump());
  CHECK(undocumented.empty());
  CHECK(stale.empty());
  std::string all = n.result("help").get<std::string>();
  CHECK(all.find("backupchain DEST\n") != std::string::npos);
  std::string one = n.result("help", json::array({"setban"})).get<std::string>();
  CHECK(one.rfind("setban SUBJECT add|remove [SECONDS]\n\n", 0) == 0);
  CHECK(n.error_code("help", json::array({"nosuch"})) == -32601);
  CHECK(n.error_code("help", json::array({5})) == -32602);
}
