#include "node/rpc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "actors/log.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "crypto/thread_priority.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "messages/limits.hpp"
#include "messages/validation.hpp"
#include "node/build_info.hpp"  // TC_GIT_COMMIT (generated)
#include "node/jsonrpc.hpp"
#include "node/logging.hpp"
#include "node/monitor.hpp"
#include "node/rpc_help.hpp"
#include "storage/backup.hpp"
#include "storage/chain_store.hpp"

namespace tc {

using json = nlohmann::json;

namespace {

struct rpc_error {
  int code;
  std::string message;
};
[[noreturn]] void throw_rpc(int code, std::string msg) {
  throw rpc_error{code, std::move(msg)};
}
constexpr int invalid_params = -32602, internal_error = -32603, not_found = -5, rejected_tx = -26;
constexpr uint64_t max_wait_ms = 60'000;  // waittransactionfinality
// Set by `stop` on the worker's thread: the node stops once the client has
// the answer (stopping at once would close the connection before it).
thread_local bool stop_after_this_call = false;

std::string amount_str(amount a) {
  return format_amount(a);
}

json tx_json(const transaction& tx, network net) {
  tx_digest d = digest_tx(tx);
  static const char* kinds[] = {"transfer", "reward", "genesis", "mn_register", "mn_deregister"};
  json j{{"txid", d.txid.hex()},
         {"wtxid", d.wtxid.hex()},
         {"size", d.size},
         {"version", tx.version},
         {"kind", kinds[static_cast<int>(tx.kind)]},
         {"height", tx.height}};
  json vin = json::array();
  for (const auto& in : tx.inputs)
    vin.push_back(
        {{"txid", in.prev.txid.hex()}, {"vout", in.prev.index}, {"signature", in.sig.hex()}});
  json vout = json::array();
  for (size_t i = 0; i < tx.outputs.size(); ++i)
    vout.push_back({{"n", i},
                    {"value", amount_str(tx.outputs[i].value)},
                    {"value_units", tx.outputs[i].value},
                    {"address", encode_address(net, tx.outputs[i].owner)}});
  j["vin"] = vin;
  j["vout"] = vout;
  if (tx.registration) {
    const auto& r = *tx.registration;
    j["registration"] = {
        {"tier", tier_name(r.tier)},
        {"collateral", r.collateral.txid.hex() + ":" + std::to_string(r.collateral.index)},
        {"operator", encode_address(net, r.operator_key)},
        {"address", r.net_address}};
  }
  if (tx.deregistration)
    j["deregistration"] = {{"operator", encode_address(net, tx.deregistration->operator_key)}};
  return j;
}

json block_json(const block& b, const commit_certificate& cert, int verbosity, network net) {
  hash256 h = block_hash(b.header);
  json j{{"hash", h.hex()},
         {"height", b.header.height},
         {"version", b.header.version},
         {"time_ms", b.header.timestamp_ms},
         {"previousblockhash", b.header.prev_hash.hex()},
         {"merkleroot", b.header.merkle_root.hex()},
         {"evidencehash", b.header.evidence_hash.hex()},
         {"proposer", encode_address(net, b.header.proposer)},
         {"size", block_size(b)},
         {"nTx", b.txs.size()},
         {"evidence", b.evidence_list.size()}};
  json txs = json::array();
  for (const auto& tx : b.txs)
    txs.push_back(verbosity >= 2 ? tx_json(tx, net) : json(txid(tx).hex()));
  j["tx"] = txs;
  j["certificate"] = {{"round", cert.round}, {"signatures", cert.sigs.size()}};
  return j;
}

hash256 parse_hash(const json& v, const char* what) {
  if (!v.is_string()) throw_rpc(invalid_params, std::string(what) + " must be a hex string");
  auto h = hash256::from_hex(v.get<std::string>());
  if (!h) throw_rpc(invalid_params, std::string(what) + ": " + h.error_message());
  return *h;
}

const json& param(const json& params, size_t i, const char* name) {
  static const json null;
  if (params.is_array()) return i < params.size() ? params[i] : null;
  if (params.is_object() && params.contains(name)) return params[name];
  return null;
}

tx_ptr parse_tx_hex(const json& v) {
  if (!v.is_string()) throw_rpc(invalid_params, "hex string expected");
  auto raw = from_hex(v.get_ref<const std::string&>());
  if (!raw) throw_rpc(-22, "TX decode failed: " + raw.error_message());
  auto tx = decode_transaction(*raw);
  if (!tx) throw_rpc(-22, "TX decode failed: " + tx.error_message());
  return std::make_shared<const transaction>(std::move(tx).value());
}

}  // namespace

json fork_evidence_json(const consensus::fork_evidence& f) {
  auto cert = [](const commit_certificate& c) {
    json sigs = json::array();
    for (const auto& s : c.sigs)
      sigs.push_back({{"validator", s.validator.hex()}, {"signature", s.sig.hex()}});
    return json{{"height", c.height},
                {"round", c.round},
                {"block_hash", c.block_hash.hex()},
                {"signatures", sigs}};
  };
  return json{{"fork", true}, {"height", f.a.height}, {"certificates", {cert(f.a), cert(f.b)}}};
}

struct rpc_server::impl {
  rpc_context ctx;
  hash256 auth_digest;  // sha256 of the expected "Basic ..." header value
  std::string cookie_path;
  // Set when the node stops: waits end early.
  std::atomic<bool> stopping{false};
  // Calls that wait (waittransactionfinality) hold a worker each; at most
  // half of the workers may wait, so the others always answer.
  std::atomic<uint32_t> waiting{0};
  std::atomic<bool> backup_running{false};  // backupchain: one at a time
  std::map<std::string, std::function<json(const json&)>> methods;

