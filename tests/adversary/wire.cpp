#include "tests/adversary/wire.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "messages/codec.hpp"
#include "messages/limits.hpp"

namespace tc::adversary {

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

tcp::tcp(const std::string& addr, int recv_timeout_ms, const std::string& bind_ip) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(colon + 1))));
  if (inet_pton(AF_INET, addr.substr(0, colon).c_str(), &sa.sin_addr) != 1) return;
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (!bind_ip.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (inet_pton(AF_INET, bind_ip.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  timeval tv{recv_timeout_ms / 1000, (recv_timeout_ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

tcp::~tcp() {
  if (fd_ >= 0) ::close(fd_);
}

bool tcp::send(const bytes& b) {
  size_t off = 0;
  while (fd_ >= 0 && off < b.size()) {
    ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return closed_ = true, false;
    off += static_cast<size_t>(n);
  }
  return fd_ >= 0;
}

std::optional<bytes> tcp::recv() {
  if (fd_ < 0 || closed_) return std::nullopt;
  uint8_t buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n == 0 || (n < 0 && errno == ECONNRESET)) {
    closed_ = true;
    return std::nullopt;
  }
  if (n < 0) return bytes{};  // nothing within the timeout
  return bytes(buf, buf + n);
}

namespace {
bool legacy = false;
}  // namespace
void set_legacy_v2(bool on) {
  legacy = on;
}
bool legacy_v2() {
  return legacy;
}

namespace {
peer::session_config config_for(const chain_identity& id) {
  peer::session_config cfg;
  cfg.chain_id = id.chain_id;
  cfg.genesis_hash = id.genesis;
  cfg.protocol_version = limits::protocol_version;
  cfg.user_agent = "adversary";
  return cfg;
}
}  // namespace

peer_link::peer_link(const std::string& target, const chain_identity& id,
                     const std::string& bind_ip)
    : conn_(target, 200, bind_ip),
      id_(id),
      me_(secret_key::generate(), false),
      core_(config_for(id), me_, peer::direction::outbound, os_random32(), 0, now_ms()) {}

void peer_link::run(peer::session_actions acts) {
  for (auto& a : acts) {
    if (auto* f = std::get_if<peer::send_frame>(&a)) conn_.send(*f->frame);
    if (auto* d = std::get_if<peer::deliver>(&a)) inbox_.push_back(std::move(d->msg));
    if (auto* r = std::get_if<peer::became_ready>(&a)) node_height_ = r->peer.best_height;
    if (auto* c = std::get_if<peer::close_session>(&a)) close_reason_ = c->reason;
  }
}

bool peer_link::handshake(uint64_t timeout_ms) {
  if (!conn_.ok()) return false;
  if (legacy) return legacy_handshake(timeout_ms);
  run(core_.on_open());
  uint64_t end = now_ms() + timeout_ms;
  while (!core_.ready() && !closed() && now_ms() < end) {
    auto b = conn_.recv();
    if (!b) break;
    if (!b->empty()) run(core_.on_bytes(now_ms(), *b));
  }
  return core_.ready();
}

std::vector<peer::message> peer_link::poll(uint64_t ms) {
  uint64_t end = now_ms() + ms;
  while (legacy && now_ms() < end && !closed() && inbox_.empty()) legacy_read();
  while (!legacy && now_ms() < end && !closed()) {
    auto b = conn_.recv();
    if (!b) break;
    if (!b->empty()) run(core_.on_bytes(now_ms(), *b));
    // Answer pings (the session core does), so silence is never the reason
    // the node drops us.
    run(core_.on_tick(now_ms(), now_ms()));
    if (!inbox_.empty()) break;
  }
  return std::exchange(inbox_, {});
}

// Version 2's handshake: hellos in plaintext, and an ack that signs only the
// peer's nonce with the chain and the signer's key.
bool peer_link::legacy_handshake(uint64_t timeout_ms) {
  peer::handshake hello{2, id_.chain_id, id_.genesis, me_.key(), "", os_random32(), 0, "adversary"};
  conn_.send(peer::make_frame(encode_message(hello)));
  bool acked = false, hello_seen = false;
  uint64_t end = now_ms() + timeout_ms;
  while (!(acked && hello_seen) && !closed() && now_ms() < end) {
    legacy_read();
    for (auto it = inbox_.begin(); it != inbox_.end();) {
      if (auto* h = std::get_if<peer::handshake>(&*it)) {
        bytes m(id_.chain_id.begin(), id_.chain_id.end());
        m.push_back(0);
        m.insert(m.end(), id_.genesis.v.begin(), id_.genesis.v.end());
        m.insert(m.end(), h->nonce.v.begin(), h->nonce.v.end());
        m.insert(m.end(), me_.key().v.begin(), me_.key().v.end());
        peer::handshake_ack ack{me_.sign(tagged_hash("TimeCoin/handshake", m))};
        conn_.send(peer::make_frame(encode_message(ack)));
        node_height_ = h->best_height;
        hello_seen = true;
      } else if (std::holds_alternative<peer::handshake_ack>(*it)) {
        acked = true;
      } else {
        ++it;
        continue;
      }
      it = inbox_.erase(it);
    }
  }
  return acked && hello_seen && !closed();
}

void peer_link::legacy_read() {
  auto b = conn_.recv();
  if (!b) return;
  plain_.append(*b);
  for (;;) {
    auto p = plain_.next();
    if (!p) return void(legacy_closed_ = true);
    if (!*p) return;
    auto m = decode_message(**p);
    if (!m) return void(legacy_closed_ = true);
    if (auto* ping = std::get_if<peer::ping>(&m.value())) {
      conn_.send(peer::make_frame(encode_message(peer::pong{ping->nonce})));
    } else if (auto* r = std::get_if<peer::reject>(&m.value())) {
      close_reason_ = r->reason;
      legacy_closed_ = true;
      inbox_.push_back(std::move(m).value());
    } else {
      inbox_.push_back(std::move(m).value());
    }
  }
}

bool peer_link::send(const peer::message& m) {
  return send_payload(encode_message(m));
}

bool peer_link::send_payload(const bytes& payload) {
  return send_frames(peer::make_frame(payload));
}

namespace {
x25519_key fresh_ephemeral() {
  x25519_key k;
  k.v = os_random32().v;
  return k;
}
}  // namespace

raw_link::raw_link(const std::string& target, const std::string& bind_ip)
    : conn_(target, 100, bind_ip), ch_(true, fresh_ephemeral()) {}

// Bytes from the node: opened by the channel, or as they are (version 2).
void raw_link::take(const bytes& wire) {
  if (legacy) return reader_.append(wire);
  bytes plain;
  if (!ch_.on_bytes(wire, plain)) failed_ = true;
  reader_.append(plain);
}

bool raw_link::open(uint64_t timeout_ms) {
  if (legacy) return conn_.ok();
  if (!conn_.ok() || !conn_.send(ch_.preamble())) return false;
  uint64_t end = now_ms() + timeout_ms;
  while (!ch_.established() && !closed() && now_ms() < end) {
    auto b = conn_.recv();
    if (!b) break;
    bytes plain;
    if (!ch_.on_bytes(*b, plain)) failed_ = true;
    reader_.append(plain);
  }
  return ch_.established();
}

std::optional<peer::message> raw_link::next(uint64_t ms) {
  uint64_t end = now_ms() + ms;
  while (!failed_) {
    auto p = reader_.next();
    if (!p) return failed_ = true, std::nullopt;
    if (*p) {
      auto m = decode_message(**p);
      if (!m) return failed_ = true, std::nullopt;
      return std::move(m).value();
    }
    if (closed() || now_ms() >= end) return std::nullopt;
    auto b = conn_.recv();
    if (!b) return std::nullopt;
    take(*b);
  }
  return std::nullopt;
}

bool raw_link::send(const peer::message& m) {
  bytes frame = peer::make_frame(encode_message(m));
  return !failed_ && conn_.send(legacy ? frame : ch_.seal(frame));
}

std::string http_exchange(const std::string& target, const std::string& request,
                          uint64_t timeout_ms) {
  tcp c(target, 100);
  if (!c.ok() || !c.send(request)) return {};
  std::string out;
  uint64_t end = now_ms() + timeout_ms;
  while (now_ms() < end) {
    auto b = c.recv();
    if (!b) break;
    out.append(b->begin(), b->end());
    auto head = out.find("\r\n\r\n");
    if (head == std::string::npos) continue;
    auto cl = out.find("Content-Length: ");
    if (cl == std::string::npos || cl > head) break;  // no body (204)
    size_t len = std::stoul(out.substr(cl + 16));
    if (out.size() >= head + 4 + len) break;
  }
  return out;
}

std::string http_post(const std::string& credentials, const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: timed\r\nAuthorization: Basic " + base64_encode(credentials) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace tc::adversary
