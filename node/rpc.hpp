#pragma once
// JSON-RPC 2.0 over HTTP POST (loopback unless opted out): batches, cookie
// or user/password (HTTP Basic) auth, standard error codes. Handlers run on
// the HTTP front end's worker actors (their own threads) and talk to the
// node's actors with blocking requests; they share no state with them.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "actors/chain/chain_interface.hpp"
#include "actors/consensus/consensus_interface.hpp"
#include "actors/mempool/mempool_interface.hpp"
#include "actors/peer/peer_interface.hpp"
#include "messages/ledger/genesis.hpp"
#include "node/config.hpp"
#include "node/http_conn.hpp"
#include "node/rpc_http.hpp"

namespace tc {

class monitor;

struct rpc_context {
  caf::actor_system* sys = nullptr;
  chain_actor chain;
  chain_reader_actor reader;  // null: the chain actor answers reads
  mempool_actor mempool;
  consensus_actor consensus;
  peer_manager_actor peers;  // null when P2P is off
  sync_actor sync;           // null when P2P is off
  metrics::metrics_ptr metrics = std::make_shared<metrics::node_metrics>();
  node_config cfg;
  chain_params params;
  hash256 genesis_hash;
  std::function<uint64_t()> now_ms;
  uint64_t started_ms = 0;
  std::function<void()> request_stop;
  std::function<void(bool)> set_trace;
  std::function<void()> on_listening;  // the HTTP front is up (READY for systemd)
};

// Stored fork evidence as getforkevidence answers it (and timed
// --show-fork-evidence prints it).
nlohmann::json fork_evidence_json(const consensus::fork_evidence& f);

class rpc_server {
 public:
  // Writes the cookie (unless user/password are configured) and sets up the
  // methods; rpc_actor serves them over HTTP.
  static result<std::unique_ptr<rpc_server>> start(rpc_context ctx);
  ~rpc_server();  // deletes the cookie
  // Waits end early from now on (the node is stopping); logs once.
  void stop();

  // One HTTP body in, one out ("" when every request was a notification):
  // the JSON-RPC layer without HTTP, for tests and the fuzzer.
  std::string handle(const std::string& body);
  // The registered methods, sorted.
  std::vector<std::string> method_names() const;
  // The HTTP layer's two questions: may this Authorization header in (in
  // constant time), and what is the answer to this request.
  bool authorized(const std::string* authorization) const;
  http::response serve(const http::request& req);
  const node_config& config() const;
  std::function<uint64_t()> clock() const;
  std::function<void()> context_on_listening() const;

 private:
  struct impl;
  explicit rpc_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// rpc_server lives in an actor so its lifetime follows the supervisor; the
// actor starts the HTTP front end (rpc_http.hpp), linked to it.
using rpc_actor = caf::typed_actor<caf::reacts_to<start_atom>>;
struct rpc_actor_state {
  rpc_actor_state() = default;
  ~rpc_actor_state();  // stops the server's waits
  std::shared_ptr<rpc_server> server;
  caf::actor front;
};
// `mon` (may be null) answers GET /health on the RPC port, unauthenticated.
rpc_actor::behavior_type rpc_actor_impl(rpc_actor::stateful_pointer<rpc_actor_state> self,
                                        std::shared_ptr<rpc_server> server,
                                        std::shared_ptr<monitor> mon);

}  // namespace tc
