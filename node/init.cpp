#include "node/init.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crypto/bech32m.hpp"
#include "crypto/keyfile.hpp"
#include "node/genesis_builtin.hpp"

namespace tc {

namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}

// Created with `mode` and never overwritten (O_EXCL).
status write_new(const std::string& path, const std::string& text, mode_t mode) {
  FILE* f = nullptr;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd >= 0) f = ::fdopen(fd, "w");
  if (!f) return make_error("cannot create " + path + ": " + std::strerror(errno));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok && ::fsync(fd) == 0;
  std::fclose(f);
  if (!ok) return make_error("cannot write " + path);
  return ok_status();
}

status make_datadir(const std::string& dir, init_report& r) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return make_error(dir + " exists and is not a directory");
    r.kept.push_back(dir + "/");
    if (st.st_mode & 077)
      r.warnings.push_back(dir + " can be read by other users; run: chmod 700 " + dir);
    return ok_status();
  }
  std::string partial;
  for (size_t at = 0; at != std::string::npos;) {
    at = dir.find('/', at + 1);
    partial = dir.substr(0, at);
    if (!partial.empty() && !exists(partial) && ::mkdir(partial.c_str(), 0700) != 0)
      return make_error("cannot create " + partial + ": " + std::strerror(errno));
  }
  r.created.push_back(dir + "/");
  return ok_status();
}

status make_key(const std::string& path, const init_options& opt, init_report& r,
                std::string* address) {
  if (!exists(path)) {
    if (auto s = write_key_file(path, opt.new_key()); !s) return s;
    r.created.push_back(path);
  } else {
    r.kept.push_back(path);
  }
  if (address) {
    auto k = load_key_file(path);
    if (!k) return k.take_error();
    *address = encode_address(opt.net, k->public_key());
  }
  return ok_status();
}

status make_genesis(const init_options& opt, init_report& r) {
  std::string path = opt.datadir + "/genesis.toml";
  std::string text = builtin_genesis(opt.net);
  if (exists(path)) {
    r.kept.push_back(path);
    if (!text.empty() && read_all(path) != text)
      r.warnings.push_back(path + " differs from the " + network_name(opt.net) +
                           " genesis built into this timed (kept as it is)");
    return ok_status();
  }
  if (text.empty()) {
    r.next_steps.push_back("put the localnet's genesis.toml in " + opt.datadir +
                           " (deploy/localnet.sh writes one for its nodes)");
    return ok_status();
  }
  if (auto s = write_new(path, text, 0644); !s) return s;
  r.created.push_back(path);
  return ok_status();
}

void add_next_steps(const init_options& opt, init_report& r) {
  node_config d = default_config(opt.net, opt.datadir);
  if (opt.masternode)
    r.next_steps.push_back("register the masternode (its operator key is " + r.masternode_address +
                           "): timecoin-cli --network " + network_name(opt.net) +
                           " register-masternode --help (a free-tier one needs no collateral)");
  r.next_steps.push_back("open TCP port " + std::to_string(d.p2p_port) +
                         " (peer-to-peer) in the firewall; keep the RPC port " +
                         std::to_string(d.rpc_port) + " closed");
  r.next_steps.push_back("start it: timed --datadir " + opt.datadir +
                         "   (reads timed.toml there), or the systemd unit in deploy/systemd");
}

}  // namespace

std::string builtin_genesis(network net) {
  switch (net) {
    case network::mainnet:
      return builtin_genesis_mainnet;
    case network::testnet:
      return builtin_genesis_testnet;
    case network::localnet:
      return {};
  }
  return {};
}

result<init_report> init_datadir(const init_options& opt) {
  init_report r;
  if (opt.datadir.empty()) return make_error("init: no data directory");
  if (auto s = make_datadir(opt.datadir, r); !s) return s.take_error();
  std::string key = opt.datadir + (opt.masternode ? "/masternode.key" : "/node.key");
  if (auto s = make_key(key, opt, r, opt.masternode ? &r.masternode_address : nullptr); !s)
    return s.take_error();
  std::string cfg = opt.datadir + "/timed.toml";
  if (exists(cfg)) {
    r.kept.push_back(cfg);
  } else {
    if (auto s = write_new(cfg, default_config_text(opt.net, opt.masternode), 0600); !s)
      return s.take_error();
    r.created.push_back(cfg);
  }
  if (auto s = make_genesis(opt, r); !s) return s.take_error();
  add_next_steps(opt, r);
  return r;
}

std::string describe(const init_report& r) {
  std::ostringstream o;
  if (r.created.empty()) o << "Already initialised: nothing changed.\n";
  for (const auto& p : r.created) o << "created " << p << "\n";
  for (const auto& p : r.kept) o << "kept    " << p << "\n";
  for (const auto& w : r.warnings) o << "warning: " << w << "\n";
  if (!r.masternode_address.empty())
    o << "masternode operator key: " << r.masternode_address << "\n";
  o << "Next:\n";
  for (size_t i = 0; i < r.next_steps.size(); ++i)
    o << "  " << i + 1 << ". " << r.next_steps[i] << "\n";
  return o.str();
}

}  // namespace tc
