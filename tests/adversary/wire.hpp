#pragma once
// The adversary's transport: a TCP connection to a node, an authenticated
// peer session on top of it (the project's own session_core, codec and
// keys: the adversary speaks the protocol exactly, then abuses it), and a
// raw HTTP client for the RPC attacks. Blocking and single-threaded: an
// attack is a script, not a node.

#include <optional>
#include <string>
#include <vector>

#include "actors/peer/session_core.hpp"

namespace tc::adversary {

uint64_t now_ms();

// A blocking TCP connection with a receive timeout.
class tcp {
 public:
  // `bind_ip`: the local address to connect from (another 127.x.y.z stands
  // for another host on loopback); empty: the kernel's choice.
  explicit tcp(const std::string& host_port, int recv_timeout_ms = 200,
               const std::string& bind_ip = {});
  ~tcp();
  tcp(const tcp&) = delete;
  tcp& operator=(const tcp&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool send(const bytes& b);
  bool send(const std::string& s) { return send(bytes(s.begin(), s.end())); }
  // Bytes that arrived within the receive timeout; nullopt once closed.
  std::optional<bytes> recv();
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// Protocol version 2, the one before the encrypted transport: plaintext
// frames and the old handshake signature (chain, genesis, the peer's nonce,
// the signer's key). Only for showing that an attack succeeds against a node
// built from the code before the fix (adversary --legacy-v2).
void set_legacy_v2(bool on);
bool legacy_v2();

struct chain_identity {
  std::string chain_id = "timecoin-localnet";
  hash256 genesis;
};

// An authenticated session with a fresh key (every attack is a newcomer:
// bans of earlier attacks do not carry over).
class peer_link {
 public:
  peer_link(const std::string& target, const chain_identity& id, const std::string& bind_ip = {});
  // Completes the handshake; false if the node refused or was silent.
  bool handshake(uint64_t timeout_ms = 5'000);
  // Messages that arrived within `ms` (answering pings meanwhile).
  std::vector<peer::message> poll(uint64_t ms);
  // Waits up to `ms` for a message of kind T.
  template <class T>
  std::optional<T> wait_for(uint64_t ms) {
    uint64_t end = now_ms() + ms;
    while (now_ms() < end && !closed()) {
      for (auto& m : poll(100))
        if (auto* x = std::get_if<T>(&m)) return *x;
    }
    return std::nullopt;
  }
  bool send(const peer::message& m);
  bool send_payload(const bytes& payload);  // a frame around any payload
  // Plaintext frames, sealed into this connection's channel.
  bool send_frames(const bytes& frames) {
    return conn_.send(legacy_v2() ? frames : core_.seal(frames));
  }
  bool send_raw(const bytes& b) { return conn_.send(b); }  // bytes as they are, on the socket
  // Closed by the node (its reason, when it sent a reject).
  bool closed() const { return conn_.closed() || core_.closed() || legacy_closed_; }
  const std::string& close_reason() const { return close_reason_; }
  uint64_t node_height() const { return node_height_; }

 private:
  void run(peer::session_actions acts);
  bool legacy_handshake(uint64_t timeout_ms);
  void legacy_read();  // one read's messages into inbox_, answering pings
  tcp conn_;
  chain_identity id_;
  peer::frame_reader plain_{1u << 24};
  bool legacy_closed_ = false;
  key_signer me_;
  peer::session_core core_;
  std::vector<peer::message> inbox_;
  std::string close_reason_;
  uint64_t node_height_ = 0;
};

// The transport alone (PROTOCOL.md §1), no session logic: what a relay in
// the middle holds, able to read and send any frame inside its channel.
class raw_link {
 public:
  explicit raw_link(const std::string& target, const std::string& bind_ip = {});
  bool open(uint64_t timeout_ms = 5'000);  // preambles exchanged
  // The next message from the node within `ms`; nullopt on silence or close.
  std::optional<peer::message> next(uint64_t ms);
  bool send(const peer::message& m);
  bool closed() const { return conn_.closed() || failed_; }

 private:
  void take(const bytes& wire);
  tcp conn_;
  peer::secure_channel ch_;
  peer::frame_reader reader_{1u << 24};
  bool failed_ = false;
};

// One HTTP exchange on its own connection; the whole response, or empty.
std::string http_exchange(const std::string& target, const std::string& request,
                          uint64_t timeout_ms);
// A JSON-RPC POST with HTTP Basic credentials ("user:password").
std::string http_post(const std::string& credentials, const std::string& body);

}  // namespace tc::adversary