  template <class R, class Handle, class... Ts>
  R ask(const Handle& h, Ts&&... xs) {
    caf::scoped_actor self{*ctx.sys};
    std::optional<R> out;
    std::string err;
    self->request(h, wait_bound::query, std::forward<Ts>(xs)...)
        .receive([&](R r) { out = std::move(r); },
                 [&](caf::error& e) {
                   // Ours say what failed; CAF's (a timeout, an actor gone) mean
                   // the node cannot answer now.
                   err = errc_of(e) ? error_text(e) : "node unavailable: " + error_text(e);
                 });
    if (!out) throw_rpc(internal_error, err);
    return std::move(*out);
  }
  json read(std::function<json(chain_store&)> fn) {
    // The answer (or the method's own error) is handed over in `out`, which
    // the query co-owns (the reply orders the write before our read), not
    // as text: a 20k-tx getblock would otherwise be serialized and parsed
    // once more, and a late answer after a timeout only writes to `out`.
    struct answer {
      json value;
      std::optional<rpc_error> error;
    };
    auto out = std::make_shared<answer>();
    chain_read r = [fn, out](chain_store& cs) {
      // Runs on a chain actor: the method's own errors stay here; anything
      // else escapes to run_read, which answers errc::query_failed.
      try {
        out->value = fn(cs);
      } catch (const rpc_error& e) {
        out->error = e;
      }
    };
    ask<bool>(reader(), read_atom::value, r);
    if (out->error) throw *out->error;
    return std::move(out->value);
  }
  network net() const { return ctx.cfg.net; }
  // Reads go to the chain reader (never queued behind a block being written)
  // when the node has one.
  chain_reader_actor reader() const {
    return ctx.reader ? ctx.reader : chain_reader_actor(ctx.chain);
  }
  chain_tip tip() { return ask<chain_tip>(reader(), tip_atom::value); }

