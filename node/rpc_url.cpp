#include "node/rpc_url.hpp"

namespace tc {

result<rpc_endpoint> parse_rpc_url(const std::string& url, uint16_t default_port) {
  auto bad = [&](const std::string& why) {
    return make_error("--rpc-url '" + url + "': " + why + " (expected http://HOST:PORT)");
  };
  std::string rest = url;
  auto scheme = rest.find("://");
  if (scheme != std::string::npos) {
    if (rest.substr(0, scheme) != "http") return bad("only http:// is spoken");
    rest = rest.substr(scheme + 3);
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@ ") != std::string::npos) return bad("a path or user is not allowed");
  rpc_endpoint e;
  auto colon = rest.rfind(':');
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    auto close = rest.find(']');
    if (close == std::string::npos) return bad("unclosed [");
    e.host = rest.substr(1, close - 1);
    colon = rest.size() > close + 1 && rest[close + 1] == ':' ? close + 1 : std::string::npos;
    if (rest.size() > close + 1 && colon == std::string::npos) return bad("junk after ]");
  } else {
    e.host = rest.substr(0, colon);
  }
  if (e.host.empty()) return bad("no host");
  if (colon == std::string::npos) {
    e.port = default_port;
    return e;
  }
  std::string port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return bad("the port must be a number");
  unsigned long p = std::stoul(port);  // at most 5 digits: cannot throw
  if (p == 0 || p > 65535) return bad("the port must be 1..65535");
  e.port = static_cast<uint16_t>(p);
  return e;
}

}  // namespace tc
