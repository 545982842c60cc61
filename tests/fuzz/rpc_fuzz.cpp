// Fuzz target: the RPC server's request handling without the node behind
// it. Bytes go to an HTTP connection core (in pieces, with its deadlines),
// and a body it dispatches goes through the JSON-RPC envelope layer the
// server runs (jsonrpc::handle), with methods that echo what they were
// given (so any parsed structure is copied and dumped again). Properties:
// no crash, no stack overflow, no escaped exception; every response is
// well-formed HTTP.

#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/assert.hpp"
#include "node/http_conn.hpp"
#include "node/jsonrpc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tc;
  using jsonrpc::json;
  http::limits lim;
  lim.max_body_bytes = 1 << 20;
  http::conn_core conn(
      lim,
      [](const http::request& r) {
        const std::string* a = r.header("authorization");
        return a && *a == "Basic ok";
      },
      0);
  jsonrpc::handlers h;
  h.call = [](const json& req) {
    json id = jsonrpc::id_of(req);
    if (auto why = jsonrpc::invalid(req)) return jsonrpc::error_response(-32600, *why, id);
    return jsonrpc::result_response(req.value("params", json::array()), id);
  };
  uint64_t now = 0;
  size_t at = 0;
  while (at < size) {
    size_t len = std::min<size_t>(1 + data[at] % 128, size - at);
    std::string_view piece(reinterpret_cast<const char*>(data + at), len);
    at += len;
    now += piece[0] & 3;
    for (auto& a : conn.on_bytes(now, piece)) {
      if (auto* w = std::get_if<http::write>(&a)) TC_ASSERT(w->bytes.rfind("HTTP/1.1 ", 0) == 0);
      if (auto* d = std::get_if<http::dispatch>(&a)) {
        std::string out = jsonrpc::handle(d->req.body, h);
        http::response r = out.empty() ? http::response{204, {}} : http::response{200, out};
        for (auto& b : conn.on_response(now, r))
          if (auto* w = std::get_if<http::write>(&b))
            TC_ASSERT(w->bytes.rfind("HTTP/1.1 ", 0) == 0);
        conn.on_written(now, 0);
      }
    }
    (void)conn.on_tick(now);
  }
  return 0;
}