  void register_methods();
  void register_chain_methods();
  void register_rawtx_methods();
  void register_masternode_methods();
  void register_tx_methods();
  void register_address_methods();
  void register_network_methods();
  void register_node_methods();
  void register_operator_methods();
  void register_peer_admin_methods();
  json call(const json& req);
  // Submits every sendrawtransaction of a batch in one mempool call, so the
  // chain and verifier actors see them together; returns responses by index.
  std::map<size_t, json> submit_grouped(const json& batch);
  // Accepted txs go to the peer manager to gossip.
  void relay_accepted(const tx_batch& txs, const std::vector<tx_admission>& verdicts) {
    if (!ctx.peers) return;
    tx_batch ok;
    for (size_t i = 0; i < txs.size() && i < verdicts.size(); ++i)
      if (verdicts[i].error.empty()) ok.push_back(txs[i]);
    if (!ok.empty()) caf::anon_send(ctx.peers, relay_atom::value, std::move(ok));
  }
  // Whether this node is catching up, to what height, and when it should be
  // there at the rate of the last samples (blocks committed, metrics.hpp).
  std::atomic<uint64_t> rate_ms{0}, rate_blocks{0}, prev_ms{0}, prev_blocks{0};
  json sync_info(uint64_t height) {
    json out{{"initialsync", false}, {"target", height}, {"eta_s", nullptr}};
    if (!ctx.sync) return out;
    caf::scoped_actor self{*ctx.sys};
    std::optional<sync_status> st;
    self->request(ctx.sync, std::chrono::seconds(2), status_atom::value)
        .receive([&](const sync_status& s) { st = s; }, [](caf::error&) {});
    if (!st) return out;
    uint64_t now = ctx.now_ms(), blocks = ctx.metrics->blocks_total.value();
    if (now - prev_ms.load() >= 5'000) {  // a new sample every 5 s at most
      rate_ms = now - prev_ms.load();
      rate_blocks = blocks - prev_blocks.load();
      prev_ms = now;
      prev_blocks = blocks;
    }
    bool behind = st->syncing && st->target > height + 2;
    out["initialsync"] = behind;
    out["target"] = std::max(st->target, height);
    if (behind && rate_blocks.load() > 0 && rate_ms.load() > 0)
      out["eta_s"] = (st->target - height) * rate_ms.load() / rate_blocks.load() / 1000;
    return out;
  }
  json admin_node(const std::string& op, const std::string& target) {
    if (target.empty() || target.size() > 300) throw_rpc(invalid_params, "no address");
    if (!ctx.peers) throw_rpc(internal_error, "peer-to-peer is off on this node");
    auto err = ask<std::string>(ctx.peers, nodeadmin_atom::value, node_admin{op, target});
    if (!err.empty()) throw_rpc(-24, err);
    return json(nullptr);
  }
  std::vector<peer_status> peer_list() {
    if (!ctx.peers) return {};
    return ask<std::vector<peer_status>>(ctx.peers, peers_atom::value);
  }
};

std::map<size_t, json> rpc_server::impl::submit_grouped(const json& batch) {
  std::map<size_t, json> out;
  tx_batch txs;
  std::vector<size_t> where;
  for (size_t i = 0; i < batch.size(); ++i) {
    const json& r = batch[i];
    if (jsonrpc::invalid(r) || r["method"] != "sendrawtransaction") continue;
    json id = jsonrpc::id_of(r);
    try {
      txs.push_back(parse_tx_hex(param(r.value("params", json::array()), 0, "hexstring")));
      where.push_back(i);
    } catch (const rpc_error& e) {
      out[i] = json{
          {"jsonrpc", "2.0"}, {"error", {{"code", e.code}, {"message", e.message}}}, {"id", id}};
    }
  }
  if (txs.empty()) return out;
  auto verdicts = ask<std::vector<tx_admission>>(ctx.mempool, submit_atom::value, txs);
  relay_accepted(txs, verdicts);
  for (size_t k = 0; k < where.size() && k < verdicts.size(); ++k) {
    json id = jsonrpc::id_of(batch[where[k]]);
    if (verdicts[k].error.empty())
      out[where[k]] = json{{"jsonrpc", "2.0"}, {"result", verdicts[k].txid.hex()}, {"id", id}};
    else
      out[where[k]] =
          json{{"jsonrpc", "2.0"},
               {"error",
                {{"code", rejected_tx}, {"message", "transaction rejected: " + verdicts[k].error}}},
               {"id", id}};
  }
  return out;
}

void rpc_server::impl::register_methods() {
  register_chain_methods();
  register_rawtx_methods();
  register_tx_methods();
  register_address_methods();
  register_network_methods();
  register_masternode_methods();
  register_node_methods();
  register_operator_methods();
  register_peer_admin_methods();
}

// What an operator runs: tracing, backups, logging, help.
void rpc_server::impl::register_operator_methods() {
  auto& m = methods;
  m["settrace"] = [this](const json& p) {
    const json& on = param(p, 0, "on");
    if (!on.is_boolean()) throw_rpc(invalid_params, "settrace takes true or false");
    ctx.set_trace(on.get<bool>());
    return json{{"trace", on.get<bool>()}, {"file", ctx.cfg.path_in_datadir(ctx.cfg.trace_file)}};
  };
  // backupchain DEST: a consistent copy of chain.db (storage/backup.hpp);
  // a relative DEST is under the data dir. Runs on this worker's thread.
  m["backupchain"] = [this](const json& p) {
    const json& d = param(p, 0, "destination");
    if (!d.is_string() || d.get<std::string>().empty() || d.get<std::string>().size() > 4096)
      throw_rpc(invalid_params, "backupchain DEST: the path of a new file");
    std::string dest = ctx.cfg.path_in_datadir(d.get<std::string>());
    if (backup_running.exchange(true)) throw_rpc(-32000, "a backup is already running");
    struct release {
      std::atomic<bool>& b;
      ~release() { b = false; }
    } r{backup_running};
    uint64_t t0 = ctx.now_ms();
    auto b = backup_database(ctx.cfg.path_in_datadir(ctx.cfg.db_file), dest);
    if (!b) throw_rpc(-32000, "backup failed: " + b.error_message());
    uint64_t took = ctx.now_ms() - t0;
    spdlog::info("💾 chain.db backed up to {} at height {} ({} bytes, {} ms)", dest, b->height,
                 b->bytes, took);
    return json{{"path", dest}, {"height", b->height}, {"bytes", b->bytes}, {"ms", took}};
  };
  // logging [INCLUDE] [EXCLUDE]: debug categories on and off (bitcoind's
  // semantics: arrays of names, or "a,b" strings; "all" or "none");
  // answers each one's state.
  m["logging"] = [](const json& p) {
    auto names = [&](size_t i) {
      std::vector<std::string> out;
      if (!p.is_array() || p.size() <= i) return out;
      std::string list;
      if (p[i].is_string()) {
        list = p[i].get<std::string>();
      } else {
        if (!p[i].is_array())
          throw_rpc(invalid_params, "logging [INCLUDE] [EXCLUDE]: arrays of names, or \"a,b\"");
        for (const auto& n : p[i]) {
          if (!n.is_string()) throw_rpc(invalid_params, "logging: category names are strings");
          list += n.get<std::string>() + ",";
        }
      }
      auto cats = parse_categories(list);
      if (!cats) throw_rpc(invalid_params, "logging: " + cats.error_message());
      return *cats;
    };
    auto inc = names(0), exc = names(1);
    return json(set_debug_categories(inc, exc));
  };
  m["help"] = [this](const json& p) {
    const auto& table = rpc_help_table();
    if (p.is_array() && !p.empty()) {
      if (!p[0].is_string()) throw_rpc(invalid_params, "help [METHOD]");
      auto it = table.find(p[0].get<std::string>());
      if (it == table.end() || !methods.count(it->first))
        throw_rpc(-32601, "no method " + p[0].get<std::string>() + " (help lists them)");
      return json(it->second.usage + "\n\n" + it->second.what);
    }
    std::string out;
    for (const auto& [name, fn] : methods) {
      auto it = table.find(name);
      out += (it != table.end() ? it->second.usage : name) + "\n";
    }
    return json(out);
  };
}

// Blocks, headers and raw transactions.
void rpc_server::impl::register_chain_methods() {
  auto& m = methods;
  m["getblockcount"] = [this](const json&) { return json(tip().height); };
  m["getbestblockhash"] = [this](const json&) { return json(tip().hash.hex()); };
  m["getblockchaininfo"] = [this](const json&) {
    auto t = tip();
    json sync = sync_info(t.height);
    return json{{"chain", network_name(net())},
                {"initialsync", sync["initialsync"]},
                {"sync_target", sync["target"]},
                {"sync_eta_s", sync["eta_s"]},
                {"chain_id", ctx.params.chain_id},
                {"blocks", t.height},
                {"bestblockhash", t.hash.hex()},
                {"time_ms", t.timestamp_ms},
                {"genesis_hash", ctx.genesis_hash.hex()},
                {"block_reward", amount_str(ctx.params.block_reward)},
                {"min_tx_fee", amount_str(ctx.params.min_tx_fee)},
                {"min_validators", ctx.params.min_validators},
                {"address_index", ctx.cfg.address_index}};
  };
  m["getblockhash"] = [this](const json& p) {
    const json& h = param(p, 0, "height");
    if (!h.is_number_unsigned()) throw_rpc(invalid_params, "height must be a non-negative integer");
    uint64_t height = h.get<uint64_t>();
    return read([height](chain_store& cs) -> json {
      auto b = cs.get_block(height);
      if (!b) throw_rpc(-8, "Block height out of range");
      return block_hash(b->header).hex();
    });
  };
  auto block_by = [this](const json& id,
                         std::function<json(const block&, const commit_certificate&)> fn) {
    std::optional<uint64_t> height;
    std::optional<hash256> hash;
    if (id.is_number_unsigned())
      height = id.get<uint64_t>();
    else
      hash = parse_hash(id, "blockhash");
    return read([=](chain_store& cs) -> json {
      uint64_t h = height ? *height : 0;
      if (hash) {
        auto found = cs.height_of(*hash);
        if (!found) throw_rpc(not_found, "Block not found");
        h = *found;
      }
      auto b = cs.get_block(h);
      auto c = cs.get_certificate(h);
      if (!b || !c) throw_rpc(not_found, "Block not found");
      return fn(*b, *c);
    });
  };
  m["getblock"] = [this, block_by](const json& p) {
    const json& v = param(p, 1, "verbosity");
    int verbosity = v.is_number_integer() ? v.get<int>() : 1;
    if (verbosity < 0 || verbosity > 2) throw_rpc(invalid_params, "verbosity must be 0, 1 or 2");
    network n = net();
    return block_by(param(p, 0, "blockhash"),
                    [=](const block& b, const commit_certificate& c) -> json {
                      if (verbosity == 0) return to_hex(encode_block(b));
                      return block_json(b, c, verbosity, n);
                    });
  };
  m["getblockheader"] = [this, block_by](const json& p) {
    network n = net();
    return block_by(param(p, 0, "blockhash"), [=](const block& b, const commit_certificate& c) {
      json j = block_json(b, c, 1, n);
      j.erase("tx");
      return j;
    });
  };
}

// Raw transactions by id, and decoding.
void rpc_server::impl::register_rawtx_methods() {
  auto& m = methods;
  m["getrawtransaction"] = [this](const json& p) {
    hash256 id = parse_hash(param(p, 0, "txid"), "txid");
    bool verbose = param(p, 1, "verbose").is_boolean() && param(p, 1, "verbose").get<bool>();
    network n = net();
    return read([=](chain_store& cs) -> json {
      auto loc = cs.find_tx(id);
      if (!loc)
        throw_rpc(not_found, "No such transaction in the chain (mempool txs: getrawmempool)");
      auto b = cs.get_block(loc->first);
      if (!b || loc->second >= b->txs.size()) throw_rpc(internal_error, "tx index inconsistent");
      const transaction& tx = b->txs[loc->second];
      std::string hex = to_hex(encode_transaction(tx));
      if (!verbose) return hex;
      json j = tx_json(tx, n);
      j["hex"] = hex;
      j["blockhash"] = block_hash(b->header).hex();
      j["height"] = loc->first;
      return j;
    });
  };
  m["decoderawtransaction"] = [this](const json& p) {
    return tx_json(*parse_tx_hex(param(p, 0, "hexstring")), net());
  };
}

// Submitting, the mempool and the UTXO set.
void rpc_server::impl::register_tx_methods() {
  auto& m = methods;
  m["sendrawtransaction"] = [this](const json& p) {
    tx_ptr tx = parse_tx_hex(param(p, 0, "hexstring"));
    auto v = ask<std::vector<tx_admission>>(ctx.mempool, submit_atom::value, tx_batch{tx});
    relay_accepted(tx_batch{tx}, v);
    auto a = v.at(0);
    if (!a.error.empty()) throw_rpc(rejected_tx, "transaction rejected: " + a.error);
    return json(a.txid.hex());
  };
  m["testmempoolaccept"] = [this](const json& p) {
    const json& list = param(p, 0, "rawtxs");
    if (!list.is_array()) throw_rpc(invalid_params, "rawtxs must be an array of hex strings");
    tx_batch txs;
    for (const auto& h : list) txs.push_back(parse_tx_hex(h));
    json out = json::array();
    for (const auto& a : ask<std::vector<tx_admission>>(ctx.mempool, check_atom::value, txs)) {
      json r{{"txid", a.txid.hex()}, {"allowed", a.error.empty()}};
      if (!a.error.empty()) r["reject-reason"] = a.error;
      out.push_back(r);
    }
    return out;
  };
  m["getmempoolinfo"] = [this](const json&) {
    auto i = ask<mempool_info>(ctx.mempool, info_atom::value);
    return json{{"size", i.size},           {"bytes", i.bytes},       {"max_txs", i.max_txs},
                {"max_bytes", i.max_bytes}, {"accepted", i.accepted}, {"rejected", i.rejected}};
  };
  m["getrawmempool"] = [this](const json&) {
    json out = json::array();
    for (const auto& id : ask<std::vector<hash256>>(ctx.mempool, list_atom::value))
      out.push_back(id.hex());
    return out;
  };
  m["gettxout"] = [this](const json& p) {
    hash256 id = parse_hash(param(p, 0, "txid"), "txid");
    const json& n = param(p, 1, "n");
    if (!n.is_number_unsigned() || n.get<uint64_t>() > UINT32_MAX)
      throw_rpc(invalid_params, "n must be an output index (0..4294967295)");
    uint32_t index = n.get<uint32_t>();
    network nw = net();
    return read([=](chain_store& cs) -> json {
      auto u = cs.get_utxo({id, index});
      if (!u) return nullptr;
      return json{{"value", amount_str(u->out.value)},
                  {"value_units", u->out.value},
                  {"address", encode_address(nw, u->out.owner)},
                  {"height", u->height},
                  {"confirmations", cs.tip().height - u->height + 1}};
    });
  };
  m["gettxoutsetinfo"] = [this](const json&) {
    return read([](chain_store& cs) -> json {
      auto d = cs.utxo_digest();
      if (!d) throw_rpc(internal_error, d.error_message());
      return json{{"height", cs.tip().height},
                  {"bestblock", cs.tip().hash.hex()},
                  {"txouts", d->second},
                  {"hash_serialized", d->first.hex()},
                  // The write-back cache as this connection sees it: the
                  // table holds the set up to flushed_height.
                  {"flushed_height", cs.utxo_flushed_height()},
                  {"cache_entries", cs.utxo_cache().size()}};
    });
  };
}

// Queries by address.
void rpc_server::impl::register_address_methods() {
  auto& m = methods;
  auto address_param = [this](const json& p) {
    const json& a = param(p, 0, "address");
    if (!a.is_string()) throw_rpc(invalid_params, "address must be a string");
    auto k = decode_address(net(), a.get<std::string>());
    if (!k) throw_rpc(-5, "Invalid address: " + k.error_message());
    return *k;
  };
  m["listunspent"] = [this, address_param](const json& p) {
    pubkey owner = address_param(p);
    network nw = net();
    return read([=](chain_store& cs) -> json {
      json out = json::array();
      for (const auto& [o, u] : cs.utxos_of(owner, 10'000))
        out.push_back({{"txid", o.txid.hex()},
                       {"vout", o.index},
                       {"value", amount_str(u.out.value)},
                       {"value_units", u.out.value},
                       {"address", encode_address(nw, owner)},
                       {"height", u.height}});
      return out;
    });
  };
  m["getbalance"] = [this, address_param](const json& p) {
    pubkey owner = address_param(p);
    return read([=](chain_store& cs) -> json {
      auto b = cs.balance_of(owner);
      if (!b) throw_rpc(internal_error, b.error_message());
      return json{
          {"balance", amount_str(b->first)}, {"balance_units", b->first}, {"utxos", b->second}};
    });
  };
  m["validateaddress"] = [this](const json& p) {
    const json& a = param(p, 0, "address");
    if (!a.is_string()) throw_rpc(invalid_params, "address must be a string");
    auto k = decode_address(net(), a.get<std::string>());
    json j{{"isvalid", k.ok()}, {"address", a}};
    if (k)
      j["pubkey"] = k->hex();
    else
      j["error"] = k.error_message();
    return j;
  };
}

// Peers, masternodes and consensus.
void rpc_server::impl::register_network_methods() {
  auto& m = methods;
  m["getnetworkinfo"] = [this](const json&) {
    return json{{"version", TC_VERSION},
                {"commit", TC_GIT_COMMIT},
                {"build", TC_BUILD_KIND},
                {"subversion", std::string("timed/") + TC_VERSION + "-" + TC_GIT_COMMIT},
                {"network", network_name(net())},
                {"protocolversion", limits::protocol_version},
                {"minprotocolversion", limits::min_protocol_version},
                {"connections", peer_list().size()},
                {"listen", ctx.cfg.listen_host + ":" + std::to_string(ctx.cfg.p2p_port)}};
  };
  m["getpeerinfo"] = [this](const json&) {
    json out = json::array();
    uint64_t now = ctx.now_ms();
    for (const auto& p : peer_list())
      out.push_back({{"id", p.id},
                     {"key", p.hello.key.hex()},
                     {"address", p.remote},
                     {"listen_address", p.hello.listen_addr},
                     {"direction", p.direction},
                     {"rtt_ms", p.stats.rtt_ms},
                     // Under tx_push_min_rtt_ms, txs this node relays are only announced.
                     {"min_rtt_ms", p.stats.min_rtt_ms ? json(*p.stats.min_rtt_ms) : json()},
                     {"ban_score", p.stats.score},
                     {"height", p.hello.best_height},
                     {"user_agent", p.hello.user_agent},
                     {"protocol_version", p.hello.protocol_version},
                     {"connected_s", (now - std::min(now, p.stats.connected_ms)) / 1000},
                     {"bytes_in", p.stats.bytes_in},
                     {"bytes_out", p.stats.bytes_out},
                     {"msgs_in", p.stats.msgs_in},
                     {"msgs_out", p.stats.msgs_out}});
    return out;
  };
  m["getconnectioncount"] = [this](const json&) { return json(peer_list().size()); };
}

// Peers by hand: bans, added nodes, disconnections.
void rpc_server::impl::register_peer_admin_methods() {
  auto& m = methods;
  // addnode ADDR add|remove|onetry: add (kept and redialled, as
  // network.addnode), remove, or dial once.
  m["addnode"] = [this](const json& p) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string())
      throw_rpc(invalid_params, "addnode ADDR add|remove|onetry");
    std::string op = p[1].get<std::string>();
    if (op != "add" && op != "remove" && op != "onetry")
      throw_rpc(invalid_params, "addnode: add, remove or onetry");
    return admin_node(op, p[0].get<std::string>());
  };
  // disconnectnode ADDR|ID: closes the connection(s) to that peer now.
  m["disconnectnode"] = [this](const json& p) {
    if (!p.is_array() || p.size() != 1 || !(p[0].is_string() || p[0].is_number_unsigned()))
      throw_rpc(invalid_params, "disconnectnode ADDR|ID (getpeerinfo's address or id)");
    return admin_node("disconnect", p[0].is_string() ? p[0].get<std::string>()
                                                     : std::to_string(p[0].get<uint64_t>()));
  };
  m["getaddednodeinfo"] = [this](const json&) {
    json out = json::array();
    if (!ctx.peers) return out;
    for (const auto& n : ask<std::vector<added_node>>(ctx.peers, added_atom::value))
      out.push_back({{"addednode", n.addr},
                     {"connected", n.connected},
                     {"key", n.key.is_zero() ? std::string() : n.key.hex()},
                     {"last_error", n.last_error}});
    return out;
  };
  // setban SUBJECT add|remove [SECONDS]: SUBJECT is "ip:ADDRESS", "key:HEX"
  // or a bare IP address; add without SECONDS (or 0) bans for good.
  m["setban"] = [this](const json& p) {
    if (!p.is_array() || p.size() < 2 || !p[0].is_string() || !p[1].is_string())
      throw_rpc(invalid_params, "setban SUBJECT add|remove [SECONDS]");
    std::string subject = p[0].get<std::string>(), op = p[1].get<std::string>();
    if (subject.rfind("ip:", 0) != 0 && subject.rfind("key:", 0) != 0) subject = "ip:" + subject;
    if (subject.size() <= 4 || subject.size() > 200 ||
        subject.find_first_of(" \t\n\"") != std::string::npos)
      throw_rpc(invalid_params, "setban: SUBJECT must be ip:ADDRESS, key:HEX or an IP address");
    if (op != "add" && op != "remove") throw_rpc(invalid_params, "setban: add or remove");
    if (p.size() > 2 && !p[2].is_number_unsigned())
      throw_rpc(invalid_params, "setban: SECONDS must be a non-negative integer");
    uint64_t secs =
        p.size() > 2 ? std::min<uint64_t>(p[2].get<uint64_t>(), 100ull * 365 * 86400) : 0;
    if (!ctx.peers) throw_rpc(internal_error, "peer-to-peer is off on this node");
    ban_admin a{op == "add", subject, secs * 1000, "banned by the operator (setban)"};
    return json(ask<uint64_t>(ctx.peers, banadmin_atom::value, a));
  };
  // clearban [SUBJECT]: lifts one ban, or every ban; answers how many.
  m["clearban"] = [this](const json& p) {
    std::string subject;
    if (p.is_array() && !p.empty()) {
      if (!p[0].is_string()) throw_rpc(invalid_params, "clearban [SUBJECT]");
      subject = p[0].get<std::string>();
      if (subject.rfind("ip:", 0) != 0 && subject.rfind("key:", 0) != 0) subject = "ip:" + subject;
    }
    if (!ctx.peers) throw_rpc(internal_error, "peer-to-peer is off on this node");
    return json(ask<uint64_t>(ctx.peers, banadmin_atom::value, ban_admin{false, subject, 0, {}}));
  };
  m["listbanned"] = [this](const json&) {
    json out = json::array();
    if (!ctx.peers) return out;
    for (const auto& b : ask<std::vector<stored_ban>>(ctx.peers, bans_atom::value))
      out.push_back({{"subject", b.subject},
                     {"until_ms", b.until_ms},
                     {"permanent", b.until_ms == 0},
                     {"level", b.level},
                     {"reason", b.reason}});
    return out;
  };
}

// The masternode registry, consensus state and fork evidence.
void rpc_server::impl::register_masternode_methods() {
  auto& m = methods;
  m["masternodelist"] = [this](const json&) {
    network nw = net();
    return read([nw](chain_store& cs) -> json {
      json out = json::array();
      uint64_t next = cs.tip().height + 1;
      for (const auto& [k, mn] : cs.masternodes())
        out.push_back({{"operator", encode_address(nw, mn.operator_key)},
                       {"owner", encode_address(nw, mn.owner)},
                       {"tier", tier_name(mn.tier)},
                       {"address", mn.net_address},
                       {"registered_height", mn.registered_height},
                       {"active", mn.active_at(next, cs.params().validator_set_delay)},
                       {"slashed", mn.slashed}});
      return out;
    });
  };
  m["getconsensusinfo"] = [this](const json&) {
    auto s = ask<consensus_status>(ctx.consensus, status_atom::value);
    json j{{"height", s.height},
           {"round", s.round},
           {"step", s.step},
           {"validators", s.validators},
           {"total_power", s.total_power},
           {"is_validator", s.is_validator},
           {"halted", s.halted}};
    if (s.last_certificate)
      j["last_certificate"] = {{"height", s.last_certificate->height},
                               {"round", s.last_certificate->round},
                               {"block_hash", s.last_certificate->block_hash.hex()},
                               {"signatures", s.last_certificate->sigs.size()}};
    return j;
  };
  m["getforkevidence"] = [this](const json&) {
    return read([](chain_store& cs) -> json {
      auto raw = cs.get_state("fork_evidence");
      if (!raw) return json{{"fork", false}};
      auto f = consensus::decode_fork_evidence(*raw);
      if (!f) throw_rpc(internal_error, "stored fork evidence: " + f.error_message());
      return fork_evidence_json(*f);
    });
  };
  m["masternodestatus"] = [this](const json&) {
    auto s = ask<consensus_status>(ctx.consensus, status_atom::value);
    return json{{"enabled", ctx.cfg.masternode_enabled},
                {"is_validator", s.is_validator},
                {"height", s.height},
                {"validators", s.validators}};
  };
}

// Finality, tracing and the node itself.
void rpc_server::impl::register_node_methods() {
  auto& m = methods;
  m["gettransactionfinality"] = [this](const json& p) {
    hash256 id = parse_hash(param(p, 0, "txid"), "txid");
    json j = read([id](chain_store& cs) -> json {
      auto loc = cs.find_tx(id);
      if (!loc) return json{{"final", false}};
      return json{{"final", true},
                  {"height", loc->first},
                  {"confirmations", cs.tip().height - loc->first + 1}};
    });
    j["txid"] = id.hex();
    if (!j["final"].get<bool>()) {
      j["in_mempool"] = ask<bool>(ctx.mempool, has_atom::value, id);
    }
    return j;
  };
  m["waittransactionfinality"] = [this](const json& p) {
    const json& t = param(p, 1, "timeout_ms");
    uint64_t timeout = t.is_number_unsigned() ? t.get<uint64_t>() : 30'000;
    if (timeout > max_wait_ms)
      throw_rpc(invalid_params, "timeout_ms must be at most " + std::to_string(max_wait_ms));
    uint32_t may_wait = ctx.cfg.rpc_threads / 2;
    if (++waiting > may_wait) {
      --waiting;
      throw_rpc(-32000, "too many calls waiting (" + std::to_string(may_wait) +
                            ", half of [rpc] threads); poll gettransactionfinality instead");
    }
    struct release {
      std::atomic<uint32_t>& n;
      ~release() { --n; }
    } r{waiting};
    uint64_t deadline = ctx.now_ms() + timeout;
    for (;;) {
      json j = methods["gettransactionfinality"](p);
      if (j["final"].get<bool>() || ctx.now_ms() >= deadline || stopping) return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  };
  m["uptime"] = [this](const json&) { return json((ctx.now_ms() - ctx.started_ms) / 1000); };
  m["stop"] = [](const json&) {
    stop_after_this_call = true;  // serve() stops the node once the answer is out
    return json("timed stopping");
  };
  m["getinfo"] = [this](const json&) {
    auto t = tip();
    auto mp = ask<mempool_info>(ctx.mempool, info_atom::value);
    auto s = ask<consensus_status>(ctx.consensus, status_atom::value);
    return json{{"version", TC_VERSION},
                {"network", network_name(net())},
                {"chain_id", ctx.params.chain_id},
                {"blocks", t.height},
                {"bestblockhash", t.hash.hex()},
                {"connections", peer_list().size()},
                {"mempool", mp.size},
                {"validators", s.validators},
                {"is_validator", s.is_validator},
                {"uptime", (ctx.now_ms() - ctx.started_ms) / 1000}};
  };
}

json rpc_server::impl::call(const json& req) {
  json id = jsonrpc::id_of(req);
  if (auto why = jsonrpc::invalid(req)) return jsonrpc::error_response(-32600, *why, id);
  json params = req.value("params", json::array());
  auto it = methods.find(req["method"].get<std::string>());
  if (it == methods.end()) return jsonrpc::error_response(-32601, "Method not found", id);
  TC_LOG("rpc", debug, "rpc {}", it->first);
  try {
    return jsonrpc::result_response(it->second(params), id);
  } catch (const rpc_error& e) {
    return jsonrpc::error_response(e.code, e.message, id);
  } catch (const std::exception& e) {
    return jsonrpc::error_response(internal_error, std::string("internal error: ") + e.what(), id);
  }
}

rpc_server::rpc_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

rpc_server::~rpc_server() {
  if (!impl_->cookie_path.empty()) ::unlink(impl_->cookie_path.c_str());
}

void rpc_server::stop() {
  if (impl_->stopping.exchange(true)) return;
  spdlog::info("🛑 JSON-RPC server stopped");
}

namespace {
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
}  // namespace

std::string rpc_server::handle(const std::string& body) {
  jsonrpc::handlers h;
  h.call = [this](const json& req) { return impl_->call(req); };
  h.group = [this](const json& batch) {
    try {
      return impl_->submit_grouped(batch);
    } catch (const rpc_error& e) {  // the node is unavailable: each answers for itself
      std::map<size_t, json> none;
      return none;
    }
  };
  h.not_in_batch = {"waittransactionfinality"};
  return jsonrpc::handle(body, h);
}

std::vector<std::string> rpc_server::method_names() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : impl_->methods) out.push_back(name);
  return out;
}

