#pragma once
// One HTTP/1.1 connection of the JSON-RPC server, without I/O: it parses
// requests (request line, headers, a Content-Length body; no chunked
// bodies), enforces size limits and deadlines, asks for an authorization
// decision as soon as the headers are in (before a byte of the body is
// kept), hands out one complete request at a time and frames responses.
// The rpc_http broker feeds it bytes and a clock and carries out the
// actions it returns; tests drive it directly.
//
// Why deadlines and not threads: a client that sends half a request and
// waits holds no worker here, only a connection slot, which it loses at its
// header deadline or to a newcomer when the server is full.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tc::http {

struct limits {
  size_t max_header_bytes = 8 * 1024;  // request line and headers together
  size_t max_headers = 64;
  uint64_t max_body_bytes = 16u << 20;
  uint64_t header_timeout_ms = 5'000;    // a request's first byte to its blank line
  uint64_t request_timeout_ms = 30'000;  // a request's first byte to its last body byte
  uint64_t idle_timeout_ms = 60'000;     // a kept-alive connection with no request
  uint64_t write_timeout_ms = 30'000;    // a response handed over to fully taken
  // What is routed (the rest gets 404/405): POST / (JSON-RPC) when
  // post_rpc, and GET of these exact targets, with no body.
  bool post_rpc = true;
  std::vector<std::string> get_targets;
};

struct request {
  std::string method, target, version;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  // The value of the first header `name` (lower case), or null.
  const std::string* header(std::string_view name) const;
};

struct response {
  response() = default;
  response(int s, std::string b) : status(s), body(std::move(b)) {}
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
  // Run once the client has taken the whole response (or the connection
  // ended): the RPC `stop` answers before the node goes down.
  std::function<void()> after_sent;
};
const char* reason_phrase(int status);
// The bytes of `r` on the wire, with Content-Length and Connection headers.
std::string serialize(const response& r, bool keep_alive);

// ---- actions ----
struct write {
  std::string bytes;
};
struct dispatch {  // a complete, authorized request: run it, then call on_response
  request req;
};
struct close {  // after the writes before it
  std::string why;
};
using action = std::variant<write, dispatch, close>;
using actions = std::vector<action>;

class conn_core {
 public:
  // Sees only the request line and headers; true lets the body in.
  using authorizer = std::function<bool(const request&)>;
  conn_core(limits lim, authorizer auth, uint64_t now_ms);

  actions on_bytes(uint64_t now_ms, std::string_view data);
  // The answer to the dispatched request.
  actions on_response(uint64_t now_ms, const response& r);
  // The socket took `n` bytes; `remaining` is what is still queued.
  void on_written(uint64_t now_ms, uint64_t remaining);
  actions on_tick(uint64_t now_ms);

  // Bytes are read only while no request is being handled and no response
  // is waiting to be taken: a client cannot queue work behind its own.
  bool wants_read() const {
    return (state_ == state::reading_head || state_ == state::reading_body) && unsent_ == 0;
  }
  // Once one request passed authorization.
  bool authenticated() const { return authenticated_; }
  // Holding no request and no unsent response: the server may close it
  // for a newcomer.
  bool evictable() const { return state_ != state::handling && unsent_ == 0; }
  bool closed() const { return state_ == state::closed; }

 private:
  enum class state : uint8_t { reading_head, reading_body, handling, closed };
  actions parse();
  bool parse_head(std::string_view head, actions& out);
  std::optional<bool> route(actions& out);
  void fail(int status, const std::string& why, actions& out);
  void respond(const response& r, actions& out);

  limits lim_;
  authorizer auth_;
  state state_ = state::reading_head;
  std::string buf_;
  request req_;
  uint64_t body_len_ = 0;
  bool keep_alive_ = true;
  bool authenticated_ = false;
  uint64_t now_ms_;
  uint64_t phase_start_ms_;        // connection open, or a response sent (idle since)
  uint64_t request_start_ms_ = 0;  // first byte of the request being read; 0: none yet
  uint64_t unsent_ = 0;            // response bytes the socket has not taken
  uint64_t write_start_ms_ = 0;    // when unsent_ last rose from 0
};

}  // namespace tc::http
