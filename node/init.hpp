#pragma once
// `timed init`: a data directory ready to run, created once. Running it
// again changes nothing and says what it kept.

#include <functional>
#include <string>
#include <vector>

#include "crypto/result.hpp"
#include "crypto/schnorr.hpp"
#include "node/config.hpp"

namespace tc {

struct init_options {
  network net = network::localnet;
  std::string datadir;
  bool masternode = false;
  std::function<secret_key()> new_key;  // injected: tests use seeded keys
};

struct init_report {
  std::vector<std::string> created;  // paths written now
  std::vector<std::string> kept;     // paths that were there already (left as they were)
  std::vector<std::string> warnings;
  std::vector<std::string> next_steps;
  std::string masternode_address;  // with a masternode key
};

// The data dir (mode 0700), the node or masternode key (0600), a commented
// timed.toml whose paths are relative to the data dir, and the network's
// built-in genesis (mainnet, testnet; a localnet brings its own).
result<init_report> init_datadir(const init_options& opt);

// The genesis text built into timed for `net`; empty for localnet.
std::string builtin_genesis(network net);

std::string describe(const init_report& r);

}  // namespace tc