const node_config& rpc_server::config() const {
  return impl_->ctx.cfg;
}

std::function<void()> rpc_server::context_on_listening() const {
  return impl_->ctx.on_listening;
}

std::function<uint64_t()> rpc_server::clock() const {
  return impl_->ctx.now_ms;
}

bool rpc_server::authorized(const std::string* authorization) const {
  // Digests of both, compared in constant time: neither the compare nor
  // its length tells how much of a guess matched.
  hash256 got = sha256(byte_view::of(authorization ? *authorization : std::string()));
  return equal_constant_time(got, impl_->auth_digest);
}

http::response rpc_server::serve(const http::request& req) {
  run_in_background();
  // Nothing a client sends may take the server down: anything unexpected
  // becomes a JSON-RPC internal error.
  try {
    stop_after_this_call = false;
    std::string out = handle(req.body);
    http::response r = out.empty() ? http::response{204, {}} : http::response{200, std::move(out)};
    if (std::exchange(stop_after_this_call, false)) r.after_sent = impl_->ctx.request_stop;
    return r;
  } catch (const std::exception& e) {
    return http::response{500, dump(jsonrpc::error_response(internal_error, e.what()))};
  }
}

result<std::unique_ptr<rpc_server>> rpc_server::start(rpc_context ctx) {
  auto p = std::make_unique<impl>();
  p->ctx = std::move(ctx);
  const node_config& cfg = p->ctx.cfg;
  std::string user = cfg.rpc_user, pass = cfg.rpc_password;
  if (user.empty()) {
    user = "__cookie__";
    pass = os_random32().hex();
    p->cookie_path = cfg.datadir + "/.cookie";
    ::unlink(p->cookie_path.c_str());
    int fd = ::open(p->cookie_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return make_error("cannot write RPC cookie " + p->cookie_path);
    std::string line = user + ":" + pass;
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) return make_error("cannot write RPC cookie " + p->cookie_path);
  }
  p->auth_digest = sha256(byte_view::of("Basic " + base64_encode(user + ":" + pass)));
  p->register_methods();
  return std::unique_ptr<rpc_server>(new rpc_server(std::move(p)));
}

