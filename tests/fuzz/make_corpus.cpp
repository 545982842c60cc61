// Writes the seed corpus of every fuzz target into DIR/<target>/ (the
// committed tests/fuzz/corpus was made with it; libFuzzer runs add what
// they find there):
//   build/tests/fuzz/make_corpus tests/fuzz/corpus

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "actors/peer/frame.hpp"
#include "messages/codec.hpp"
#include "messages/limits.hpp"
#include "node/config.hpp"
#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {

void write(const std::string& dir, const std::string& name, const bytes& b) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
void write(const std::string& dir, const std::string& name, const std::string& s) {
  write(dir, name, bytes(s.begin(), s.end()));
}

struct samples {
  transaction tx;
  block blk;
  commit_certificate cert;
  vote v;
};

samples make_samples() {
  auto key = test::key_from_seed(1);
  samples s;
  s.tx = test::make_transfer(test::domain_of("fuzz"), {hash256{}, 1}, {5 * coin, key.public_key()},
                             key, {{coin, key.public_key()}, {2 * coin, key.public_key()}});
  s.blk.header.height = 3;
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = 3;
  reward.outputs.push_back({coin, key.public_key()});
  s.blk.txs = {reward, s.tx};
  test::seal(s.blk);
  s.cert = {3, 0, block_hash(s.blk.header), {{key.public_key(), {}}}};
  s.v = {vote_type::prevote, 3, 0, block_hash(s.blk.header), key.public_key(), {}};
  return s;
}

void decode_corpus(const std::string& dir, const samples& s) {
  auto key = test::key_from_seed(1);
  int i = 0;
  for (const bytes& b :
       {encode_message(peer::ping{7}), encode_message(peer::tx{s.tx}),
        encode_message(block_with_cert{s.blk, s.cert}),
        encode_message(peer::handshake{1, "fuzz", {}, key.public_key(), "127.0.0.1:1", {}, 0, "x"}),
        encode_message(peer::prevote{s.v}),
        encode_message(peer::peers{{{"a:1", key.public_key(), 0}}}),
        encode_message(
            proposal{3, 0, -1, std::make_shared<const block>(s.blk), key.public_key(), {}}),
        encode_block(s.blk), encode_certificate(s.cert), encode_transaction(s.tx)})
    write(dir, "seed" + std::to_string(i++), b);
}

void session_corpus(const std::string& dir, const samples& s) {
  auto key = test::key_from_seed(1);
  std::vector<std::pair<uint8_t, std::vector<peer::message>>> seqs = {
      {1, {peer::ping{1}, peer::tx{s.tx}, peer::prevote{s.v}}},
      {3,
       {proposal{3, 0, -1, std::make_shared<const block>(s.blk), key.public_key(), {}},
        peer::get_blocks{1, 10}, peer::tip{3, hash256{}}}},
      {0,
       {peer::handshake{limits::protocol_version, "fuzz", hash256{{1}}, key.public_key(),
                        "127.0.0.1:1", hash256{{3}}, 0, "x"}}},
      {1, {peer::precommit{s.v}, peer::precommit{s.v}, peer::precommit{s.v}, peer::reject{5, "x"}}},
  };
  int i = 0;
  for (auto& [flags, msgs] : seqs) {
    bytes b{flags, static_cast<uint8_t>(i * 60 + 15)};
    for (auto& m : msgs) {
      bytes f = peer::make_frame(encode_message(m));
      b.insert(b.end(), f.begin(), f.end());
    }
    write(dir, "seed" + std::to_string(i++), b);
  }
}

void rpc_corpus(const std::string& dir) {
  auto post = [](const std::string& body, const std::string& auth = "Basic ok") {
    return "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const std::string bodies[] = {
      R"({"jsonrpc":"2.0","id":1,"method":"getblockcount","params":[]})",
      R"([{"id":1,"method":"a"},{"method":"b"},{"id":"x","method":"c","params":{"k":[1,2,{}]}}])",
      R"({"foo":1})",
      R"({"id":[[[[[1]]]]],"method":"m"})",
      "[]",
      R"({"method":"sendrawtransaction","params":["00ff"],"id":null})"};
  int i = 0;
  for (const auto& b : bodies) write(dir, "seed" + std::to_string(i++), post(b));
  write(dir, "seed" + std::to_string(i++), post("{}", "Basic bad"));
  write(dir, "seed" + std::to_string(i++), post("{\"method\":\"x\",\"id\":1}") + post("[1]"));
  write(dir, "seed" + std::to_string(i++),
        std::string("POST / HTTP/1.1\r\nAuthorization: Basic ok\r\nExpect: 100-continue\r\n"
                    "Content-Length: 2\r\n\r\n{}"));
}

void text_corpus(const std::string& dir, const std::string& src) {
  write(dir, "config-default", default_config_text(network::testnet));
  write(dir, "config-rpc",
        std::string("[rpc]\nbind = \"0.0.0.0\"\nallow_remote = true\n"
                    "user = \"u\"\npassword = \"0123456789abcdef\"\n"));
  for (const char* g : {"deploy/genesis/testnet.toml", "deploy/genesis/mainnet.toml"}) {
    std::ifstream in(src + "/" + g);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write(dir, std::filesystem::path(g).stem().string() + "-genesis", text);
  }
}

void consensus_corpus(const std::string& dir) {
  // Schedules of (op, a, b) steps: random ones, and one that builds,
  // validates and delivers in a loop (a happy path for mutations to bend).
  std::mt19937_64 rng(42);
  for (int i = 0; i < 6; ++i) {
    bytes b(3 * (60 + i * 40));
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    write(dir, "random" + std::to_string(i), b);
  }
  // Build, let it spread, validate, let the votes spread; with a timeout
  // now and then for the rounds whose proposer is the Byzantine one.
  bytes happy;
  auto step = [&](uint8_t op, uint8_t a, uint8_t c) {
    happy.push_back(op);
    happy.push_back(a);
    happy.push_back(c);
  };
  for (int h = 0; h < 16; ++h) {
    for (uint8_t c = 0; c < 3; ++c) step(5, 0, c);  // the proposer builds
    step(6, 0, 0);
    for (uint8_t c = 0; c < 3; ++c) step(4, 0, c);  // everyone validates
    step(6, 0, 0);
    step(6, 0, 0);
    for (uint8_t c = 0; c < 3; ++c) step(3, 0, c);  // propose timeout (a Byzantine round)
    step(6, 0, 0);
    step(6, 0, 0);
    for (uint8_t c = 0; c < 3; ++c) step(3, 2, c);  // precommit timeout: next round
  }
  write(dir, "happy", happy);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_corpus DIR [SOURCE_DIR]\n");
    return 2;
  }
  std::string out = argv[1], src = argc > 2 ? argv[2] : ".";
  samples s = make_samples();
  decode_corpus(out + "/decode", s);
  session_corpus(out + "/session", s);
  rpc_corpus(out + "/rpc");
  text_corpus(out + "/text", src);
  consensus_corpus(out + "/consensus");
  std::printf("corpus written to %s\n", out.c_str());
  return 0;
}
