#pragma once
// The attacks, each a function that mounts one attack against a running
// node and says whether the node answered as it must (the attacker
// penalized, ignored or refused). Whether the honest network still
// finalizes is checked around them by tests/adversary/run.sh.

#include <functional>
#include <string>
#include <vector>

#include "tests/adversary/wire.hpp"

namespace tc::adversary {

struct options {
  std::string target;       // P2P host:port
  std::string rpc;          // RPC host:port
  std::string credentials;  // "user:password" (a cookie file's content)
  chain_identity id;
  std::string wallet_file;  // a funded key (poison-pairs)
  std::string target2;      // another node's P2P address (handshake-relay)
};

struct outcome {
  bool ok = false;
  std::string what;  // what the node did (or failed to do)
};

struct attack {
  const char* name;
  const char* finding;  // which finding of the hardening issue it shows
  const char* what;
  std::function<outcome(const options&)> run;
};

const std::vector<attack>& p2p_attacks();
const std::vector<attack>& rpc_attacks();
const std::vector<attack>& transport_attacks();  // the transport and peer-layer issue

// getblockchaininfo over RPC: the chain id and genesis hash to handshake with.
outcome learn_identity(options& o);

}  // namespace tc::adversary
