#pragma once
// Peer addresses as data from strangers: parsed strictly, and grouped so
// that limits can be per network rather than per address (one attacker
// rarely holds addresses in many /16s; holding many in one is cheap).

#include <optional>
#include <string>

namespace tc::peer {

struct net_endpoint {
  std::string ip;  // canonical dotted quad or RFC 5952 IPv6 text
  uint16_t port = 0;
  bool loopback = false;
  std::string str() const;  // "ip:port" or "[ip]:port"
};

// A literal IPv4 or bracketed IPv6 address with a port in 1..65535 that a
// node could listen on: not unspecified, broadcast or multicast. Host names
// are refused (resolving one would let a stranger make us query DNS); the
// operator's own `addnode` entries may use them and skip this check.
std::optional<net_endpoint> parse_peer_addr(const std::string& addr);

// The source group limits count by: IPv4 /16, IPv6 /32. Each loopback
// address is a group of its own (tests stand distinct hosts on 127.x.y.z).
std::string source_group(const std::string& ip);

// The node's own loopback address, which every local node shares: never
// banned by address, or a localnet would ban itself.
bool is_shared_loopback(const std::string& ip);

}  // namespace tc::peer
