#pragma once
// Where to dial, after Bitcoin's addrman: addresses heard from peers (a
// `peers` message, a handshake's listenAddr) are claims and go to the "new"
// table, bucketed by the network they were heard from; an address joins the
// "tried" table only when this node dialed it and a key proved itself
// there. Gossip can neither push a tried or configured entry out, nor
// rewrite its key or its last-seen time, nor fill the new table from one
// network. Pure: the caller passes the time.

#include <map>
#include <string>
#include <vector>

#include "crypto/schnorr.hpp"

namespace tc::peer {

struct address_config {
  size_t max_new = 1'024;
  size_t max_tried = 256;
  size_t max_per_source_group = 64;  // new entries heard from one /16 (or /32)
  uint64_t backoff_min_ms = 1'000;
  uint64_t backoff_max_ms = 60'000;
  // A node that refused us as banned (reject 11) is left alone this long,
  // doubling with each refusal up to banned_backoff_max_ms.
  uint64_t banned_backoff_ms = 10 * 60'000;
  uint64_t banned_backoff_max_ms = 24 * 3'600'000;
};

struct book_address {
  std::string addr;  // host:port
  pubkey key;        // proved at this address by our own dial; zero while untried
  uint64_t last_seen_ms = 0;
  uint32_t failures = 0;
  uint64_t next_try_ms = 0;
  bool persistent = false;  // from config (`addnode`): always kept, always redialled first
  bool tried = false;
  std::string source_group;  // where a new entry was heard from
  uint32_t banned_rejects = 0;
};

class address_book {
 public:
  address_book(address_config cfg, std::string my_addr) : cfg_(cfg), my_addr_(std::move(my_addr)) {}

  void add_persistent(const std::string& addr);
  // RPC addnode remove: the entry goes (a later claim may bring it back as new).
  bool remove_persistent(const std::string& addr);
  size_t persistent_count() const;
  // An unauthenticated claim that `addr` is a node, heard from `source_ip`.
  // The address must parse (netaddr.hpp); a loopback address is taken only
  // from a loopback source; the time is clamped to now. True when added.
  bool learn(const std::string& addr, const std::string& source_ip, uint64_t claimed_seen_ms,
             uint64_t now_ms);
  // We dialed `addr` and `key` completed the handshake there.
  void on_connected(const std::string& addr, const pubkey& key, uint64_t now_ms);
  void on_failed(const std::string& addr, uint64_t now_ms);          // back-off
  void on_refused_banned(const std::string& addr, uint64_t now_ms);  // reject 11
  // An entry saved by an earlier run (a saved key means it was tried).
  void restore(const std::string& addr, const pubkey& key, uint64_t last_seen_ms, uint32_t failures,
               uint64_t now_ms);

  // Persistent first, then tried, then new; most recently seen first.
  std::vector<const book_address*> dial_order() const;
  const std::map<std::string, book_address>& addresses() const { return addrs_; }
  size_t new_count() const { return new_; }
  size_t tried_count() const { return tried_; }

 private:
  void backoff(book_address& a, uint64_t now_ms);
  void make_room_in_new(const std::string& group);
  void erase(std::map<std::string, book_address>::iterator it);

  address_config cfg_;
  std::string my_addr_;
  std::map<std::string, book_address> addrs_;
  std::map<std::string, size_t> new_per_group_;
  size_t new_ = 0, tried_ = 0;
};

}  // namespace tc::peer
