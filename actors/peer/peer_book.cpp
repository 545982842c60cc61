#include "actors/peer/peer_book.hpp"

#include <algorithm>

namespace tc::peer {

std::string key_subject(const pubkey& k) {
  return "key:" + k.hex();
}
std::string ip_subject(const std::string& ip) {
  return "ip:" + ip;
}
bool is_loopback(const std::string& ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1" || ip == "localhost";
}

peer_book::peer_book(book_config cfg, pubkey me, std::string my_listen_addr)
    : cfg_(std::move(cfg)), me_(me), my_addr_(std::move(my_listen_addr)) {}

std::optional<peer_book::refusal> peer_book::admit_inbound(const std::string& ip, uint64_t now_ms) {
  if (banned(ip_subject(ip), now_ms))
    return refusal{reject_code::banned, "address " + ip + " is banned"};
  if (inbound_ >= cfg_.max_inbound)
    return refusal{reject_code::too_many_peers,
                   "inbound limit reached (" + std::to_string(cfg_.max_inbound) + ")"};
  size_t same_ip = 0;
  for (auto& [id, c] : conns_) same_ip += c.ip == ip;
  if (same_ip >= cfg_.max_per_ip)
    return refusal{reject_code::too_many_peers, "too many connections from " + ip + " (" +
                                                    std::to_string(cfg_.max_per_ip) + ")"};
  while (!recent_inbound_ms_.empty() && recent_inbound_ms_.front() + 60'000 <= now_ms)
    recent_inbound_ms_.pop_front();
  if (recent_inbound_ms_.size() >= cfg_.max_new_per_minute)
    return refusal{
        reject_code::rate_limited,
        "new-connection rate limit reached (" + std::to_string(cfg_.max_new_per_minute) + "/min)"};
  recent_inbound_ms_.push_back(now_ms);
  return std::nullopt;
}

void peer_book::on_open(uint64_t id, direction d, const std::string& ip,
                        const std::string& dialed_addr) {
  TC_ASSERT(!conns_.count(id));
  conns_[id] = conn{d, ip, dialed_addr, std::nullopt};
  (d == direction::inbound ? inbound_ : outbound_)++;
  if (d == direction::outbound) dialing_.erase(dialed_addr);
}

peer_book::ready_verdict peer_book::on_ready(uint64_t id, const hello& h, uint64_t now_ms) {
  auto it = conns_.find(id);
  TC_ASSERT(it != conns_.end());
  if (banned(key_subject(h.key), now_ms))
    return {false, std::nullopt, reject_code::banned, "node key is banned"};
  ready_verdict v;
  // The node that dialed a connection; keep the one dialed by the smaller key.
  auto dialer = [&](const conn& c) { return c.dir == direction::outbound ? me_ : h.key; };
  const pubkey& preferred = std::min(me_, h.key);
  for (auto& [oid, o] : conns_) {
    if (oid == id || !o.key || *o.key != h.key) continue;
    bool new_wins = dialer(it->second) == preferred && dialer(o) != preferred;
    if (new_wins) {
      v.close_other = oid;
    } else {
      return {false, std::nullopt, reject_code::duplicate, "duplicate connection to the same node"};
    }
  }
  it->second.key = h.key;
  if (it->second.dir == direction::outbound) {
    auto a = addrs_.find(it->second.dialed_addr);
    if (a != addrs_.end()) {
      a->second.failures = 0;
      a->second.key = h.key;
      a->second.last_seen_ms = now_ms;
    }
  }
  if (!h.listen_addr.empty()) learn(h.listen_addr, h.key, now_ms);
  return v;
}

void peer_book::on_closed(uint64_t id, uint64_t now_ms) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  (it->second.dir == direction::inbound ? inbound_ : outbound_)--;
  if (it->second.dir == direction::outbound) {
    auto a = addrs_.find(it->second.dialed_addr);
    if (a != addrs_.end()) backoff(a->second, now_ms);
  }
  conns_.erase(it);
}

size_t peer_book::ready_count() const {
  return std::count_if(conns_.begin(), conns_.end(), [](auto& c) { return c.second.key; });
}

std::optional<ban_entry> peer_book::on_misbehaviour(const std::string& subject, uint32_t points,
                                                    const std::string& reason, uint64_t now_ms) {
  if (points == 0 || subject.empty()) return std::nullopt;
  if (subject.rfind("ip:", 0) == 0 && is_loopback(subject.substr(3))) return std::nullopt;
  uint32_t& s = scores_[subject];
  s += points;
  if (s < cfg_.ban_score) return std::nullopt;
  scores_.erase(subject);
  uint32_t level = ++ban_levels_[subject];
  ban_entry e;
  e.level = level;
  e.reason = reason;
  e.until_ms =
      level <= cfg_.ban_durations_ms.size() ? now_ms + cfg_.ban_durations_ms[level - 1] : 0;
  bans_[subject] = e;
  return e;
}

bool peer_book::banned(const std::string& subject, uint64_t now_ms) const {
  auto it = bans_.find(subject);
  return it != bans_.end() && (it->second.until_ms == 0 || it->second.until_ms > now_ms);
}

void peer_book::add_persistent(const std::string& addr) {
  auto& a = addrs_[addr];
  a.addr = addr;
  a.persistent = true;
}

bool peer_book::learn(const std::string& addr, const pubkey& key, uint64_t seen_ms) {
  if (addr.empty() || addr == my_addr_ || key == me_) return false;
  auto it = addrs_.find(addr);
  if (it != addrs_.end()) {
    if (!key.is_zero()) it->second.key = key;
    it->second.last_seen_ms = std::max(it->second.last_seen_ms, seen_ms);
    return false;
  }
  if (addrs_.size() >= cfg_.max_addresses) {
    // Evict the stalest non-persistent entry: the book stays bounded.
    auto victim = addrs_.end();
    for (auto i = addrs_.begin(); i != addrs_.end(); ++i)
      if (!i->second.persistent &&
          (victim == addrs_.end() || i->second.last_seen_ms < victim->second.last_seen_ms))
        victim = i;
    if (victim == addrs_.end()) return false;
    addrs_.erase(victim);
  }
  addrs_[addr] = book_address{addr, key, seen_ms, 0, 0, false};
  return true;
}

std::vector<std::string> peer_book::dial_candidates(uint64_t now_ms) {
  std::vector<std::string> out;
  std::unordered_set<std::string> busy_addrs;
  std::set<pubkey> busy_keys;
  for (auto& [id, c] : conns_) {
    if (!c.dialed_addr.empty()) busy_addrs.insert(c.dialed_addr);
    if (c.key) busy_keys.insert(*c.key);
  }
  size_t slots = cfg_.max_outbound > outbound_ + dialing_.size()
                     ? cfg_.max_outbound - outbound_ - dialing_.size()
                     : 0;
  // Persistent addresses first, then the most recently seen.
  std::vector<book_address*> order;
  for (auto& [addr, a] : addrs_) order.push_back(&a);
  std::stable_sort(order.begin(), order.end(), [](auto* x, auto* y) {
    if (x->persistent != y->persistent) return x->persistent;
    return x->last_seen_ms > y->last_seen_ms;
  });
  for (auto* a : order) {
    if (out.size() >= slots) break;
    if (a->addr == my_addr_ || busy_addrs.count(a->addr) || dialing_.count(a->addr)) continue;
    if (!a->key.is_zero() && (busy_keys.count(a->key) || banned(key_subject(a->key), now_ms)))
      continue;
    if (a->next_try_ms > now_ms) continue;
    dialing_.insert(a->addr);
    out.push_back(a->addr);
  }
  return out;
}

void peer_book::backoff(book_address& a, uint64_t now_ms) {
  a.failures = std::min<uint32_t>(a.failures + 1, 30);
  uint64_t delay = cfg_.backoff_min_ms;
  for (uint32_t i = 1; i < a.failures && delay < cfg_.backoff_max_ms; ++i) delay *= 2;
  a.next_try_ms = now_ms + std::min(delay, cfg_.backoff_max_ms);
}

void peer_book::on_dial_failed(const std::string& addr, uint64_t now_ms) {
  dialing_.erase(addr);
  auto it = addrs_.find(addr);
  if (it != addrs_.end()) backoff(it->second, now_ms);
}

bool peer_book::first_seen(const hash256& h) {
  if (!seen_.insert(h).second) return false;
  seen_order_.push_back(h);
  if (seen_order_.size() > cfg_.seen_capacity) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return true;
}

}  // namespace tc::peer
