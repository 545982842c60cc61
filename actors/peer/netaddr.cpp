#include "actors/peer/netaddr.hpp"

#include <arpa/inet.h>

#include <cstdlib>

namespace tc::peer {

std::string net_endpoint::str() const {
  bool v6 = ip.find(':') != std::string::npos;
  return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

std::optional<net_endpoint> parse_peer_addr(const std::string& addr) {
  if (addr.size() > 64) return std::nullopt;
  auto colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = addr.substr(0, colon), port_text = addr.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  long port = std::strtol(port_text.c_str(), nullptr, 10);
  if (port < 1 || port > 65535) return std::nullopt;
  net_endpoint e;
  e.port = static_cast<uint16_t>(port);
  char text[INET6_ADDRSTRLEN] = {};
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6) != 1) return std::nullopt;
    if (IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_MULTICAST(&a6)) return std::nullopt;
    inet_ntop(AF_INET6, &a6, text, sizeof text);
    e.loopback = IN6_IS_ADDR_LOOPBACK(&a6);
  } else {
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) != 1) return std::nullopt;
    uint32_t v = ntohl(a4.s_addr);
    if (v == 0 || v == 0xffffffffu || (v >> 28) == 0xe) return std::nullopt;  // any, bcast, mcast
    if ((v >> 24) == 0) return std::nullopt;                                  // "this network"
    inet_ntop(AF_INET, &a4, text, sizeof text);
    e.loopback = (v >> 24) == 127;
  }
  e.ip = text;
  return e;
}

std::string source_group(const std::string& ip) {
  in_addr a4{};
  if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
    uint32_t v = ntohl(a4.s_addr);
    if ((v >> 24) == 127) return "lo:" + ip;
    return "v4:" + std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff);
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return "lo:" + ip;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02x%02x:%02x%02x", a6.s6_addr[0], a6.s6_addr[1], a6.s6_addr[2],
                  a6.s6_addr[3]);
    return std::string("v6:") + buf;
  }
  return "other:" + ip;
}

bool is_shared_loopback(const std::string& ip) {
  return ip == "127.0.0.1" || ip == "::1" || ip == "localhost";
}

}  // namespace tc::peer
