// The encrypted transport's cost, as multiples of one BIP340 signature check
// measured in the same run (these machines are shared: only ratios travel).
// Measures: a connection's whole set-up (preambles, X25519, HKDF, the
// handshake's two signatures and two checks, both sides), sealing and
// opening tx-sized frames coalesced into 64 KiB records (relayed gossip) and
// one frame per record (a vote), and 64 KiB bulk (blocks). Then what that
// means per finalized tx for a validator of an n-node full mesh, where each
// tx's bytes cross its channels about 4(n-1) times (gossip in and out, and
// again inside the proposal).
//   build/tests/bench/channel_bench [--seconds 2] [--validators 4] [--tx-bytes 300]

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "actors/peer/session_core.hpp"
#include "crypto/schnorr.hpp"
#include "messages/limits.hpp"

using namespace tc;
using clk = std::chrono::steady_clock;

namespace {

double seconds_since(clk::time_point t) {
  return std::chrono::duration<double>(clk::now() - t).count();
}

// Runs `op` for about `budget_s`; returns microseconds per call.
template <class Op>
double us_per(double budget_s, Op op) {
  uint64_t n = 0;
  auto t = clk::now();
  while (seconds_since(t) < budget_s) {
    for (int i = 0; i < 16; ++i) op();
    n += 16;
  }
  return seconds_since(t) * 1e6 / double(n);
}

double handshake_us(double budget_s) {
  peer::session_config cfg;
  cfg.chain_id = "bench";
  cfg.protocol_version = limits::protocol_version;
  key_signer ka(secret_key::generate(), true), kb(secret_key::generate(), true);
  uint64_t seed = 0;
  return us_per(budget_s, [&] {
    peer::session_core a(cfg, ka, peer::direction::outbound, hash256{{uint8_t(++seed), 1}}, 0, 0);
    peer::session_core b(cfg, kb, peer::direction::inbound, hash256{{uint8_t(seed), 2}}, 0, 0);
    std::vector<bytes> to_b, to_a;
    auto take = [](peer::session_actions acts, std::vector<bytes>& out) {
      for (auto& x : acts)
        if (auto* f = std::get_if<peer::send_frame>(&x)) out.push_back(*f->frame);
    };
    take(a.on_open(), to_b);
    take(b.on_open(), to_a);
    while (!to_a.empty() || !to_b.empty()) {
      for (auto& f : std::exchange(to_b, {})) take(b.on_bytes(1, f), to_a);
      for (auto& f : std::exchange(to_a, {})) take(a.on_bytes(1, f), to_b);
    }
    if (!a.ready() || !b.ready()) std::abort();
  });
}

struct pair_of_channels {
  peer::secure_channel i{true, x25519_key{{1, 2, 3}}}, r{false, x25519_key{{4, 5, 6}}};
  pair_of_channels() {
    bytes p;
    (void)r.on_bytes(i.preamble(), p);
    (void)i.on_bytes(r.preamble(), p);
  }
};

// Seal at one end and open at the other, `chunk` bytes per record.
double seal_open_ns_per_byte(double budget_s, size_t chunk) {
  pair_of_channels c;
  bytes data(chunk, 0x5a), plain;
  double us = us_per(budget_s, [&] {
    bytes rec = c.i.seal(data);
    plain.clear();
    if (!c.r.on_bytes(rec, plain) || plain.size() != chunk) std::abort();
  });
  return us * 1000.0 / double(chunk);
}

}  // namespace

int main(int argc, char** argv) {
  double budget_s = 2;
  size_t n = 4, tx_bytes = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") budget_s = std::stod(argv[i + 1]);
    if (a == "--validators") n = std::stoul(argv[i + 1]);
    if (a == "--tx-bytes") tx_bytes = std::stoul(argv[i + 1]);
  }
  auto k = secret_key::generate();
  hash256 msg{{7}};
  signature sig = k.sign(msg);
  pubkey pk = k.public_key();
  double verify_us = us_per(budget_s, [&] {
    if (!verify(pk, msg.v, sig)) std::abort();
  });
  double hs_us = handshake_us(budget_s);
  double bulk_ns = seal_open_ns_per_byte(budget_s, peer::max_record_plaintext_bytes);
  double small_us = seal_open_ns_per_byte(budget_s, tx_bytes) * double(tx_bytes) / 1000.0;
  double verify_again_us = us_per(budget_s, [&] {  // the machine may have changed meanwhile
    if (!verify(pk, msg.v, sig)) std::abort();
  });
  double base = (verify_us + verify_again_us) / 2;
  double per_tx_us = 4.0 * double(n - 1) * double(tx_bytes) * bulk_ns / 1000.0;

  std::printf("%-58s %12s %12s\n", "operation (seal at one end, open at the other)", "us",
              "x verify");
  auto row = [&](const char* what, double us) {
    std::printf("%-58s %12.3f %12.3f\n", what, us, us / base);
  };
  row("BIP340 signature check (the baseline; mean of two runs)", base);
  row("connection set-up, both sides (X25519, HKDF, 2 sign, 2 verify)", hs_us);
  char buf[128];
  std::snprintf(buf, sizeof buf, "one %zu-byte frame in a record of its own (a vote)", tx_bytes);
  row(buf, small_us);
  std::snprintf(buf, sizeof buf, "%zu bytes inside 64 KiB records (coalesced gossip)", tx_bytes);
  row(buf, double(tx_bytes) * bulk_ns / 1000.0);
  row("64 KiB record (blocks, proposals)", bulk_ns * 65536 / 1000.0);
  std::snprintf(buf, sizeof buf, "per finalized tx per validator, %zu-node mesh (4(n-1) crossings)",
                n);
  row(buf, per_tx_us);
  std::printf("\nbulk throughput: %.0f MB/s sealed and opened per core; baseline drift: %.1f%%\n",
              1000.0 / bulk_ns, 100.0 * (verify_again_us - verify_us) / verify_us);
  return 0;
}
