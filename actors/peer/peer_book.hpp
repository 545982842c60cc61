#pragma once
// The peer manager's policy, without I/O: connection limits per source
// group, inbound eviction that keeps long-lived peers, the simultaneous-dial
// tie-break, escalating and bounded bans, the address book (address_book)
// and the gossip dedup set. Deterministic: the caller passes the time.

#include <deque>
#include <map>
#include <set>
#include <unordered_set>

#include "actors/peer/address_book.hpp"
#include "actors/peer/session_core.hpp"
#include "crypto/recent_hashes.hpp"

namespace tc::peer {

struct book_config {
  uint32_t max_inbound = 64;
  uint32_t max_outbound = 16;
  uint32_t max_per_ip = 8;
  uint32_t max_inbound_per_group = 16;  // inbound connections from one /16 (or /32)
  uint32_t max_new_per_minute = 60;     // inbound connections accepted, per source group
  uint32_t protected_inbound = 8;       // the longest-connected inbound peers, never evicted
  uint32_t ban_score = 100;
  // Points below the ban score fade, one per this long: a peer that slipped
  // now and then (an upgrade, a flaky link) is not banned a week later.
  uint64_t score_decay_ms_per_point = 60'000;
  std::vector<uint64_t> ban_durations_ms = {10 * 60'000, 24 * 3'600'000};  // then permanent
  size_t max_bans = 10'000;    // subjects banned (and ban levels remembered)
  size_t max_scores = 10'000;  // subjects with points below the ban score
  size_t seen_capacity = 200'000;
  address_config addresses;
};

struct ban_entry {
  uint64_t until_ms = 0;  // 0 = permanent
  uint32_t level = 1;     // 1-based; escalates with each new ban
  std::string reason;
};

// "key:<hex>" once a peer is authenticated, "ip:<address>" before.
std::string key_subject(const pubkey& k);
std::string ip_subject(const std::string& ip);

// Closing reasons a software upgrade can cause on an honest peer: a protocol
// version, or a message kind, this node does not know yet (PROTOCOL.md §10).
// A protected peer (an addnode peer, a validator of the current set) that
// gives one is disconnected and logged, not charged points: a rolling
// upgrade must not make validators ban each other.
bool spared_from_ban(uint32_t our_reject_code, bool protected_peer);

class peer_book {
 public:
  peer_book(book_config cfg, pubkey me, std::string my_listen_addr);

  // Connections. An inbound connection is admitted, admitted in place of an
  // evicted one, or refused.
  struct admission {
    bool admit = true;
    std::optional<uint64_t> evict;  // close this inbound connection to make room
    reject_code code = reject_code::too_many_peers;
    std::string reason;
  };
  admission admit_inbound(const std::string& ip, uint64_t now_ms);
  void on_open(uint64_t id, direction d, const std::string& ip, const std::string& dialed_addr,
               uint64_t now_ms = 0);
  struct ready_verdict {
    bool accept = true;
    std::optional<uint64_t> close_other;        // an older connection to the same node that loses
    reject_code code = reject_code::duplicate;  // when !accept
    std::string reason;
  };
  // After the handshake. Duplicate connections to one node: keep the one
  // dialed by the smaller key (both sides agree without talking).
  ready_verdict on_ready(uint64_t id, const hello& h, uint64_t now_ms);
  // `peer_reject`: the code the peer closed us with (0: none).
  void on_closed(uint64_t id, uint64_t now_ms, uint32_t peer_reject = 0);
  size_t inbound() const { return inbound_; }
  size_t outbound() const { return outbound_; }
  size_t ready_count() const;

  // Misbehaviour points accumulate per subject across connections; reaching
  // the ban score bans it (10 min, then 24 h, then for good). The node's
  // shared loopback address is never banned: every local node uses it.
  std::optional<ban_entry> on_misbehaviour(const std::string& subject, uint32_t points,
                                           const std::string& reason, uint64_t now_ms);
  bool banned(const std::string& subject, uint64_t now_ms) const;
  const std::map<std::string, ban_entry>& bans() const { return bans_; }
  size_t scored() const { return scores_.size(); }
  // A subject's points now (after decay); 0 when it has none.
  uint32_t points(const std::string& subject, uint64_t now_ms) const;
  // A ban from the database; its level carries on, so escalation survives restarts.
  void restore_ban(const std::string& subject, ban_entry e);
  bool unban(const std::string& subject) { return bans_.erase(subject) > 0; }
  // An operator's ban (RPC setban): `duration_ms` from now, 0 for good; it
  // replaces the subject's ban, if any, and leaves its level as it was.
  ban_entry set_ban(const std::string& subject, uint64_t duration_ms, const std::string& reason,
                    uint64_t now_ms);
  // An operator's clearban: the subject (every subject when empty) starts
  // afresh, with no ban, points or level. Returns the bans removed.
  std::vector<std::string> clear_bans(const std::string& subject);
  // Forgets expired bans and keeps every table within its bound.
  void prune(uint64_t now_ms);

  // Address book (address_book.hpp).
  void add_persistent(const std::string& addr) { addresses_.add_persistent(addr); }
  bool remove_persistent(const std::string& addr) { return addresses_.remove_persistent(addr); }
  size_t persistent_count() const { return addresses_.persistent_count(); }
  bool learn(const std::string& addr, const std::string& source_ip, uint64_t seen_ms,
             uint64_t now_ms) {
    return addresses_.learn(addr, source_ip, seen_ms, now_ms);
  }
  void restore_address(const std::string& addr, const pubkey& key, uint64_t seen_ms,
                       uint32_t failures, uint64_t now_ms) {
    addresses_.restore(addr, key, seen_ms, failures, now_ms);
  }
  // Addresses to dial now (not connected, not ours, back-off elapsed), up to
  // the free outbound slots. Marks them as being dialled.
  std::vector<std::string> dial_candidates(uint64_t now_ms);
  void on_dial_failed(const std::string& addr, uint64_t now_ms);
  const std::map<std::string, book_address>& addresses() const { return addresses_.addresses(); }
  const address_book& address_table() const { return addresses_; }

  // Gossip dedup: true the first time a hash is seen (bounded, FIFO).
  bool first_seen(const hash256& h);  // seen(h) before; marks it seen
  bool seen(const hash256& h) const { return seen_.contains(h); }
  void mark_seen(const hash256& h) { (void)first_seen(h); }

 private:
  struct conn {
    direction dir;
    std::string ip;
    std::string group;
    std::string dialed_addr;  // outbound only
    std::optional<pubkey> key;
    uint64_t opened_ms = 0;
  };
  std::optional<uint64_t> eviction_candidate() const;
  void bound_scores();

  book_config cfg_;
  pubkey me_;
  std::string my_addr_;
  std::map<uint64_t, conn> conns_;
  size_t inbound_ = 0, outbound_ = 0;
  std::map<std::string, std::deque<uint64_t>> recent_inbound_ms_;  // per source group
  struct score {
    uint32_t points = 0;
    uint64_t at_ms = 0;  // when the points were last brought up to date
  };
  std::map<std::string, score> scores_;
  uint32_t decayed(const score& s, uint64_t now_ms) const;
  std::map<std::string, ban_entry> bans_;
  std::map<std::string, uint32_t> ban_levels_;  // survives expiry, so bans escalate
  address_book addresses_;
  std::unordered_set<std::string> dialing_;
  recent_hashes seen_;
};

}  // namespace tc::peer
