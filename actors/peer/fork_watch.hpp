#pragma once
// Watches peers' tip announcements for a hash, at a height this node has
// committed, that differs from its own: the sign of a fork that a node
// outside the forked round can see. It asks that peer for its block there
// (one probe per peer at a time, at most once a minute per peer and
// height); consensus checks the certificate that comes back. A probe may
// never be answered (the peer drops a request that overlaps one it is
// serving, or just stays silent): after probe_timeout_ms it is given up and
// the peer can be probed again. Pure: the peer manager feeds it and carries
// out the probes.

#include <map>
#include <optional>
#include <vector>

#include "messages/types.hpp"

namespace tc::peer {

class fork_watch {
 public:
  explicit fork_watch(size_t remember_heights = 1024, uint64_t reprobe_ms = 60'000,
                      uint64_t probe_timeout_ms = 10'000)
      : remember_(remember_heights), reprobe_ms_(reprobe_ms), probe_timeout_ms_(probe_timeout_ms) {}

  // A block this node committed.
  void on_local_tip(uint64_t height, const hash256& h);
  // A peer's announcement. Returns the height to fetch from it when its
  // hash there differs from ours and no probe of it is due yet.
  std::optional<uint64_t> on_peer_tip(uint64_t peer, uint64_t height, const hash256& h,
                                      uint64_t now_ms);
  // A `blocks` answer: true when it answers this peer's probe (it then goes
  // to consensus's fork check, not to sync): exactly one block, at the
  // probe's height. Sync only asks peers for heights above the tip it had, a
  // probe only at or below ours. An empty list is sync's (it cannot tell
  // whose it is); an unanswered probe times out.
  bool take_probe_answer(uint64_t peer, const std::vector<block_with_cert>& list);
  void on_peer_gone(uint64_t peer) { probes_.erase(peer); }
  bool expects(uint64_t peer) const { return probes_.count(peer) > 0; }
  size_t pending() const { return probes_.size(); }

 private:
  struct probe {
    uint64_t height = 0;
    uint64_t sent_ms = 0;
    bool answered = false;
  };
  size_t remember_;
  uint64_t reprobe_ms_;
  uint64_t probe_timeout_ms_;
  std::map<uint64_t, hash256> ours_;  // height -> our block, the last `remember_`
  std::map<uint64_t, probe> probes_;  // per peer: the last probe
};

}  // namespace tc::peer
