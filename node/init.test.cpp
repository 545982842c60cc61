#include "node/init.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "messages/ledger/genesis.hpp"
#include "tests/support/fixtures.hpp"

namespace fs = std::filesystem;
using namespace tc;

namespace {
struct init_fixture {
  fs::path root;
  uint64_t seed = 500;
  init_fixture() {
    char tmpl[] = "/tmp/tc-init-XXXXXX";
    root = ::mkdtemp(tmpl);
  }
  ~init_fixture() { fs::remove_all(root); }
  init_options opts(network n, bool mn, const std::string& sub = "data/testnet") {
    init_options o;
    o.net = n;
    o.datadir = (root / sub).string();
    o.masternode = mn;
    o.new_key = [this] { return test::key_from_seed(seed++); };
    return o;
  }
};
unsigned mode_of(const std::string& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("init makes a data dir a validator can start from, and a second run changes nothing") {
  init_fixture f;
  auto o = f.opts(network::testnet, true);
  auto r = init_datadir(o);
  REQUIRE(r.ok());
  std::string d = o.datadir;
  CHECK(r->created.size() == 4);  // the folder, the key, the config, the genesis
  CHECK(mode_of(d) == 0700);
  CHECK(mode_of(d + "/masternode.key") == 0600);
  CHECK(mode_of(d + "/timed.toml") == 0600);
  CHECK_FALSE(fs::exists(d + "/node.key"));  // a validator's peers see its masternode key
  CHECK(r->masternode_address.rfind("timet1", 0) == 0);
  // The config parses, enables the masternode, and names nothing outside the dir.
  auto cfg = load_config_file(d + "/timed.toml", default_config(network::testnet, "/home/x"));
  REQUIRE(cfg.ok());
  CHECK(cfg->masternode_enabled);
  CHECK(cfg->masternode_key_file == "masternode.key");
  CHECK(cfg->datadir == default_config(network::testnet, "/home/x").datadir);  // not written in
  std::string text = default_config_text(network::testnet, true);
  CHECK(text.find("/home") == std::string::npos);
  // The genesis is the network's own and loads.
  auto g = load_genesis_file(d + "/genesis.toml");
  REQUIRE(g.ok());
  CHECK(g->params.net == network::testnet);
  std::string out = describe(*r);
  CHECK(out.find("register-masternode") != std::string::npos);
  CHECK(out.find("open TCP port 24100") != std::string::npos);

  auto again = init_datadir(o);
  REQUIRE(again.ok());
  CHECK(again->created.empty());
  CHECK(again->kept.size() == 4);
  CHECK(describe(*again).find("Already initialised: nothing changed.") != std::string::npos);
  CHECK(again->masternode_address == r->masternode_address);  // the same key, not a new one
}

TEST_CASE("init for a non-validator, for localnet, and over what is already there") {
  init_fixture f;
  auto o = f.opts(network::localnet, false, "ln");
  auto r = init_datadir(o);
  REQUIRE(r.ok());
  CHECK(fs::exists(o.datadir + "/node.key"));
  CHECK_FALSE(fs::exists(o.datadir + "/genesis.toml"));  // a localnet brings its own
  CHECK(describe(*r).find("genesis.toml") != std::string::npos);
  auto cfg = load_config_file(o.datadir + "/timed.toml", default_config(network::localnet, "/h"));
  REQUIRE(cfg.ok());
  CHECK_FALSE(cfg->masternode_enabled);

  // An edited genesis and a folder others can read are kept, with a warning each.
  auto t = f.opts(network::testnet, false, "tn");
  REQUIRE(init_datadir(t).ok());
  { std::ofstream(t.datadir + "/genesis.toml", std::ios::app) << "# edited\n"; }
  ::chmod(t.datadir.c_str(), 0755);
  auto again = init_datadir(t);
  REQUIRE(again.ok());
  CHECK(again->created.empty());
  REQUIRE(again->warnings.size() == 2);
  CHECK(describe(*again).find("chmod 700") != std::string::npos);
  CHECK(describe(*again).find("differs from the testnet genesis") != std::string::npos);

  // A file where the folder should be is refused.
  std::ofstream(f.root / "afile") << "x";
  auto bad = f.opts(network::testnet, false, "afile");
  auto e = init_datadir(bad);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error_message().find("is not a directory") != std::string::npos);
}
