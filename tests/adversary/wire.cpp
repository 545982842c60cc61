#include "tests/adversary/wire.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

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
  while (now_ms() < end && !closed()) {
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

bool raw_link::open(uint64_t timeout_ms) {
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
    bytes plain;
    if (!ch_.on_bytes(*b, plain)) failed_ = true;
    reader_.append(plain);
  }
  return std::nullopt;
}

bool raw_link::send(const peer::message& m) {
  return !failed_ && conn_.send(ch_.seal(peer::make_frame(encode_message(m))));
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
