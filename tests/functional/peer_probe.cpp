// peer_probe: a misbehaving (or merely curious) peer for functional tests.
//
//   peer_probe --connect HOST:PORT --mode MODE [--chain-id ID --genesis HEX]
//
// Modes: garbage (HTTP text), oversized (a length over the frame cap),
// wrong-chain (a handshake for another chain), ping-flood (a valid
// handshake, then thousands of pings), handshake (connect, authenticate,
// print the peer's key), pool-inv (authenticate, then wait --within-ms for
// the node to announce its pool: a txInv). Exit 0 when the node behaved as
// expected: closed the connection (all misbehaving modes), completed the
// handshake, or announced.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "actors/peer/session_core.hpp"
#include "crypto/random.hpp"
#include "messages/codec.hpp"
#include "messages/limits.hpp"

using namespace tc;

namespace {

int connect_to(const std::string& addr) {
  auto colon = addr.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(colon + 1))));
  if (inet_pton(AF_INET, addr.substr(0, colon).c_str(), &sa.sin_addr) != 1) return -1;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return -1;
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool send_all(int fd, const bytes& b) {
  size_t off = 0;
  while (off < b.size()) {
    ssize_t n = ::send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Reads until the node closes (true) or 10 s pass without data (false);
// runs the session core over what arrives and reports what it saw.
bool until_closed(int fd, peer::session_core* core, bool stop_when_ready = false) {
  uint8_t buf[65536];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) {
      std::printf("closed by the node\n");
      return true;
    }
    if (n < 0) {
      // A reset also means the node dropped us.
      if (errno == ECONNRESET) {
        std::printf("connection reset by the node\n");
        return true;
      }
      std::printf("still open after 10 s\n");
      return false;
    }
    if (!core) continue;
    for (auto& a : core->on_bytes(now_ms(), byte_view(buf, static_cast<size_t>(n)))) {
      if (auto* f = std::get_if<peer::send_frame>(&a)) send_all(fd, *f->frame);
      if (auto* r = std::get_if<peer::became_ready>(&a)) {
        std::printf("handshake ok: node key %s, height %llu\n", r->peer.key.hex().c_str(),
                    static_cast<unsigned long long>(r->peer.best_height));
        if (stop_when_ready) return true;
      }
      if (auto* c = std::get_if<peer::close_session>(&a))
        std::printf("session says: %s\n", c->reason.c_str());
    }
  }
}

// The handshake, then a txInv naming at least one tx within `within_ms` of
// it? One loop for both: the node may send the txInv in the same read as
// its handshake's last frame.
bool until_tx_inv(int fd, peer::session_core& core, uint64_t within_ms) {
  timeval tv{0, 100'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  uint8_t buf[65536];
  uint64_t ready_ms = 0, start = now_ms();
  while (now_ms() < (ready_ms ? ready_ms : start + 10'000) + within_ms) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      std::printf("closed by the node\n");
      return false;
    }
    if (n < 0) continue;
    for (auto& a : core.on_bytes(now_ms(), byte_view(buf, static_cast<size_t>(n)))) {
      if (auto* f = std::get_if<peer::send_frame>(&a)) send_all(fd, *f->frame);
      if (std::holds_alternative<peer::became_ready>(a)) ready_ms = now_ms();
      auto* d = std::get_if<peer::deliver>(&a);
      if (!d) continue;
      if (auto* inv = std::get_if<peer::tx_inv>(&d->msg); inv && !inv->wtxids.empty()) {
        std::printf("txInv of %zu wtxids %llu ms after the handshake\n", inv->wtxids.size(),
                    static_cast<unsigned long long>(now_ms() - ready_ms));
        return true;
      }
    }
  }
  std::printf(ready_ms ? "no txInv within %llu ms of the handshake\n" : "no handshake\n",
              static_cast<unsigned long long>(within_ms));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"peer_probe: a misbehaving peer for functional tests"};
  std::string addr, mode, chain_id = "timecoin-localnet", genesis_hex;
  app.add_option("--connect", addr, "host:port")->required();
  uint64_t within_ms = 1'500;
  app.add_option("--mode", mode, "garbage|oversized|wrong-chain|ping-flood|handshake|pool-inv")
      ->required();
  app.add_option("--within-ms", within_ms, "pool-inv: how long to wait for the txInv");
  app.add_option("--chain-id", chain_id);
  app.add_option("--genesis", genesis_hex, "genesis block hash (hex)");
  CLI11_PARSE(app, argc, argv);

  int fd = connect_to(addr);
  if (fd < 0) {
    std::fprintf(stderr, "cannot connect to %s\n", addr.c_str());
    return 2;
  }
  if (mode == "garbage") {
    send_all(fd, bytes{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r',
                       '\n', '\r', '\n'});
    return until_closed(fd, nullptr) ? 0 : 1;
  }
  if (mode == "oversized") {
    send_all(fd, bytes{0x7f, 0xff, 0xff, 0xff, 1, 2, 3});
    return until_closed(fd, nullptr) ? 0 : 1;
  }
  peer::session_config cfg;
  cfg.chain_id = mode == "wrong-chain" ? "another-chain" : chain_id;
  if (!genesis_hex.empty()) {
    auto g = hash256::from_hex(genesis_hex);
    if (!g) {
      std::fprintf(stderr, "--genesis: %s\n", g.error_message().c_str());
      return 2;
    }
    cfg.genesis_hash = *g;
  }
  cfg.protocol_version = limits::protocol_version;
  cfg.user_agent = "peer_probe";
  key_signer me(secret_key::generate(), false);
  peer::session_core core(cfg, me, peer::direction::outbound, os_random32(), 0, now_ms());
  for (auto& a : core.on_open())
    if (auto* f = std::get_if<peer::send_frame>(&a)) send_all(fd, *f->frame);
  if (mode == "wrong-chain") return until_closed(fd, &core) ? 0 : 1;
  if (mode == "pool-inv") return until_tx_inv(fd, core, within_ms) ? 0 : 1;
  if (!until_closed(fd, &core, true) || !core.ready()) return 1;
  if (mode == "handshake") return 0;
  if (mode == "ping-flood") {
    bytes flood;
    for (uint64_t i = 0; i < 5000; ++i) {
      bytes f = peer::make_frame(encode_message(peer::ping{i}));
      flood.insert(flood.end(), f.begin(), f.end());
    }
    send_all(fd, core.seal(flood));
    return until_closed(fd, nullptr) ? 0 : 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
