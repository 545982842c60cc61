#pragma once
// The JSON-RPC server's HTTP front end, as CAF io brokers: a listener that
// accepts connections, keeps at most max_connections and dispatches
// complete requests to a fixed pool of worker actors, and one broker per
// connection owning an http::conn_core. Sockets are read and written by
// the brokers without blocking; only workers block (in calls to the node's
// actors), so a slow or silent client holds a connection slot for at most
// its deadline and never a worker.

#include <caf/io/all.hpp>

#include <functional>
#include <string>

#include "node/http_conn.hpp"

namespace tc {

struct rpc_http_setup {
  std::string name = "JSON-RPC";  // in log lines
  std::string section = "rpc";    // the config section that sets its port
  std::string bind;
  uint16_t port = 0;
  http::limits limits;
  // Connections beyond this evict the oldest that holds no request (those
  // that never authenticated first); if every slot is busy, the newcomer
  // is closed at once.
  size_t max_connections = 64;
  // Complete requests waiting for a worker; past it, 503.
  size_t max_queued = 256;
  uint32_t workers = 4;
  // Runs on the listener's thread with the head only: must not block.
  std::function<bool(const http::request&)> authorize;
  // Runs on a worker (its own thread): may block.
  std::function<http::response(const http::request&)> serve;
  std::function<uint64_t()> now_ms;
  // Told the port once listening (port 0 binds any free one: tests).
  std::function<void(uint16_t)> on_listening;
};

// Spawns the listener (which spawns the rest); it quits with an error if the
// port cannot be bound.
caf::actor spawn_rpc_http(caf::actor_system& sys, rpc_http_setup setup);

}  // namespace tc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::http::request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::http::response)
