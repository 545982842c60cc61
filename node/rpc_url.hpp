#pragma once
// The RPC address timecoin-cli is given: "http://HOST:PORT", "HOST:PORT",
// "http://HOST" or "HOST" (the network's RPC port). Anything else is a clear
// error, never an exception: a script passing a typo must get exit 2.

#include <cstdint>
#include <string>

#include "crypto/result.hpp"

namespace tc {

struct rpc_endpoint {
  std::string host;
  uint16_t port = 0;
  std::string text() const { return "http://" + host + ":" + std::to_string(port); }
};

result<rpc_endpoint> parse_rpc_url(const std::string& url, uint16_t default_port);

}  // namespace tc