rpc_actor::behavior_type rpc_actor_impl(rpc_actor::stateful_pointer<rpc_actor_state> self,
                                        std::shared_ptr<rpc_server> server,
                                        std::shared_ptr<monitor> mon) {
  auto& st = self->state;
  st.server = server;
  const node_config& cfg = server->config();
  rpc_http_setup h;
  h.bind = cfg.rpc_bind;
  h.port = cfg.rpc_port;
  h.limits.max_body_bytes = cfg.rpc_max_body_bytes;
  h.workers = cfg.rpc_threads;
  if (mon) h.limits.get_targets = {"/health"};
  h.authorize = [server](const http::request& r) {
    // /health says only ok or why not: a load balancer asks it unauthenticated.
    if (r.method == "GET" && r.target == "/health") return true;
    return server->authorized(r.header("authorization"));
  };
  h.serve = [server, mon](const http::request& r) {
    if (r.method == "GET" && mon) return mon->serve(r);
    return server->serve(r);
  };
  h.now_ms = server->clock();
  if (auto ready = server->context_on_listening()) h.on_listening = [ready](uint16_t) { ready(); };
  st.front = spawn_rpc_http(self->system(), std::move(h));
  self->link_to(st.front);
  return {[](start_atom) {}};
}

rpc_actor_state::~rpc_actor_state() {
  if (server) server->stop();
}

}  // namespace tc
