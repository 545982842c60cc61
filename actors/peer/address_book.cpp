#include "actors/peer/address_book.hpp"

#include <algorithm>

#include "actors/peer/netaddr.hpp"

namespace tc::peer {

void address_book::erase(std::map<std::string, book_address>::iterator it) {
  const book_address& a = it->second;
  if (a.tried) {
    --tried_;
  } else if (!a.persistent) {
    --new_;
    if (--new_per_group_[a.source_group] == 0) new_per_group_.erase(a.source_group);
  }
  addrs_.erase(it);
}

void address_book::add_persistent(const std::string& addr) {
  auto it = addrs_.find(addr);
  if (it != addrs_.end()) erase(it);
  book_address a;
  a.addr = addr;
  a.persistent = true;
  addrs_[addr] = a;
}

bool address_book::remove_persistent(const std::string& addr) {
  auto it = addrs_.find(addr);
  if (it == addrs_.end() || !it->second.persistent) return false;
  erase(it);
  return true;
}

size_t address_book::persistent_count() const {
  return static_cast<size_t>(std::count_if(addrs_.begin(), addrs_.end(),
                                           [](const auto& e) { return e.second.persistent; }));
}

void address_book::make_room_in_new(const std::string& group) {
  // Evict from the group holding the most new entries (the newcomer's own
  // group if it is the largest), its stalest entry.
  std::string biggest = group;
  size_t most = new_per_group_.count(group) ? new_per_group_[group] : 0;
  for (auto& [g, n] : new_per_group_)
    if (n > most) most = n, biggest = g;
  auto victim = addrs_.end();
  for (auto i = addrs_.begin(); i != addrs_.end(); ++i) {
    const book_address& a = i->second;
    if (a.tried || a.persistent || a.source_group != biggest) continue;
    if (victim == addrs_.end() || a.last_seen_ms < victim->second.last_seen_ms) victim = i;
  }
  if (victim != addrs_.end()) erase(victim);
}

bool address_book::learn(const std::string& addr, const std::string& source_ip,
                         uint64_t claimed_seen_ms, uint64_t now_ms) {
  auto ep = parse_peer_addr(addr);
  if (!ep || addr != ep->str() || addr == my_addr_) return false;
  if (ep->loopback && !parse_peer_addr(source_ip + ":1").value_or(net_endpoint{}).loopback)
    return false;                        // a stranger pointing us at our own machine's services
  if (addrs_.count(addr)) return false;  // a claim never rewrites what we know
  std::string group = source_group(source_ip);
  if (new_per_group_[group] >= cfg_.max_per_source_group || new_ >= cfg_.max_new) {
    make_room_in_new(group);
    if (new_per_group_[group] >= cfg_.max_per_source_group || new_ >= cfg_.max_new) return false;
  }
  book_address a;
  a.addr = addr;
  a.last_seen_ms = std::min(claimed_seen_ms, now_ms);
  a.source_group = group;
  addrs_[addr] = a;
  ++new_;
  ++new_per_group_[group];
  return true;
}

void address_book::on_connected(const std::string& addr, const pubkey& key, uint64_t now_ms) {
  auto it = addrs_.find(addr);
  if (it == addrs_.end()) return;
  book_address& a = it->second;
  a.key = key;
  a.last_seen_ms = now_ms;
  a.failures = 0;  // (banned_rejects stays: a reject 11 comes right after the handshake)
  if (a.tried || a.persistent) return;
  // new -> tried; the stalest tried entry makes room.
  if (tried_ >= cfg_.max_tried) {
    auto victim = addrs_.end();
    for (auto i = addrs_.begin(); i != addrs_.end(); ++i)
      if (i->second.tried && i != it &&
          (victim == addrs_.end() || i->second.last_seen_ms < victim->second.last_seen_ms))
        victim = i;
    if (victim != addrs_.end()) erase(victim);
  }
  --new_;
  if (--new_per_group_[a.source_group] == 0) new_per_group_.erase(a.source_group);
  a.tried = true;
  ++tried_;
}

void address_book::backoff(book_address& a, uint64_t now_ms) {
  a.failures = std::min<uint32_t>(a.failures + 1, 30);
  uint64_t delay = cfg_.backoff_min_ms;
  for (uint32_t i = 1; i < a.failures && delay < cfg_.backoff_max_ms; ++i) delay *= 2;
  a.next_try_ms = std::max(a.next_try_ms, now_ms + std::min(delay, cfg_.backoff_max_ms));
}

void address_book::on_failed(const std::string& addr, uint64_t now_ms) {
  auto it = addrs_.find(addr);
  if (it == addrs_.end()) return;
  it->second.banned_rejects = 0;  // closed for another reason: the ban there is over
  backoff(it->second, now_ms);
}

void address_book::on_refused_banned(const std::string& addr, uint64_t now_ms) {
  auto it = addrs_.find(addr);
  if (it == addrs_.end()) return;
  book_address& a = it->second;
  a.banned_rejects = std::min<uint32_t>(a.banned_rejects + 1, 30);
  uint64_t delay = cfg_.banned_backoff_ms;
  for (uint32_t i = 1; i < a.banned_rejects && delay < cfg_.banned_backoff_max_ms; ++i) delay *= 2;
  a.next_try_ms = now_ms + std::min(delay, cfg_.banned_backoff_max_ms);
}

void address_book::restore(const std::string& addr, const pubkey& key, uint64_t last_seen_ms,
                           uint32_t failures, uint64_t now_ms) {
  auto it = addrs_.find(addr);
  if (it != addrs_.end()) {  // a configured entry: keep it, remember its key
    if (it->second.persistent && it->second.key.is_zero()) it->second.key = key;
    return;
  }
  if (key.is_zero()) return;  // only verified entries are saved
  auto ep = parse_peer_addr(addr);
  if (!ep || addr != ep->str() || addr == my_addr_ || tried_ >= cfg_.max_tried) return;
  book_address a;
  a.addr = addr;
  a.key = key;
  a.last_seen_ms = std::min(last_seen_ms, now_ms);
  a.failures = std::min<uint32_t>(failures, 30);
  a.tried = true;
  addrs_[addr] = a;
  ++tried_;
}

std::vector<const book_address*> address_book::dial_order() const {
  std::vector<const book_address*> order;
  for (auto& [addr, a] : addrs_) order.push_back(&a);
  auto rank = [](const book_address* a) { return a->persistent ? 0 : a->tried ? 1 : 2; };
  std::stable_sort(order.begin(), order.end(), [&](auto* x, auto* y) {
    if (rank(x) != rank(y)) return rank(x) < rank(y);
    return x->last_seen_ms > y->last_seen_ms;
  });
  return order;
}

}  // namespace tc::peer
