#pragma once
// JSON-RPC 2.0 over HTTP POST on loopback: batches, cookie or user/password
// (HTTP Basic) auth, standard error codes. Handlers run on the HTTP server's
// threads and talk to the actors with blocking requests; they share no
// state with the actors.

#include <memory>
#include <string>

#include "messages/actors.hpp"
#include "node/config.hpp"
#include "storage/genesis.hpp"

namespace tc {

struct rpc_context {
  caf::actor_system* sys = nullptr;
  chain_actor chain;
  chain_reader_actor reader;  // null: the chain actor answers reads
  mempool_actor mempool;
  consensus_actor consensus;
  peer_manager_actor peers;  // null when P2P is off
  node_config cfg;
  chain_params params;
  hash256 genesis_hash;
  std::function<uint64_t()> now_ms;
  uint64_t started_ms = 0;
  std::function<void()> request_stop;
  std::function<void(bool)> set_trace;
};

class rpc_server {
 public:
  // Binds, writes the cookie (unless user/password are configured) and
  // serves on a background thread.
  static result<std::unique_ptr<rpc_server>> start(rpc_context ctx);
  ~rpc_server();  // stops serving, joins, deletes the cookie

  // One HTTP body in, one out ("" for a notification): the JSON-RPC layer
  // without HTTP, for tests.
  std::string handle(const std::string& body);

 private:
  struct impl;
  explicit rpc_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// rpc_server lives in an actor so its lifetime follows the supervisor.
using rpc_actor = caf::typed_actor<caf::reacts_to<start_atom>>;
struct rpc_actor_state {
  rpc_actor_state() = default;
  std::shared_ptr<rpc_server> server;
};
rpc_actor::behavior_type rpc_actor_impl(rpc_actor::stateful_pointer<rpc_actor_state> self,
                                        std::shared_ptr<rpc_server> server);

}  // namespace tc
