#include "node/config.hpp"

#include <doctest/doctest.h>

using namespace tc;

TEST_CASE("defaults per network") {
  auto m = default_config(network::mainnet, "/home/v");
  CHECK(m.p2p_port == 24000);
  CHECK(m.rpc_port == 24001);
  CHECK(m.datadir == "/home/v/.timecoin/mainnet");
  auto t = default_config(network::testnet, "/home/v");
  CHECK(t.p2p_port == 24100);
  CHECK(t.rpc_port == 24101);
  CHECK(default_config(network::localnet, "/h").block_interval_ms == 1000);
  CHECK(default_config(network::localnet, "/h").empty_block_interval_ms == 3000);
}

TEST_CASE("the generated config parses back to the defaults") {
  for (network n : {network::mainnet, network::testnet, network::localnet}) {
    auto text = default_config_text(n);
    auto c = parse_config(text, "gen.toml", default_config(network::localnet, "/x"));
    REQUIRE_MESSAGE(c.ok(), c.error_message());
    CHECK(c->net == n);
    CHECK(c->rpc_port == default_config(n, "/home/v").rpc_port);
    CHECK_FALSE(c->masternode_enabled);
    // No data dir written in: the one the node is given stays.
    CHECK(c->datadir == "/x/.timecoin/localnet");
    auto mn = parse_config(default_config_text(n, true), "gen.toml", default_config(n, "/x"));
    REQUIRE(mn.ok());
    CHECK(mn->masternode_enabled);
    CHECK(mn->path_in_datadir(mn->masternode_key_file) == mn->datadir + "/masternode.key");
  }
}

TEST_CASE("bad configs name the key and the reason") {
  auto base = default_config(network::localnet, "/h");
  auto expect = [&](const std::string& text, const std::string& needle) {
    auto c = parse_config(text, "bad.toml", base);
    REQUIRE_FALSE(c.ok());
    CAPTURE(c.error_message());
    CHECK(c.error_message().find("bad.toml") != std::string::npos);
    CHECK(c.error_message().find(needle) != std::string::npos);
  };
  expect("[rpc]\nport = 70000\n", "rpc.port: out of range");
  expect("[rpc]\nport = \"x\"\n", "rpc.port: wrong type");
  expect("[rpc]\nprot = 1\n", "rpc.prot: unknown key");
  expect("[rcp]\n", "rcp: unknown section");
  expect("[node]\nnetwork = \"moon\"\n", "node.network");
  expect("[mempool]\nmax_txs = 0\n", "mempool.max_txs: out of range");
  expect("[node]\nbackground_nice = 20\n", "node.background_nice: out of range");
  expect("[storage]\naddress_index = 1\n", "storage.address_index: wrong type");
  expect("[masternode]\nenabled = true\n", "masternode.key_file: required");
  expect("[logging]\nlevel = \"loud\"\n", "logging.level");
  expect("[rpc]\nuser = \"a\"\n", "set both or neither");
  // finding 5: plain HTTP off loopback only by choice, and with a password.
  expect("[rpc]\nbind = \"0.0.0.0\"\n", "not a loopback address");
  expect("[rpc]\nbind = \"10.1.2.3\"\nallow_remote = true\n", "at least 16");
  expect("[rpc]\nbind = \"127.evil.com\"\n", "not a loopback address");
  expect("[rpc]\nbind = \"0.0.0.0\"\nallow_remote = true\nuser = \"u\"\npassword = \"short\"\n",
         "at least 16");
  CHECK(parse_config("[rpc]\nbind = \"0.0.0.0\"\nallow_remote = true\nuser = \"u\"\n"
                     "password = \"0123456789abcdef\"\n",
                     "t", default_config(network::localnet, "/h"))
            .ok());
  CHECK(parse_config("[rpc]\nbind = \"127.0.0.2\"\n", "t", default_config(network::localnet, "/h"))
            .ok());
  expect("[consensus\n", "line 1");
  // Faster re-sends would look like a burst of repeats to the peers.
  expect("[consensus]\nvote_resend_ms = 100\n",
         "consensus.vote_resend_ms: 0 (never) or at least 500");
  CHECK(parse_config("[consensus]\nvote_resend_ms = 0\n", "t", base)->vote_resend_ms == 0);
  expect("[trace]\nenabled = 1\n", "trace.enabled: wrong type");
  expect("[storage]\nreader_mmap_mb = -1\n", "storage.reader_mmap_mb: out of range");
  expect("[storage]\nutxo_recent_mb = 70000\n", "storage.utxo_recent_mb: out of range");
}

