#pragma once
// A hook through which a fault-injection build makes one session misbehave
// on the wire (garbage, replays). Honest nodes never install one; the
// behaviours themselves live in actors/fault/ and exist only in builds with
// TC_FAULT_INJECTION.

#include <functional>
#include <memory>
#include <vector>

#include "crypto/bytes.hpp"

namespace tc::peer {

class session_fault {
 public:
  virtual ~session_fault() = default;
  // A frame payload this session received from its peer.
  virtual void on_received(const bytes& payload) = 0;
  // Called on every session tick once the handshake is done: raw bytes to
  // write to the peer (not necessarily well-formed frames).
  virtual std::vector<bytes> on_tick(uint64_t now_ms) = 0;
  // The plaintext frames the node hands this session, as they go out.
  virtual bytes outgoing(const bytes& frames) { return frames; }
};

using session_fault_factory = std::function<std::unique_ptr<session_fault>()>;

}  // namespace tc::peer