TEST_CASE("values are applied") {
  auto c = parse_config(
      "[consensus]\nblock_interval_ms = 250\n[network]\naddnode = [\"a:1\", \"b:2\"]\n"
      "sync_trust_certificates = true\n[storage]\nreader_mmap_mb = 0\nutxo_recent_mb = 3\n",
      "ok.toml", default_config(network::localnet, "/h"));
  REQUIRE(c.ok());
  CHECK(c->reader_mmap_mb == 0);
  CHECK(c->utxo_recent_mb == 3);
  CHECK(default_config(network::localnet, "/h").utxo_recent_mb == 64);
  CHECK(default_config(network::localnet, "/h").reader_mmap_mb == 1024);
  CHECK(c->block_interval_ms == 250);
  CHECK(c->sync_trust_certificates);
  CHECK_FALSE(default_config(network::localnet, "/h").sync_trust_certificates);
  CHECK(c->addnode.size() == 2);
  CHECK(c->path_in_datadir("k.key") == "/h/.timecoin/localnet/k.key");
  CHECK(c->path_in_datadir("/abs/k.key") == "/abs/k.key");
}

TEST_CASE("the example testnet configs in deploy/ load") {
  for (int i = 1; i <= 3; ++i) {
    std::string path =
        std::string(TC_SOURCE_DIR) + "/deploy/testnet/node" + std::to_string(i) + ".toml";
    auto c = load_config_file(path, default_config(network::testnet, "/h"));
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error_message()));
    CHECK(c->net == network::testnet);
    CHECK(c->addnode.size() == 2);
    CHECK(c->masternode_enabled);
  }
}

TEST_CASE("[network] peer limits are range-checked") {
  auto c = parse_config("[network]\nmax_per_ip = 0\n", "x.toml",
                        default_config(network::localnet, "/h"));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error_message().find("max_per_ip") != std::string::npos);
  auto d = parse_config("[network]\nenabled = false\nping_interval_s = 5\n", "x.toml",
                        default_config(network::localnet, "/h"));
  REQUIRE(d.ok());
  CHECK_FALSE(d->p2p_enabled);
  CHECK(d->ping_interval_s == 5);
}

TEST_CASE("the metrics port: the RPC port + 1 unless set, never another listener's") {
  auto base = default_config(network::testnet, "/h");
  CHECK(base.metrics_port_or_default() == 24102);
  auto c = parse_config("[metrics]\nport = 9100\nbind = \"0.0.0.0\"\n", "t.toml", base);
  REQUIRE(c.ok());
  CHECK(c->metrics_port_or_default() == 9100);
  CHECK(c->metrics_bind == "0.0.0.0");
  auto clash = parse_config("[network]\nport = 30001\n[rpc]\nport = 30000\n", "t.toml", base);
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error_message().find("metrics.port: 30001 is also network.port") !=
        std::string::npos);
  CHECK(parse_config("[network]\nport = 30001\n[rpc]\nport = 30000\n[metrics]\nenabled = false\n",
                     "t.toml", base)
            .ok());
  CHECK_FALSE(parse_config("[metrics]\nport = 24101\n", "t.toml", base).ok());
  CHECK_FALSE(parse_config("[logging]\nformat = \"xml\"\n", "t.toml", base).ok());
  auto d = parse_config("[logging]\ndebug = [\"p2p\", \"bogus\"]\n", "t.toml", base);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error_message().find("bogus") != std::string::npos);
}
